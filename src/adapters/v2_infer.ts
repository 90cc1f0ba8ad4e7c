/**
 * Open Inference Protocol v2 (KServe v2) inference requests as a batch API. {@link V2InferInput} decodes a v2
 * request (`{ id?, parameters?, inputs: [{ name, shape, datatype, data }], outputs? }`, JSON or with the binary
 * tensor data extension) into named tensors checked against the model; {@link v2InferApi} makes a batch API
 * that runs the model once on the feeds of many requests (concatenated along axis 0 when the model's first dim
 * is dynamic) and splits every output back per request; {@link V2InferOutput} encodes the v2 response: JSON
 * with INT64/UINT64 as exact number literals and NaN/±Infinity as null, or outputs as raw bytes after the JSON
 * header when the request asked for binary data.
 *
 * @module
 */
import { isJsonContentType, parseJsonBytes } from "./json_input.ts";
import { BadInputError, httpStatusOf, messageOf } from "../errors.ts";
import { splitBinaryBody, tensorBytes, tensorFromBytes } from "./v2_binary.ts";
import type { EncodedOutput, InputAdapter, JsonSchema, JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import type { ArtifactSpecs } from "../sdk/artifact.ts";
import { InferenceError } from "../sdk/inference.ts";
import type { ApiSpec } from "../sdk/service.ts";
import { modelDim, sizeOf } from "../sdk/tensor.ts";
import type { DType, Tensor, TensorData, TensorInfo } from "../sdk/tensor.ts";
import { bytesFromJson } from "./file_input.ts";
import { flatDataToJson, toJsonValue } from "./json_value.ts";
import { mediaTypeOf, unsupportedMediaType } from "./multipart.ts";
import { concatRows, tensorFromNested } from "./nested.ts";
import { formatShape } from "../sdk/shape.ts";
import { sliceRows } from "../sdk/slice_rows.ts";

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
  /** The outputs to send as raw bytes (binary tensor data extension); undefined or empty for none. */
  binaryOutputs?: string[];
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
  /** Elements, flat in row-major order, as the model returned them ({@link V2InferOutput} writes them). */
  data: TensorData;
  /** True to send the elements as raw bytes after the JSON header (binary tensor data extension). */
  binary?: boolean;
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
  /**
   * Accepted content types: JSON, and any type (`application/octet-stream` as Triton's clients send) when the
   * body has a binary section, its JSON header length carried as the content type's
   * `inference-header-content-length` parameter (the server copies the request header there).
   */
  readonly contentTypes: readonly string[] = ["application/json", "application/octet-stream"];
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
   * Decodes a parsed v2 request (JSON data only: an input with `binary_data_size` needs {@link fromBytes}).
   *
   * @throws {BadInputError} naming the input, e.g. `input "input": datatype FP64 does not match the model's
   *   FP32`, or an unknown requested output.
   */
  fromJson(value: unknown): V2InferItem {
    return this.#decode(value, new Uint8Array());
  }

  /** Decodes a parsed request whose binary section (after the JSON header) is `binary`. */
  #decode(value: unknown, binary: Uint8Array): V2InferItem {
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
    const section = { bytes: binary, offset: 0 };
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
      item.feeds[raw.name] = this.#tensor(info, raw, section);
    }
    if (section.offset !== binary.length) {
      throw new BadInputError(
        `the body has ${binary.length} bytes after its JSON header, the inputs' binary_data_size add up to ` +
          `${section.offset}`,
      );
    }
    for (const name of names) {
      if (!(name in item.feeds)) {
        throw new BadInputError(`missing input "${name}"; the model's inputs are: ${names.join(", ")}`);
      }
    }
    if (value.outputs !== undefined) item.outputs = this.#requestedOutputs(value.outputs);
    const binaryOutputs = this.#binaryOutputs(value);
    if (binaryOutputs.length > 0) item.binaryOutputs = binaryOutputs;
    return item;
  }

  /**
   * The outputs to send as raw bytes: each requested output's `parameters.binary_data`, else the request's
   * `parameters.binary_data_output` (Triton's rule).
   */
  #binaryOutputs(value: Record<string, unknown>): string[] {
    const flag = (params: unknown, key: string, where: string): boolean | undefined => {
      if (params === undefined) return undefined;
      if (!isRecord(params)) throw new BadInputError(`${where}"parameters" must be an object`);
      const v = params[key];
      if (v === undefined || typeof v === "boolean") return v;
      throw new BadInputError(`${where}parameter "${key}" must be true or false, got ${JSON.stringify(v)}`);
    };
    const all = flag(value.parameters, "binary_data_output", "") ?? false;
    if (!Array.isArray(value.outputs)) return all ? this.#outputs.map((o) => o.name) : [];
    return (value.outputs as Record<string, unknown>[])
      .filter((o) => flag(o.parameters, "binary_data", `output "${o.name}": `) ?? all)
      .map((o) => o.name as string);
  }

  #tensor(
    info: TensorInfo,
    raw: Record<string, unknown>,
    section: { bytes: Uint8Array; offset: number },
  ): Tensor {
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
    const size = sizeOf(dims);
    const dtype = TO_DTYPE[datatype as V2Datatype];
    const binarySize = this.#binarySize(raw.parameters, where);
    if (binarySize !== undefined) {
      if (data !== undefined) {
        throw new BadInputError(`${where}: give either "data" or parameter "binary_data_size", not both`);
      }
      const { bytes, offset } = section;
      if (offset + binarySize > bytes.length) {
        throw new BadInputError(
          `${where}: binary_data_size ${binarySize} runs past the body's binary section (${
            bytes.length - offset
          } bytes left); send the body as the JSON header then each binary input's bytes, in input order, with ` +
            "header Inference-Header-Content-Length",
        );
      }
      section.offset += binarySize;
      const elements = tensorFromBytes(bytes.subarray(offset, offset + binarySize), dtype, size, where);
      return { type: dtype, dims: [...dims], data: elements };
    }
    if (!Array.isArray(data)) {
      throw new BadInputError(`${where}: "data" must be a list of elements (flat or nested)`);
    }
    let flat = flatten(data);
    if (flat.length !== size) {
      throw new BadInputError(
        `${where}: shape ${formatShape(dims)} needs ${size} elements, data has ${flat.length}`,
      );
    }
    if (datatype === "BYTES") flat = bytesElements(flat, where);
    const tensor = tensorFromNested(flat, dtype, { shape: [flat.length], name: `${where} data` });
    return { type: dtype, dims: [...dims], data: tensor.data };
  }

  /** An input's `parameters.binary_data_size`, or undefined when it has none. */
  #binarySize(params: unknown, where: string): number | undefined {
    if (params === undefined) return undefined;
    if (!isRecord(params)) throw new BadInputError(`${where}: "parameters" must be an object`);
    const size = params.binary_data_size;
    if (size === undefined) return undefined;
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      throw new BadInputError(
        `${where}: binary_data_size must be a whole number of bytes, got ${JSON.stringify(size)}`,
      );
    }
    return size;
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
   * Decodes a body: JSON, or a JSON header then binary tensor data when `contentType` carries the header
   * length (`…; inference-header-content-length=N`).
   *
   * @throws {BadInputError} 415 for a content type other than JSON without a header length; 400 for invalid
   *   JSON, a bad header length or a bad request.
   */
  fromBytes(bytes: Uint8Array, contentType: string): V2InferItem {
    const { header, binary, headerLength } = splitBinaryBody(bytes, contentType);
    if (headerLength === undefined && !isJsonContentType(contentType)) {
      if (mediaTypeOf(contentType) === "application/octet-stream") {
        throw new BadInputError(
          "an application/octet-stream v2 request needs header Inference-Header-Content-Length: the byte " +
            "length of its JSON header",
        );
      }
      throw unsupportedMediaType(this.type, contentType, this.contentTypes);
    }
    return this.#decode(parseJsonBytes(header), binary);
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
      parameters: { type: "object", properties: { binary_data_output: { type: "boolean" } } },
      inputs: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            shape: { type: "array", items: { type: "integer", minimum: 0 } },
            datatype: { enum: [...V2_DATATYPES] },
            parameters: {
              type: "object",
              properties: { binary_data_size: { type: "integer", minimum: 0 } },
            },
            data: { type: "array" },
          },
          required: ["name", "shape", "datatype"],
        },
      },
      outputs: {
        type: "array",
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            parameters: { type: "object", properties: { binary_data: { type: "boolean" } } },
          },
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
            parameters: {
              type: "object",
              properties: { binary_data_size: { type: "integer", minimum: 0 } },
            },
            data: { type: "array" },
          },
          required: ["name", "datatype", "shape"],
        },
      },
    },
    required: ["model_name", "outputs"],
  };
}

