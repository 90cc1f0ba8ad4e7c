/**
 * Parquet input through hyparquet (pure JavaScript): the file is read by byte ranges, row group by row group,
 * in windows of at most {@link WINDOW_ROWS} rows, so memory stays bounded whatever the file's size. Each row
 * becomes a record object (int64 → number when exact, else a decimal string; dates → ISO strings).
 *
 * @module
 */
import { type AsyncBuffer, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { BadInputError } from "../errors.ts";
import { declaredColumns, type RecordChunk } from "./chunk.ts";
import type { ChunkOptions } from "./source_types.ts";
import { valueChunk } from "./value_chunk.ts";
import { recordFilter } from "./shard.ts";

/** Rows decoded at once at most. */
export const WINDOW_ROWS = 65536;

/** An AsyncBuffer over an open file. */
function fileBuffer(file: Deno.FsFile, byteLength: number): AsyncBuffer {
  return {
    byteLength,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = end ?? byteLength;
      const out = new Uint8Array(stop - start);
      await file.seek(start, Deno.SeekMode.Start);
      let n = 0;
      while (n < out.length) {
        const got = await file.read(out.subarray(n));
        if (got === null) break;
        n += got;
      }
      return out.buffer;
    },
  };
}

/** A Parquet cell as a plain JSON-safe value. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  return value;
}

/**
 * Reads the rows of the Parquet file at `path` that `options.owns`, in chunks.
 *
 * @throws {BadInputError} when the file is not Parquet or lacks a `--keep-columns` column
 */
export async function* parquetChunks(path: string, options: ChunkOptions): AsyncGenerator<RecordChunk> {
  const file = await Deno.open(path);
  try {
    const size = (await file.stat()).size;
    const buffer = fileBuffer(file, size);
    let metadata;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (error) {
      throw new BadInputError(`${path} is not a Parquet file: ${(error as Error).message}`);
    }
    const names = metadata.schema.slice(1).map((s) => s.name);
    const missing = options.keepColumns.find((c) => !names.includes(c));
    if (missing !== undefined) {
      throw new BadInputError(
        `keepColumns: ${path} has no column "${missing}"; its columns are ${names.join(", ")}`,
        { option: "keepColumns" },
      );
    }
    const rowRecords = options.adapter.rowwise === true;
    const owns = recordFilter(options.skip ?? 0, options.shard);
    const declared = declaredColumns(options.adapter);
    const drop = options.keepColumns.filter((c) => !declared?.includes(c));
    const total = Number(metadata.num_rows);
    let values: unknown[] = [];
    let rows: number[] = [];
    let groupStart = 0;
    let bytesRead = 0;
    for (const group of metadata.row_groups) {
      const groupEnd = groupStart + Number(group.num_rows);
      bytesRead += Number(group.total_byte_size ?? 0);
      for (let start = groupStart; start < groupEnd; start += WINDOW_ROWS) {
        const end = Math.min(groupEnd, start + WINDOW_ROWS);
        let owned = false;
        for (let r = start; r < end && !owned; r++) owned = owns(r);
        if (!owned) continue;
        const objects = await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: end });
        for (let i = 0; i < objects.length; i++) {
          const r = start + i;
          if (!owns(r)) continue;
          const o = objects[i] as Record<string, unknown>;
          for (const k in o) o[k] = plain(o[k]);
          values.push(o);
          rows.push(r);
          if (values.length >= options.batchSize) {
            yield valueChunk({
              values,
              rows,
              position: r + 1,
              bytesRead: Math.min(bytesRead, size),
              rowRecords,
              drop,
            });
            values = [];
            rows = [];
          }
        }
      }
      groupStart = groupEnd;
    }
    if (values.length > 0) {
      yield valueChunk({
        values,
        rows,
        position: rows[rows.length - 1] + 1,
        bytesRead: size,
        rowRecords,
        drop,
      });
    }
    if (groupStart !== total) {
      throw new BadInputError(`${path}: row groups hold ${groupStart} rows, metadata says ${total}`);
    }
  } finally {
    file.close();
  }
}
