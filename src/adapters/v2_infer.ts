/**
 * Open Inference Protocol v2 (KServe v2) inference requests as a batch API. {@link V2InferInput} decodes a v2
 * request (`{ id?, inputs: [{ name, shape, datatype, data }], outputs? }`) into named tensors checked against
 * the model; {@link v2InferApi} makes a batch API that runs the model once on the feeds of many requests
 * (concatenated along axis 0 when the model's first dim is dynamic) and splits every output back per request;
 * {@link V2InferOutput} encodes the v2 response object.
 *
 * @module
 */
import { isJsonContentType, parseJsonBytes } from "./json_input.ts";
import { BadInputError, httpStatusOf, messageOf } from "../errors.ts";
import type { EncodedOutput, InputAdapter, JsonSchema, JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import type { ArtifactSpecs } from "../sdk/artifact.ts";
import { InferenceError } from "../sdk/inference.ts";
import type { ApiSpec } from "../sdk/service.ts";
import { modelDim, sizeOf } from "../sdk/tensor.ts";
import type { DType, Tensor, TensorData, TensorInfo } from "../sdk/tensor.ts";
import { bytesFromJson } from "./file_input.ts";
import { flatDataToJson, toJsonValue } from "./json_value.ts";
import { unsupportedMediaType } from "./multipart.ts";
import { concatRows, formatShape, tensorFromNested } from "./nested.ts";

/** A v2 tensor datatype. */
export type V2Datatype =
  | "BOOL"
  | "UINT8"
  | "UINT16"
  | "UINT32"
  | "UINT64"
  | "INT8"
  | "INT16"
  | "INT32"
  | "INT64"
  | "FP16"
  | "FP32"
  | "FP64"
  | "BYTES";

const TO_DTYPE: Readonly<Record<V2Datatype, DType>> = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
};
const V2_DATATYPES = Object.keys(TO_DTYPE) as V2Datatype[];

/**
 * The v2 datatype of an obento dtype, e.g. `float32` → `FP32`; undefined for non-tensor values ("unknown").
 *
 * @example
 * ```ts
 * import { v2DatatypeOf } from "./v2_infer.ts";
 * console.log(v2DatatypeOf("int64"), v2DatatypeOf("string")); // INT64 BYTES
 * ```
 */
export function v2DatatypeOf(type: DType | "unknown"): V2Datatype | undefined {
  return V2_DATATYPES.find((d) => TO_DTYPE[d] === type);
}

/**
 * A model dim as v2 metadata gives it: a fixed size as is, a named, unknown or negative (dynamic) one as -1.
 *
 * @example
 * ```ts
 * import { v2Shape } from "./v2_infer.ts";
 * console.log(v2Shape(["N", 4])); // [-1, 4]
 * ```
 */
export function v2Shape(shape: readonly (number | string | null)[] | null | undefined): number[] {
  return (shape ?? []).map((d) => (typeof d === "number" && modelDim(d) !== null ? d : -1));
}

/** One decoded v2 inference request. */
export interface V2InferItem {
  /** The request's `id`, echoed in the response. */
  id?: string;
  /** One tensor per model input, by name. */
  feeds: Record<string, Tensor>;
  /** The outputs the caller asked for, in the order asked; undefined for all. */
  outputs?: string[];
}

/** What the v2 batch API receives: the items, their row counts, and their merged feeds when batchable. */
export interface V2InferBatch {
  /** Each input concatenated along axis 0 across items; undefined when the items must run one by one. */
  feeds?: Record<string, Tensor>;
  /** Rows (size of axis 0) of each item, aligned with `items`. */
  rows: number[];
  /** The decoded requests. */
  items: V2InferItem[];
}

/** One output tensor of a v2 response. */
export interface V2OutputTensor {
  /** Output name. */
  name: string;
  /** v2 datatype. */
  datatype: V2Datatype;
  /** Dims. */
  shape: number[];
  /** Elements, flat in row-major order (int64 beyond 2^53 as decimal strings, BYTES as strings). */
  data: JsonValue[];
}

/** A v2 inference response. */
export interface V2InferResponse {
  /** The model (artifact) name. */
  model_name: string;
  /** The model version (the bundle version), when known. */
  model_version?: string;
  /** The request's id, when it had one. */
  id?: string;
  /** Output tensors. */
  outputs: V2OutputTensor[];
}

