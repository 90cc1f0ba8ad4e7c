/**
 * Giving freed native memory back to the operating system.
 *
 * Loading onnxruntime-web makes V8 decode and compile a 14 MB WebAssembly module; the temporary buffers it
 * frees stay inside glibc's heap as holes (glibc returns memory to the OS only from the top of the heap, or
 * when asked), so a serving process carries ~40 MiB of free-but-resident memory after start-up
 * (docs/benchmarks.md, "Serving"). `malloc_trim(0)` hands those pages back.
 *
 * glibc also raises its mmap threshold each time it frees a large mmapped block (up to 32 MiB), after which
 * large request bodies are carved from the heaps of the threads that allocate them, a model worker's
 * included, and a burst of them left a serving process ~100 MiB above its pre-burst RSS even after
 * `malloc_trim` (docs/reliability.md, "Memory and connections"). {@link openHeapTrimmer} therefore pins the
 * threshold at glibc's own default (128 KiB): large blocks stay mmapped and go back to the OS when freed.
 *
 * Binding `malloc_trim` needs Deno's FFI permission. {@link openHeapTrimmer} binds it once, then revokes the
 * FFI permission for the rest of the process, so no bundle code loaded later can open native libraries.
 *
 * @module
 */

/** Releases free heap pages to the OS; returns whether any memory was released. */
export type HeapTrimmer = () => boolean;

/**
 * Drops this thread's FFI permission for good (a Web Worker's own copy, or the process's on the main thread).
 * Idempotent. Code evaluated afterwards (a bundle's service module) cannot `Deno.dlopen` or load a Node-API
 * addon; sessions of a native library loaded before keep running.
 *
 * @example
 * ```ts
 * import { revokeFfi } from "./heap_trim.ts";
 * revokeFfi();
 * console.log(Deno.permissions.querySync({ name: "ffi" }).state); // prompt (never granted again)
 * ```
 */
export function revokeFfi(): void {
  Deno.permissions.revokeSync({ name: "ffi" });
}

/** Options for {@link openHeapTrimmer}. */
export interface OpenHeapTrimmerOptions {
  /**
   * Keep the FFI permission after binding, for a native device that still has to load its library (the
   * caller then revokes it with {@link revokeFfi} once the device is open). Default false: revoke at once.
   */
  keepFfi?: boolean;
}

/** glibc's soname on every Linux distribution obento's binaries target. */
const LIBC = "libc.so.6";
/** `mallopt`'s parameter for the mmap threshold (glibc's malloc.h). */
const M_MMAP_THRESHOLD = -3;
/** glibc's default mmap threshold, pinned so that it no longer grows (see the module's documentation). */
const MMAP_THRESHOLD_BYTES = 128 * 1024;

/**
 * Binds glibc's `malloc_trim` when that is possible (Linux, glibc, `--allow-ffi` granted), pins glibc's mmap
 * threshold at its default (large blocks are returned to the OS when freed), and revokes the
 * FFI permission either way, so that it is never available to code loaded afterwards. Returns `undefined`
 * where no trimmer exists (other OSes, musl, no FFI permission). Call it once, at process start, before
 * importing any bundle.
 */
export function openHeapTrimmer(options: OpenHeapTrimmerOptions = {}): HeapTrimmer | undefined {
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
  try {
    if (Deno.build.os !== "linux") return undefined;
    const libc = Deno.dlopen(LIBC, {
      malloc_trim: { parameters: ["usize"], result: "i32" },
      mallopt: { parameters: ["i32", "i32"], result: "i32" },
    });
    libc.symbols.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
    return () => libc.symbols.malloc_trim(0n) === 1;
  } catch {
    return undefined; // no glibc (e.g. musl): nothing to trim with
  } finally {
    if (options.keepFfi !== true) revokeFfi();
  }
}
