/**
 * The input adapter of the zero-code path: a JSON object keyed by the model's input names (or a bare nested
 * array when the model has one input) becomes named tensors, with dtypes and shapes checked against the model.
 *
 * @module
 */
import { BadInputError } from "../errors.ts";
import type { InputAdapter, JsonSchema, JsonValue } from "../sdk/adapter.ts";
import { elementSchema } from "../sdk/dtype.ts";
import { fixedDim, formatShape, shapeSchema } from "../sdk/shape.ts";
import type { DType, Tensor, TensorInfo } from "../sdk/tensor.ts";
import { concatRows, tensorFromNested } from "./nested.ts";
import { isJsonContentType, parseJsonBytes } from "./json_input.ts";
import { unsupportedMediaType } from "./multipart.ts";

/** Options for {@link OnnxFeedsInput}. */
export interface OnnxFeedsInputOptions {
  /** The model's inputs (name, dtype, shape), as the ONNX artifact reports them. */
  inputs: readonly TensorInfo[];
}

/** Named tensors, one per model input. */
export type Feeds = Record<string, Tensor>;

function nestedSchema(info: TensorInfo): JsonSchema {
  return shapeSchema(elementSchema(info.type), info.shape ?? [null]);
}

/**
 * Decodes model feeds from JSON.
 *
 * @example
 * ```ts
 * import { OnnxFeedsInput } from "./onnx_feeds_input.ts";
 * const input = new OnnxFeedsInput({ inputs: [{ name: "input", type: "float32", shape: ["N", 4] }] });
 * const feeds = input.fromJson([5.1, 3.5, 1.4, 0.2]);
 * console.log(feeds.input.dims); // [1, 4]
 * ```
 */
export class OnnxFeedsInput implements InputAdapter<Feeds, Feeds> {
  /** Adapter name. */
  readonly type = "OnnxFeedsInput";
  /** Items carry rows along the first dimension. */
  readonly rowwise = true;
  /** Accepted content types. */
  readonly contentTypes: readonly string[] = ["application/json"];
  readonly #inputs: readonly TensorInfo[];

  /** Makes the adapter for a model's inputs. */
  constructor(options: OnnxFeedsInputOptions) {
    if (!options?.inputs?.length) throw new TypeError("OnnxFeedsInput needs the model's inputs");
    this.#inputs = options.inputs.map((i) => ({ ...i }));
  }

  /** Settings recorded in bento.yaml. */
  config(): Record<string, JsonValue> {
    return {
      inputs: this.#inputs.map((i) => ({ name: i.name, type: i.type, shape: [...(i.shape ?? [])] })),
    };
  }

  #tensor(info: TensorInfo, value: unknown): Tensor {
    if (info.type === "unknown") throw new BadInputError(`model input "${info.name}" is not a tensor`);
    let tensor = tensorFromNested(value, info.type as DType, { name: info.name });
    const shape = info.shape;
    if (!shape) return tensor;
    if (tensor.dims.length === shape.length - 1 && fixedDim(shape[0]) === null) {
      tensor = { ...tensor, dims: [1, ...tensor.dims] };
    }
    const fits = tensor.dims.length === shape.length &&
      shape.every((d, i) => fixedDim(d) === null || d === tensor.dims[i]);
    if (!fits) {
      throw new BadInputError(
        `input "${info.name}" has shape ${formatShape(tensor.dims)}, the model expects ${formatShape(shape)}`,
      );
    }
    return tensor;
  }

  /** Decodes `{ <input name>: nested array, … }`, or a bare nested array for a one-input model. */
  fromJson(value: unknown): Feeds {
    if (value === null || value === undefined) throw new BadInputError("empty input: expected model inputs");
    const names = this.#inputs.map((i) => i.name);
    if (Array.isArray(value) || typeof value !== "object") {
      if (this.#inputs.length !== 1) {
        throw new BadInputError(
          `this model has ${names.length} inputs; send an object keyed by ${names.join(", ")}`,
        );
      }
      return { [names[0]]: this.#tensor(this.#inputs[0], value) };
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!names.includes(key)) {
        throw new BadInputError(`unknown input "${key}"; the model's inputs are: ${names.join(", ")}`);
      }
    }
    const feeds: Feeds = {};
    for (const info of this.#inputs) {
      if (!(info.name in record)) throw new BadInputError(`missing input "${info.name}"`);
      feeds[info.name] = this.#tensor(info, record[info.name]);
    }
    // A scalar input has no rows, so a model with one is not batched by rows.
    const rows = new Set(Object.values(feeds).map((t) => t.dims.length === 0 ? "scalar" : t.dims[0]));
    if (rows.size > 1 && !rows.has("scalar") && this.#inputs.every((i) => fixedDim(i.shape?.[0]) === null)) {
      throw new BadInputError(`inputs disagree on the batch size: ${[...rows].join(" vs ")} rows`);
    }
    return feeds;
  }

  /** Decodes a JSON body. */
  fromBytes(bytes: Uint8Array, contentType: string): Feeds {
    if (!isJsonContentType(contentType)) {
      throw unsupportedMediaType(this.type, contentType, this.contentTypes);
    }
    return this.fromJson(parseJsonBytes(bytes));
  }

  /** Rows along the first dimension. */
  rows(item: Feeds): number {
    return item[this.#inputs[0].name].dims[0] ?? 1;
  }

  /** Concatenates each input along the first dimension. */
  merge(items: readonly Feeds[]): Feeds {
    const out: Feeds = {};
    for (const info of this.#inputs) out[info.name] = concatRows(items.map((f) => f[info.name]));
    return out;
  }

  /** JSON Schema: an object keyed by input name (or a bare array for one input). */
  schema(): JsonSchema {
    const object: JsonSchema = {
      type: "object",
      properties: Object.fromEntries(this.#inputs.map((i) => [i.name, nestedSchema(i)])),
      required: this.#inputs.map((i) => i.name),
      additionalProperties: false,
    };
    return this.#inputs.length === 1 ? { oneOf: [object, nestedSchema(this.#inputs[0])] } : object;
  }
}
