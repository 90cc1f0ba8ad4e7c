/**
 * The `deno` flags obento runs with, in one place: `scripts/compile.ts` bakes them into the binary, the
 * benchmarks and the end-to-end tests (tests/helpers/cli.ts) start the CLI with them. `deno.json`'s tasks
 * must repeat them (JSON cannot import): `obento` {@link RUN_FLAGS}, `test` {@link TEST_PERMISSIONS},
 * the benchmarks that start obento {@link SCRIPT_PERMISSIONS}; `scripts/obento_flags_test.ts` checks that they do.
 *
 * Why not Deno's permission sets (`"permissions"` in deno.json, `deno run -P=obento`)? Deno 2.9.6 accepts
 * them for `run`, `test` and `compile`, but marks them experimental and prints a warning on every run without
 * `--quiet` (so `deno task obento` would print it to every user), and `deno test` refuses a config with test
 * permissions unless `-P` is given; the compiled binary's baked-in set could not be verified offline either
 * (`deno compile` downloads `denort`). Revisit when they are stable.
 *
 * @module
 */

/**
 * Run-time permissions: files (bundles, registry), env (`OBENTO_HOME`), net (serve), sys (RSS, cores), and
 * ffi only to bind glibc's `malloc_trim` at start and, for `serve`/`run` on the native device, to load
 * onnxruntime's library; it is revoked before any bundle code loads (src/heap_trim.ts, src/cli/device_flag.ts). No `--allow-run` (nothing shells out, so the compiled binary needs no `deno`).
 */
export const PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-sys",
  "--allow-ffi",
];

/**
 * V8 flags: a young generation capped at 8 MiB keeps a streaming `obento run` flat at ~190 MiB peak RSS on
 * any file size instead of ~230 MiB (docs/benchmarks.md, "Batch runs"), for ~10 % less throughput.
 */
export const V8_FLAGS = "--v8-flags=--max-semi-space-size=8";

/**
 * Unstable features obento uses: per-worker permissions, which sandbox each bundle's code in its model
 * workers (src/runtime/sandbox.ts). Without the flag, starting a sandboxed worker ends the process.
 * deno.json's `"unstable"` list has it too, for `deno test` and tasks run in the repository.
 */
export const UNSTABLE_FLAGS: readonly string[] = ["--unstable-worker-options"];

/** Everything `deno run` needs before `main.ts` to run obento as the binary does. */
export const RUN_FLAGS: readonly string[] = [V8_FLAGS, ...UNSTABLE_FLAGS, ...PERMISSIONS];

/**
 * `deno test`'s permissions: obento's, plus `--allow-run` because the end-to-end tests start the CLI as a
 * child process (obento itself never does). The test task also passes `--parallel` (one test file per core
 * at a time): on the 2-core machines the suite took 1028 s serially and 722 s in parallel, with the same
 * 0 failures (2026-11-30), which keeps CI under its 20-minute budget.
 */
export const TEST_PERMISSIONS: readonly string[] = [...PERMISSIONS, "--allow-run"];

/** Permissions of the scripts that start obento as a child (the demo, benchmarks, reliability runs, the HTTP fuzzer). */
export const SCRIPT_PERMISSIONS: readonly string[] = [...PERMISSIONS, "--allow-run"];
