/**
 * The default output adapter: results become plain JSON ({@link toJsonValue}) and JSON response bodies.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { EncodedOutput, JsonSchema, JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import { toJsonValue } from "./json_value.ts";
import { preferredMediaType } from "./accept.ts";
import { DataframeOutput } from "./dataframe_output.ts";

const OFFERED = ["application/json", "text/csv"];

/** Where a result that cannot be a CSV table is not: the first cell holding a list or an object. */
function nestedCell(rows: readonly JsonValue[]): string | undefined {
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row === null || typeof row !== "object") continue;
    for (const [key, cell] of Object.entries(row)) {
      if (cell !== null && typeof cell === "object") {
        return `row ${r + 1}, ${Array.isArray(row) ? "position" : "column"} ${key} holds ${
          Array.isArray(cell) ? "a list" : "an object"
        }`;
      }
    }
  }
  return undefined;
}

/** A result as CSV: a list of records, lists or values (or one record) with plain cells; else a 406. */
function csvOf(json: JsonValue): EncodedOutput {
  const rows = Array.isArray(json) ? json : [json];
  const refuse = (why: string): never => {
    throw new ObentoError(
      "BAD_INPUT",
      `this API's result cannot be written as CSV (${why}); ask for application/json instead`,
      { status: 406 },
    );
  };
  const nested = nestedCell(rows);
  if (nested !== undefined) refuse(nested);
  try {
    return new DataframeOutput({ format: "csv" }).encode(rows, "text/csv");
  } catch (error) {
    return refuse(error instanceof Error ? error.message : String(error));
  }
}

/** Options for {@link JsonOutput}. */
export interface JsonOutputOptions {
  /** JSON Schema of a result, shown in the API docs. Default: any JSON value. */
  schema?: JsonSchema;
}

/**
 * Encodes results as JSON: typed arrays, BigInt, Maps, tensors and dates are converted by {@link toJsonValue}.
 * A client whose `Accept` prefers `text/csv` gets CSV with a header row when the result is a table (a list of
 * records, lists or values with plain cells, or one record), else a 406 that says why.
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

  /**
   * JSON text of the result, as `application/json`; CSV when `accept` prefers `text/csv` (an unacceptable
   * `accept` still gets JSON).
   *
   * @throws {ObentoError} with status 406 when CSV is preferred but the result is not a table.
   */
  encode(value: unknown, accept?: string): EncodedOutput {
    const json = toJsonValue(value);
    if (accept !== undefined && preferredMediaType(accept, OFFERED) === "text/csv") return csvOf(json);
    return { body: JSON.stringify(json), contentType: "application/json" };
  }

  /** The schema given in the options, or `{}` (any JSON). */
  schema(): JsonSchema {
    return this.#schema === undefined ? {} : structuredClone(this.#schema);
  }
}
