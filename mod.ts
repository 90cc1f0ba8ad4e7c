/**
 * obento: pack ONNX models and their prediction code into versioned bundles, keep them in a registry, and
 * run them — from the CLI or from Deno code.
 *
 * A service declares its artifacts and APIs:
 *
 * ```ts
 * import { DataframeInput, defineService, OnnxModelArtifact } from "obento";
 *
 * export default defineService({ name: "IrisClassifier", artifacts: { model: new OnnxModelArtifact() } })
 *   .api("predict", { input: new DataframeInput(), batch: true }, async (frame, { artifacts }) => {
 *     const { label } = await artifacts.model.run({ input: frame.toTensor("float32") });
 *     return Array.from(label.data as BigInt64Array, Number);
 *   });
 * ```
 *
 * Then `pack` it with its model into a bundle and `load` the bundle anywhere:
 *
 * ```ts
 * import { load, pack } from "obento";
 * await pack({ service: "./service.ts", artifacts: { model: "./iris.onnx" }, version: "1", output: "./iris-bundle" });
 * const svc = await load("./iris-bundle");
 * console.log(await svc.call("predict", [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]));
 * await svc.close();
 * ```
 *
 * What a service's own code may use is the service SDK (also the package's `./sdk` export): a bundle
 * receives exactly those names from the host that loads it. The rest of this module is for Deno programs
 * that run services: `load`, `loadService`, `pack`, `packModel`, devices, the registry and `runBatch`; the
 * registry's and batch runs' lower-level parts are the `./registry` and `./batch` exports.
 *
 * @module
 */
import type { ArtifactSpecs } from "./src/sdk/artifact.ts";
import type { JsonValue } from "./src/sdk/adapter.ts";
import type { InferenceBackend } from "./src/sdk/backend.ts";
import type { Service } from "./src/sdk/service.ts";
import { type Device, openDevice } from "./src/backends/device.ts";
import { loadService as loadServiceWith } from "./src/runtime/load.ts";
import { hostParts, openBundle } from "./src/runtime/host_parts.ts";
import { v2Apis } from "./src/v2/infer_api.ts";
import type { LoadedService } from "./src/runtime/loaded_service.ts";
import { packBundle, type PackOptions, type PackResult } from "./src/bundle/pack.ts";
import { sandboxedDefinition } from "./src/runtime/sandboxed_definition.ts";
import { packModel as packModelWith, type PackModelOptions } from "./src/bundle/pack_model.ts";
import { ObentoError } from "./src/errors.ts";
import { openRegistry, type Registry } from "./src/registry/registry.ts";
import { isRegistryRef, resolveBundleRef } from "./src/registry/resolve_ref.ts";
import { registryHome } from "./src/registry/home.ts";
import { loadImageCodecs } from "./src/adapters/image_codecs.ts";

// Code that imports mod.ts may call `decodeImage` outside a loaded service, so the image decoders, which
// obento's own threads load only for services that use them (src/adapters/image_codecs.ts), load here.
await loadImageCodecs();

