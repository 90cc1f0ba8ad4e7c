/**
 * Batch inputs: {@link openSource} opens a CSV, JSON lines, JSON or Parquet file, standard input, a folder or
 * a glob of files, or one other file, as a {@link BatchSource} that reads its records in chunks. It only picks
 * the reader (by `format`, else by the extension); each format is read in its own file.
 *
 * @module
 */
import { basename, dirname, extname, resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import { csvChunks } from "./csv_source.ts";
import { filesSource, isGlob, listFiles } from "./files_source.ts";
import { fileIdentity } from "./input_identity.ts";
import { openInputStream, statOrUndefined as stat } from "./input_stream.ts";
import { openJsonSource } from "./json_source.ts";
import { jsonlChunks } from "./jsonl_source.ts";
import type { RecordChunk } from "./chunk.ts";
import type { ChunkOptions } from "./source_types.ts";
import type { BatchSource, InputFormat, SourceSpec } from "./source_types.ts";

const EXTENSIONS: Record<string, InputFormat> = {
  ".csv": "csv",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "json",
  ".parquet": "parquet",
};

/**
 * Opens an input.
 *
 * @param spec the path and format
 * @param cwd what relative paths are relative to
 * @returns the source
 * @throws {ObentoError} NOT_FOUND for a missing file or folder, BAD_INPUT for a glob that matches nothing
 *
 * @example
 * ```ts
 * import { DataframeInput } from "../adapters/dataframe_input.ts";
 * import { openSource } from "./source.ts";
 * const source = await openSource({ path: "rows.csv" }, Deno.cwd());
 * const adapter = new DataframeInput(); // the API's input adapter: `service.api("predict").input`
 * for await (const chunk of source.chunks({ adapter, batchSize: 1024, keepColumns: [] })) {
 *   console.log(chunk.rows.length);
 * }
 * ```
 */
export async function openSource(spec: SourceSpec, cwd: string): Promise<BatchSource> {
  const path = spec.path === "-" ? "-" : resolve(cwd, spec.path);
  if (path !== "-" && (isGlob(path) || (await stat(path))?.isDirectory)) {
    if (spec.format !== undefined && spec.format !== "files") {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `format ${spec.format} needs a file, but ${spec.path} is a folder or glob`,
        { option: "format" },
      );
    }
    const { base, names } = await listFiles(path);
    return filesSource(spec.path, base, names, false);
  }
  const format = path === "-"
    ? stdinFormat(spec.format)
    : spec.format ?? EXTENSIONS[extname(path).toLowerCase()] ?? "files";
  if (format === "files") {
    const info = await stat(path);
    if (info === undefined) throw new ObentoError("NOT_FOUND", `input file ${spec.path} not found`);
    return filesSource(spec.path, dirname(path), [basename(path)], true);
  }
  if (format === "json") return await openJsonSource(path, spec.name);
  if (format === "parquet") {
    const info = await stat(path);
    if (info === undefined) throw new ObentoError("NOT_FOUND", `input file ${spec.path} not found`);
    return {
      name: spec.name ?? spec.path,
      single: false,
      total: { bytes: info.size },
      identity: () => fileIdentity(path),
      chunks: (options) => lazyParquetChunks(path, options),
    };
  }
  const input = await openInputStream(path, spec.name);
  return {
    name: input.name,
    single: false,
    total: { bytes: input.size },
    identity: () => path === "-" ? Promise.resolve(undefined) : fileIdentity(path),
    chunks: (options) => format === "csv" ? csvChunks(input, options) : jsonlChunks(input, options),
  };
}

/**
 * The format standard input is read in: `format`, default json. Files and Parquet need a file (a folder's
 * listing, a footer read first), so they are refused.
 *
 * @throws {ObentoError} BAD_ARGUMENT for files or Parquet
 *
 * @example
 * ```ts
 * import { stdinFormat } from "./source.ts";
 * console.log(stdinFormat(undefined), stdinFormat("csv")); // json csv
 * ```
 */
export function stdinFormat(format: InputFormat | undefined): InputFormat {
  if (format === "files") {
    throw new ObentoError("BAD_ARGUMENT", "format files needs a file or folder, not stdin", {
      option: "format",
    });
  }
  if (format === "parquet") throw new ObentoError("BAD_ARGUMENT", "Parquet input needs a file, not stdin");
  return format ?? "json";
}

/**
 * Parquet's chunks, with its reader (npm `hyparquet`) loaded only when a Parquet input is read: every
 * `obento run` worker loads this module, and few runs read Parquet.
 */
async function* lazyParquetChunks(path: string, options: ChunkOptions): AsyncGenerator<RecordChunk> {
  const { parquetChunks } = await import("./parquet_source.ts");
  yield* parquetChunks(path, options);
}
