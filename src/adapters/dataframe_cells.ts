/**
 * DataFrame cells → typed columns: the conversion of one column of JSON values or CSV text to the storage of
 * its declared type (by the number rule every adapter shares, number_coercion.ts), the type of an undeclared
 * column, and the JSON Schema of a cell. Every failure names the row (from 1) and the column.
 *
 * @module
 */
import { BadInputError, messageOf } from "../errors.ts";
import type { JsonSchema } from "../sdk/adapter.ts";
import { DTYPE_INFO } from "../sdk/dtype.ts";
import { allocateColumn } from "./column_alloc.ts";
import type { Column, ColumnType } from "./frame.ts";
import { coerceBigInt, coerceNumber, fitsFloat } from "./number_coercion.ts";

const [INT32_MIN, INT32_MAX] = DTYPE_INFO.int32.range!;

/** A value's kind, for messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

/** The error for one bad cell; `row` is 0-based here and 1-based in the message. */
function cellError(row: number, name: string, problem: string): BadInputError {
  return new BadInputError(`row ${row + 1}, column "${name}": ${problem}`);
}

/** Why a cell is unusable in a column of `type`, for a missing (null, undefined, empty) cell. */
function missing(cell: unknown, type: string): string {
  const what = cell === undefined ? "has no value" : cell === null ? "is null" : "is empty";
  return `${what}; every cell of a ${type} column needs a value`;
}

/** How cells are read: as parsed JSON values or as text (CSV), and whether float columns take NaN. */
export interface CellReading {
  /** Cells are CSV text, parsed; else JSON values (a string is not a number). */
  text: boolean;
  /** Float columns take NaN (and a null or empty cell as NaN). */
  allowNaN: boolean;
}

/** True for a cell that holds nothing: undefined, null, or blank text. */
function isMissing(cell: unknown): boolean {
  return cell === null || cell === undefined || (typeof cell === "string" && cell.trim() === "");
}

/** Converts one column of cells (JSON values or CSV strings) to storage of `type`. */
export function convertColumn(
  name: string,
  cells: readonly unknown[],
  type: ColumnType,
  how: CellReading,
): Column {
  const n = cells.length;
  switch (type) {
    case "float32":
    case "float64": {
      const out = allocateColumn(type, n) as Float32Array | Float64Array;
      for (let r = 0; r < n; r++) {
        const c = cells[r];
        out[r] = typeof c === "number" && fitsFloat(c, type) ? c : toNumber(c, r, name, type, how);
      }
      return out;
    }
    case "int32": {
      const out = allocateColumn("int32", n) as Int32Array;
      for (let r = 0; r < n; r++) out[r] = toNumber(cells[r], r, name, type, how);
      return out;
    }
    case "int64": {
      const out = allocateColumn("int64", n) as BigInt64Array;
      for (let r = 0; r < n; r++) out[r] = toInt64(cells[r], r, name);
      return out;
    }
    case "bool": {
      const out = allocateColumn("bool", n) as Uint8Array;
      for (let r = 0; r < n; r++) out[r] = toBool(cells[r], r, name);
      return out;
    }
    case "string": {
      const out = new Array<string>(n);
      for (let r = 0; r < n; r++) {
        const c = cells[r];
        if (typeof c === "string") out[r] = c;
        else if (typeof c === "number" || typeof c === "boolean") out[r] = String(c);
        else if (c === null || c === undefined) throw cellError(r, name, missing(c, type));
        else throw cellError(r, name, `${describe(c)} is not a string`);
      }
      return out;
    }
  }
}

/** A float32/float64/int32 cell as a number by the shared rule ({@link coerceNumber}), or throws naming it. */
function toNumber(
  cell: unknown,
  row: number,
  name: string,
  type: "float32" | "float64" | "int32",
  how: CellReading,
): number {
  if (isMissing(cell) && !(how.allowNaN && type !== "int32")) throw cellError(row, name, missing(cell, type));
  try {
    return coerceNumber(cell, type, how);
  } catch (error) {
    throw cellError(row, name, messageOf(error));
  }
}

/** An int64 cell: a whole JSON number within 2^53 or a string of digits, or throws naming the cell. */
function toInt64(cell: unknown, row: number, name: string): bigint {
  if (isMissing(cell)) throw cellError(row, name, missing(cell, "int64"));
  try {
    return coerceBigInt(cell, "int64");
  } catch (error) {
    throw cellError(row, name, messageOf(error));
  }
}