/** The elements of a tensor as JSON list text: 64-bit integers as exact number literals, NaN/±Infinity as null. */
function jsonElements(data: TensorData, type: DType): string {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return `[${data.join(",")}]`;
  return JSON.stringify(flatDataToJson(data, type));
}

/** The JSON text of a response up to its outputs, then the given output texts. */
function responseJson(response: V2InferResponse, outputs: readonly string[]): string {
  let head = `{"model_name":${JSON.stringify(response.model_name)}`;
  if (response.model_version !== undefined) {
    head += `,"model_version":${JSON.stringify(response.model_version)}`;
  }
  if (response.id !== undefined) head += `,"id":${JSON.stringify(response.id)}`;
  return `${head},"outputs":[${outputs.join(",")}]}`;
}

/**
 * Encodes v2 inference responses. Without binary outputs the body is JSON (`application/json`), written by
 * hand so INT64/UINT64 elements are exact number literals however large (`JSON.stringify` cannot write a
 * BigInt, and a double loses digits past 2^53); FP16/FP32/FP64 NaN and ±Infinity, which JSON has no literal
 * for, are `null`. With binary outputs (binary tensor data extension) the body is the JSON header, in which each
 * binary output has `parameters.binary_data_size` instead of `data`, then the outputs' raw little-endian bytes
 * in output order; the content type is `application/octet-stream` and header `Inference-Header-Content-Length`
 * gives the JSON header's byte length.
 *
 * @example
 * ```ts
 * import { V2InferOutput } from "./v2_infer.ts";
 * const out = new V2InferOutput().encode({
 *   model_name: "m",
 *   outputs: [{ name: "y", datatype: "INT64", shape: [1], data: new BigInt64Array([2n ** 60n]) }],
 * });
 * console.log(out.body); // {"model_name":"m","outputs":[{"name":"y","datatype":"INT64","shape":[1],"data":[1152921504606846976]}]}
 * ```
 */
