/**
 * `--device` on `serve` and `run`, and what it means for the FFI permission: native onnxruntime loads its
 * library through Node-API, which needs `--allow-ffi` at the moment the library loads. Everything else obento
 * does without FFI, and bundle code must never have it.
 *
 * @module
 */
import { type DeviceChoice, openDevice, parseDevice } from "../backends/device.ts";
import { revokeFfi } from "../heap_trim.ts";

export { mayUseNativeDevice } from "../native_device_args.ts";

/** Where the opened device's models will run. */
export type ModelThread = "this-thread" | "workers";

/**
 * Opens the device a `--device` value names and drops the FFI permission as soon as nothing here needs it:
 * at once for WASM; after the native library has loaded when the models run on this thread. Only a server
 * whose models run native in workers keeps FFI on its main thread (to start replacement workers, each of
 * which loads the library and drops FFI before it evaluates bundle code).
 *
 * @param raw the `--device` value (default "auto")
 * @param where whether the models run on this thread or in workers
 * @example
 * ```ts ignore
 * import { openDeviceForCli } from "./device_flag.ts";
 * const choice = await openDeviceForCli("auto", "this-thread");
 * console.log(choice.device, Deno.permissions.querySync({ name: "ffi" }).state); // native prompt
 * ```
 */
export async function openDeviceForCli(raw: string | undefined, where: ModelThread): Promise<DeviceChoice> {
  let choice: DeviceChoice;
  try {
    choice = await openDevice(parseDevice(raw ?? "auto"));
  } catch (error) {
    revokeFfi();
    throw error;
  }
  if (choice.device !== "native" || where === "this-thread") revokeFfi();
  return choice;
}
