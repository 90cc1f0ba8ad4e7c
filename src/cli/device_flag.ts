/**
 * `--device` on `serve` and `run`, and what it means for the FFI permission: native onnxruntime loads its
 * library through Node-API, which needs `--allow-ffi` at the moment the library loads. Everything else obento
 * does without FFI, and bundle code must never have it.
 *
 * Native models therefore run on the thread that loaded the library, which drops FFI before the bundle's code
 * is evaluated. They cannot run in model workers: Deno's Web Workers share their parent's permissions (a
 * worker that revokes FFI revokes it for the whole process, measured with Deno 2.9.6), so a worker could only
 * load the library if FFI stayed granted for everyone, bundle code included, or with per-worker permissions,
 * which need `--unstable-worker-options`.
 *
 * WebGPU needs no permission, so `--device webgpu` runs in model workers like WASM (each worker loads its own
 * onnxruntime-web WebGPU runtime); only the adapter is looked for here, to fail before the workers start.
 *
 * @module
 */
import { type DeviceChoice, openDevice, parseDevice } from "../backends/device.ts";
import { ObentoError } from "../errors.ts";
import { revokeFfi } from "../heap_trim.ts";

export { mayUseNativeDevice } from "../native_device_args.ts";

/** Where the models will run: on this thread, or in model workers (`serve --workers N`). */
export type ModelThread = "this-thread" | "workers";

/** Why `auto` does not pick native when the models must run in workers. */
export const WORKERS_NEED_WASM =
  "models run in supervised Web Workers, which cannot load the native library without giving bundle code " +
  "FFI; --in-process or --device native runs native on the server's thread, unsupervised";

/**
 * Opens the device a `--device` value names, then drops the FFI permission for good: native's library is
 * loaded by then, and nothing else needs FFI. For models in workers, `auto` means wasm (with the reason) and
 * `native` is refused.
 *
 * @param raw the `--device` value (default "auto")
 * @param where whether the models run on this thread or in workers
 * @throws {ObentoError} BAD_ARGUMENT for an unknown device, or native with workers; UNAVAILABLE from
 *   {@link openDevice}
 * @example
 * ```ts
 * import { openDeviceForCli } from "./device_flag.ts";
 * const choice = await openDeviceForCli("auto", "this-thread");
 * console.log(choice.device, Deno.permissions.querySync({ name: "ffi" }).state); // native prompt
 * ```
 */
export async function openDeviceForCli(raw: string | undefined, where: ModelThread): Promise<DeviceChoice> {
  try {
    const device = parseDevice(raw ?? "auto");
    if (where === "workers" && device === "native") {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "--device native runs the models on the server's thread (onnxruntime's own threads use the cores): " +
          "drop --workers, or use --device wasm for model workers",
      );
    }
    if (where === "workers" && device === "auto") {
      const wasm = await openDevice("wasm");
      return { ...wasm, requested: "auto", fallback: WORKERS_NEED_WASM };
    }
    return await openDevice(device);
  } finally {
    revokeFfi();
  }
}