// What a service author writes a service with (and exactly what a bundle receives as the host SDK).
export {
  type ApiContext,
  type ApiOptions,
  type ApiSpec,
  type ArtifactContext,
  type ArtifactSpec,
  type ArtifactSpecs,
  type BackendSession,
  BadInputError,
  type BatchApiContext,
  type BatchApiOptions,
  type BatchHandler,
  BinaryArtifact,
  type Column,
  type ColumnSource,
  type ColumnStorage,
  type ColumnType,
  concatRows,
  type DataArtifactOptions,
  DataframeInput,
  type DataframeInputOptions,
  type DataframeOrient,
  DataframeOutput,
  type DataframeOutputOptions,
  type DeclaredShape,
  type DecodedImage,
  decodeImage,
  type DecodeImageOptions,
  defineService,
  type DType,
  type DTypeStorage,
  type EncodedOutput,
  type ErrorCode,
  type FeatureBatch,
  featureRowResults,
  type FeatureRows,
  FeatureTableInput,
  type FeatureTableInputOptions,
  type Feeds,
  FileInput,
  Frame,
  type FrameRecord,
  type FrameTensorType,
  type GraphOptimizationLevel,
  type ImageFormat,
  ImageInput,
  type ImageInputOptions,
  type InferenceBackend,
  InferenceError,
  InferenceResult,
  type InferenceResultOptions,
  InferenceTask,
  type InputAdapter,
  type ItemResult,
  JsonArtifact,
  JsonInput,
  type JsonInputOptions,
  JsonOutput,
  type JsonOutputOptions,
  type JsonSchema,
  type JsonValue,
  type LoadedArtifacts,
  nestedFromTensor,
  ObentoError,
  type ObentoErrorOptions,
  OnnxFeedsInput,
  type OnnxFeedsInputOptions,
  OnnxModel,
  OnnxModelArtifact,
  type OnnxModelArtifactOptions,
  type OutputAdapter,
  Service,
  type ServiceEnv,
  type ServiceOptions,
  type ServicePermissions,
  type SessionOptions,
  type SingleApiContext,
  type SingleApiOptions,
  type SingleHandler,
  splitRows,
  stackTensors,
  StringInput,
  type Tensor,
  type TensorData,
  tensorFromNested,
  type TensorFromNestedOptions,
  type TensorInfo,
  TensorInput,
  type TensorInputOptions,
  type TensorRow,
  TensorRowsOutput,
  tensorToJson,
  TextArtifact,
  toJsonValue,
} from "./src/runtime/service_sdk.ts";

// What a Deno program runs services with: devices, loaded services, bundles, the registry, offline runs.
export { WasmBackend } from "./src/backends/ort_web.ts";
export {
  loadNativeRuntime,
  type LoadNativeRuntimeOptions,
  NativeBackend,
  type NativeBackendOptions,
  type NativeRuntime,
  type NativeRuntimeLoader,
} from "./src/backends/ort_node.ts";
export {
  type GpuLike,
  loadWebGpuRuntime,
  WebGpuBackend,
  type WebGpuOrt,
  type WebGpuRuntime,
  type WebGpuRuntimeLoader,
} from "./src/backends/ort_webgpu.ts";
export {
  type Device,
  type DeviceChoice,
  openDevice,
  type OpenDeviceOptions,
  type ResolvedDevice,
} from "./src/backends/device.ts";
export { type CallOptions, LoadedService } from "./src/runtime/loaded_service.ts";
export type { ErrorOutcome, ItemOutcome, OkOutcome } from "./src/runtime/invoke.ts";
export type { ApiRecord, ArtifactRecord, BentoDocument } from "./src/bundle/bento_yaml.ts";
export type { BundlePermissions } from "./src/bundle/permissions.ts";
export type { PackOptions, PackResult } from "./src/bundle/pack.ts";
export type { PackModelOptions } from "./src/bundle/pack_model.ts";
export {
  type AddOptions,
  type BundleDetails,
  type BundleSummary,
  type GcReport,
  type ListOptions,
  openRegistry,
  type OpenRegistryOptions,
  Registry,
  type SavedBundle,
  type SelectOptions,
  type VerifyReport,
} from "./src/registry/registry.ts";
export type {
  BundleIndex,
  BundleRecord,
  IndexedArtifact,
  IndexQuery,
  PendingRecord,
} from "./src/registry/bundle_index.ts";
export type {
  BlobStore,
  StagedBundle,
  StageOptions,
  StagingArea,
  StoredBundle,
  StoredFile,
} from "./src/registry/blob_store.ts";
export { type BundleRef, formatBundleRef, LATEST, parseBundleRef } from "./src/registry/bundle_ref.ts";
export {
  formatSelector,
  matchesSelector,
  parseSelector,
  type Requirement,
  type Selector,
  type SelectorOperator,
} from "./src/registry/selector.ts";
export { type BatchRow, runBatch, type RunBatchOptions } from "./src/batch/run_batch.ts";
export { parseShard, type Shard } from "./src/batch/shard.ts";

