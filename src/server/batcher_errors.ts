/**
 * The batcher's refusals: {@link ShedError} (overloaded or closing, 503 with `Retry-After`) and
 * {@link DeadlineError} (a request's deadline passed, 504), each saying why in a field a caller can switch on.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { ShedReason, TimeoutStage } from "./batcher_types.ts";

/**
 * A request refused because the server is overloaded or closing: `UNAVAILABLE` (HTTP 503). The server
 * sends {@link ShedError.retryAfterSeconds} as `Retry-After`.
 *
 * @example
 * ```ts
 * import { ShedError } from "./batcher_errors.ts";
 * const err = new ShedError("queue_full", "queue is full", 2);
 * console.log(err.status, err.retryAfterSeconds, err.reason); // 503 2 queue_full
 * ```
 */
export class ShedError extends ObentoError {
  /** Seconds after which a retry is likely to be admitted (≥ 1). */
  readonly retryAfterSeconds: number;
  /** Why the request was refused. */
  readonly reason: ShedReason;

  /** Makes a shed error; `retryAfterSeconds` is rounded up to a whole second, at least 1. */
  constructor(reason: ShedReason, message: string, retryAfterSeconds: number) {
    super("UNAVAILABLE", message);
    this.name = "ShedError";
    this.reason = reason;
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/**
 * A request whose end-to-end deadline passed: `TIMEOUT` (HTTP 504). The message names the timer
 * (`--timeout`) and {@link DeadlineError.stage} says where the request was when it fired.
 *
 * @example
 * ```ts
 * import { DeadlineError } from "./batcher_errors.ts";
 * const err = new DeadlineError("queued", "--timeout (50 ms) expired while queued");
 * console.log(err.status, err.stage); // 504 queued
 * ```
 */
export class DeadlineError extends ObentoError {
  /** Where the request was when the deadline passed. */
  readonly stage: TimeoutStage;

  /** Makes a deadline error. */
  constructor(stage: TimeoutStage, message: string) {
    super("TIMEOUT", message);
    this.name = "DeadlineError";
    this.stage = stage;
  }
}