export class V2InferOutput implements OutputAdapter {
  /** Adapter name. */
  readonly type = "V2InferOutput";

  /** Settings: none. */
  config(): Record<string, JsonValue> {
    return {};
  }

  /**
   * The JSON-safe form of a response, for callers that need a value rather than a body: INT64/UINT64 beyond
   * 2^53 become decimal strings here (a JS number cannot hold them); {@link encode} writes them exactly.
   */
  toJson(value: unknown): JsonValue {
    const response = value as V2InferResponse;
    if (!isRecord(response) || !Array.isArray(response.outputs)) return toJsonValue(value);
    return toJsonValue({
      ...response,
      outputs: response.outputs.map(({ binary, data, ...t }) => {
        const type = TO_DTYPE[t.datatype];
        return binary
          ? { ...t, parameters: { binary_data_size: tensorBytes(data, type).length } }
          : { ...t, data: flatDataToJson(data, type) };
      }),
    });
  }

  /** The response body: JSON, or the JSON header and raw bytes when some output is binary. */
  encode(value: unknown, _accept?: string): EncodedOutput {
    const response = value as V2InferResponse;
    const chunks: Uint8Array[] = [];
    const outputs = response.outputs.map((t) => {
      const type = TO_DTYPE[t.datatype];
      const head = `{"name":${JSON.stringify(t.name)},"datatype":"${t.datatype}","shape":${
        JSON.stringify(t.shape)
      }`;
      if (!t.binary) return `${head},"data":${jsonElements(t.data, type)}}`;
      const bytes = tensorBytes(t.data, type);
      chunks.push(bytes);
      return `${head},"parameters":{"binary_data_size":${bytes.length}}}`;
    });
    const json = responseJson(response, outputs);
    if (chunks.length === 0) return { body: json, contentType: "application/json" };
    const header = new TextEncoder().encode(json);
    const body = new Uint8Array(header.length + chunks.reduce((n, c) => n + c.length, 0));
    body.set(header, 0);
    let offset = header.length;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    return {
      body,
      contentType: "application/octet-stream",
      headers: { "inference-header-content-length": String(header.length) },
    };
  }

  /** JSON Schema of a v2 inference response. */
  schema(): JsonSchema {
    return v2ResponseSchema();
  }
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
 * if (outcome.ok) console.log(api.output!.encode(outcome.value).body);
 * // {"model_name":"model","model_version":"1.0","outputs":[{"name":"label","datatype":"INT64","shape":[1],"data":[0]}]}
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
      const tensor: V2OutputTensor = { name, datatype, shape: [...t.dims], data: t.data };
      if (item.binaryOutputs?.includes(name)) tensor.binary = true;
      tensors.push(tensor);
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
      for (const [name, t] of Object.entries(outputs)) own[name] = sliceRows(t, start, count, "copy");
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
