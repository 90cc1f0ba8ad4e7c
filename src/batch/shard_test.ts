import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { parseShard, recordFilter } from "./shard.ts";

Deno.test("parseShard reads i/N and refuses anything else", () => {
  assert.deepEqual(parseShard("0/1"), { index: 0, count: 1 });
  assert.deepEqual(parseShard(" 7/8 "), { index: 7, count: 8 });
  for (const bad of ["8/8", "1/0", "-1/3", "1", "a/b", "1/2/3", ""]) {
    assert.throws(
      () => parseShard(bad),
      (e: unknown) => e instanceof ObentoError && e.code === "BAD_ARGUMENT",
    );
  }
});

Deno.test("the shards of a partition cover every record exactly once", () => {
  const count = 5;
  const seen = new Array<number>(103).fill(0);
  for (let i = 0; i < count; i++) {
    const owns = recordFilter(0, { index: i, count });
    seen.forEach((_, r) => owns(r) && seen[r]++);
  }
  assert.deepEqual(seen, new Array<number>(103).fill(1));
});

Deno.test("recordFilter skips the records before a resume point", () => {
  assert.deepEqual([0, 1, 2, 3, 4].filter(recordFilter(2, undefined)), [2, 3, 4]);
});
