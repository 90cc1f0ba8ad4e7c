/**
 * Files as input: a folder, a glob (`*` and `?` in the last path segment) or one file, each file one record.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import type { RecordChunk } from "./chunk.ts";
import type { FileRecord } from "./file_chunk.ts";
import { fileChunk } from "./file_chunk.ts";
import { sha256 } from "./input_identity.ts";
import { statOrUndefined as stat } from "./input_stream.ts";
import { recordFilter } from "./shard.ts";
import type { BatchSource, ChunkOptions } from "./source_types.ts";

/** True for a path with a glob wildcard in its last segment. */
export function isGlob(path: string): boolean {
  return /[*?]/.test(basename(path));
}

/** A glob's last segment as a regular expression. */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  return new RegExp(`^${body}$`);
}

/** The files (not dot files, not folders) of a folder, or those a glob matches, sorted by name. */
export async function listFiles(path: string): Promise<{ base: string; names: string[] }> {
  const glob = isGlob(path);
  const dir = glob ? dirname(path) : path;
  const match = glob ? globRegExp(basename(path)) : undefined;
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.startsWith(".")) continue;
      if (match !== undefined && !match.test(e.name)) continue;
      const info = await stat(join(dir, e.name));
      if (info?.isFile) names.push(e.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ObentoError("NOT_FOUND", `input folder ${dir} not found`);
    }
    throw error;
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) {
    throw new ObentoError("BAD_INPUT", `empty input: ${path} matches no files`);
  }
  return { base: dir, names };
}

/** Files as records: each file is one record (its bytes are the request body). */
export function filesSource(path: string, base: string, names: string[], single: boolean): BatchSource {
  return {
    name: path,
    single,
    total: { records: names.length },
    async identity(): Promise<JsonValue> {
      const lines: string[] = [];
      for (const n of names) {
        const info = await stat(join(base, n));
        lines.push(`${n}\t${info?.size}\t${info?.mtime?.getTime()}`);
      }
      return {
        files: path,
        count: names.length,
        digest: await sha256(new TextEncoder().encode(lines.join("\n"))),
      };
    },
    async *chunks(options: ChunkOptions): AsyncGenerator<RecordChunk> {
      const owns = recordFilter(options.skip ?? 0, options.shard);
      let files: FileRecord[] = [];
      let rows: number[] = [];
      for (let r = 0; r < names.length; r++) {
        if (!owns(r)) continue;
        files.push({ path: join(base, names[r]), name: names[r] });
        rows.push(r);
        if (files.length >= options.batchSize || r === names.length - 1) {
          yield fileChunk({ files, rows, position: r + 1 });
          files = [];
          rows = [];
        }
      }
      if (files.length > 0) yield fileChunk({ files, rows, position: rows[rows.length - 1] + 1 });
    },
  };
}