/** Options for {@link V2InferInput}. */
export interface V2InferInputOptions {
  /** The model's inputs (name, dtype, shape), as the ONNX artifact reports them. */
  inputs: readonly TensorInfo[];
  /** The model's outputs; requested outputs are checked against them. */
  outputs: readonly TensorInfo[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isFreeDim(d: number | string | null | undefined): boolean {
  // modelDim: a -1 dim that a bundle packed before it was read as dynamic recorded as 4294967295.
  return typeof d !== "number" || modelDim(d) === null;
}

/** Flattens nested lists (row-major); non-list values are leaves. A loop, not recursion: any depth is fine. */
function flatten(value: readonly unknown[]): unknown[] {
  if (!value.some(Array.isArray)) return value as unknown[];
  const out: unknown[] = [];
  const stack: { list: readonly unknown[]; next: number }[] = [{ list: value, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next === top.list.length) {
      stack.pop();
      continue;
    }
    const v = top.list[top.next++];
    if (Array.isArray(v)) stack.push({ list: v, next: 0 });
    else out.push(v);
  }
  return out;
}

/** BYTES elements: strings as is, `{"b64": …}` decoded as UTF-8 text. */
function bytesElements(flat: readonly unknown[], where: string): unknown[] {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return flat.map((v, i) => {
    if (!isRecord(v)) return v;
    try {
      return decoder.decode(bytesFromJson(v));
    } catch (error) {
      throw new BadInputError(`${where} data[${i}]: ${messageOf(error)} (BYTES elements are text)`);
    }
  });
}

/**
 * Decodes v2 inference requests against a model's inputs and outputs. Not rowwise: a request gets one
 * response however many rows its tensors have.
 *
 * @example
 * ```ts
 * import { V2InferInput } from "./v2_infer.ts";
 * const input = new V2InferInput({
 *   inputs: [{ name: "input", type: "float32", shape: ["N", 4] }],
 *   outputs: [{ name: "label", type: "int64", shape: ["N"] }],
 * });
 * const item = input.fromJson({
 *   inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [5.1, 3.5, 1.4, 0.2] }],
 * });
 * console.log(item.feeds.input.dims); // [1, 4]
 * ```
 */
export class V2InferInput implements InputAdapter<V2InferItem, V2InferBatch> {
  /** Adapter name. */
  readonly type = "V2InferInput";
  /** Accepted content types. */
  readonly contentTypes: readonly string[] = ["application/json"];
  readonly #inputs: readonly TensorInfo[];
  readonly #outputs: readonly TensorInfo[];
  readonly #batchable: boolean;

  /** Makes the adapter for a model's inputs and outputs. */
  constructor(options: V2InferInputOptions) {
    if (!options?.inputs?.length) throw new TypeError("V2InferInput needs the model's inputs");
    this.#inputs = options.inputs.map((i) => ({ ...i }));
    this.#outputs = (options.outputs ?? []).map((o) => ({ ...o }));
    this.#batchable = batchable([...this.#inputs, ...this.#outputs]);
  }

  /**
   * True when requests can be merged: every input and output has a dynamic first dim, and named first dims
   * share one name.
   */
  get batchable(): boolean {
    return this.#batchable;
  }

  /** Settings: none (the model defines the inputs). */
  config(): Record<string, JsonValue> {
    return {};
  }

  /**
   * Decodes a parsed v2 request.
   *
   * @throws {BadInputError} naming the input, e.g. `input "input": datatype FP64 does not match the model's
   *   FP32`, or an unknown requested output.
   */
  fromJson(value: unknown): V2InferItem {
    if (!isRecord(value) || !Array.isArray(value.inputs) || value.inputs.length === 0) {
      throw new BadInputError(
        'a v2 inference request is an object with "inputs": a non-empty list of ' +
          "{name, shape, datatype, data}",
      );
    }
    const item: V2InferItem = { feeds: {} };
    if (value.id !== undefined) {
      if (typeof value.id !== "string") {
        throw new BadInputError(`"id" must be a string, got ${typeof value.id}`);
      }
      item.id = value.id;
    }
    const names = this.#inputs.map((i) => i.name);
    for (const [k, raw] of value.inputs.entries()) {
      if (!isRecord(raw) || typeof raw.name !== "string") {
        throw new BadInputError(`inputs[${k}] must be an object with a string "name"`);
      }
      const info = this.#inputs.find((i) => i.name === raw.name);
      if (!info) {
        throw new BadInputError(
          `unknown input ${JSON.stringify(raw.name)}; the model's inputs are: ${names.join(", ")}`,
        );
      }
      if (raw.name in item.feeds) throw new BadInputError(`input "${raw.name}" is given twice`);
      item.feeds[raw.name] = this.#tensor(info, raw);
    }
    for (const name of names) {
      if (!(name in item.feeds)) {
        throw new BadInputError(`missing input "${name}"; the model's inputs are: ${names.join(", ")}`);
      }
    }
    if (value.outputs !== undefined) item.outputs = this.#requestedOutputs(value.outputs);
    return item;
  }

  #tensor(info: TensorInfo, raw: Record<string, unknown>): Tensor {
    const where = `input "${info.name}"`;
    const { datatype, shape, data } = raw;
    if (typeof datatype !== "string" || !(V2_DATATYPES as readonly string[]).includes(datatype)) {
      throw new BadInputError(
        `${where}: unknown datatype ${JSON.stringify(datatype)}; use one of ${V2_DATATYPES.join(", ")}`,
      );
    }
    const expected = info.type === "unknown" ? undefined : v2DatatypeOf(info.type);
    if (datatype !== expected) {
      throw new BadInputError(
        `${where}: datatype ${datatype} does not match the model's ${expected ?? "non-tensor input"}`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new BadInputError(
        `${where}: "shape" must be a list of non-negative integers, got ${
          JSON.stringify(shape) ?? "nothing"
        }`,
      );
    }
    const dims = shape as number[];
    if (info.shape) {
      if (dims.length !== info.shape.length) {
        throw new BadInputError(
          `${where}: shape ${formatShape(dims)} has rank ${dims.length}, the model expects rank ` +
            `${info.shape.length} (${formatShape(info.shape)})`,
        );
      }
      if (info.shape.some((d, a) => !isFreeDim(d) && d !== dims[a])) {
        throw new BadInputError(
          `${where}: shape ${formatShape(dims)} does not match the model's ${formatShape(info.shape)}`,
        );
      }
    }
    if (!Array.isArray(data)) {
      throw new BadInputError(`${where}: "data" must be a list of elements (flat or nested)`);
    }
    let flat = flatten(data);
    const size = sizeOf(dims);
    if (flat.length !== size) {
      throw new BadInputError(
        `${where}: shape ${formatShape(dims)} needs ${size} elements, data has ${flat.length}`,
      );
    }
    if (datatype === "BYTES") flat = bytesElements(flat, where);
    const dtype = TO_DTYPE[datatype as V2Datatype];
    const tensor = tensorFromNested(flat, dtype, { shape: [flat.length], name: `${where} data` });
    return { type: dtype, dims: [...dims], data: tensor.data };
  }

  #requestedOutputs(value: unknown): string[] {
    if (!Array.isArray(value)) {
      throw new BadInputError('"outputs" must be a list of {name}, e.g. [{"name": "label"}]');
    }
    const known = this.#outputs.map((o) => o.name);
    return value.map((o, k) => {
      if (!isRecord(o) || typeof o.name !== "string") {
        throw new BadInputError(`outputs[${k}] must be an object with a string "name"`);
      }
      if (!known.includes(o.name)) {
        throw new BadInputError(
          `unknown output ${JSON.stringify(o.name)}; the model's outputs are: ${known.join(", ")}`,
        );
      }
      return o.name;
    });
  }

  /**
   * Decodes a JSON body.
   *
   * @throws {BadInputError} 415 for a content type other than JSON; 400 for invalid JSON or a bad request.
   */
  fromBytes(bytes: Uint8Array, contentType: string): V2InferItem {
    if (!isJsonContentType(contentType)) {
      throw unsupportedMediaType(this.type, contentType, this.contentTypes);
    }
    return this.fromJson(parseJsonBytes(bytes));
  }

  /** One response per request. */
  rows(_item: V2InferItem): number {
    return 1;
  }

  /** The size of axis 0 shared by every input of `item`, or undefined when they disagree (or are scalars). */
  #rowsOf(item: V2InferItem): number | undefined {
    const counts = new Set(this.#inputs.map((i) => item.feeds[i.name]?.dims[0]));
    return counts.size === 1 ? [...counts][0] : undefined;
  }

  /**
   * Merges requests: each input is concatenated along axis 0 when the model is {@link batchable} and every
   * request's inputs agree on their rows and on the other dims; otherwise `feeds` is left out and the API
   * runs the requests one by one.
   */
  merge(items: readonly V2InferItem[]): V2InferBatch {
    const rowCounts = items.map((item) => this.#rowsOf(item));
    const rows = rowCounts.map((r) => r ?? 0);
    const batch: V2InferBatch = { rows, items: [...items] };
    if (!this.#batchable || items.length < 2 || rowCounts.includes(undefined)) return batch;
    for (const info of this.#inputs) {
      const first = items[0].feeds[info.name];
      const same = items.every((item) => {
        const dims = item.feeds[info.name].dims;
        return dims.length === first.dims.length && dims.every((d, a) => a === 0 || d === first.dims[a]);
      });
      if (!same) return batch;
    }
    const feeds: Record<string, Tensor> = {};
    for (const info of this.#inputs) {
      feeds[info.name] = concatRows(items.map((item) => item.feeds[info.name]));
    }
    return { ...batch, feeds };
  }

  /** JSON Schema of a v2 inference request. */
  schema(): JsonSchema {
    return v2RequestSchema();
  }
}

function batchable(infos: readonly TensorInfo[]): boolean {
  const names = new Set<string>();
  for (const info of infos) {
    const first = info.shape?.[0];
    if (!info.shape || info.shape.length === 0 || !isFreeDim(first)) return false;
    if (typeof first === "string") names.add(first);
  }
  return names.size <= 1;
}

/**
 * JSON Schema of a v2 inference request.
 *
 * @example
 * ```ts
 * import { v2RequestSchema } from "./v2_infer.ts";
 * console.log(v2RequestSchema().required); // ["inputs"]
 * ```
 */
export function v2RequestSchema(): JsonSchema {
  return {
    type: "object",
    properties: {
      id: { type: "string" },
      parameters: { type: "object" },
      inputs: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            shape: { type: "array", items: { type: "integer", minimum: 0 } },
            datatype: { enum: [...V2_DATATYPES] },
            parameters: { type: "object" },
            data: { type: "array" },
          },
          required: ["name", "shape", "datatype", "data"],
        },
      },
      outputs: {
        type: "array",
        items: {
          type: "object",
          properties: { name: { type: "string" }, parameters: { type: "object" } },
          required: ["name"],
        },
      },
    },
    required: ["inputs"],
  };
}

