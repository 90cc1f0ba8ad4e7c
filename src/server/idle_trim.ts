/**
 * When a serving process gives freed memory back to the OS: after start-up and after each burst of traffic,
 * never while requests are arriving (a trim walks the whole heap).
 *
 * @module
 */
import type { HeapTrimmer } from "../heap_trim.ts";

/** Timing of {@link trimWhenIdle}. */
export interface IdleTrimOptions {
  /** How often to look at the request count (default 5 s). */
  intervalMs?: number;
  /**
   * Checks after the first that trim even without traffic (default 2): V8 keeps compiling onnxruntime-web's
   * WASM on background threads for a few seconds after the models are warm, and frees what it used.
   */
  startUpTrims?: number;
}

/**
 * Trims now, then at every check where the request count stopped moving since the last check and moved
 * since the last trim (a burst ended), and at the first `startUpTrims` checks regardless.
 * @param trim releases free heap pages (src/heap_trim.ts)
 * @param requests the number of requests received so far
 * @returns a function that stops the checks (the timer never keeps the process alive)
 */
export function trimWhenIdle(
  trim: HeapTrimmer,
  requests: () => number,
  options: IdleTrimOptions = {},
): () => void {
  trim();
  let seen = requests();
  let trimmedAt = seen;
  let startUpTrims = options.startUpTrims ?? 2;
  const timer = setInterval(() => {
    const now = requests();
    const burstEnded = now === seen && now !== trimmedAt;
    seen = now;
    if (burstEnded || startUpTrims > 0) {
      startUpTrims--;
      trimmedAt = now;
      trim();
    }
  }, options.intervalMs ?? 5_000);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
