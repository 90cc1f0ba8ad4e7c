/**
 * Rows of named tensors: splitting a model's outputs along the first (batch) dimension into one record per
 * row, and the output adapter that turns such rows back into one JSON object keyed by output name.
 *
 * @module
 */
import type { EncodedOutput, JsonSchema, JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import { rowAt } from "../sdk/slice_rows.ts";
import type { Tensor } from "../sdk/tensor.ts";
import { isTensorLike, toJsonValue } from "./json_value.ts";

/** One row of several named tensors (each without the batch dimension). */
export type TensorRow = Record<string, Tensor>;

/**
 * Splits every tensor of `outputs` along its first dimension into `rows` records; a row's tensors are views of
 * the outputs' data, not copies.
 * @throws RangeError when an output's first dimension is not `rows`.
 *
 * @example
 * ```ts
 * import { splitRows } from "./tensor_rows.ts";
 * const rows = splitRows({ y: { type: "float32", dims: [2, 3], data: new Float32Array(6) } }, 2);
 * console.log(rows[1].y.dims); // [3]
 * ```
 */
export function splitRows(outputs: Readonly<Record<string, Tensor>>, rows: number): TensorRow[] {
  const result: TensorRow[] = Array.from({ length: rows }, () => ({}));
  for (const [name, tensor] of Object.entries(outputs)) {
    if (tensor.dims[0] !== rows) {
      throw new RangeError(`output "${name}" has ${tensor.dims[0]} rows, expected ${rows}`);
    }
    for (let i = 0; i < rows; i++) result[i][name] = rowAt(tensor, i, "view");
  }
  return result;
}

/** True for a row of named tensors (as {@link splitRows} makes), not a record of plain values. */
function isTensorRow(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const tensors = Object.values(value);
  return tensors.length > 0 && tensors.every(isTensorLike);
}

/**
 * Output adapter for rows of named tensors: a list of rows becomes one object keyed by output name whose
 * values list the rows (`{ label: [0, 2], probabilities: [[…], […]] }`); a single row becomes an object of
 * that row's values; anything else (a list of plain records, say) is converted like JsonOutput does.
 *
 * @example
 * ```ts
 * import { TensorRowsOutput } from "./tensor_rows.ts";
 * const out = new TensorRowsOutput();
 * const row = { label: { type: "int64", dims: [], data: new BigInt64Array([2n]) } } as const;
 * console.log(out.toJson([row, row])); // { label: [2, 2] }
 * ```
 */
export class TensorRowsOutput implements OutputAdapter {
  /** Adapter name. */
  readonly type = "TensorRowsOutput";

  /** No settings. */
  config(): Record<string, JsonValue> {
    return {};
  }

  /** Rows of tensors → object of columns; one row → object of values; other values as JSON. */
  toJson(value: unknown): JsonValue {
    if (Array.isArray(value) && value.length > 0 && value.every(isTensorRow)) {
      const columns: Record<string, JsonValue[]> = {};
      for (const row of value as Record<string, unknown>[]) {
        for (const [name, tensor] of Object.entries(row)) (columns[name] ??= []).push(toJsonValue(tensor));
      }
      return columns;
    }
    return toJsonValue(value);
  }

  /** JSON text. */
  encode(value: unknown): EncodedOutput {
    return { body: JSON.stringify(this.toJson(value)), contentType: "application/json" };
  }

  /** An object keyed by output name, or a list of records (one per row) keyed by output name. */
  schema(): JsonSchema {
    return {
      oneOf: [
        { type: "object", additionalProperties: { type: "array" } },
        { type: "array", items: { type: "object" } },
      ],
    };
  }
}