/**
 * JSON Schema of a v2 inference response.
 *
 * @example
 * ```ts
 * import { v2ResponseSchema } from "./v2_infer.ts";
 * console.log(v2ResponseSchema().required); // ["model_name", "outputs"]
 * ```
 */
export function v2ResponseSchema(): JsonSchema {
  return {
    type: "object",
    properties: {
      model_name: { type: "string" },
      model_version: { type: "string" },
      id: { type: "string" },
      parameters: { type: "object" },
      outputs: {
        type: "array",
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            datatype: { enum: [...V2_DATATYPES] },
            shape: { type: "array", items: { type: "integer", minimum: 0 } },
            parameters: { type: "object" },
            data: { type: "array" },
          },
          required: ["name", "datatype", "shape", "data"],
        },
      },
    },
    required: ["model_name", "outputs"],
  };
}

/**
 * Encodes v2 inference responses as JSON.
 *
 * @example
 * ```ts
 * import { V2InferOutput } from "./v2_infer.ts";
 * const out = new V2InferOutput().encode({ model_name: "m", outputs: [] });
 * console.log(out.body, out.contentType); // {"model_name":"m","outputs":[]} application/json
 * ```
 */
export class V2InferOutput implements OutputAdapter {
  /** Adapter name. */
  readonly type = "V2InferOutput";

