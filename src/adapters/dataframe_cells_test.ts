import assert from "node:assert/strict";
import { BadInputError } from "../errors.ts";
import { cellSchema, convertColumn, fromFloat64, inferCsvType, inferJsonType } from "./dataframe_cells.ts";

const json = { text: false, allowNaN: false };
const csv = { text: true, allowNaN: false };

Deno.test("convertColumn stores each declared type, reading CSV text and JSON values by the shared rule", () => {
  assert.deepEqual(convertColumn("x", ["1.5", " 2 "], "float32", csv), new Float32Array([1.5, 2]));
  assert.deepEqual(convertColumn("x", [3, -4], "int32", json), new Int32Array([3, -4]));
  assert.deepEqual(
    convertColumn("x", ["9007199254740993", 1], "int64", json),
    new BigInt64Array([9007199254740993n, 1n]),
  );
  assert.deepEqual(convertColumn("x", ["TRUE", 0, false], "bool", csv), new Uint8Array([1, 0, 0]));
  assert.deepEqual(convertColumn("x", ["a", 1, true], "string", json), ["a", "1", "true"]);
  assert.deepEqual(
    convertColumn("x", ["", "nan"], "float64", { text: true, allowNaN: true }),
    new Float64Array([NaN, NaN]),
  );
});

Deno.test("convertColumn names the row (from 1) and the column of a bad cell", () => {
  assert.throws(() => convertColumn("age", [1, "2"], "int32", json), {
    name: "BadInputError",
    message: /^row 2, column "age": /,
  });
  assert.throws(
    () => convertColumn("ok", [true, null], "bool", json),
    (e) =>
      e instanceof BadInputError &&
      e.message === 'row 2, column "ok": is null; every cell of a bool column needs a value',
  );
  assert.throws(
    () => convertColumn("n", [2147483648], "int32", json),
    /row 1, column "n": 2147483648 is out of range for int32/,
  );
});

Deno.test("undeclared columns: CSV numbers are float64, true/false bool, else string; JSON by the first cell", () => {
  assert.equal(inferCsvType(["1", "inf", "-2.5"], false), "float64");
  assert.equal(inferCsvType(["1", ""], false), "string");
  assert.equal(inferCsvType(["1", ""], true), "float64");
  assert.equal(inferCsvType(["True", "false"], false), "bool");
  assert.equal(inferJsonType("c", [1, 2], false), "float64");
  assert.equal(inferJsonType("c", [null, 2], true), "float64");
  assert.throws(
    () => inferJsonType("c", [1, "2"], false),
    /row 2, column "c": a string \("2"\) in a column of numbers/,
  );
});

Deno.test("fromFloat64 converts only what fits; cellSchema follows the type", () => {
  const values = new Float64Array([1, 2147483647]);
  assert.deepEqual(fromFloat64(values, "int32"), new Int32Array([1, 2147483647]));
  assert.equal(fromFloat64(new Float64Array([2147483648]), "int32"), undefined);
  assert.equal(fromFloat64(new Float64Array([1.5]), "int64"), undefined);
  assert.deepEqual(cellSchema("float32", true), { type: ["number", "null"] });
  assert.deepEqual(cellSchema(undefined, false), { type: ["number", "boolean", "string"] });
});
