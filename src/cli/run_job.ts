/**
 * The job of `obento run`, once its flags are checked: opens the bundle (a {@link RunService}: in a
 * supervised, sandboxed worker, src/cli/run_sandboxed.ts, or on this thread with `--in-process`), streams the
 * input through one API with `runJob`, writes the output and reports. The output is written on this thread
 * either way; in the worker, the job's engine reads the input (stdin: the copy src/cli/stdin_spool.ts made)
 * and runs the bundle's code.
 *
 * @module
 */
import { jobFlagName } from "./option_flags.ts";
import type { InferenceBackend } from "../sdk/backend.ts";
import { openBundle } from "../runtime/host_parts.ts";
import { v2Apis } from "../v2/infer_api.ts";
import { runJob } from "../batch/job.ts";
import { type JobEngine, localEngine } from "../batch/job_engine.ts";
import { serviceRunner } from "../batch/chunk_runner.ts";
import { exitCodeOfStatus } from "../errors.ts";
import { partialPath } from "../batch/partial_file.ts";
import { Progress, summaryLine } from "../batch/progress.ts";
import type { Shard } from "../batch/shard.ts";
import type { OutputFormat } from "../batch/sink.ts";
import type { BatchSource } from "../batch/source_types.ts";
import { openRunInput, recordWord, type RunInputFlags } from "./run_input.ts";
import { failedRunLine, failurePrinter } from "./run_output.ts";

/** What `obento run` was asked to do, after its flags were parsed and checked. */
export interface RunPlan {
  /** The bundle directory. */
  bundlePath: string;
  /** The API to run. */
  apiName: string;
  /** `--input`, `--input-file`, `--input-format`. */
  inputFlags: RunInputFlags;
  /** Where stdin was copied for `--input-file -` in the sandbox (src/cli/stdin_spool.ts); read instead of it. */
  stdinCopy?: string;
  /** The working directory (relative input paths). */
  cwd: string;
  /** Whether stderr is a terminal (progress bar). */
  isTerminal: boolean;
  /** `--quiet`. */
  quiet: boolean;
  /** `--output`, absolute, if given. */
  outputPath?: string;
  /** `--output` as given, for messages. */
  outputFlag?: string;
  /** The output format. */
  format: OutputFormat;
  /** `--overwrite`. */
  overwrite: boolean;
  /** `--resume`. */
  resume: boolean;
  /** `--keep-columns`. */
  keepColumns: string[];
  /** `--errors`, absolute, if given. */
  errorsPath?: string;
  /** `--errors` as given, for messages. */
  errorsFlag?: string;
  /** `--max-errors`. */
  maxErrors?: number;
  /** `--batch-size`. */
  batchSize: number;
  /** `--concurrency`. */
  concurrency: number;
  /** `--shard`. */
  shard?: Shard;
  /** `--checkpoint-seconds`. */
  checkpointSeconds: number;
  /** `--threads`. */
  threads: number;
}

/** Where `executeRun` writes: stdout and stderr text. */
export interface RunIo {
  /** Writes to stdout. */
  out(text: string): void;
  /** Writes to stderr. */
  err(text: string): void;
}

/** The bundle, open for one API: where the job's engine runs, and how to close it. */
export interface RunService {
  /** The bundle's name. */
  name: string;
  /** Its version. */
  version: string;
  /**
   * The engine that reads, runs and encodes the chunks where the bundle runs: over `source` on this thread
   * (`--in-process`), or in the sandboxed worker, which reads the input itself.
   */
  engine(source: BatchSource): JobEngine;
  /** Frees the models (and the worker). */
  close(): Promise<void>;
}

/**
 * Opens the bundle on this thread, unsandboxed (`--in-process`).
 *
 * @throws {ObentoError} what loading throws; NOT_FOUND for an unknown API
 */
export async function openInProcess(plan: RunPlan, backend?: InferenceBackend): Promise<RunService> {
  // `obento run BUNDLE v2:<model>` runs v2 requests offline, as the server's v2 routes do.
  const service = await openBundle(plan.bundlePath, { threads: plan.threads, backend, hostApis: v2Apis });
  try {
    const runner = serviceRunner(service, plan.apiName);
    return {
      name: service.name,
      version: service.version,
      engine: (source) => localEngine(runner, source),
      close: () => service.close(),
    };
  } catch (error) {
    await service.close();
    throw error;
  }
}

