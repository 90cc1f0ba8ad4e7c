/**
 * The default output adapter: results become plain JSON ({@link toJsonValue}) and JSON response bodies.
 *
 * @module
 */
import type { EncodedOutput, JsonSchema, JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import { toJsonValue } from "./json_value.ts";

/** Options for {@link JsonOutput}. */
export interface JsonOutputOptions {
  /** JSON Schema of a result, shown in the API docs. Default: any JSON value. */
  schema?: JsonSchema;
}

/**
 * Encodes results as JSON: typed arrays, BigInt, Maps, tensors and dates are converted by {@link toJsonValue}.
 *
 * @example
 * ```ts
 * import { JsonOutput } from "./json_output.ts";
 * const out = new JsonOutput().encode({ probs: new Float32Array([0.1, 0.9]) });
 * console.log(out.body, out.contentType); // {"probs":[0.1,0.9]} application/json
 * ```
 */
export class JsonOutput implements OutputAdapter {
  /** Adapter name. */
  readonly type = "JsonOutput";
  readonly #schema: JsonSchema | undefined;

  /** Makes the adapter; `options.schema` documents a result. */
  constructor(options: JsonOutputOptions = {}) {
    this.#schema = options.schema === undefined ? undefined : structuredClone(options.schema);
  }

  /** Settings recorded in bento.yaml: the schema, when given. */
  config(): Record<string, JsonValue> {
    return this.#schema === undefined ? {} : { schema: structuredClone(this.#schema) as JsonValue };
  }

  /** The JSON-safe form of a result; throws a TypeError naming the path for functions, symbols and cycles. */
  toJson(value: unknown): JsonValue {
    return toJsonValue(value);
  }

  /** JSON text of the result, as `application/json`. */
  encode(value: unknown, _accept?: string): EncodedOutput {
    return { body: JSON.stringify(toJsonValue(value)), contentType: "application/json" };
  }

  /** The schema given in the options, or `{}` (any JSON). */
  schema(): JsonSchema {
    return this.#schema === undefined ? {} : structuredClone(this.#schema);
  }
}
