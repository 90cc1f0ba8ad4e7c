import assert from "node:assert/strict";
import { allocateColumn } from "./column_alloc.ts";

Deno.test("small columns are zeroed, typed and never overlap, across slab boundaries", () => {
  const cols = Array.from({ length: 5000 }, (_, i) => allocateColumn(i % 2 ? "float64" : "float32", 3));
  cols.forEach((col, i) => {
    assert.ok(col instanceof (i % 2 ? Float64Array : Float32Array));
    assert.deepEqual([...col as Float32Array], [0, 0, 0]);
    (col as Float32Array).fill(i);
  });
  // 5000 × up to 24 bytes spans several 64 KiB slabs: every column still holds only what was written to it.
  cols.forEach((col, i) => assert.deepEqual([...col as Float32Array], [i, i, i]));
  const int64 = allocateColumn("int64", 2) as BigInt64Array;
  assert.equal(int64.byteOffset % 8, 0);
  assert.deepEqual([...int64], [0n, 0n]);
  assert.equal(allocateColumn("string", 2).length, 2);
});

Deno.test("large columns own their buffer", () => {
  const col = allocateColumn("float32", 1000) as Float32Array;
  assert.equal(col.byteOffset, 0);
  assert.equal(col.buffer.byteLength, 4000);
  const bools = allocateColumn("bool", 257) as Uint8Array;
  assert.equal(bools.buffer.byteLength, 257);
});
