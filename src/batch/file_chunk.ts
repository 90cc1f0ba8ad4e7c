/**
 * A chunk of files (a folder or glob of images, say): each file is one record, read and decoded with the
 * adapter's `fromBytes` under the content type its extension implies. An unreadable file fails alone.
 *
 * @module
 */
import { BadInputError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import type { AnyInputAdapter, RecordChunk } from "./chunk.ts";

/** One file of a chunk. */
export interface FileRecord {
  /** Where to read it. */
  path: string;
  /** The name it goes by in the output's `file` column (relative to the folder given). */
  name: string;
}

/** What a file chunk is made of. */
export interface FileChunkInit {
  /** The files. */
  files: FileRecord[];
  /** Their 0-based record numbers. */
  rows: number[];
  /** Records consumed after this chunk. */
  position: number;
}

/** Content types by file extension; anything else is application/octet-stream. */
const TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".txt": "text/plain",
  ".json": "application/json",
  ".csv": "text/csv",
};

/** The content type for a file name. */
export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return (dot >= 0 ? TYPES[name.slice(dot).toLowerCase()] : undefined) ?? "application/octet-stream";
}

/**
 * Makes the chunk; `--keep-columns file` passes the file's name through.
 *
 * @example
 * ```ts
 * import { fileChunk } from "./file_chunk.ts";
 * const chunk = fileChunk({ files: [{ path: "/data/a.png", name: "a.png" }], rows: [0], position: 1 });
 * ```
 */
export function fileChunk(init: FileChunkInit): RecordChunk {
  const { files } = init;
  return {
    rows: init.rows,
    position: init.position,
    bytesRead: 0,
    rowRecords: false,
    async decodeOne(adapter: AnyInputAdapter, k: number): Promise<unknown> {
      const { path, name } = files[k];
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(path);
      } catch (error) {
        throw new BadInputError(`${name} cannot be read: ${(error as Error).message}`);
      }
      try {
        return await adapter.fromBytes(bytes, contentTypeOf(name));
      } catch (error) {
        if (error instanceof Error) error.message = `${name}: ${error.message}`;
        throw error;
      }
    },
    columns(k: number, names: readonly string[]): JsonValue[] {
      return names.map((n) => (n === "file" ? files[k].name : null));
    },
  };
}
