import assert from "node:assert/strict";
import { openFullGc } from "./full_gc.ts";

Deno.test("a full collection frees unreachable ArrayBuffers at once", () => {
  const gc = openFullGc();
  assert.ok(gc !== undefined, "Deno provides V8's gc() through node:v8 and node:vm");
  gc();
  const before = Deno.memoryUsage().external;
  let held: Uint8Array | undefined = new Uint8Array(64 * 2 ** 20).fill(1);
  assert.ok(
    Deno.memoryUsage().external - before >= 60 * 2 ** 20,
    `held ${held.length} bytes outside the heap`,
  );
  held = undefined;
  gc();
  const freed = Deno.memoryUsage().external;
  assert.ok(freed - before < 8 * 2 ** 20, `external memory ${freed - before} bytes above the start after gc`);
});