/** Options for {@link load}. */
export interface LoadOptions {
  /** Inference backend; when given, `device` is not used. */
  backend?: InferenceBackend;
  /**
   * Where the models run when no `backend` is given: "wasm" (the default, as for `loadService` and `pack`:
   * no permission needed, the same floats everywhere), "native" (onnxruntime-node; needs `--allow-ffi`),
   * "webgpu" (onnxruntime-web's WebGPU build; needs a WebGPU adapter), or "auto" (native where its library
   * loads, else WASM; never webgpu). `obento serve` and `run` default to "auto".
   * See {@link openDevice}.
   */
  device?: Device;
  /** onnxruntime threads per session (default 1). */
  threads?: number;
  /** Check every file against the bundle's MANIFEST first (default true). */
  verify?: boolean;
  /**
   * The registry that `Name`, `Name:version` and `Name:latest` resolve in. Default: the registry at
   * {@link LoadOptions.home}, opened for the lookup and closed again.
   */
  registry?: Registry;
  /** The registry's home when no `registry` is given. Default: `$OBENTO_HOME`, else `~/.obento`. */
  home?: string;
  /** The directory a relative bundle path resolves against. Default: the working directory. */
  cwd?: string;
}

/**
 * Loads a bundle into a ready service whose APIs can be called directly. `ref` is a bundle directory, or
 * `Name`, `Name:version` or `Name:latest` in the local registry (as `obento run` and `obento serve` take).
 * Besides the service's APIs, each ONNX model answers Open Inference Protocol v2 requests as `v2:<model>`.
 *
 * @throws {ObentoError} NOT_FOUND when neither a bundle directory nor a registry bundle has that name;
 *   INTEGRITY when a file changed after packing
 *
 * @example
 * ```ts
 * import { load } from "obento";
 * const svc = await load("IrisClassifier:latest"); // or a directory: await load("./iris-bundle")
 * const labels = await svc.call("predict", { sepal_length: [5.1], sepal_width: [3.5], petal_length: [1.4], petal_width: [0.2] });
 * await svc.close();
 * ```
 */
export async function load(ref: string, options: LoadOptions = {}): Promise<LoadedService> {
  const path = await resolveForLoad(ref, options);
  const threads = options.threads ?? 1;
  const backend = options.backend ?? (await openDevice(options.device ?? "wasm", { threads })).backend;
  return await openBundle(path, { backend, threads, verify: options.verify, hostApis: v2Apis });
}

/** The bundle directory `ref` names: a directory as it is, else a registry lookup. */
async function resolveForLoad(ref: string, options: LoadOptions): Promise<string> {
  const cwd = options.cwd ?? Deno.cwd();
  if (options.registry) return (await resolveBundleRef(ref, { cwd, registry: options.registry })).path;
  try {
    return (await resolveBundleRef(ref, { cwd })).path;
  } catch (error) {
    if (!(error instanceof ObentoError && error.code === "NOT_FOUND") || !isRegistryRef(ref)) throw error;
  }
  const registry = await openRegistry({ home: options.home ?? registryHome(Deno.env) });
  try {
    return (await resolveBundleRef(ref, { cwd, registry })).path;
  } finally {
    registry.close();
  }
}

/** Options for {@link pack}. */
export type PackServiceOptions = Omit<PackOptions, "sdk" | "backend" | "defaultOutput"> & {
  /** Backend used to inspect ONNX artifacts (default: onnxruntime-web WASM). */
  backend?: InferenceBackend;
  /**
   * Evaluate the service's code in a Worker that may only read its folder, as `obento pack` does, instead of
   * in this process with its permissions. Needs `--unstable-worker-options` (without it Deno 2.9.6 ends the
   * process when such a Worker starts); ONNX artifacts are then inspected with onnxruntime-web, not `backend`.
   * Default false.
   */
  sandbox?: boolean;
};

