import assert from "node:assert/strict";
import { DTYPE_INFO, DTYPES, elementSchema, isFloatDType, storageView } from "./dtype.ts";
import { allocate } from "./tensor.ts";

Deno.test("every dtype has one row: storage class, byte size and range agree with the typed arrays", () => {
  assert.deepEqual(Object.keys(DTYPE_INFO).sort(), [...DTYPES].sort());
  for (const dtype of DTYPES) {
    const info = DTYPE_INFO[dtype];
    if (dtype === "string") {
      assert.equal(info.storage, undefined);
      assert.equal(info.bytes, 0);
      continue;
    }
    assert.equal(info.bytes, info.storage!.BYTES_PER_ELEMENT, dtype);
    if (info.kind === "int") {
      // The range is exactly what the storage holds: its ends survive, one past them wraps.
      const [min, max] = info.range!;
      const a = new (info.storage as Int32ArrayConstructor)(2);
      a[0] = min;
      a[1] = max;
      assert.deepEqual([a[0], a[1]], [min, max], dtype);
      a[0] = min - 1;
      a[1] = max + 1;
      assert.notDeepEqual([a[0], a[1]], [min - 1, max + 1], dtype);
    }
    if (info.kind === "bigint") {
      const [min, max] = info.bigRange!;
      const a = new (info.storage as BigInt64ArrayConstructor)(2);
      a[0] = min;
      a[1] = max;
      assert.deepEqual([a[0], a[1]], [min, max], dtype);
      a[1] = max + 1n;
      assert.notEqual(a[1], max + 1n, dtype);
    }
  }
  assert.deepEqual(DTYPE_INFO.bool.range, [0, 1]);
  assert.equal(DTYPE_INFO.float16.storage, Uint16Array);
  assert.equal(DTYPE_INFO.bool.storage, Uint8Array);
});

Deno.test("allocate uses the table's storage class", () => {
  assert.ok(allocate("int64", 2) instanceof BigInt64Array);
  assert.ok(allocate("float16", 2) instanceof Uint16Array);
  assert.deepEqual(allocate("string", 2), ["", ""]);
});

Deno.test("elementSchema: 64-bit integers also as strings, NaN as null only for floats when allowed", () => {
  assert.deepEqual(elementSchema("int64"), { type: ["integer", "string"] });
  assert.deepEqual(elementSchema("uint8"), { type: "integer" });
  assert.deepEqual(elementSchema("bool"), { type: "boolean" });
  assert.deepEqual(elementSchema("string"), { type: "string" });
  assert.deepEqual(elementSchema("float32"), { type: "number" });
  assert.deepEqual(elementSchema("float16", { allowNaN: true }), { type: ["number", "null"] });
  assert.deepEqual(elementSchema("int32", { allowNaN: true }), { type: "integer" });
  assert.deepEqual(elementSchema("unknown"), {});
  assert.deepEqual([isFloatDType("float16"), isFloatDType("int8"), isFloatDType("bool")], [
    true,
    false,
    false,
  ]);
});

Deno.test("storageView reads little-endian bytes as the dtype's storage; bool bytes become 0/1", () => {
  const bytes = new Uint8Array(new Int32Array([7, -1, 3]).buffer);
  assert.deepEqual(storageView("int32", bytes.buffer, 4, 2), new Int32Array([-1, 3]));
  assert.deepEqual(storageView("bool", new Uint8Array([0, 2, 1]).buffer), new Uint8Array([0, 1, 1]));
  assert.throws(() => storageView("string", new ArrayBuffer(4)), TypeError);
});
