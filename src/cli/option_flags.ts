/**
 * The one mapping from library option names to the CLI flags that set them. Library errors name the option
 * (`maxBatchSize must be a whole number ≥ 1, got 0`, with `option: "maxBatchSize"`); the CLI reports them
 * under the flag's name (`--mb-max-batch-size must be …`), so a message never names a flag the caller of the
 * library did not have. Messages made inside the library that the CLI never sees as an error (the server's
 * HTTP bodies, the batch job's) name options through an injected {@link OptionNamer}: the CLI passes
 * {@link flagName} or {@link jobFlagName}, which read the same tables.
 *
 * @module
 */
import { messageOf, type ObentoError } from "../errors.ts";
import type { OptionNamer } from "../option_name.ts";

/** Library option → the CLI flag that sets it (serving options, batch sources, `serve`'s listener). */
export const OPTION_FLAGS: Readonly<Record<string, string>> = Object.freeze({
  maxBatchSize: "--mb-max-batch-size",
  maxLatencyMs: "--mb-max-latency",
  refusalDelayMs: "--mb-refusal-delay",
  maxQueue: "--max-queue",
  concurrency: "--workers",
  keepColumns: "--keep-columns",
  format: "--input-format",
  timeoutMs: "--timeout",
  maxBodyBytes: "--max-body",
  maxBodyTotalBytes: "--max-body-total",
  loadTimeoutMs: "--load-timeout",
  workerMemoryLimitBytes: "--worker-memory-limit",
  memoryLimitBytes: "--worker-memory-limit", // the worker pool's name for it
  port: "--port",
  host: "--host",
  shard: "--shard",
  targetDir: "--target-dir",
  static: "--static",
  artifacts: "--artifact",
  output: "--output",
  columns: "--columns",
  store: "--store",
});

/**
 * `runJob`'s options whose flags differ from {@link OPTION_FLAGS}: its `format` is the output's (`--format`;
 * a source's `format` is `--input-format`), plus the options only a run has.
 */
export const JOB_OPTION_FLAGS: Readonly<Record<string, string>> = Object.freeze({
  format: "--format",
  outputPath: "--output",
  errorsPath: "--errors",
  overwrite: "--overwrite",
  resume: "--resume",
  source: "--input-file",
});

/**
 * The {@link OptionNamer} of `obento serve` (and the sources of `obento run`): an option's flag, or the option
 * as it is when no flag sets it.
 *
 * @example
 * ```ts
 * import { flagName } from "./option_flags.ts";
 * console.log(flagName("timeoutMs"), flagName("gatherMs")); // --timeout gatherMs
 * ```
 */
export const flagName: OptionNamer = (option) => OPTION_FLAGS[option] ?? option;

/**
 * The {@link OptionNamer} `obento run` gives `runJob`: {@link JOB_OPTION_FLAGS} first, then {@link flagName}.
 *
 * @example
 * ```ts
 * import { jobFlagName } from "./option_flags.ts";
 * console.log(jobFlagName("format"), jobFlagName("resume")); // --format --resume
 * ```
 */
export const jobFlagName: OptionNamer = (option) => JOB_OPTION_FLAGS[option] ?? flagName(option);

/**
 * The one-line message of `error` as the CLI reports it: the option it names, if any, replaced by its flag.
 *
 * @example
 * ```ts
 * import { ObentoError } from "../errors.ts";
 * import { cliMessage } from "./option_flags.ts";
 * const error = new ObentoError("BAD_ARGUMENT", "maxQueue must be a whole number ≥ 1, got 0", { option: "maxQueue" });
 * console.log(cliMessage(error)); // --max-queue must be a whole number ≥ 1, got 0
 * ```
 */
export function cliMessage(error: ObentoError): string {
  const message = messageOf(error);
  const flag = error.option === undefined ? undefined : OPTION_FLAGS[error.option];
  if (flag === undefined) return message;
  const name = error.option!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return message.replace(new RegExp(`(?<![\\w-])${name}(?![\\w-])`), flag);
}