/**
 * Packs a service module and its artifact files into a new bundle directory (`options.output`).
 *
 * @example
 * ```ts
 * import { pack } from "obento";
 * const { path, document } = await pack({
 *   service: "./service.ts",
 *   artifacts: { model: "./iris.onnx" },
 *   labels: { stage: "dev" },
 *   version: "1.0.0",
 *   output: "./iris-bundle",
 * });
 * console.log(path, document.service.apis.map((a) => a.name));
 * ```
 */
export async function pack(options: PackServiceOptions): Promise<PackResult> {
  return await packBundle({
    ...options,
    ...hostParts(options.backend),
  }, options.sandbox === true ? sandboxedDefinition : undefined);
}

/** Options for {@link packModel}. */
export type PackModelServiceOptions = Omit<PackModelOptions, "sdk" | "backend" | "defaultOutput"> & {
  /** Backend used to inspect the model (default: onnxruntime-web WASM). */
  backend?: InferenceBackend;
};

/**
 * Packs a bare ONNX model with a default `predict` API (the zero-code path). A model with one 2-D numeric input
 * also takes tables whose columns are its features: in order, or by the names in `columns`.
 *
 * @example
 * ```ts
 * import { load, packModel } from "obento";
 * const columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
 * await packModel({ model: "./iris.onnx", name: "Iris", version: "1", output: "./iris-bundle", columns });
 * const svc = await load("./iris-bundle");
 * console.log(await svc.call("predict", [[5.1, 3.5, 1.4, 0.2]])); // { label: …, probabilities: … }
 * console.log(await svc.call("predict", [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]));
 * ```
 */
export async function packModel(options: PackModelServiceOptions): Promise<PackResult> {
  return await packModelWith({
    ...options,
    ...hostParts(options.backend),
  });
}

/** Options for {@link loadService}. */
export interface LoadServiceOptions {
  /** Artifact files (paths) or bytes, by declared name. */
  artifacts: Readonly<Record<string, string | Uint8Array>>;
  /** Immutable metadata per artifact name. */
  metadata?: Readonly<Record<string, Readonly<Record<string, JsonValue>>>>;
  /** Inference backend; when given, `device` is not used. */
  backend?: InferenceBackend;
  /**
   * Where the models run when no `backend` is given: "wasm" (the default, as for `loadService` and `pack`:
   * no permission needed, the same floats everywhere), "native" (onnxruntime-node; needs `--allow-ffi`),
   * "webgpu" (onnxruntime-web's WebGPU build; needs a WebGPU adapter), or "auto" (native where its library
   * loads, else WASM; never webgpu). `obento serve` and `run` default to "auto".
   * See {@link openDevice}.
   */
  device?: Device;
  /** onnxruntime threads per session (default 1). */
  threads?: number;
}

/**
 * Loads a service definition straight from source with its artifact files, without packing — for trying a
 * service while writing it. Results match those of the packed bundle, `v2:<model>` APIs included.
 *
 * @example
 * ```ts
 * import { DataframeInput, defineService, loadService, OnnxModelArtifact } from "obento";
 * const service = defineService({ name: "Iris", artifacts: { model: new OnnxModelArtifact() } })
 *   .api("predict", { input: new DataframeInput(), batch: true }, async (frame, { artifacts }) => {
 *     const { label } = await artifacts.model.run({ input: frame.toTensor("float32") });
 *     return Array.from(label.data as BigInt64Array, Number);
 *   });
 * const svc = await loadService(service, { artifacts: { model: "./iris.onnx" } });
 * console.log(await svc.call("predict", [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }])); // [0]
 * await svc.close();
 * ```
 */
export async function loadService<A extends ArtifactSpecs>(
  service: Service<A>,
  options: LoadServiceOptions,
): Promise<LoadedService> {
  return await loadServiceWith(service as unknown as Service<ArtifactSpecs>, {
    artifacts: options.artifacts,
    metadata: options.metadata,
    ...hostParts(options.backend),
    sessionOptions: { threads: options.threads ?? 1 },
    hostApis: v2Apis,
  });
}