  /** Settings: none. */
  config(): Record<string, JsonValue> {
    return {};
  }

  /** The JSON-safe form of a response. */
  toJson(value: unknown): JsonValue {
    return toJsonValue(value);
  }

  /** JSON text of the response, as `application/json`. */
  encode(value: unknown, _accept?: string): EncodedOutput {
    return { body: JSON.stringify(toJsonValue(value)), contentType: "application/json" };
  }

  /** JSON Schema of a v2 inference response. */
  schema(): JsonSchema {
    return v2ResponseSchema();
  }
}

/** Rows `[start, start + count)` of a tensor along axis 0. */
function sliceRows(tensor: Tensor, start: number, count: number): Tensor {
  const stride = sizeOf(tensor.dims.slice(1));
  const data = tensor.data.slice(start * stride, (start + count) * stride) as TensorData;
  return { type: tensor.type, dims: [count, ...tensor.dims.slice(1)], data };
}

/** Options for {@link v2InferApi}. */
export interface V2InferApiOptions {
  /** `model_version` in responses (the bundle version). Default: left out. */
  version?: string;
}

/** The model as {@link v2InferApi} needs it: metadata and a run function (an `OnnxModel` fits). */
export interface V2Model {
  /** Model inputs. */
  readonly inputs: readonly TensorInfo[];
  /** Model outputs. */
  readonly outputs: readonly TensorInfo[];
  /** Runs the model on named tensors, fetching `outputNames` (all when undefined). */
  run(
    feeds: Readonly<Record<string, Tensor>>,
    outputNames?: readonly string[],
  ): Promise<Record<string, Tensor>>;
}

