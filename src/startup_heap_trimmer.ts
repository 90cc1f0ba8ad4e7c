/**
 * The process's heap trimmer (src/heap_trim.ts), bound while this module is evaluated. `main.ts` imports it
 * before anything else, so the FFI permission is used and revoked before any other module, obento's or an
 * npm package's, runs its top-level code.
 *
 * @module
 */
import { type HeapTrimmer, openHeapTrimmer } from "./heap_trim.ts";

/** glibc's `malloc_trim`, or `undefined` where it cannot be bound (see {@link openHeapTrimmer}). */
export const STARTUP_HEAP_TRIMMER: HeapTrimmer | undefined = openHeapTrimmer();
