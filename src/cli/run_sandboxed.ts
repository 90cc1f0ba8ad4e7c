/**
 * `obento run` in a sandbox, supervised: the job's engine (src/batch/job_engine.ts: read the input, run each
 * chunk, encode its results) runs in one model worker (src/runtime/worker_pool.ts, opened for chunks) with
 * the permissions a model worker of `serve` gets (src/runtime/sandbox.ts) plus read access to the run's
 * input, and nothing else (no write access: it hands back encoded output bytes). The CLI's thread keeps the
 * job's writing half (src/batch/job.ts): it asks the worker for one chunk's report at a time, two in flight
 * (src/batch/report_wire.ts), appends the bytes, checkpoints, counts and applies `--max-errors`.
 *
 * The pool supervises the worker as it does `serve`'s, one step (one chunk) at a time: a chunk that runs past
 * `--timeout`, a worker whose JS heap passes `--worker-memory-limit`, or one that crashes or ends itself is
 * stopped and replaced. The job then starts again in the new worker from the last chunk this thread has
 * (the sink's state travels with each report, so this is exact; Parquet, which cannot continue a file, is
 * read again from the start and what this thread already has is skipped), and the chunk that was stopped is
 * not run again: its records fail with the reason (504 for the timeout, 500 otherwise), and the job goes on or
 * stops as `--max-errors` says (docs/batch.md, docs/reliability.md).
 *
 * Stdin cannot be read twice, so for `--input-file -` the worker reads the copy of it that this thread made
 * (src/cli/stdin_spool.ts), and a new worker reads that copy again, as it does a file.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { parseBento } from "../bundle/bento_yaml.ts";
import { type BundlePermissions, narrowPermissions } from "../bundle/permissions.ts";
import type { JobEngine } from "../batch/job_engine.ts";
import {
  DESCRIBE_TYPE,
  descriptionFromBytes,
  JOB_TYPE,
  type JobInput,
  type JobStart,
  reportFromBytes,
  STALE_STATUS,
  stepToBytes,
} from "../batch/report_wire.ts";
import { resumableFormat } from "../batch/sink_for_format.ts";
import { ObentoError } from "../errors.ts";
import type { Executor, RawOutcome } from "../runtime/executor.ts";
import { jobFlagName } from "./option_flags.ts";
import { type RestartEvent, type WorkerDevice, WorkerPoolExecutor } from "../runtime/worker_pool.ts";
import { inputFormat } from "./run_input.ts";
import type { RunPlan, RunService } from "./run_job.ts";

/**
 * The bundle's declared permissions (bento.yaml), narrowed by `--bundle-permissions` when given.
 *
 * @throws {ObentoError} BAD_BUNDLE for a bad bento.yaml; BAD_ARGUMENT when the flag asks for more
 */
export async function grantedPermissions(
  bundlePath: string,
  spec: string | undefined,
): Promise<BundlePermissions> {
  const yamlPath = join(bundlePath, "bento.yaml");
  const declared = parseBento(await Deno.readTextFile(yamlPath), yamlPath).env.permissions;
  return spec === undefined ? declared : narrowPermissions(declared, spec);
}

/**
 * What the bundle's code reads besides the bundle: the run's input file, the copy of stdin, or the folder of
 * a folder or glob (its files are read in the worker, one record each). `--input` needs nothing.
 */
export function runReadPaths(plan: RunPlan): string[] {
  const file = plan.inputFlags.inputFile;
  if (file === undefined) return [];
  if (file === "-") return [stdinCopyOf(plan)];
  const path = resolve(plan.cwd, file);
  return [/[*?]/.test(basename(path)) ? dirname(path) : path];
}

/** Options for {@link openSandboxed}. */
export interface RunSandboxedOptions {
  /** What the bundle may do beyond reading itself (already narrowed). */
  permissions: BundlePermissions;
  /** The device the worker opens (native: this thread must still hold FFI). */
  device: WorkerDevice;
  /** The native runtime pack the worker loads native from (src/backends/native_pack.ts); default none. */
  nativeDir?: string;
  /** A chunk that runs longer is stopped, its worker replaced, its records failed with 504 (0: no limit). */
  timeoutMs: number;
  /** Most JS heap of the worker, in bytes (0: no limit). */
  memoryLimitBytes: number;
  /** How long loading the bundle in a worker may take, in ms. */
  loadTimeoutMs: number;
  /** Told each time the worker is replaced. */
  onRestart?: (event: RestartEvent) => void;
}

/** What went wrong, for an error outcome (the pool's: a timeout, the memory limit, a crash). */
function outcomeMessage(outcome: RawOutcome): string {
  return outcome.error?.message ??
    (typeof outcome.body === "string" ? outcome.body : new TextDecoder().decode(outcome.body));
}

/** A pool run that never rejects: its outcome, or what it threw. */
type Settled = { outcome: RawOutcome } | { error: unknown };

