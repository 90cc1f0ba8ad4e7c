/**
 * The service SDK: everything a service author imports from `obento` to write a service, and exactly what a
 * bundle receives as the host SDK when it is loaded (`hostParts()` in `host_parts.ts` publishes this module's
 * namespace under `Symbol.for("obento.sdk.v1")`, and `pack` lets a service import only these names).
 *
 * It holds the service definition (`defineService`), the inference results, the artifact kinds, the input and
 * output adapters and the tensor helpers a service's code calls. It does not hold the host's operations
 * (loading and packing bundles, the registry, offline batch runs, the backends): those are in `mod.ts` for
 * Deno programs, and a model worker that loads a bundle does not load them. `service_sdk_test.ts` pins the
 * names; removing or renaming one breaks packed bundles that read it (docs/bundling.md "The SDK a bundle
 * gets").
 *
 * @example
 * ```ts
 * import * as sdk from "./service_sdk.ts";
 * const service = sdk.defineService({ name: "Echo" })
 *   .api("echo", { input: new sdk.JsonInput() }, (value) => value);
 * console.log(service.name, [...service.apis.keys()]); // Echo [ "echo" ]
 * ```
 *
 * @module
 */
export { BadInputError, type ErrorCode, ObentoError, type ObentoErrorOptions } from "../errors.ts";
export {
  type ApiContext,
  type ApiOptions,
  type ApiSpec,
  type BatchApiContext,
  type BatchApiOptions,
  type BatchHandler,
  defineService,
  Service,
  type ServiceEnv,
  type ServiceOptions,
  type ServicePermissions,
  type SingleApiContext,
  type SingleApiOptions,
  type SingleHandler,
} from "../sdk/service.ts";
export {
  InferenceError,
  InferenceResult,
  type InferenceResultOptions,
  InferenceTask,
  type ItemResult,
} from "../sdk/inference.ts";
export type { DType, DTypeStorage, Tensor, TensorData, TensorInfo } from "../sdk/tensor.ts";
export type { EncodedOutput, InputAdapter, JsonSchema, JsonValue, OutputAdapter } from "../sdk/adapter.ts";
export type { ArtifactContext, ArtifactSpec, ArtifactSpecs, LoadedArtifacts } from "../sdk/artifact.ts";
export type {
  BackendSession,
  GraphOptimizationLevel,
  InferenceBackend,
  SessionOptions,
} from "../sdk/backend.ts";
export {
  OnnxModel,
  OnnxModelArtifact,
  type OnnxModelArtifactOptions,
} from "../artifacts/onnx_model_artifact.ts";
export {
  BinaryArtifact,
  type DataArtifactOptions,
  JsonArtifact,
  TextArtifact,
} from "../artifacts/data_artifacts.ts";
export {
  type Column,
  type ColumnSource,
  type ColumnStorage,
  type ColumnType,
  Frame,
  type FrameRecord,
  type FrameTensorType,
} from "../adapters/frame.ts";
export {
  DataframeInput,
  type DataframeInputOptions,
  type DataframeOrient,
} from "../adapters/dataframe_input.ts";
export { DataframeOutput, type DataframeOutputOptions } from "../adapters/dataframe_output.ts";
export { JsonInput, type JsonInputOptions } from "../adapters/json_input.ts";
export { JsonOutput, type JsonOutputOptions } from "../adapters/json_output.ts";
export { StringInput } from "../adapters/string_input.ts";
export { FileInput } from "../adapters/file_input.ts";
export { TensorInput, type TensorInputOptions } from "../adapters/tensor_input.ts";
export { ImageInput, type ImageInputOptions } from "../adapters/image_input.ts";
export {
  type DecodedImage,
  decodeImage,
  type DecodeImageOptions,
  type ImageFormat,
} from "../adapters/image_decode.ts";
export { type Feeds, OnnxFeedsInput, type OnnxFeedsInputOptions } from "../adapters/onnx_feeds_input.ts";
export { splitRows, type TensorRow, TensorRowsOutput } from "../adapters/tensor_rows.ts";
export {
  type FeatureBatch,
  featureRowResults,
  type FeatureRows,
  FeatureTableInput,
  type FeatureTableInputOptions,
} from "../adapters/feature_table_input.ts";
export {
  concatRows,
  type DeclaredShape,
  nestedFromTensor,
  stackTensors,
  tensorFromNested,
  type TensorFromNestedOptions,
} from "../adapters/nested.ts";
export { tensorToJson, toJsonValue } from "../adapters/json_value.ts";
