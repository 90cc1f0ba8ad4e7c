/**
 * Devices: the run-time choice of where a bundle's models run (`--device auto|native|wasm|webgpu`, `device`
 * in mod.ts's `load()`). The bundle never names a device; the same bundle runs on each.
 *
 * - `wasm`: onnxruntime-web's WebAssembly CPU build; runs everywhere, needs no permission.
 * - `native`: onnxruntime-node's native CPU library (src/backends/ort_node.ts); needs `--allow-ffi` to load.
 * - `auto`: native where its library loads on this platform, else wasm, with the reason kept for the log.
 * - `webgpu`: onnxruntime-web's WebGPU build on `navigator.gpu` (src/backends/ort_webgpu.ts); needs a WebGPU
 *   adapter (a GPU driver, or Mesa's llvmpipe software adapter). `auto` never picks it: on the machines we
 *   can measure only llvmpipe exists, which runs on the CPU behind a GPU API, and where a real GPU exists its
 *   speed for small models (the kind obento serves: per-request batches of a few rows) is not measured; WASM or
 *   native answer without a device upload and shader compiles (3–4 s at the first session here).
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { InferenceBackend } from "../sdk/backend.ts";
import {
  checkNativeLoadable,
  loadNativeRuntime,
  NativeBackend,
  type NativeRuntimeLoader,
} from "./ort_node.ts";
import { checkWebGpuThreads, findWebGpuAdapter, type GpuLike, WebGpuBackend } from "./ort_webgpu.ts";
import { selectBackend } from "./select.ts";

/** A device as the user names it. */
export type Device = "auto" | "native" | "wasm" | "webgpu";

/** Every {@link Device}, in the order messages list them. */
export const DEVICES: readonly Device[] = ["auto", "native", "wasm", "webgpu"];

/** A device a backend runs on (what `auto` resolves to). */
export type ResolvedDevice = "native" | "wasm" | "webgpu";

/**
 * Where model workers are to run models, decided without loading a runtime ({@link planWorkerDevice}): what
 * each worker opens. `device` is `auto` when only a worker's load can tell whether native loads; the workers
 * then open `auto` and the first one ready says what it got.
 */
export interface DevicePlan {
  /** The device asked for. */
  readonly requested: Device;
  /** What the workers open: a device, or `auto` (native where its library loads, else wasm). */
  readonly device: Device;
  /** Why `auto` will not get native, when the checks already tell (absent otherwise). */
  readonly fallback?: string;
  /** The WebGPU adapter's description, for the `webgpu` device only. */
  readonly adapter?: string;
  /** The native runtime pack the workers load native from (absent: the npm package, or not native). */
  readonly nativeDir?: string;
  /** The backend, when the device was opened on this thread ({@link openDevice}); absent in a plan. */
  readonly backend?: InferenceBackend;
}

/** What {@link openDevice} chose (it serves as a `DevicePlan` too: workers that open it get the same). */
export interface DeviceChoice {
  /** The device asked for. */
  readonly requested: Device;
  /** The device models run on. */
  readonly device: ResolvedDevice;
  /** Its backend. */
  readonly backend: InferenceBackend;
  /** Why `auto` did not get native (absent when it did, or when a device was named). */
  readonly fallback?: string;
  /** The WebGPU adapter's description, for the `webgpu` device only (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"). */
  readonly adapter?: string;
  /**
   * The native runtime pack native was loaded from (src/backends/native_pack.ts); absent when it came from
   * the npm package, or the device is not native. Model workers load the same pack.
   */
  readonly nativeDir?: string;
}

/** Options for {@link openDevice}. */
export interface OpenDeviceOptions {
  /** Default intra-op threads per session. Default 1. */
  threads?: number;
  /** Loads onnxruntime-node; tests inject a failing one. Default: {@link loadNativeRuntime} from `nativeDir`. */
  loadNative?: NativeRuntimeLoader;
  /**
   * The native runtime pack to load native from (src/backends/native_pack.ts). Default: none (the npm
   * package `onnxruntime-node`, which only a `deno run` of the sources has).
   */
  nativeDir?: string;
  /** Where the `webgpu` device looks for an adapter; tests pass one without. Default: `navigator.gpu`. */
  gpu?: GpuLike;
}

/**
 * Checks a device name from a flag or an option.
 *
 * @throws {ObentoError} BAD_ARGUMENT listing the devices
 * @example
 * ```ts
 * import { parseDevice } from "./device.ts";
 * console.log(parseDevice("native")); // native
 * ```
 */
export function parseDevice(raw: string): Device {
  const found = DEVICES.find((d) => d === raw.trim().toLowerCase());
  if (found === undefined) {
    throw new ObentoError("BAD_ARGUMENT", `--device must be one of ${DEVICES.join(", ")}, got "${raw}"`);
  }
  return found;
}

