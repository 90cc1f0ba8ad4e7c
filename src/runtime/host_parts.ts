/**
 * The parts the host supplies to every bundle it packs or loads: the service SDK (`service_sdk.ts`, the
 * namespace a bundle reads), a backend (WASM unless one is given) and JSON as the default output adapter.
 * `mod.ts`, the CLI, the server and the model workers all take them from here, so none of them imports
 * `mod.ts` and a worker loads only what a loaded service needs.
 *
 * @module
 */
import type { OutputAdapter } from "../sdk/adapter.ts";
import type { InferenceBackend } from "../sdk/backend.ts";
import { JsonOutput } from "../adapters/json_output.ts";
import { sdkLoadingImageCodecs } from "../adapters/image_codecs.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import * as serviceSdk from "./service_sdk.ts";
import { type HostApis, loadBundle, type ReadBento } from "./load.ts";
import type { LoadedService } from "./loaded_service.ts";

/** What {@link hostParts} returns: the fields `packBundle`, `packModel`, `loadBundle` and `loadService` take. */
export interface HostParts {
  /** The service SDK's namespace: what a bundle's `import … from "obento"` reads. */
  readonly sdk: Readonly<Record<string, unknown>>;
  /** The inference backend ONNX artifacts run on. */
  readonly backend: InferenceBackend;
  /** The output adapter of APIs that declare none. */
  readonly defaultOutput: OutputAdapter;
}

/**
 * The host's parts for packing or loading a bundle.
 *
 * @param backend The backend to use; default a new onnxruntime-web WASM backend (1 thread).
 * @returns The SDK namespace, the backend and a JSON output adapter.
 *
 * @example
 * ```ts
 * import { hostParts } from "./host_parts.ts";
 * const { sdk, backend } = hostParts();
 * console.log(typeof sdk.defineService, backend.name); // function wasm
 * ```
 */
export function hostParts(backend?: InferenceBackend): HostParts {
  return {
    // Reading `decodeImage` starts loading the image decoders (src/adapters/image_codecs.ts).
    sdk: sdkLoadingImageCodecs(serviceSdk) as unknown as Readonly<Record<string, unknown>>,
    backend: backend ?? new WasmBackend(),
    defaultOutput: new JsonOutput(),
  };
}

/** Options for {@link openBundle}. */
export interface OpenBundleOptions {
  /** The backend; default onnxruntime-web WASM with {@link OpenBundleOptions.threads} threads. */
  backend?: InferenceBackend;
  /** onnxruntime threads per session. Default 1. */
  threads?: number;
  /** Check every file against the bundle's MANIFEST first. Default true. */
  verify?: boolean;
  /** The host's extra APIs, e.g. Open Inference Protocol v2's `v2Apis` (see `LoadBundleOptions.hostApis`). Default: none. */
  hostApis?: HostApis;
  /** Its bento.yaml, already read (`readBento`). Default: read it. */
  bento?: ReadBento;
}

/**
 * Loads the bundle in directory `path` with the host's parts: what `mod.ts`'s `load` does once it has a
 * directory and a backend, and what the server, `obento run` and each model worker call.
 *
 * @param path A bundle directory.
 * @param options Backend, threads, verification.
 * @returns The loaded service.
 * @throws {ObentoError} as `loadBundle`: NOT_FOUND, INTEGRITY, BAD_BUNDLE, BAD_SERVICE.
 *
 * @example
 * ```ts
 * import { openBundle } from "./host_parts.ts";
 * const service = await openBundle("bundles/Echo/1");
 * console.log(service.name);
 * await service.close();
 * ```
 */
export async function openBundle(path: string, options: OpenBundleOptions = {}): Promise<LoadedService> {
  const threads = options.threads ?? 1;
  return await loadBundle(path, {
    ...hostParts(options.backend ?? new WasmBackend({ threads })),
    sessionOptions: { threads },
    verify: options.verify,
    hostApis: options.hostApis,
    bento: options.bento,
  });
}
