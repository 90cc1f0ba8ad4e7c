/**
 * Decodes v2 inference requests (`{ id?, parameters?, inputs: [{ name, shape, datatype, data }], outputs? }`,
 * JSON or with the binary tensor data extension) into named tensors checked against the model, and merges
 * requests into one model run when the model's first dim is dynamic.
 *
 * @module
 */
import { isJsonContentType, parseJsonBytes } from "../adapters/json_input.ts";
import { BadInputError, messageOf } from "../errors.ts";
import { splitBinaryBody, tensorFromBytes } from "./binary.ts";
import type { InputAdapter, JsonSchema, JsonValue } from "../sdk/adapter.ts";
import { modelDim, sizeOf } from "../sdk/tensor.ts";
import type { Tensor, TensorInfo } from "../sdk/tensor.ts";
import { bytesFromJson } from "../adapters/file_input.ts";
import { mediaTypeOf, unsupportedMediaType } from "../adapters/multipart.ts";
import { concatRows, tensorFromNested } from "../adapters/nested.ts";
import { formatShape } from "../sdk/shape.ts";
import { dtypeOfV2, isRecord, V2_DATATYPES, v2DatatypeOf } from "./protocol.ts";
import type { V2Datatype } from "./protocol.ts";
import { v2RequestSchema } from "./schema.ts";

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

/** Options for {@link V2InferInput}. */
export interface V2InferInputOptions {
  /** The model's inputs (name, dtype, shape), as the ONNX artifact reports them. */
  inputs: readonly TensorInfo[];
  /** The model's outputs; requested outputs are checked against them. */
  outputs: readonly TensorInfo[];
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
 * import { V2InferInput } from "./infer_input.ts";
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
    const dtype = dtypeOfV2(datatype as V2Datatype);
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
