import assert from "node:assert/strict";
import { BadInputError } from "../errors.ts";
import { Frame } from "./frame.ts";

function errorWith(message: string) {
  return (e: unknown) => e instanceof BadInputError && e.message === message;
}

Deno.test("fromColumns keeps typed arrays and types plain lists", () => {
  const a = new Float32Array([1, 2]);
  const f = Frame.fromColumns({ a, b: [1.5, 2.5], c: ["x", "y"], d: [true, false], e: [1n, 2n] });
  assert.equal(f.length, 2);
  assert.deepEqual(f.columns, ["a", "b", "c", "d", "e"]);
  assert.deepEqual(f.dtypes, { a: "float32", b: "float64", c: "string", d: "bool", e: "int64" });
  assert.equal(f.column("a"), a);
  assert.deepEqual(f.column("b"), new Float64Array([1.5, 2.5]));
  assert.deepEqual(f.column("d"), new Uint8Array([1, 0]));
  assert.deepEqual(f.column("e"), new BigInt64Array([1n, 2n]));
});

Deno.test("fromColumns rejects unequal lengths, mixed lists and __proto__, naming the column", () => {
  assert.throws(
    () => Frame.fromColumns({ a: [1, 2], b: [1] }),
    errorWith('column "b" has 1 rows, column "a" has 2; all columns need the same number of rows'),
  );
  assert.throws(
    () => Frame.fromColumns({ a: [1, "x"] as unknown as number[] }),
    errorWith('column "a", row 2: "x" is a string in a column of numbers; a column holds one type'),
  );
  assert.throws(
    () => Frame.fromColumns(JSON.parse('{"__proto__": [1]}')),
    errorWith('column name "__proto__" is not allowed; rename the column'),
  );
});

Deno.test("column names the missing column and lists the others", () => {
  assert.throws(
    () => Frame.fromColumns({ a: [1] }).column("z"),
    errorWith('no column "z"; the frame has columns a'),
  );
});

Deno.test("concat of three frames joins rows of every column type", () => {
  const make = (x: number[], s: string[], i: bigint[], b: boolean[]) =>
    Frame.fromColumns({ x: Float32Array.from(x), s, i: BigInt64Array.from(i), b });
  const f = Frame.concat([
    make([1], ["a"], [10n], [true]),
    make([2, 3], ["b", "c"], [20n, 30n], [false, true]),
    make([4], ["d"], [2n ** 62n], [false]),
  ]);
  assert.equal(f.length, 4);
  assert.deepEqual(f.column("x"), new Float32Array([1, 2, 3, 4]));
  assert.deepEqual(f.column("s"), ["a", "b", "c", "d"]);
  assert.deepEqual(f.column("i"), new BigInt64Array([10n, 20n, 30n, 2n ** 62n]));
  assert.deepEqual(f.column("b"), new Uint8Array([1, 0, 1, 0]));
});