/**
 * Makes the synthetic batch API `v2:<artifact name>` that serves v2 inference for one ONNX model.
 * Requests are merged into one model run when the model's first dim is dynamic, and every output is split
 * back by rows; a merged run that fails, or returns outputs whose first dim is not the total row count, is
 * redone request by request so one bad request fails alone.
 *
 * @param artifactName the ONNX artifact's name: `model_name` in responses, and the API is `v2:<name>`.
 * @param model the loaded model.
 * @param options the version to report.
 * @returns an API for `invokeApi` / the server's executor.
 *
 * @example
 * ```ts
 * import { v2InferApi } from "./v2_infer.ts";
 * import { invokeApi } from "../runtime/invoke.ts";
 * import { OnnxModelArtifact } from "../artifacts/onnx_model_artifact.ts";
 * import { WasmBackend } from "../backends/ort_web.ts";
 * const bytes = await Deno.readFile("bundles/iris_classifier/iris_lr.onnx");
 * const ctx = { name: "model", metadata: {}, backend: new WasmBackend(), sessionOptions: {} };
 * const model = await new OnnxModelArtifact().load(bytes, ctx);
 * const api = v2InferApi("model", model, { version: "1.0" });
 * const item = api.input.fromJson({
 *   inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [5.1, 3.5, 1.4, 0.2] }],
 *   outputs: [{ name: "label" }],
 * });
 * const signal = new AbortController().signal;
 * const [outcome] = await invokeApi(api, [item], { artifacts: {}, metadata: {}, signal });
 * console.log(outcome.ok && outcome.value);
 * // { model_name: "model", model_version: "1.0",
 * //   outputs: [{ name: "label", datatype: "INT64", shape: [1], data: [0] }] }
 * await model.close();
 * ```
 */
export function v2InferApi(
  artifactName: string,
  model: V2Model,
  options: V2InferApiOptions = {},
): ApiSpec<ArtifactSpecs> {
  const input = new V2InferInput({ inputs: model.inputs, outputs: model.outputs });
  const allOutputs = model.outputs.map((o) => o.name);

  const respond = (item: V2InferItem, outputs: Record<string, Tensor>): V2InferResponse => {
    const tensors: V2OutputTensor[] = [];
    for (const name of item.outputs ?? allOutputs) {
      const t = outputs[name];
      if (!t) continue;
      const datatype = v2DatatypeOf(t.type);
      if (!datatype) throw new TypeError(`output "${name}" is not a tensor; v2 serves tensors only`);
      tensors.push({ name, datatype, shape: [...t.dims], data: flatDataToJson(t.data, t.type) });
    }
    return {
      model_name: artifactName,
      ...(options.version === undefined ? {} : { model_version: options.version }),
      ...(item.id === undefined ? {} : { id: item.id }),
      outputs: tensors,
    };
  };

  const runOne = async (item: V2InferItem): Promise<V2InferResponse | InferenceError> => {
    try {
      return respond(item, await model.run(item.feeds, item.outputs));
    } catch (error) {
      const status = httpStatusOf(error);
      return new InferenceError(status >= 400 && status <= 599 ? status : 500, messageOf(error));
    }
  };

  const runMerged = async (batch: V2InferBatch): Promise<V2InferResponse[] | undefined> => {
    const wanted = batch.items.some((i) => i.outputs === undefined)
      ? undefined
      : [...new Set(batch.items.flatMap((i) => i.outputs ?? []))];
    let outputs: Record<string, Tensor>;
    try {
      outputs = await model.run(batch.feeds!, wanted);
    } catch {
      return undefined;
    }
    const total = batch.rows.reduce((a, b) => a + b, 0);
    if (Object.values(outputs).some((t) => t.dims[0] !== total)) return undefined;
    let start = 0;
    return batch.items.map((item, k) => {
      const count = batch.rows[k];
      const own: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(outputs)) own[name] = sliceRows(t, start, count);
      start += count;
      return respond(item, own);
    });
  };

  return {
    name: `v2:${artifactName}`,
    batch: true,
    input: input as InputAdapter<unknown, unknown>,
    output: new V2InferOutput(),
    doc: `Open Inference Protocol v2 inference on model "${artifactName}"`,
    handler: async (merged) => {
      const batch = merged as V2InferBatch;
      if (batch.feeds) {
        const responses = await runMerged(batch);
        if (responses) return responses;
      }
      const results: (V2InferResponse | InferenceError)[] = [];
      for (const item of batch.items) results.push(await runOne(item));
      return results;
    },
  };
}
