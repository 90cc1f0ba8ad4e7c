/**
 * A whole batch run to files, as `obento run` does it: a source read in chunks, run through an API, written
 * in input order to `<output>.partial` (plus an errors file), with a checkpoint after synced writes, progress
 * on stderr, `--max-errors`, `--resume` and `--shard`; at the end the partial files are renamed into place.
 *
 * A run that fails leaves nothing behind: when it stops on an error or on `--max-errors`, or when every
 * record failed, the `.partial` files and the checkpoint are removed (unless `--resume` was given, or a write
 * failed — a full disk — where the checkpoint is how to continue), and output meant for stdout, held back
 * until the end ({@link HeldOutput}), is dropped.
 *
 * @module
 */
import { type OptionNamer, sdkOptionName } from "../option_name.ts";
import { BATCH_DEFAULTS } from "../defaults.ts";
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import type { ChunkRunner } from "./chunk_runner.ts";
import type { RecordFailure } from "./chunk.ts";
import { type Checkpoint, checkpointPath, readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import { type EngineOptions, type JobEngine, localEngine } from "./job_engine.ts";
import { resumableFormat } from "./sink_for_format.ts";
import { HeldOutput } from "./held_output.ts";
import { checkOutputPath } from "./output_path.ts";
import { PartialFile, partialPath } from "./partial_file.ts";
import type { Progress } from "./progress.ts";
import type { Shard } from "./shard.ts";
import type { OutputFormat } from "./sink.ts";
import type { BatchSource } from "./source_types.ts";
import { pathExists } from "../path_exists.ts";

/**
 * What does a job's work: a runner of chunks on this thread (`serviceRunner`), read and encoded here by
 * {@link localEngine} over the job's `source`; or an engine that reads, runs and encodes the chunks somewhere
 * else (`obento run`'s supervised worker, src/cli/run_sandboxed.ts). Either way the job's thread writes.
 */
export type JobWork =
  | {
    /** Runs the chunks through the API. */
    runner: ChunkRunner;
    /** None: `runner` works here. */
    engine?: undefined;
  }
  | {
    /** Reads, runs and encodes the chunks. */
    engine: JobEngine;
    /** None: `engine` does the work. */
    runner?: undefined;
  };

/** Options for {@link runJob}, with a {@link JobWork}. */
export interface BatchJobOptions {
  /**
   * The caller has checked `outputPath` and `errorsPath` with `checkOutputPath` already (`obento run` does,
   * before loading the bundle; its sandboxed worker may not look at the output's directory). Default false.
   */
  outputChecked?: boolean;
  /** The input (an `engine` reads it itself: then only its name, identity and size are used here). */
  source: BatchSource;
  /** The output format. */
  format: OutputFormat;
  /**
   * The output file (absolute), or undefined to hand the bytes to `writeStdout` (held back until the run ends,
   * or until they pass 1 MiB: {@link HeldOutput}).
   */
  outputPath?: string;
  /** Receives the output when there is no output file. */
  writeStdout: (bytes: Uint8Array) => void;
  /** Replace an existing output (default false: refuse). */
  overwrite?: boolean;
  /** Continue an interrupted run from its checkpoint (default false). */
  resume?: boolean;
  /**
   * How messages name this job's options (`resume`, `outputPath`, `format`, `overwrite`…; src/option_name.ts):
   * default as they are; `obento run` passes its flags' names (`--resume`, `--output`, `--format`).
   */
  optionName?: OptionNamer;
  /** Input columns passed through to the output (default none). */
  keepColumns?: readonly string[];
  /** Where failed records go (CSV `row,status,message`), or undefined: inline in JSON, and `onFailure`. */
  errorsPath?: string;
  /** Failed records tolerated; one more stops the run (default: no limit). */
  maxErrors?: number;
  /** Records per chunk (default 4096). */
  batchSize?: number;
  /** Chunks in flight (default 1). */
  concurrency?: number;
  /** This process's share of the input (default all). */
  shard?: Shard;
  /** Minimum milliseconds between checkpoints (default 1000; 0: after every chunk). */
  checkpointIntervalMs?: number;
  /** Progress reporting. */
  progress: Progress;
  /** Called for each failed record (1-based record number), e.g. to print it. */
  onFailure?: (record: number, failure: RecordFailure) => void;
  /** What identifies the run besides its input (bundle, API, flags that change the output). */
  fingerprint: JsonValue;
  /** Stops the run at the next chunk boundary, with a checkpoint (SIGINT). */
  signal?: AbortSignal;
}

/** How a run ended. */
export interface BatchJobResult {
  /** Records that went through, in all (including before a resume). */
  rows: number;
  /** Records that failed, in all. */
  failed: number;
  /** Records done by this process (after its resume point). */
  processed: number;
  /** The input record a resumed run started at (0 for a fresh run). */
  resumedAt: number;
  /** The highest status of a failed record (0 when none). */
  worstStatus: number;
  /**
   * Whether the output was written: false when the run did not complete, or when every record failed and
   * `maxErrors` did not allow it, in which case no output file is created and nothing goes to stdout; the
   * errors file (if any) is still written.
   */
  written: boolean;
  /** "complete"; "stopped" (more than maxErrors); "interrupted" (signal); "already-complete" (resume of a finished run). */
  outcome: "complete" | "stopped" | "interrupted" | "already-complete";
}

const encoder = new TextEncoder();

/** Removes a run's partial output, partial errors file and checkpoint (a failed run that cannot resume). */
async function discardPartials(outputPath: string, errorsPath: string | undefined): Promise<void> {
  await removeIfThere(partialPath(outputPath));
  if (errorsPath !== undefined) await removeIfThere(partialPath(errorsPath));
  await removeIfThere(checkpointPath(outputPath));
  await removeIfThere(`${checkpointPath(outputPath)}.tmp`);
}

async function removeIfThere(path: string): Promise<void> {
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

function errorLine(record: number, failure: RecordFailure): string {
  const message = failure.message.replace(/[\r\n]+/g, " ");
  return `${record},${failure.status},${
    /[",]/.test(message) ? `"${message.replaceAll('"', '""')}"` : message
  }\n`;
}

/**
 * Runs the job to the end (or to `maxErrors`, or to the signal).
 *
 * @returns counts and how the run ended
 * @throws {ObentoError} CONFLICT for an existing output without `overwrite`/`resume`, or a checkpoint of a
 * different run; NOT_FOUND when the output's directory does not exist; BAD_ARGUMENT for `resume` without an
 * output file or with Parquet output; UNAVAILABLE when a write fails (the last checkpoint stays, so
 * `--resume` continues)
 *
 * @example
 * ```ts
 * import { openBundle } from "../runtime/host_parts.ts";
 * import { runJob } from "./job.ts";
 * import { serviceRunner } from "./chunk_runner.ts";
 * import { Progress } from "./progress.ts";
 * import { openSource } from "./source.ts";
 * const service = await openBundle("./iris-bundle");
 * const source = await openSource({ path: "/data/rows.csv" }, Deno.cwd());
 * const progress = new Progress({ write: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)), mode: "lines" });
 * const result = await runJob({ runner: serviceRunner(service, "predict"), source, format: "csv", outputPath: "/data/out.csv",
 *   writeStdout: () => {}, progress, fingerprint: { bundle: "IrisClassifier:1" } });
 * console.log(result.rows, result.failed);
 * ```
 */
export async function runJob(options: BatchJobOptions & JobWork): Promise<BatchJobResult> {
  const { source, outputPath, progress } = options;
  const keepColumns = options.keepColumns ?? [];
  const inlineErrors = options.errorsPath === undefined;
  const name = options.optionName ?? sdkOptionName;
  const sinkResumable = resumableFormat(options.format);
  if (options.resume && outputPath === undefined) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `${name("resume")} needs ${name("outputPath")}: output to stdout cannot be continued`,
    );
  }
  if (options.resume && !sinkResumable) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `${name("resume")} works with ${
        name("format")
      } csv, jsonl or json; a ${options.format} file cannot be ` +
        `continued from a byte offset (split the run with ${
          name("shard")
        } instead, or write csv and convert)`,
    );
  }
  const result: BatchJobResult = {
    rows: 0,
    failed: 0,
    processed: 0,
    resumedAt: 0,
    worstStatus: 0,
    outcome: "complete",
    written: false,
  };
  const held = outputPath === undefined ? new HeldOutput(options.writeStdout) : undefined;

  let out: PartialFile | undefined;
  let errors: PartialFile | undefined;
  let checkpoint: Checkpoint | undefined;
  const cpPath = outputPath === undefined ? undefined : checkpointPath(outputPath);
  const identity = outputPath === undefined ? undefined : await source.identity();
  const run: JsonValue = { ...(options.fingerprint as Record<string, JsonValue>), input: identity ?? null };

  if (outputPath !== undefined) {
    if (options.outputChecked !== true) await checkOutputPath(outputPath, options);
    if (options.resume) checkpoint = await readCheckpoint(cpPath!);
    if (checkpoint !== undefined && JSON.stringify(checkpoint.run) !== JSON.stringify(run)) {
      throw new ObentoError(
        "CONFLICT",
        `${cpPath} belongs to another run (a different bundle, API, input or output options); run the same ` +
          `job as before, or pass ${name("overwrite")} instead of ${name("resume")} to start over`,
      );
    }
    if (
      options.resume && (checkpoint?.complete || (checkpoint === undefined && await pathExists(outputPath)))
    ) {
      // A finished run: only renames may be left.
      if (await pathExists(partialPath(outputPath))) await Deno.rename(partialPath(outputPath), outputPath);
      if (options.errorsPath !== undefined && await pathExists(partialPath(options.errorsPath))) {
        await Deno.rename(partialPath(options.errorsPath), options.errorsPath);
      }
      await removeIfThere(cpPath!);
      return {
        ...result,
        rows: checkpoint?.rows ?? 0,
        failed: checkpoint?.failed ?? 0,
        outcome: "already-complete",
        written: true,
      };
    }
    if (checkpoint === undefined) {
      if (identity === undefined && options.resume) {
        throw new ObentoError(
          "BAD_ARGUMENT",
          `${name("resume")} cannot check that stdin is the same input; give a file as ${name("source")}`,
        );
      }
      await removeIfThere(cpPath!);
    }
  }

  let position = 0;
  /** The sink's state after the last bytes written (what a checkpoint keeps); undefined before the first. */
  let sinkState: JsonValue | undefined;
  const save = async (complete: boolean) => {
    if (out === undefined) return;
    await out.sync();
    await errors?.sync();
    await writeCheckpoint(cpPath!, {
      version: 1,
      run,
      position,
      rows: result.rows,
      failed: result.failed,
      outputBytes: out.bytes,
      errorsBytes: errors?.bytes ?? 0,
      sink: sinkState ?? null,
      complete,
    });
  };
  const emit = async (bytes: Uint8Array) => {
    if (bytes.length === 0) return;
    if (out !== undefined) await out.write(bytes);
    else held!.write(bytes);
  };
  /** Ends a run that failed or stopped: nothing partial stays unless it can be resumed. */
  const abandon = async (resumable: boolean) => {
    held?.drop();
    out?.close();
    errors?.close();
    if (outputPath !== undefined && !resumable) await discardPartials(outputPath, options.errorsPath);
  };

  try {
    if (outputPath !== undefined) {
      out = await PartialFile.open(outputPath, checkpoint?.outputBytes, name);
      if (options.errorsPath !== undefined) {
        errors = await PartialFile.open(options.errorsPath, checkpoint?.errorsBytes, name);
      }
    }
    if (checkpoint !== undefined) {
      position = result.resumedAt = checkpoint.position;
      result.rows = checkpoint.rows;
      result.failed = checkpoint.failed;
      sinkState = checkpoint.sink;
    }
    const interval = options.checkpointIntervalMs ?? BATCH_DEFAULTS.checkpointIntervalMs;
    let lastSave = performance.now();
    const engineOptions: EngineOptions = {
      format: options.format,
      keepColumns,
      inlineErrors,
      single: source.single,
      batchSize: options.batchSize ?? BATCH_DEFAULTS.batchSize,
      concurrency: options.concurrency ?? BATCH_DEFAULTS.concurrency,
      shard: options.shard,
      optionNames: Object.fromEntries(["format", "keepColumns"].map((o) => [o, name(o)])),
    };
    const engine = options.engine ?? localEngine(options.runner, source);
    const totalBytes = source.total.bytes;
    const totalRecords = source.total.records;
    let endBytes: Uint8Array | undefined;
    for await (const report of engine(engineOptions, { skip: position, sinkState })) {
      if (report.kind === "end") {
        endBytes = report.bytes;
        break;
      }
      sinkState = report.sinkState;
      if (report.kind === "begin") {
        await emit(report.bytes);
        if (errors !== undefined) await errors.write(encoder.encode("row,status,message\n"));
        await save(false);
        continue;
      }
      await emit(report.bytes);
      let errorText = "";
      for (const [record, status, message] of report.failures) {
        const failure: RecordFailure = { ok: false, status, message };
        result.worstStatus = Math.max(result.worstStatus, status);
        if (errors !== undefined) errorText += errorLine(record, failure);
        options.onFailure?.(record, failure);
      }
      if (errorText !== "") await errors!.write(encoder.encode(errorText));
      result.failed += report.failures.length;
      result.rows += report.records - report.failures.length;
      result.processed += report.records;
      position = report.position;
      const stop = options.maxErrors !== undefined && result.failed > options.maxErrors;
      const aborted = options.signal?.aborted === true;
      if (stop || aborted || performance.now() - lastSave >= interval) {
        await save(false);
        lastSave = performance.now();
      }
      progress.update({
        rows: result.processed,
        failed: result.failed,
        fraction: totalBytes
          ? report.bytesRead / totalBytes
          : totalRecords
          ? position / totalRecords
          : undefined,
      });
      if (stop) {
        await abandon(options.resume === true);
        return { ...result, outcome: "stopped" };
      }
      if (aborted) {
        await abandon(true);
        return { ...result, outcome: "interrupted" };
      }
    }
    if (result.rows === 0 && result.failed > (options.maxErrors ?? 0)) {
      // Every record failed (and no --max-errors allowed it): no output; the errors file, if any, says why.
      held?.drop();
      if (out !== undefined) {
        out.close();
        await removeIfThere(partialPath(out.path));
        await errors?.commit();
        await removeIfThere(cpPath!);
      }
      return result;
    }
    if (endBytes === undefined) throw new ObentoError("INTERNAL", "the batch engine ended without its end");
    await emit(endBytes);
    if (out !== undefined) {
      await save(true);
      await out.commit();
      await errors?.commit();
      await removeIfThere(cpPath!);
    }
    held?.release();
    return { ...result, written: true };
  } catch (error) {
    // A write that failed (a full disk: UNAVAILABLE) keeps its checkpoint: `--resume` continues from it.
    const resumable = options.resume === true ||
      (error instanceof ObentoError && error.code === "UNAVAILABLE");
    await abandon(resumable).catch(() => {}); // the run's own error is the one to report
    throw error;
  } finally {
    out?.close();
    errors?.close();
  }
}
