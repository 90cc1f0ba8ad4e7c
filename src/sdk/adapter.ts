/**
 * The contracts between wire formats and API code. An {@link InputAdapter} turns one request body, one CLI
 * `--input` or one file record into an item, and merges items into what a batch API receives; an
 * {@link OutputAdapter} turns an item's result back into JSON-safe data or bytes.
 *
 * Data flows one way: wire → `fromJson`/`fromBytes` → item → `merge` → API → results → `toJson`/`encode`.
 *
 * @module
 */

/** A JSON Schema object (2020-12 dialect, as OpenAPI 3.1 uses). */
export type JsonSchema = Record<string, unknown>;

/** A JSON-safe value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Decodes wire data into items of type `Item`; a batch API receives `Batch` (by default a list of items).
 * Every decode method throws a {@link BadInputError} naming the bad field, row or column.
 */
export interface InputAdapter<Item, Batch = Item[]> {
  /** Adapter name as recorded in bento.yaml, e.g. "DataframeInput". */
  readonly type: string;
  /**
   * True when an item carries rows (frames, row tensors): the API then answers an item with the list of its
   * rows' results, even for one row. False or absent: one item, one result.
   */
  readonly rowwise?: boolean;
  /** Content types `fromBytes` accepts (for docs and HTTP 415 checks). */
  readonly contentTypes: readonly string[];
  /** The adapter's settings, JSON-safe, recorded in bento.yaml. */
  config(): Record<string, JsonValue>;
  /** Decodes one item from a parsed JSON value. */
  fromJson(value: unknown): Item;
  /** Decodes one item from bytes of the given content type (a request body, a file). */
  fromBytes(bytes: Uint8Array, contentType: string): Item | Promise<Item>;
  /** How many results an item yields: 1 for most adapters, the row count for frames and tensors batched by row. */
  rows(item: Item): number;
  /** Merges items into the value a batch API receives; its length in rows is the sum of `rows(item)`. */
  merge(items: readonly Item[]): Batch;
  /** JSON Schema of a JSON request body. */
  schema(): JsonSchema;
}

/** An encoded response body. */
export interface EncodedOutput {
  /** The body. */
  body: string | Uint8Array;
  /** Its content type. */
  contentType: string;
  /** Extra response headers the format needs (e.g. v2's `Inference-Header-Content-Length`); none when left out. */
  headers?: Record<string, string>;
}

/** Turns API results into JSON-safe data and response bodies. */
export interface OutputAdapter {
  /** Adapter name as recorded in bento.yaml, e.g. "JsonOutput". */
  readonly type: string;
  /** The adapter's settings, JSON-safe, recorded in bento.yaml. */
  config(): Record<string, JsonValue>;
  /** The JSON-safe form of one result (typed arrays, BigInt, maps and tensors become plain JSON). */
  toJson(value: unknown): JsonValue;
  /**
   * Encodes the result of one request. `value` is one result for single-row items, or the list of row results
   * for a multi-row item. `accept` is the caller's preferred content type, if any.
   */
  encode(value: unknown, accept?: string): EncodedOutput;
  /** JSON Schema of a JSON response body. */
  schema(): JsonSchema;
}
