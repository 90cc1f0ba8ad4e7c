/**
 * Whether a command line may open the native device. Read by src/startup_heap_trimmer.ts before any other
 * module is evaluated, so this module imports nothing (a guard test in src/heap_trim_test.ts keeps it so).
 *
 * @module
 */

/** Commands that run models and so take `--device`. */
const DEVICE_COMMANDS = ["serve", "run"];

/**
 * Whether a process started with `args` may open the native device, and so must keep the FFI permission
 * past start-up (src/startup_heap_trimmer.ts): `serve` and `run` unless `--device` is wasm or webgpu.
 *
 * @example
 * ```ts
 * import { mayUseNativeDevice } from "./native_device_args.ts";
 * console.log(mayUseNativeDevice(["serve", "iris"]), mayUseNativeDevice(["serve", "--device=wasm", "iris"]));
 * // true false
 * console.log(mayUseNativeDevice(["list"])); // false
 * ```
 */
export function mayUseNativeDevice(args: readonly string[]): boolean {
  if (!DEVICE_COMMANDS.includes(args[0] ?? "")) return false;
  let value: string | undefined;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === "--") break;
    if (args[i] === "--device") value = args[i + 1];
    else if (args[i].startsWith("--device=")) value = args[i].slice("--device=".length);
  }
  const device = value?.trim().toLowerCase() ?? "auto";
  return device !== "wasm" && device !== "webgpu";
}
