/**
 * Batch inputs: {@link openSource} opens a CSV, JSON lines, JSON or Parquet file, standard input, a folder or
 * a glob of files, or one other file, as a {@link BatchSource} that reads its records in chunks.
 *
 * @module
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { parseCsv } from "../adapters/csv.ts";
import { type AnyInputAdapter, declaredColumns, type RecordChunk } from "./chunk.ts";
import { csvChunk } from "./csv_chunk.ts";
import { fileChunk, type FileRecord } from "./file_chunk.ts";
import { type InputStream, inputText, openInputStream } from "./input_stream.ts";
import { JsonArrayScanner } from "./json_array_scanner.ts";
import { splitRecords, textBatches } from "./text_batches.ts";
import { recordFilter, type Shard } from "./shard.ts";
import { parseJsonRecord, valueChunk } from "./value_chunk.ts";
import { parquetChunks } from "./parquet_source.ts";
import { fileIdentity, sha256 } from "./input_identity.ts";

/** The formats a batch input can have; `files` means each file is one record. */
export type InputFormat = "csv" | "jsonl" | "json" | "parquet" | "files";

/** All input formats, for flag checks. */
export const INPUT_FORMATS: readonly InputFormat[] = ["csv", "jsonl", "json", "parquet", "files"];

/** How to read the records. */
export interface ChunkOptions {
  /** The API's input adapter. */
  adapter: AnyInputAdapter;
  /** Records per chunk at most. */
  batchSize: number;
  /** Records before this one (0-based) are skipped: done before a resume (default 0). */
  skip?: number;
  /** This run's share of the records (default all). */
  shard?: Shard;
  /** Input columns the output passes through; a CSV header must have them. */
  keepColumns: readonly string[];
}

/** An input, ready to be read. */
export interface BatchSource {
  /** The input's name for messages. */
  readonly name: string;
  /** True when the input is one request body (one JSON value, one file): JSON output is then that value. */
  readonly single: boolean;
  /** The input's size in bytes (files), or its record count (folders), when known, for progress. */
  readonly total: { bytes?: number; records?: number };
  /** What `--resume` compares to be sure it continues the same input; undefined for stdin (no resume). */
  identity(): Promise<JsonValue | undefined>;
  /** The records, in chunks, in input order. Read once. */
  chunks(options: ChunkOptions): AsyncIterable<RecordChunk>;
}

/** Where to read. */
export interface SourceSpec {
  /** A file, a folder, a glob (`*` and `?` in the last path segment), or "-" for stdin. */
  path: string;
  /** The format; default: from the extension (stdin: json; a folder or glob: files). */
  format?: InputFormat;
}

const EXTENSIONS: Record<string, InputFormat> = {
  ".csv": "csv",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "json",
  ".parquet": "parquet",
};

/** True for a path with a glob wildcard in its last segment. */
function isGlob(path: string): boolean {
  return /[*?]/.test(basename(path));
}

/** A glob's last segment as a regular expression. */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  return new RegExp(`^${body}$`);
}

