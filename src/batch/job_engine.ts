/**
 * The engine of a batch job: reads the input in chunks, runs them through the API and encodes their results
 * in the output format, yielding one {@link JobReport} per chunk with the bytes to append and what failed.
 * The job (src/batch/job.ts) writes those bytes, checkpoints, counts and applies the error policy; the engine
 * keeps no file open and writes nothing, so it can run on the job's thread ({@link localEngine}) or in
 * `obento run`'s sandboxed worker (src/batch/chunk_items.ts), which then needs no write access at all, and
 * whose reports cross the worker boundary as one byte buffer each (src/batch/report_wire.ts).
 *
 * An engine can start anywhere a checkpoint can: after `skip` records with the sink's saved state, which is
 * how a job continues after `--resume`, and how `obento run` continues in a new worker after one was replaced
 * (`fail` then names the chunk that was stopped, whose records fail without being run).
 *
 * @module
 */
import type { JsonValue } from "../sdk/adapter.ts";
import type { OptionNamer } from "../option_name.ts";
import type { ChunkRunner } from "./chunk_runner.ts";
import type { RecordChunk, RecordResult } from "./chunk.ts";
import { mapOrdered } from "./ordered_map.ts";
import type { Shard } from "./shard.ts";
import type { OutputFormat } from "./sink.ts";
import { sinkForFormat } from "./sink_for_format.ts";
import type { BatchSource } from "./source_types.ts";

/** A failed record in a {@link JobReport}: `[record number (1-based), status, message]`. */
export type ReportedFailure = [record: number, status: number, message: string];

/** What the engine yields: the output's first bytes, one chunk's, or its last. */
export type JobReport =
  | {
    /** Before the first chunk of a fresh output (not after a resume). */
    readonly kind: "begin";
    /** The bytes that start the output. */
    readonly bytes: Uint8Array;
    /** The sink's state after them. */
    readonly sinkState: JsonValue;
  }
  | {
    /** One chunk, in input order. */
    readonly kind: "chunk";
    /** Input records consumed once this chunk is done. */
    readonly position: number;
    /** Input bytes read so far (0 when unknown). */
    readonly bytesRead: number;
    /** Records in the chunk. */
    readonly records: number;
    /** The chunk's failed records. */
    readonly failures: readonly ReportedFailure[];
    /** The bytes to append to the output. */
    readonly bytes: Uint8Array;
    /** The sink's state after them (what a checkpoint keeps). */
    readonly sinkState: JsonValue;
  }
  | {
    /** After the last chunk. */
    readonly kind: "end";
    /** The bytes that end the output. */
    readonly bytes: Uint8Array;
  };

/** What the engine does, as plain data (it crosses a worker message for `obento run`). */
export interface EngineOptions {
  /** The output format. */
  format: OutputFormat;
  /** Input columns passed through to the output. */
  keepColumns: readonly string[];
  /** Failed records go into JSON output as `{"error", "status"}` rows. */
  inlineErrors: boolean;
  /** The input is one request body. */
  single: boolean;
  /** Records per chunk. */
  batchSize: number;
  /** Chunks in flight. */
  concurrency: number;
  /** This process's share of the input. */
  shard?: Shard;
  /** How messages name options, as a table (a function cannot cross a worker message); default as they are. */
  optionNames?: Record<string, string>;
}

/** A chunk that is not run: its records fail with this status and message. */
export interface FailedChunk {
  /** The chunk that fails is the first one that ends after this many records. */
  after: number;
  /** Its records' status (504 for a timeout, 500 otherwise). */
  status: number;
  /** What happened to it. */
  message: string;
}

/** Where an engine starts. */
export interface EngineStart {
  /** Records to skip (done before). */
  skip: number;
  /** The sink's state to continue from; undefined for a fresh output (the engine yields `begin` first). */
  sinkState?: JsonValue;
  /** A chunk to fail without running it (the one a replaced worker was stopped in). */
  fail?: FailedChunk;
}

/** Reads, runs and encodes a job from a start point. */
export type JobEngine = (options: EngineOptions, start: EngineStart) => AsyncIterable<JobReport>;

/** Names options from a table, as-is when it has none. */
export function optionNamer(names: Record<string, string> | undefined): OptionNamer {
  return (option) => names?.[option] ?? option;
}

function failedResults(chunk: RecordChunk, fail: FailedChunk): RecordResult[] {
  return chunk.rows.map(() => ({ ok: false, status: fail.status, message: fail.message }));
}

/**
 * An engine over a runner and a source on this thread.
 *
 * @param runner runs the chunks (results already JSON-safe)
 * @param source the input (read once: one engine start per source)
 * @returns the engine
 *
 * @example
 * ```ts ignore
 * import { localEngine } from "./job_engine.ts";
 * const engine = localEngine(runner, source);
 * for await (const report of engine({ format: "csv", keepColumns: [], inlineErrors: false, single: false,
 *   batchSize: 4096, concurrency: 1 }, { skip: 0 })) console.log(report.kind, report.bytes.length);
 * ```
 */
export function localEngine(runner: ChunkRunner, source: BatchSource): JobEngine {
  return async function* (options, start) {
    const { keepColumns } = options;
    const sink = await sinkForFormat(options.format, {
      keepColumns,
      inlineErrors: options.inlineErrors,
      single: options.single,
      optionName: optionNamer(options.optionNames),
    });
    if (start.sinkState === undefined) yield { kind: "begin", bytes: sink.begin(), sinkState: sink.state() };
    else sink.restore(start.sinkState);
    const chunks = source.chunks({
      adapter: runner.input,
      batchSize: options.batchSize,
      skip: start.skip,
      shard: options.shard,
      keepColumns,
    });
    let fail = start.fail;
    const run = mapOrdered(chunks, async (chunk) => {
      if (fail !== undefined && chunk.position > fail.after) {
        const results = failedResults(chunk, fail);
        fail = undefined;
        return { chunk, results };
      }
      return { chunk, results: await runner.run(chunk) };
    }, { concurrency: options.concurrency });
    for await (const { chunk, results } of run) {
      const kept = keepColumns.length > 0 ? results.map((_, k) => chunk.columns(k, keepColumns)) : undefined;
      const bytes = sink.write({ results, kept });
      const failures: ReportedFailure[] = [];
      for (let k = 0; k < results.length; k++) {
        const r = results[k];
        if (!r.ok) failures.push([chunk.rows[k] + 1, r.status, r.message]);
      }
      yield {
        kind: "chunk",
        position: chunk.position,
        bytesRead: chunk.bytesRead,
        records: results.length,
        failures,
        bytes,
        sinkState: sink.state(),
      };
    }
    yield { kind: "end", bytes: sink.end() };
  };
}
