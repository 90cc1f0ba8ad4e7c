/**
 * The native CPU device: onnxruntime-node's Node-API addon (a prebuilt `libonnxruntime` for linux-x64,
 * linux-arm64, darwin-arm64, win32-x64 and win32-arm64 ships inside the npm package). Loading the addon needs
 * Deno's FFI permission; once loaded, sessions run without it, so the caller may revoke FFI right after
 * {@link loadNativeRuntime} (src/backends/device.ts does, before any bundle code runs).
 *
 * @module
 */
import type * as OrtNode from "onnxruntime-node";
import { ObentoError } from "../errors.ts";
import type { BackendSession, InferenceBackend, SessionOptions } from "../sdk/backend.ts";
import { badModel, OrtSession } from "./ort_session.ts";
import { checkThreads } from "./ort_web.ts";
import { loadNativePack, packHint, readNativePack } from "./native_pack.ts";

/** The onnxruntime-node module. */
export type NativeRuntime = typeof OrtNode;

/** Loads onnxruntime-node (and with it the native library), or throws to say why it cannot. */
export type NativeRuntimeLoader = () => Promise<NativeRuntime>;

/** Platforms onnxruntime-node 1.30.0 ships a CPU library for, as `os-arch`. */
export const NATIVE_PLATFORMS: readonly string[] = [
  "linux-x86_64",
  "linux-aarch64",
  "darwin-aarch64",
  "windows-x86_64",
  "windows-aarch64",
];

/** This process's platform as `os-arch` (Deno's names). */
export function platformName(): string {
  return `${Deno.build.os}-${Deno.build.arch}`;
}

/** Options for {@link loadNativeRuntime}. */
export interface LoadNativeRuntimeOptions {
  /**
   * A native runtime pack's folder (src/backends/native_pack.ts) to load from. Default: none, so the npm
   * package `onnxruntime-node` is imported, which only a `deno run` of the sources has (the compiled binary
   * leaves its library out).
   */
  packDir?: string;
}

/**
 * Loads onnxruntime-node, from a runtime pack when `packDir` is given, else from the npm package: either way
 * its binding `require`s the addon, which `dlopen`s `libonnxruntime`.
 *
 * @throws {ObentoError} UNAVAILABLE naming the platform and what to do, when the library cannot load
 * @example
 * ```ts
 * import { loadNativeRuntime } from "./ort_node.ts";
 * const ort = await loadNativeRuntime(); // needs --allow-ffi
 * console.log(typeof ort.InferenceSession.create); // function
 * ```
 */
export async function loadNativeRuntime(options: LoadNativeRuntimeOptions = {}): Promise<NativeRuntime> {
  checkNativeLoadable(options);
  if (options.packDir !== undefined) return loadNativePack<NativeRuntime>(options.packDir);
  const platform = platformName();
  try {
    return await import("onnxruntime-node");
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ObentoError(
      "UNAVAILABLE",
      `native onnxruntime cannot load on ${platform}: ${reason}; ${packHint()}; or use --device wasm (or ` +
        `auto, which falls back to it)`,
      { cause: error },
    );
  }
}

/**
 * What can be known of loading native onnxruntime without loading it: this platform has a build, this thread
 * has the FFI permission, and the pack (when `packDir` is given) is for this platform and complete
 * (`readNativePack`: its manifest and the files' sizes). Checking costs a few file stats; loading
 * onnxruntime-node's JavaScript and library costs tens of milliseconds, which `serve` with model workers
 * leaves to the workers (src/cli/device_flag.ts). {@link loadNativeRuntime} checks the same first.
 *
 * @throws {ObentoError} UNAVAILABLE naming the platform and what to do, as {@link loadNativeRuntime} would
 * @example
 * ```ts
 * import { checkNativeLoadable } from "./ort_node.ts";
 * checkNativeLoadable(); // throws without --allow-ffi, or on a platform with no build
 * ```
 */
export function checkNativeLoadable(options: LoadNativeRuntimeOptions = {}): void {
  const platform = platformName();
  if (!NATIVE_PLATFORMS.includes(platform)) {
    throw new ObentoError(
      "UNAVAILABLE",
      `native onnxruntime has no build for ${platform} (it has ${NATIVE_PLATFORMS.join(", ")}); ` +
        `use --device wasm (or auto, which falls back to it)`,
    );
  }
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    throw new ObentoError(
      "UNAVAILABLE",
      `native onnxruntime on ${platform} needs the FFI permission to load its library, and this process ` +
        `has none (run with --allow-ffi, or use --device wasm)`,
    );
  }
  if (options.packDir !== undefined) readNativePack(options.packDir);
}

/** Options for {@link NativeBackend}. */
export interface NativeBackendOptions {
  /** Intra-op threads when a session does not say (`SessionOptions.threads`). Default 1. */
  threads?: number;
}

/**
 * Runs ONNX models on native onnxruntime (CPU execution provider) through onnxruntime-node. Unlike WASM, the
 * thread count is per session and concurrent runs need no chaining (ORT's sessions are thread-safe).
 *
 * @example
 * ```ts
 * import { loadNativeRuntime, NativeBackend } from "./ort_node.ts";
 * const backend = new NativeBackend(await loadNativeRuntime(), { threads: 2 });
 * const session = await backend.createSession(await Deno.readFile("bundles/iris_classifier/iris_lr.onnx"));
 * const out = await session.run({
 *   input: { type: "float32", dims: [1, 4], data: new Float32Array([5.1, 3.5, 1.4, 0.2]) },
 * });
 * console.log(out.label.data); // BigInt64Array(1) [ 0n ]
 * ```
 */
export class NativeBackend implements InferenceBackend {
  /** Always "native". */
  readonly name = "native";
  readonly #ort: NativeRuntime;
  readonly #threads: number;

  /** Makes a backend on a loaded runtime (see {@link loadNativeRuntime}). */
  constructor(ort: NativeRuntime, options: NativeBackendOptions = {}) {
    this.#ort = ort;
    this.#threads = checkThreads(options.threads ?? 1, "NativeBackend threads");
  }

  /** Default intra-op threads per session. */
  get threads(): number {
    return this.#threads;
  }

  /**
   * Parses `model` and makes a session.
   *
   * @throws {ObentoError} BAD_MODEL when the bytes are not an ONNX model or ORT cannot load it (naming the
   *   operator ORT names, and the device)
   */
  async createSession(model: Uint8Array, options: SessionOptions = {}): Promise<BackendSession> {
    const threads = checkThreads(options.threads ?? this.#threads, "threads");
    let session: OrtNode.InferenceSession;
    try {
      session = await this.#ort.InferenceSession.create(model, {
        executionProviders: ["cpu"],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: options.graphOptimizationLevel ?? "all",
        executionMode: options.parallelExecution ? "parallel" : "sequential",
        enableCpuMemArena: options.enableCpuMemArena ?? true,
        enableMemPattern: options.enableMemPattern ?? true,
        ...options.extra,
      });
    } catch (error) {
      throw badModel(model, error, "onnxruntime-node", "native");
    }
    return new OrtSession(session, {
      device: "native",
      runtime: "onnxruntime-node",
      Tensor: this.#ort.Tensor,
    });
  }
}