/** Options for {@link executeRun}. */
export interface ExecuteRunOptions {
  /** Aborts the run (SIGINT): it stops at the next chunk and reports how to resume. */
  signal?: AbortSignal;
}

/**
 * Runs a {@link RunPlan} on an opened bundle, which it closes; returns the exit status (0, 65, 70, 75, 130).
 *
 * @throws {ObentoError} what opening the input, the worker or a write throws (the CLI maps the code)
 */
export async function executeRun(
  plan: RunPlan,
  service: RunService,
  io: RunIo,
  options: ExecuteRunOptions = {},
): Promise<number> {
  try {
    const source = await openRunInput(plan.inputFlags, plan.cwd, plan.stdinCopy);
    const word = source.single ? "" : recordWord(plan.inputFlags);
    const printer = failurePrinter({ err: io.err, word });
    const progress = new Progress({
      write: io.err,
      mode: plan.quiet || source.single
        ? "off"
        : plan.isTerminal && plan.outputPath !== undefined
        ? "bar"
        : "lines",
    });
    const decoder = new TextDecoder();
    const result = await runJob({
      engine: service.engine(source),
      outputChecked: true,
      source,
      format: plan.format,
      outputPath: plan.outputPath,
      writeStdout: (bytes) => io.out(decoder.decode(bytes)),
      overwrite: plan.overwrite,
      resume: plan.resume,
      optionName: jobFlagName, // the job's messages name `obento run`'s flags
      keepColumns: plan.keepColumns,
      errorsPath: plan.errorsPath,
      maxErrors: plan.maxErrors,
      batchSize: plan.batchSize,
      concurrency: plan.concurrency,
      shard: plan.shard,
      checkpointIntervalMs: plan.checkpointSeconds * 1000,
      progress,
      onFailure: plan.errorsPath === undefined ? printer.print : undefined,
      fingerprint: {
        bundle: `${service.name}:${service.version}`,
        api: plan.apiName,
        format: plan.format,
        keepColumns: plan.keepColumns,
        errors: plan.errorsPath ?? null,
        shard: plan.shard === undefined ? null : `${plan.shard.index}/${plan.shard.count}`,
      },
      signal: options.signal,
    });
    if (printer.hidden() > 0) {
      io.err(
        `error: ${printer.hidden()} more failed records not shown; pass --errors FILE to keep them all\n`,
      );
    }
    const failedStatus = exitCodeOfStatus(result.worstStatus);
    switch (result.outcome) {
      case "already-complete":
        if (!plan.quiet) io.err(`${plan.outputFlag} is complete; nothing to resume\n`);
        return 0;
      case "interrupted":
        io.err(
          `interrupted; run the same command with --resume to continue from record ${
            result.rows + result.failed + 1
          }\n`,
        );
        return 130;
      case "stopped":
        io.err(
          `error: stopped after ${result.failed} failed records (more than --max-errors ${plan.maxErrors}); ` +
            (plan.outputPath !== undefined && plan.resume
              ? `the output so far is in ${partialPath(plan.outputFlag!)}; `
              : "") +
            `fix the input and run again\n`,
        );
        return failedStatus;
    }
    progress.finish(
      summaryLine(result.processed, result.failed, progress.elapsed).replace(
        /\n$/,
        (result.resumedAt > 0 ? `, resumed at record ${result.resumedAt + 1}` : "") +
          (plan.errorsPath !== undefined && result.failed > 0
            ? `; failed records in ${plan.errorsFlag}`
            : "") +
          "\n",
      ),
    );
    if (result.failed <= (plan.maxErrors ?? 0)) return 0;
    if (!source.single) {
      io.err(failedRunLine(result, recordWord(plan.inputFlags), plan.outputFlag, plan.errorsFlag));
    }
    return failedStatus;
  } finally {
    await service.close();
  }
}