async function stat(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** The kept columns that are not given to the API: those its adapter does not declare. */
function dropColumns(options: ChunkOptions): string[] {
  const declared = declaredColumns(options.adapter);
  return options.keepColumns.filter((c) => c !== "file" && !declared?.includes(c));
}

async function* csvChunks(input: InputStream, options: ChunkOptions): AsyncGenerator<RecordChunk> {
  let names: string[] | undefined;
  const owns = recordFilter(options.skip ?? 0, options.shard);
  const contiguous = options.shard === undefined || options.shard.count === 1;
  const drop = dropColumns(options);
  for await (
    const batch of textBatches(input, { quotes: true, header: true, owns, contiguous, ...options })
  ) {
    if (names === undefined) {
      names = parseCsv(batch.header)[0] ?? [];
      const missing = options.keepColumns.find((c) => !names!.includes(c));
      if (missing !== undefined) {
        throw new ObentoError(
          "BAD_ARGUMENT",
          `--keep-columns: ${input.name} has no column "${missing}"; its columns are ${names.join(", ")}`,
        );
      }
    }
    yield csvChunk({ ...batch, names, rowwise: options.adapter.rowwise === true, drop, source: input.name });
  }
}

async function* jsonlChunks(input: InputStream, options: ChunkOptions): AsyncGenerator<RecordChunk> {
  const owns = recordFilter(options.skip ?? 0, options.shard);
  for await (const batch of textBatches(input, { quotes: false, header: false, owns, ...options })) {
    const values = splitRecords(batch.text, false).map((text, i) =>
      parseJsonRecord(text, `line ${batch.rows[i] + 1}`)
    );
    yield valueChunk({ ...batch, values, rowRecords: false, drop: dropColumns(options) });
  }
}

async function* arrayChunks(
  text: AsyncIterable<string>,
  input: InputStream,
  options: ChunkOptions,
): AsyncGenerator<RecordChunk> {
  const scanner = new JsonArrayScanner();
  const rowRecords = options.adapter.rowwise === true;
  const owns = recordFilter(options.skip ?? 0, options.shard);
  let values: unknown[] = [];
  let rows: number[] = [];
  let record = 0;
  const flush = () => {
    const chunk = valueChunk({
      values,
      rows,
      position: rows[rows.length - 1] + 1,
      bytesRead: input.bytesRead(),
      rowRecords,
    });
    values = [];
    rows = [];
    return chunk;
  };
  const take = function* (final: boolean): Generator<RecordChunk> {
    for (let e = scanner.next(final); e !== undefined; e = scanner.next(final)) {
      if (owns(record)) {
        values.push(parseJsonRecord(e, `element ${record + 1}`));
        rows.push(record);
        if (values.length >= options.batchSize) yield flush();
      }
      record++;
    }
  };
  for await (const t of text) {
    scanner.push(t);
    yield* take(false);
  }
  yield* take(true);
  if (values.length > 0) yield flush();
}

async function openJson(path: string): Promise<BatchSource> {
  const input = await openInputStream(path);
  const text = inputText(input);
  let head = "";
  while (head.trim() === "") {
    const next = await text.next();
    if (next.done) break;
    head += next.value;
  }
  const rest = async function* () {
    yield head;
    yield* text;
  };
  const base = {
    name: input.name,
    total: { bytes: input.size },
    identity: () => path === "-" ? Promise.resolve(undefined) : fileIdentity(path),
  };
  if (head.trimStart().startsWith("[")) {
    return { ...base, single: false, chunks: (options) => arrayChunks(rest(), input, options) };
  }
  return {
    ...base,
    single: true,
    async *chunks(options: ChunkOptions): AsyncGenerator<RecordChunk> {
      let all = "";
      for await (const t of rest()) all += t;
      if (!recordFilter(options.skip ?? 0, options.shard)(0)) return;
      const value = parseJsonRecord(all, input.name);
      yield valueChunk({
        values: [value],
        rows: [0],
        position: 1,
        bytesRead: input.bytesRead(),
        rowRecords: false,
      });
    },
  };
}

/** A single value given on the command line (`--input JSON`): one request body. */
export function inlineSource(json: string): BatchSource {
  return {
    name: "--input",
    single: true,
    total: {},
    identity: () => Promise.resolve({ inline: json }),
    async *chunks(options: ChunkOptions): AsyncGenerator<RecordChunk> {
      if (!recordFilter(options.skip ?? 0, options.shard)(0)) return;
      const value = parseJsonRecord(json, "--input");
      yield valueChunk({ values: [value], rows: [0], position: 1, bytesRead: 0, rowRecords: false });
    },
  };
}

async function listFiles(path: string): Promise<{ base: string; names: string[] }> {
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

function filesSource(path: string, base: string, names: string[], single: boolean): BatchSource {
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

/**
 * Opens an input.
 *
 * @param spec the path and format
 * @param cwd what relative paths are relative to
 * @returns the source
 * @throws {ObentoError} NOT_FOUND for a missing file or folder, BAD_INPUT for a glob that matches nothing
 *
 * @example
 * ```ts ignore
 * import { openSource } from "./source.ts";
 * const source = await openSource({ path: "rows.csv" }, Deno.cwd());
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
        `--input-format ${spec.format} needs a file, but ${spec.path} is a folder or glob`,
      );
    }
    const { base, names } = await listFiles(path);
    return filesSource(spec.path, base, names, false);
  }
  const format = spec.format ?? (path === "-" ? "json" : EXTENSIONS[extname(path).toLowerCase()] ?? "files");
  if (format === "files") {
    if (path === "-") {
      throw new ObentoError("BAD_ARGUMENT", "--input-format files needs a file or folder, not stdin");
    }
    const info = await stat(path);
    if (info === undefined) throw new ObentoError("NOT_FOUND", `input file ${spec.path} not found`);
    return filesSource(spec.path, dirname(path), [basename(path)], true);
  }
  if (format === "json") return await openJson(path);
  if (format === "parquet") {
    if (path === "-") throw new ObentoError("BAD_ARGUMENT", "Parquet input needs a file, not stdin");
    const info = await stat(path);
    if (info === undefined) throw new ObentoError("NOT_FOUND", `input file ${spec.path} not found`);
    return {
      name: spec.path,
      single: false,
      total: { bytes: info.size },
      identity: () => fileIdentity(path),
      chunks: (options) => parquetChunks(path, options),
    };
  }
  const input = await openInputStream(path);
  return {
    name: input.name,
    single: false,
    total: { bytes: input.size },
    identity: () => path === "-" ? Promise.resolve(undefined) : fileIdentity(path),
    chunks: (options) => format === "csv" ? csvChunks(input, options) : jsonlChunks(input, options),
  };
}