Deno.test("concat matches columns by name and keeps the first frame's order", () => {
  const f = Frame.concat([Frame.fromColumns({ a: [1], b: [2] }), Frame.fromColumns({ b: [4], a: [3] })]);
  assert.deepEqual(f.columns, ["a", "b"]);
  assert.deepEqual(f.toRecords(), [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
});

Deno.test("concat names a missing, extra or differently typed column", () => {
  const ab = Frame.fromColumns({ a: [1], b: [2] });
  assert.throws(
    () => Frame.concat([ab, ab, Frame.fromColumns({ a: [1] })]),
    errorWith('frame 3 of 3 has no column "b"; every frame needs columns a, b'),
  );
  assert.throws(
    () => Frame.concat([ab, Frame.fromColumns({ a: [1], b: [2], c: [3] })]),
    errorWith('frame 2 of 2 has column "c", which frame 1 lacks; every frame needs exactly columns a, b'),
  );
  assert.throws(
    () => Frame.concat([ab, Frame.fromColumns({ a: [1], b: ["2"] })]),
    errorWith(
      'column "b" is float64 in frame 1 but string in frame 2; declare the column\'s type so every frame converts to it',
    ),
  );
  assert.throws(() => Frame.concat([]), BadInputError);
});

Deno.test("slice counts like Array.prototype.slice and shares typed storage", () => {
  const x = new Float64Array([0, 1, 2, 3, 4]);
  const f = Frame.fromColumns({ x, s: ["a", "b", "c", "d", "e"] });
  const s = f.slice(1, 3);
  assert.equal(s.length, 2);
  assert.deepEqual(s.column("s"), ["b", "c"]);
  assert.equal((s.column("x") as Float64Array).buffer, x.buffer);
  assert.deepEqual(f.slice(-2).toRecords(), [{ x: 3, s: "d" }, { x: 4, s: "e" }]);
  assert.equal(f.slice(4, 2).length, 0);
  assert.equal(f.slice(0, 99).length, 5);
});

Deno.test("select reorders columns and names a missing one", () => {
  const f = Frame.fromColumns({ a: [1], b: [2], c: [3] });
  assert.deepEqual(f.select(["c", "a"]).columns, ["c", "a"]);
  assert.deepEqual(f.select(["c", "a"]).toRecords(), [{ c: 3, a: 1 }]);
  assert.throws(() => f.select(["a", "q"]), errorWith('no column "q"; the frame has columns a, b, c'));
  assert.throws(
    () => f.select(["a", "a"]),
    errorWith('column "a" appears twice; column names must be unique'),
  );
});

Deno.test("toRecords gives booleans, safe int64 as numbers and unsafe int64 as BigInt", () => {
  const f = Frame.fromColumns({
    i: new BigInt64Array([5n, 2n ** 60n]),
    b: new Uint8Array([1, 0]),
    s: ["p", "q"],
    f: new Float32Array([0.5, 1.5]),
  });
  assert.deepEqual(f.toRecords(), [{ i: 5, b: true, s: "p", f: 0.5 }, {
    i: 2n ** 60n,
    b: false,
    s: "q",
    f: 1.5,
  }]);
});

Deno.test("toTensor fills a row-major [rows, columns] tensor from every numeric type", () => {
  const f = Frame.fromColumns({
    a: new Float64Array([1.5, 2.5, 3.5]),
    b: new Int32Array([10, 20, 30]),
    c: new BigInt64Array([100n, 200n, 300n]),
    d: new Uint8Array([1, 0, 1]),
    s: ["x", "y", "z"],
  });
  const t = f.toTensor("float32", ["a", "b", "c", "d"]);
  assert.equal(t.type, "float32");
  assert.deepEqual(t.dims, [3, 4]);
  assert.deepEqual(t.data, new Float32Array([1.5, 10, 100, 1, 2.5, 20, 200, 0, 3.5, 30, 300, 1]));
  const t64 = f.toTensor("int64", ["c", "b"]);
  assert.deepEqual(t64.dims, [3, 2]);
  assert.deepEqual(t64.data, new BigInt64Array([100n, 10n, 200n, 20n, 300n, 30n]));
  const one = f.toTensor("float64", ["a"]);
  assert.deepEqual(one.dims, [3, 1]);
  assert.deepEqual(one.data, new Float64Array([1.5, 2.5, 3.5]));
  assert.notEqual(one.data.buffer, (f.column("a") as Float64Array).buffer);
  assert.deepEqual(f.toTensor("int32", ["b", "c"]).data, new Int32Array([10, 100, 20, 200, 30, 300]));
});

Deno.test("toTensor defaults to float32 over all columns", () => {
  const t = Frame.fromColumns({ a: [1, 2], b: [3, 4] }).toTensor();
  assert.equal(t.type, "float32");
  assert.deepEqual(t.dims, [2, 2]);
  assert.deepEqual(t.data, new Float32Array([1, 3, 2, 4]));
});

Deno.test("toTensor names a string column and a cell that does not fit an integer type", () => {
  const f = Frame.fromColumns({ a: [1, 2.5], s: ["x", "y"], big: new BigInt64Array([1n, 2n ** 40n]) });
  assert.throws(
    () => f.toTensor(),
    errorWith(
      'column "s" holds strings and cannot go into a float32 tensor; declare it numeric ' +
        '(DataframeInput({ columns: { "s": "float32" } })) or leave it out of toTensor\'s columns',
    ),
  );
  assert.throws(
    () => f.toTensor("int32", ["a"]),
    errorWith('row 2, column "a": 2.5 is not an int32; round the value or use float32'),
  );
  assert.throws(
    () => f.toTensor("int64", ["a"]),
    errorWith('row 2, column "a": 2.5 is not an integer; round it or use float32'),
  );
  assert.throws(
    () => f.toTensor("int32", ["big"]),
    errorWith('row 2, column "big": 1099511627776 does not fit an int32; use int64'),
  );
});

Deno.test("toTensor refuses a float64 cell that would overflow float32, and keeps NaN", () => {
  const f = Frame.fromColumns({ a: new Float64Array([1, 2]), b: new Float64Array([3, -1e39]) });
  assert.throws(
    () => f.toTensor("float32"),
    errorWith(
      'row 2, column "b": -1e+39 is out of range for float32 (-3.4028234663852886e+38..3.4028234663852886e+38)',
    ),
  );
  assert.deepEqual(f.toTensor("float64").data, new Float64Array([1, 3, 2, -1e39]));
  const nan = Frame.fromColumns({ a: new Float64Array([NaN, 1]) }).toTensor("float32");
  assert.deepEqual(Array.from(nan.data), [NaN, 1]);
});