const TRUE = new Set(["true", "1"]);
const FALSE = new Set(["false", "0"]);

/** A bool cell as 0/1: true/false, 1/0, or those words as strings (any case). */
function toBool(cell: unknown, row: number, name: string): number {
  if (typeof cell === "boolean") return cell ? 1 : 0;
  if (cell === 1 || cell === 0) return cell;
  if (typeof cell === "string") {
    const t = cell.trim().toLowerCase();
    if (TRUE.has(t)) return 1;
    if (FALSE.has(t)) return 0;
    if (t === "") throw cellError(row, name, missing(cell, "bool"));
  }
  if (cell === null || cell === undefined) throw cellError(row, name, missing(cell, "bool"));
  throw cellError(row, name, `${JSON.stringify(cell)} is not a boolean (true/false)`);
}

/**
 * The type of an undeclared JSON column: that of its first cell, which every cell must share. With `allowNaN`,
 * null cells (NaN, as JSON writes it) may sit in a column of numbers.
 */
export function inferJsonType(name: string, cells: readonly unknown[], allowNaN: boolean): ColumnType {
  const firstAt = allowNaN ? Math.max(0, cells.findIndex((c) => c !== null)) : 0;
  const first = cells[firstAt];
  const kind: string = typeof first;
  if (first === null || first === undefined) throw cellError(firstAt, name, missing(first, "typed"));
  if (kind !== "number" && kind !== "boolean" && kind !== "string") {
    throw cellError(
      firstAt,
      name,
      `${describe(first)} is not a cell value; cells are numbers, booleans or strings`,
    );
  }
  const nullable = allowNaN && kind === "number";
  for (let r = 0; r < cells.length; r++) {
    const c = cells[r];
    const actual: string = typeof c;
    if (actual !== kind && !(nullable && c === null)) {
      if (c === null || c === undefined) throw cellError(r, name, missing(c, kind));
      throw cellError(
        r,
        name,
        `${describe(c)} in a column of ${kind}s; send one kind per column or declare the column's type`,
      );
    }
  }
  return kind === "number" ? "float64" : kind === "boolean" ? "bool" : "string";
}

/** Spellings of NaN and infinity in text: numeric for type inference, so that the number rule names them. */
const NON_FINITE_TEXT = /^[+-]?(nan|inf|infinity)$/i;

/**
 * The type of an undeclared CSV column: float64 when every cell is a number (or a spelling of NaN or infinity,
 * or, with `allowNaN`, empty), bool when all true/false, else string.
 */
export function inferCsvType(cells: readonly string[], allowNaN: boolean): ColumnType {
  let numeric = true;
  let blanks = 0;
  for (let r = 0; r < cells.length && numeric; r++) {
    const t = cells[r].trim();
    if (t === "") {
      blanks++;
      numeric = allowNaN;
    } else if (Number.isNaN(+t)) numeric = NON_FINITE_TEXT.test(t);
  }
  if (numeric && blanks < cells.length) return "float64";
  const bool = cells.every((s) => {
    const t = s.trim().toLowerCase();
    return t === "true" || t === "false";
  });
  return bool ? "bool" : "string";
}

/** A float64 column as `type`, or undefined when a value does not fit (not an integer, out of range). */
export function fromFloat64(values: Float64Array, type: ColumnType): Column | undefined {
  switch (type) {
    case "float64":
      return values;
    case "float32":
      return Float32Array.from(values);
    case "int32": {
      for (let r = 0; r < values.length; r++) {
        const v = values[r];
        if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) return undefined;
      }
      return Int32Array.from(values);
    }
    case "int64": {
      const out = new BigInt64Array(values.length);
      for (let r = 0; r < values.length; r++) {
        const v = values[r];
        if (!Number.isInteger(v)) return undefined;
        out[r] = BigInt(v);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** The JSON Schema of one cell of `type` (no type: any cell); with `allowNaN`, float cells may be null. */
export function cellSchema(type: ColumnType | undefined, allowNaN: boolean): JsonSchema {
  switch (type) {
    case "float32":
    case "float64":
      return allowNaN ? { type: ["number", "null"] } : { type: "number" };
    case "int32":
    case "int64":
      return { type: "integer" };
    case "bool":
      return { type: "boolean" };
    case "string":
      return { type: "string" };
    default:
      return { type: allowNaN ? ["number", "boolean", "string", "null"] : ["number", "boolean", "string"] };
  }
}
