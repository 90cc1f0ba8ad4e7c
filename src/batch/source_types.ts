/**
 * What every batch input reader shares: the {@link InputFormat}s, the {@link ChunkOptions} a run reads with,
 * and the {@link BatchSource} each reader returns (one file per format: `csv_source.ts`, `jsonl_source.ts`,
 * `json_source.ts`, `parquet_source.ts`, `files_source.ts`, `inline_source.ts`; `source.ts` picks one).
 *
 * @module
 */
import type { JsonValue } from "../sdk/adapter.ts";
import { type AdapterShape, declaredColumns, type RecordChunk } from "./chunk.ts";
import type { Shard } from "./shard.ts";

/** The formats a batch input can have; `files` means each file is one record. */
export type InputFormat = "csv" | "jsonl" | "json" | "parquet" | "files";

/** All input formats, for flag checks. */
export const INPUT_FORMATS: readonly InputFormat[] = ["csv", "jsonl", "json", "parquet", "files"];

/** How to read the records. */
export interface ChunkOptions {
  /** The API's input adapter. */
  adapter: AdapterShape;
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
  /** The input's name in messages (the CLI's copy of stdin: "stdin"); default the path ("stdin" for "-"). */
  name?: string;
}

/** The kept columns that are not given to the API: those its adapter does not declare. */
export function dropColumns(options: ChunkOptions): string[] {
  const declared = declaredColumns(options.adapter);
  return options.keepColumns.filter((c) => c !== "file" && !declared?.includes(c));
}
