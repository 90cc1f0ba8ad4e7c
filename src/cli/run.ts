/**
 * `obento run`: one API of a bundle on input given on the command line, in a file, a folder or stdin; results
 * streamed in input order to stdout or a file as JSON, JSON lines, CSV or Parquet. Large inputs go through in
 * chunks with flat memory, with progress, per-record errors, `--resume` and `--shard` (see docs/batch.md).
 *
 * @module
 */
import { jobFlagName } from "./option_flags.ts";
import { BATCH_DEFAULTS, SERVE_DEFAULTS } from "../defaults.ts";
import { openDeviceForCli } from "./device_flag.ts";
import { resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import { checkOutputPath } from "../batch/output_path.ts";
import { parseShard } from "../batch/shard.ts";
import { executeRun, openInProcess, type RunPlan } from "./run_job.ts";
import { grantedPermissions, openSandboxed } from "./run_sandboxed.ts";
import { intFlag, type ParsedArgs, parseFlags, stringFlag } from "./args.ts";
import { pullForUse, REGISTRY_FLAG } from "./registry_target.ts";
import { bundlePathOf } from "./bundle_path.ts";
import type { CliContext, Command } from "./command.ts";
import { outputFormat } from "./run_output.ts";
import { inputFormat } from "./run_input.ts";
import { StdinSpool } from "./stdin_spool.ts";

const HELP = `Usage:
  obento run <bundle> <api> (--input JSON | --input-file PATH) [options]

Runs one API of a bundle. <bundle> is a bundle directory, NAME:VERSION or NAME:latest (NAME alone
means NAME:latest). Input is read in chunks of --batch-size records and results are written in input
order as they come, so files of any size go through with flat memory.

Input:
  --input JSON          one request body as JSON text
  --input-file PATH     .csv: one record per row; .jsonl: one request per line; .json: the elements of a
                        top-level array (rows for dataframe/tensor APIs), or one request body;
                        .parquet: one record per row; a folder or a glob ('imgs/*.png'): one request
                        per file; any other file: its bytes as one request; - reads stdin (copied
                        to a file in $TMPDIR that the bundle's worker reads: as much free space as
                        the input; with --in-process, streamed)
  --input-format FMT    csv, jsonl, json, parquet or files, instead of guessing from PATH (stdin: json)

Output:
  --output FILE         write results to FILE (via FILE.partial, renamed when complete)
  --format FORMAT       json, jsonl, csv or parquet (default: from FILE's extension, else json)
  --overwrite           replace an existing --output file
  --keep-columns A,B    pass these input columns through to the output (files: "file")
  --errors FILE         write failed records to FILE (CSV: row,status,message) and leave them out of the
                        output
  --max-errors N        allow N failed records: with at most N the run exits 0; one more stops it
                        (default: every record is tried, and any failure makes the exit status 65)

Runs at scale:
  --batch-size N        records per model call (default ${BATCH_DEFAULTS.batchSize})
  --concurrency N       chunks in flight (default ${BATCH_DEFAULTS.concurrency}; the model runs on one thread, the bundle's
                        worker, so more only helps when reading input waits, e.g. image files)
  --resume              continue an interrupted run of the same command from its last checkpoint
                        (FILE.obento-resume.json); csv, jsonl and json output
  --shard I/N           run only records r with r mod N = I; N runs with I = 0..N-1 cover each
                        record exactly once
  --checkpoint-seconds S  seconds between checkpoints (default ${
  BATCH_DEFAULTS.checkpointIntervalMs / 1000
}; 0: after every chunk)
  --device D            where models run: auto (default: native onnxruntime where its library loads,
                        else wasm), native, wasm, webgpu (needs a WebGPU adapter; --threads 1)
  --native-dir DIR      the native runtime pack's folder (default $OBENTO_NATIVE_DIR, else one beside
                        the obento binary; docs/shipping.md)
  --threads N           onnxruntime threads (default ${SERVE_DEFAULTS.threads})
  --bundle-permissions P  narrow what the bundle's code may do: none, or kind[=value],... from what its
                        bento.yaml declares (as on serve; docs/serving.md, "Sandbox")
  --timeout MS          deadline of one chunk's model call, in ms (default ${BATCH_DEFAULTS.timeoutMs}; 0: none): a
                        chunk past it is stopped, its worker replaced, and its records fail (504)
  --worker-memory-limit BYTES
                        most JS heap the bundle's worker may use (default ${SERVE_DEFAULTS.workerMemoryLimitBytes} = 1 GiB;
                        0: none); past it the worker is replaced and the chunk's records fail (500)
  --in-process          run the bundle's code on this thread, without the sandbox and without the
                        two limits above (trusted bundles only)
  --quiet               no progress and no summary on stderr
  --registry URL        pull Name[:version] from this registry server into the local registry first
                        (a version already there is not downloaded; token: $OBENTO_TOKEN)
  -h, --help            show this help

A run that fails (a bad header, a file that cannot be read, more failures than --max-errors, or every
record failing) leaves no output behind: no output file, nothing on stdout (output to stdout is held back
until the run ends, up to 1 MiB), no .partial or checkpoint files unless --resume was given (when every
record failed, the --errors file still says why). --output and --errors must be in a directory that
exists; that is checked before the model loads.

Exit status: 0 when every record went through (or at most --max-errors failed), 65 when records failed
(70 when the service failed, 75 when a chunk ran past --timeout), 64 bad flags, 66 a bundle, input or output directory that does not exist,
73 an output that exists, 69 a write that failed (a full disk: free space and run again with --resume),
130 when interrupted (run the same command with --resume).

Examples:
  obento run IrisClassifier:latest predict --input '[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]'
  obento run IrisClassifier predict --input-file rows.csv --output predictions.csv --keep-columns id
  obento run DigitsCNN classify --input-file scans/ --output digits.jsonl --keep-columns file --errors bad.csv
  obento run IrisClassifier predict --input-file big.csv --output part-3.csv --shard 3/8 --resume
  obento run IrisClassifier predict --input-file rows.csv --output out.csv --errors bad.csv --max-errors 10
`;

/** A non-negative integer flag, or undefined. */
function countFlag(parsed: ParsedArgs, name: string): number | undefined {
  const raw = stringFlag(parsed, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new ObentoError("BAD_ARGUMENT", `obento run: --${name} must be a whole number ≥ 0, got "${raw}"`);
  }
  return n;
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseFlags("run", args, {
    ...REGISTRY_FLAG,
    input: { type: "string" },
    "input-file": { type: "string" },
    "input-format": { type: "string" },
    output: { type: "string" },
    overwrite: { type: "boolean" },
    format: { type: "string" },
    "keep-columns": { type: "string" },
    errors: { type: "string" },
    "max-errors": { type: "string" },
    "batch-size": { type: "string" },
    concurrency: { type: "string" },
    resume: { type: "boolean" },
    shard: { type: "string" },
    "checkpoint-seconds": { type: "string" },
    threads: { type: "string" },
    device: { type: "string" },
    "native-dir": { type: "string" },
    "in-process": { type: "boolean" },
    "bundle-permissions": { type: "string" },
    timeout: { type: "string" },
    "worker-memory-limit": { type: "string" },
    quiet: { type: "boolean" },
  });
  if (parsed.positionals.length !== 2) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento run: give a bundle and an API name (see `obento run --help`)",
    );
  }
  const [ref, apiName] = parsed.positionals;
  const outputFlag = stringFlag(parsed, "output");
  const outputPath = outputFlag === undefined ? undefined : resolve(ctx.cwd, outputFlag);
  const format = outputFormat(stringFlag(parsed, "format"), outputFlag);
  const batchSize = intFlag("run", parsed, "batch-size", BATCH_DEFAULTS.batchSize);
  const concurrency = intFlag("run", parsed, "concurrency", BATCH_DEFAULTS.concurrency);
  const threads = intFlag("run", parsed, "threads", SERVE_DEFAULTS.threads);
  const maxErrors = countFlag(parsed, "max-errors");
  const checkpointSeconds = countFlag(parsed, "checkpoint-seconds") ??
    BATCH_DEFAULTS.checkpointIntervalMs / 1000;
  const timeoutMs = countFlag(parsed, "timeout") ?? BATCH_DEFAULTS.timeoutMs;
  const memoryLimitBytes = countFlag(parsed, "worker-memory-limit") ?? SERVE_DEFAULTS.workerMemoryLimitBytes;
  const shardFlag = stringFlag(parsed, "shard");
  const shard = shardFlag === undefined ? undefined : parseShard(shardFlag);
  const keepColumns = (stringFlag(parsed, "keep-columns") ?? "").split(",").map((c) => c.trim()).filter((c) =>
    c
  );
  const errorsFlag = stringFlag(parsed, "errors");
  const errorsPath = errorsFlag === undefined ? undefined : resolve(ctx.cwd, errorsFlag);
  const overwrite = parsed.values.overwrite === true;
  const resume = parsed.values.resume === true;
  const quiet = parsed.values.quiet === true;
  if (resume && outputPath === undefined) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento run: --resume needs --output FILE; output to stdout cannot be continued",
    );
  }
  // Before the model loads: a missing directory or an existing file fails now, not after the work.
  const named = { optionName: jobFlagName, overwrite, resume };
  if (outputPath !== undefined) await checkOutputPath(outputPath, { ...named, option: "outputPath" });
  if (errorsPath !== undefined) await checkOutputPath(errorsPath, { ...named, option: "errorsPath" });
  const inputFlags = {
    input: stringFlag(parsed, "input"),
    inputFile: stringFlag(parsed, "input-file"),
    inputFormat: stringFlag(parsed, "input-format"),
  };
  if ((inputFlags.input === undefined) === (inputFlags.inputFile === undefined)) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento run: give exactly one of --input JSON or --input-file FILE",
    );
  }

  const registryUrl = stringFlag(parsed, "registry");
  const localRef = registryUrl === undefined ? ref : await pullForUse(ctx, registryUrl, ref);
  const bundlePath = await bundlePathOf(localRef, ctx);
  let plan: RunPlan = {
    bundlePath,
    apiName,
    inputFlags,
    cwd: ctx.cwd,
    isTerminal: ctx.isTerminal,
    quiet,
    outputPath,
    outputFlag,
    format,
    overwrite,
    resume,
    keepColumns,
    errorsPath,
    errorsFlag,
    maxErrors,
    batchSize,
    concurrency,
    shard,
    checkpointSeconds,
    threads,
  };
  const inProcess = parsed.values["in-process"] === true;
  if (inProcess) {
    const sandboxOnly = ["bundle-permissions", "timeout", "worker-memory-limit"].find((flag) =>
      stringFlag(parsed, flag) !== undefined
    );
    if (sandboxOnly !== undefined) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `obento run: --${sandboxOnly} applies to the bundle's worker, and --in-process runs without one; drop one`,
      );
    }
  }

  const device = await openDeviceForCli(stringFlag(parsed, "device"), inProcess ? "this-thread" : "workers", {
    dir: stringFlag(parsed, "native-dir") ?? ctx.nativeDir,
    execPath: ctx.execPath,
  });
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  Deno.addSignalListener("SIGINT", onSigint);
  let spool: StdinSpool | undefined;
  try {
    if (inputFlags.inputFile === "-" && !inProcess) {
      // In the sandbox the worker reads stdin from a copy, which a replaced worker can read again.
      inputFormat(inputFlags); // a bad --input-format fails before stdin is read
      spool = await StdinSpool.create({ dir: ctx.tmpDir });
      try {
        await spool.fill(Deno.stdin.readable, abort.signal);
      } catch (error) {
        if (!abort.signal.aborted) throw error;
        ctx.err("interrupted while reading stdin\n");
        return 130;
      }
      plan = { ...plan, stdinCopy: spool.path };
    }
    const service = inProcess ? await openInProcess(plan, device.backend) : await openSandboxed(plan, {
      permissions: await grantedPermissions(bundlePath, stringFlag(parsed, "bundle-permissions")),
      device: device.device,
      nativeDir: device.nativeDir,
      timeoutMs,
      memoryLimitBytes,
      loadTimeoutMs: SERVE_DEFAULTS.loadTimeoutMs,
      onRestart: (event) => {
        if (!quiet) ctx.err(`warning: ${event.message}\n`);
      },
    });
    return await executeRun(plan, service, ctx, { signal: abort.signal });
  } finally {
    await spool?.remove();
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

/** The `run` command. */
export const runCommand: Command = {
  name: "run",
  summary: "run one API of a bundle on JSON, CSV, Parquet, files or stdin, at any scale",
  help: HELP,
  run,
};
