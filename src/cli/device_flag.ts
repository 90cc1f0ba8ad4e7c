/**
 * `--device` on `serve` and `run`, and what it means for the FFI permission: native onnxruntime loads its
 * library through Node-API, which needs `--allow-ffi` at the moment the library loads. Everything else obento
 * does without FFI, and bundle code must never have it.
 *
 * On this thread (`--in-process`), the device is opened and FFI dropped for the whole process before the
 * bundle's code is evaluated. For model workers, this thread loads no runtime: it only runs the checks that
 * need no load (`planWorkerDevice`: platform, FFI, the native pack's manifest) and, for native or `auto`,
 * keeps FFI: each worker has its own permissions (`--unstable-worker-options`, src/runtime/sandbox.ts),
 * loads the library with FFI and revokes it, in that worker only, before the bundle's code loads; under
 * `auto` the first worker ready says whether native loaded (src/server/serve.ts logs it). No bundle code runs
 * on this thread then. Loading onnxruntime-node here only to decide `auto` cost the server's thread tens of
 * milliseconds before the workers could start (docs/benchmarks.md, "Cold start and idle RSS").
 *
 * WebGPU needs no permission, so `--device webgpu` runs in model workers like WASM (each worker loads its own
 * onnxruntime-web WebGPU runtime); only the adapter is looked for here, to fail before the workers start.
 *
 * @module
 */
import {
  type DeviceChoice,
  type DevicePlan,
  openDevice,
  parseDevice,
  planWorkerDevice,
} from "../backends/device.ts";
import { findNativePack } from "../backends/native_pack.ts";
import { revokeFfi } from "../heap_trim.ts";

export { mayUseNativeDevice } from "../native_device_args.ts";

/** Where the models will run: on this thread, or in model workers (`serve --workers N`). */
export type ModelThread = "this-thread" | "workers";

/** Where the CLI looks for the native runtime pack (src/backends/native_pack.ts). */
export interface NativePackFlags {
  /** `--native-dir`, else `$OBENTO_NATIVE_DIR` (the CLI context's `nativeDir`). */
  dir?: string;
  /** The running executable: a pack beside it is used when no folder is named. */
  execPath?: string;
}

/**
 * Opens the device a `--device` value names, then drops the FFI permission for good: native's library is
 * loaded by then, and nothing else on this thread needs FFI. For models in workers, plans the device instead
 * (`planWorkerDevice`: nothing is loaded here), and FFI stays when the workers may load native (`native`
 * or `auto`; they drop it themselves).
 *
 * @param raw the `--device` value (default "auto")
 * @param where whether the models run on this thread or in workers
 * @param pack where to look for a native runtime pack (default: nowhere, so the npm package is used)
 * @throws {ObentoError} BAD_ARGUMENT for an unknown device; UNAVAILABLE from {@link openDevice}
 * @example
 * ```ts
 * import { openDeviceForCli } from "./device_flag.ts";
 * const choice = await openDeviceForCli("auto", "this-thread");
 * console.log(choice.device, Deno.permissions.querySync({ name: "ffi" }).state); // native prompt
 * ```
 */
export async function openDeviceForCli(
  raw: string | undefined,
  where: "this-thread",
  pack?: NativePackFlags,
): Promise<DeviceChoice>;
export async function openDeviceForCli(
  raw: string | undefined,
  where: ModelThread,
  pack?: NativePackFlags,
): Promise<DevicePlan>;
export async function openDeviceForCli(
  raw: string | undefined,
  where: ModelThread,
  pack: NativePackFlags = {},
): Promise<DevicePlan> {
  let keepFfi = false;
  try {
    const device = parseDevice(raw ?? "auto");
    const nativeDir = device === "native" || device === "auto" ? findNativePack(pack) : undefined;
    if (where === "this-thread") return await openDevice(device, { nativeDir });
    const plan = await planWorkerDevice(device, { nativeDir });
    keepFfi = plan.device === "native" || plan.device === "auto";
    return plan;
  } finally {
    if (!keepFfi) revokeFfi();
  }
}