/**
 * Opens the device `requested`: loads the native library for `native` and `auto` (falling back to wasm under
 * `auto`, with the reason).
 *
 * @throws {ObentoError} UNAVAILABLE when `native` cannot load here (naming the platform and what to do), or
 *   when `webgpu` finds no adapter (naming what to install); BAD_ARGUMENT for `webgpu` with threads > 1
 * @example
 * ```ts
 * import { openDevice } from "./device.ts";
 * const choice = await openDevice("auto", { loadNative: () => Promise.reject(new Error("no library")) });
 * console.log(choice.device, choice.fallback); // wasm no library
 * ```
 */
export async function openDevice(requested: Device, options: OpenDeviceOptions = {}): Promise<DeviceChoice> {
  const threads = options.threads ?? 1;
  const nativeDir = options.nativeDir;
  const loadNative = options.loadNative ?? (() => loadNativeRuntime({ packDir: nativeDir }));
  // Where native came from, for the workers that load it again.
  const from = nativeDir === undefined ? {} : { nativeDir };
  if (requested === "webgpu") {
    checkWebGpuThreads(threads);
    // Only the adapter here: the runtime (27 MB of WebAssembly) loads where the first session is made, which
    // is in each model worker when the models run there.
    const adapter = await findWebGpuAdapter(options.gpu);
    return {
      requested,
      device: "webgpu",
      backend: new WebGpuBackend(),
      adapter: adapter.info.description || `vendor ${adapter.info.vendor}`,
    };
  }
  if (requested === "native") {
    return {
      requested,
      device: "native",
      backend: new NativeBackend(await loadNative(), { threads }),
      ...from,
    };
  }
  const selection = await selectBackend(requested === "auto" ? ["native", "wasm"] : ["wasm"], {
    wasm: { threads },
    factories: { native: async () => new NativeBackend(await loadNative(), { threads }) },
  });
  const device: ResolvedDevice = selection.chosen === "native" ? "native" : "wasm";
  const fallback = selection.skipped.find((s) => s.name === "native")?.reason;
  return fallback === undefined
    ? { requested, device, backend: selection.backend, ...(device === "native" ? from : {}) }
    : { requested, device, backend: selection.backend, fallback };
}

/**
 * What model workers are to open for `requested`, decided on this thread without loading onnxruntime-node:
 * `native` and `auto` only run the checks that need no load (`checkNativeLoadable`: platform, FFI, the
 * pack's manifest and sizes). `native` fails here when they fail; `auto` then plans wasm with the reason, and
 * otherwise plans `auto`, which each worker resolves by loading the library (falling back to wasm with the
 * reason, as {@link openDevice} does), the first ready worker reporting the result. `wasm` and `webgpu` are
 * planned as {@link openDevice} opens them (webgpu: the adapter is looked for here).
 *
 * @throws {ObentoError} UNAVAILABLE as {@link openDevice}
 * @example
 * ```ts
 * import { planWorkerDevice } from "./device.ts";
 * const plan = await planWorkerDevice("auto");
 * console.log(plan.device); // auto (with --allow-ffi on a platform with a build), else wasm
 * ```
 */
export async function planWorkerDevice(
  requested: Device,
  options: Pick<OpenDeviceOptions, "nativeDir" | "gpu" | "threads"> = {},
): Promise<DevicePlan> {
  if (requested === "wasm" || requested === "webgpu") return await openDevice(requested, options);
  const nativeDir = options.nativeDir;
  const from = nativeDir === undefined ? {} : { nativeDir };
  if (requested === "native") {
    checkNativeLoadable({ packDir: nativeDir });
    return { requested, device: "native", ...from };
  }
  try {
    checkNativeLoadable({ packDir: nativeDir });
  } catch (error) {
    return { requested, device: "wasm", fallback: error instanceof Error ? error.message : String(error) };
  }
  return { requested, device: "auto", ...from };
}

/**
 * One line for the log: the device and, under `auto`, why it is not native.
 *
 * @example
 * ```ts
 * import { describeDevice } from "./device.ts";
 * console.log(describeDevice({ requested: "auto", device: "wasm", fallback: "no library" }));
 * // device wasm (auto: native unavailable: no library)
 * ```
 */
export function describeDevice(
  choice: Pick<DevicePlan, "requested" | "device" | "fallback" | "adapter">,
): string {
  if (choice.adapter !== undefined) return `device ${choice.device} (adapter: ${choice.adapter})`;
  if (choice.requested !== "auto") return `device ${choice.device}`;
  return choice.fallback === undefined
    ? `device ${choice.device} (auto)`
    : `device ${choice.device} (auto: native unavailable: ${choice.fallback})`;
}
