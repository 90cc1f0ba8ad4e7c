/**
 * The JSON input adapter: one request body (or CLI input) is one parsed JSON value. Also exports the JSON body
 * parsing other adapters share.
 *
 * @module
 */
import { BadInputError, oneLine } from "../errors.ts";
import type { InputAdapter, JsonSchema, JsonValue } from "../sdk/adapter.ts";
import { mediaTypeOf, unsupportedMediaType } from "./multipart.ts";
import { nonJsonNumberHint } from "./number_coercion.ts";

/**
 * True for content types that carry JSON: application/json, any `+json` type, text/json, and none at all
 * (a body sent without a Content-Type is read as JSON).
 *
 * @example
 * ```ts
 * import { isJsonContentType } from "./json_input.ts";
 * console.log(isJsonContentType("application/problem+json"), isJsonContentType("text/csv")); // true false
 * ```
 */
export function isJsonContentType(contentType: string): boolean {
  const type = mediaTypeOf(contentType);
  return type === "" || type === "application/json" || type === "text/json" ||
    (type.startsWith("application/") && type.endsWith("+json"));
}

/**
 * Parses a UTF-8 JSON body.
 *
 * @param bytes the body.
 * @returns the parsed value.
 * @throws {BadInputError} for an empty body, invalid UTF-8, or invalid JSON (with the parser's message).
 *
 * @example
 * ```ts
 * import { parseJsonBytes } from "./json_input.ts";
 * console.log(parseJsonBytes(new TextEncoder().encode('{"a": [1, 2]}'))); // { a: [1, 2] }
 * ```
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new BadInputError("body is not valid UTF-8; send JSON encoded as UTF-8", { cause: error });
  }
  if (text.trim() === "") throw new BadInputError("empty body: send a JSON value");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadInputError(
      `body is not valid JSON: ${oneLine((error as Error).message)}${nonJsonNumberHint(text)}`,
      {
        cause: error,
      },
    );
  }
}

/** Options for {@link JsonInput}. */
export interface JsonInputOptions {
  /** JSON Schema of the expected body, shown in the API docs (not enforced). Default: any JSON value. */
  schema?: JsonSchema;
}

/**
 * Decodes JSON bodies: an item is the parsed JSON value; a batch is the list of items.
 *
 * @example
 * ```ts
 * import { JsonInput } from "./json_input.ts";
 * const input = new JsonInput();
 * const item = input.fromBytes(new TextEncoder().encode('{"text": "hi"}'), "application/json");
 * console.log(item); // { text: "hi" }
 * ```
 */
export class JsonInput implements InputAdapter<JsonValue> {
  /** Adapter name. */
  readonly type = "JsonInput";
  /** Accepted content types. */
  readonly contentTypes: readonly string[] = ["application/json"];
  readonly #schema: JsonSchema | undefined;

  /** Makes the adapter; `options.schema` documents the expected body. */
  constructor(options: JsonInputOptions = {}) {
    this.#schema = options.schema === undefined ? undefined : structuredClone(options.schema);
  }

  /** Settings recorded in bento.yaml: the schema, when given. */
  config(): Record<string, JsonValue> {
    return this.#schema === undefined ? {} : { schema: structuredClone(this.#schema) as JsonValue };
  }

  /** Returns the parsed JSON value as the item. */
  fromJson(value: unknown): JsonValue {
    if (value === undefined) throw new BadInputError("empty input: send a JSON value");
    return value as JsonValue;
  }

  /** Parses a JSON body; other content types are refused with HTTP 415. */
  fromBytes(bytes: Uint8Array, contentType: string): JsonValue {
    if (!isJsonContentType(contentType)) {
      throw unsupportedMediaType(this.type, contentType, this.contentTypes);
    }
    return parseJsonBytes(bytes) as JsonValue;
  }

  /** One result per item. */
  rows(_item: JsonValue): number {
    return 1;
  }

  /** The list of items. */
  merge(items: readonly JsonValue[]): JsonValue[] {
    return [...items];
  }

  /** The schema given in the options, or `{}` (any JSON). */
  schema(): JsonSchema {
    return this.#schema === undefined ? {} : structuredClone(this.#schema);
  }
}
