/**
 * The process's heap trimmer (src/heap_trim.ts), bound while this module is evaluated. `main.ts` imports it
 * before anything else, so the FFI permission is used and revoked before any other module, obento's or an
 * npm package's, runs its top-level code — except for `serve` and `run` when they may open the native device
 * (`--device auto`, the default, or `native`): then FFI stays until the device is open
 * (src/cli/device_flag.ts), and bundle code still never runs with it. This module and main.ts are the only
 * ones that read the process's arguments.
 *
 * @module
 */
import { type HeapTrimmer, openHeapTrimmer } from "./heap_trim.ts";
import { mayUseNativeDevice } from "./native_device_args.ts";

/** glibc's `malloc_trim`, or `undefined` where it cannot be bound (see {@link openHeapTrimmer}). */
export const STARTUP_HEAP_TRIMMER: HeapTrimmer | undefined = openHeapTrimmer({
  keepFfi: mayUseNativeDevice(Deno.args),
});
