import assert from "node:assert/strict";
import { mapOrdered } from "./ordered_map.ts";

function later<T>(value: T, ms: number): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

Deno.test("mapOrdered keeps input order when later calls finish first", async () => {
  const delays = [30, 0, 10, 0, 20];
  const out: number[] = [];
  for await (const x of mapOrdered(delays.keys(), (i) => later(i, delays[i]), { concurrency: 3 })) {
    out.push(x);
  }
  assert.deepEqual(out, [0, 1, 2, 3, 4]);
});

Deno.test("mapOrdered never runs more than `concurrency` calls at once", async () => {
  let running = 0;
  let peak = 0;
  const fn = async (i: number) => {
    running++;
    peak = Math.max(peak, running);
    await later(0, 5);
    running--;
    return i;
  };
  const out: number[] = [];
  for await (const x of mapOrdered([0, 1, 2, 3, 4, 5, 6], fn, { concurrency: 2 })) out.push(x);
  assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(peak, 2);
});

Deno.test("mapOrdered throws the first failure in order and waits for the rest", async () => {
  let finished = 0;
  const fn = async (i: number) => {
    await later(0, i === 1 ? 10 : 1);
    finished++;
    if (i === 1) throw new Error("boom 1");
    return i;
  };
  const out: number[] = [];
  await assert.rejects(async () => {
    for await (const x of mapOrdered([0, 1, 2], fn, { concurrency: 3 })) out.push(x);
  }, /boom 1/);
  assert.deepEqual(out, [0]);
  assert.equal(finished, 3);
});
