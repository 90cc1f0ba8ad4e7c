/**
 * The one mapping from library option names to the CLI flags that set them. Library errors name the option
 * (`maxBatchSize must be a whole number ≥ 1, got 0`, with `option: "maxBatchSize"`); the CLI reports them
 * under the flag's name (`--mb-max-batch-size must be …`), so a message never names a flag the caller of the
 * library did not have.
 *
 * @module
 */
import { messageOf, type ObentoError } from "../errors.ts";

/** Library option → the CLI flag that sets it. */
export const OPTION_FLAGS: Readonly<Record<string, string>> = Object.freeze({
  maxBatchSize: "--mb-max-batch-size",
  maxLatencyMs: "--mb-max-latency",
  maxQueue: "--max-queue",
  concurrency: "--workers",
  keepColumns: "--keep-columns",
  format: "--input-format",
});

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
