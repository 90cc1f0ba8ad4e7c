/**
 * A full garbage collection of the server's JavaScript heap, for when traffic stops: request bodies are
 * ArrayBuffers whose memory V8 gives back only when it collects them, and an idle isolate does not collect,
 * so after a burst of large bodies dead buffers kept RSS high until the next traffic (docs/reliability.md).
 *
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Runs a full, blocking garbage collection of this isolate. */
export type FullGc = () => void;

/**
 * Returns V8's `gc()` (made available with `--expose-gc` for contexts created afterwards), or `undefined`
 * where the runtime does not provide it.
 */
export function openFullGc(): FullGc | undefined {
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("typeof gc === 'function' ? gc : undefined");
    return typeof gc === "function" ? () => void gc() : undefined;
  } catch {
    return undefined;
  }
}