/** The copy of stdin a sandboxed run reads; the CLI makes it before the worker opens. */
function stdinCopyOf(plan: RunPlan): string {
  if (plan.stdinCopy === undefined) {
    throw new ObentoError("INTERNAL", "a sandboxed run of --input-file - needs stdin copied first");
  }
  return plan.stdinCopy;
}

/**
 * Where the worker reads the job's input.
 *
 * @throws {ObentoError} BAD_ARGUMENT for a bad `--input-format`; INTERNAL for stdin without its copy
 */
export function jobInput(plan: RunPlan): JobInput {
  const { input, inputFile } = plan.inputFlags;
  if (input !== undefined) return { inline: input };
  const format = inputFormat(plan.inputFlags);
  if (inputFile === "-") return { path: stdinCopyOf(plan), format, cwd: plan.cwd, name: "stdin" };
  return { path: inputFile!, format, cwd: plan.cwd };
}

/**
 * The job's engine in the pool's worker, restarted in a new worker from the last chunk received whenever the
 * pool replaces the worker (the stopped chunk's records fail with the pool's outcome).
 */
export function workerEngine(pool: Executor, api: string, input: JobInput): JobEngine {
  return async function* (options, first) {
    // Parquet cannot continue a file: a new worker reads the input again and what is here already is skipped.
    const replay = !resumableFormat(options.format);
    let epoch = 0;
    let position = first.skip;
    let sinkState = first.sinkState;
    let begun = first.sinkState !== undefined;
    let next: JobStart | undefined = { input, options, start: first };
    const inFlight: Promise<Settled>[] = [];
    const send = () => {
      const body = stepToBytes({ epoch, start: next });
      next = undefined;
      inFlight.push(
        pool.run(api, [{ body, contentType: JOB_TYPE }]).then(
          ([outcome]) => ({ outcome }),
          (error) => ({ error }),
        ),
      );
    };
    for (;;) {
      // Two steps in flight: the worker reads and runs the next chunk while this thread writes the last one.
      while (inFlight.length < 2) send();
      const settled = await inFlight.shift()!;
      if ("error" in settled) throw settled.error;
      const { outcome } = settled;
      if (outcome.status === STALE_STATUS && outcome.contentType === JOB_TYPE) continue; // an older epoch's step
      if (outcome.status !== 200) {
        // The worker was replaced while it read or ran the chunk after `position`: start again past it.
        const fail = { after: position, status: outcome.status, message: outcomeMessage(outcome) };
        epoch++;
        next = {
          input,
          options,
          start: replay || !begun
            ? { skip: replay ? 0 : position, fail }
            : { skip: position, sinkState, fail },
        };
        continue;
      }
      const report = reportFromBytes(outcome.body as Uint8Array);
      if (report.kind === "begin") {
        if (begun) continue;
        begun = true;
      } else if (report.kind === "chunk") {
        if (report.position <= position && replay) continue;
        position = report.position;
      }
      if (report.kind !== "end") sinkState = report.sinkState;
      yield report;
      if (report.kind === "end") return;
    }
  };
}

/**
 * Opens the bundle in a supervised, sandboxed worker for `plan.apiName`.
 *
 * @throws {ObentoError} what loading the bundle throws (same code and message); NOT_FOUND for an unknown API
 */
export async function openSandboxed(plan: RunPlan, options: RunSandboxedOptions): Promise<RunService> {
  const declared = options.permissions;
  const read = runReadPaths(plan);
  const permissions: BundlePermissions = read.length === 0 || declared.read === true
    ? declared
    : { ...declared, read: [...(declared.read ?? []), ...read] };
  const pool = await WorkerPoolExecutor.open(plan.bundlePath, {
    workers: 1,
    threads: plan.threads,
    items: "chunks",
    permissions,
    device: options.device,
    nativeDir: options.nativeDir,
    batchTimeoutMs: options.timeoutMs > 0 ? options.timeoutMs : undefined,
    batchTimeoutName: "--timeout",
    hostApis: ["v2"], // `obento run BUNDLE v2:<model>`, as in-process
    optionName: jobFlagName,
    memoryLimitBytes: options.memoryLimitBytes,
    loadTimeoutMs: options.loadTimeoutMs,
    onRestart: options.onRestart,
  });
  try {
    const api = plan.apiName;
    const [described] = await pool.run(api, [{ body: new Uint8Array(), contentType: DESCRIBE_TYPE }]);
    if (described.status !== 200) {
      throw new ObentoError(described.status === 504 ? "TIMEOUT" : "INTERNAL", outcomeMessage(described));
    }
    const description = descriptionFromBytes(described.body as Uint8Array);
    const engine = workerEngine(pool, api, jobInput(plan));
    return {
      name: description.name,
      version: description.version,
      engine: () => engine,
      close: () => pool.close(),
    };
  } catch (error) {
    await pool.close();
    throw error;
  }
}
