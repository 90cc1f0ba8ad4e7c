import assert from "node:assert/strict";
import { JsonInput } from "../adapters/json_input.ts";
import { JsonOutput } from "../adapters/json_output.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import { ObentoError } from "../errors.ts";
import { loadService } from "../runtime/load.ts";
import { defineService } from "../sdk/service.ts";
import { runChunk } from "./run_chunk.ts";
import { valueChunk } from "./value_chunk.ts";

Deno.test("a batch call that fails as a whole is retried item by item, so only the bad record fails", async () => {
  const calls: number[][] = [];
  const svc = defineService({ name: "Sum" }).api("inv", { input: new JsonInput(), batch: true }, (xs) => {
    const items = xs as number[];
    calls.push([...items]);
    if (items.some((x) => x === 0)) throw new ObentoError("INTERNAL", "division by zero");
    return items.map((x) => 1 / x);
  });
  const service = await loadService(svc, {
    artifacts: {},
    backend: new WasmBackend(),
    defaultOutput: new JsonOutput(),
  });
  const chunk = valueChunk({
    values: [1, 0, 4],
    rows: [0, 1, 2],
    position: 3,
    bytesRead: 0,
    rowRecords: false,
  });
  const results = await runChunk(service, "inv", chunk);
  assert.deepEqual(results, [
    { ok: true, value: 1 },
    { ok: false, status: 500, message: "division by zero" },
    { ok: true, value: 0.25 },
  ]);
  assert.deepEqual(calls, [[1, 0, 4], [1], [0], [4]]);
});

Deno.test("items that fail alone with the same message are not retried", async () => {
  const calls: number[][] = [];
  const svc = defineService({ name: "Inv" }).api("inv", { input: new JsonInput() }, (x) => {
    calls.push([x as number]);
    throw new ObentoError("INTERNAL", "always");
  });
  const service = await loadService(svc, {
    artifacts: {},
    backend: new WasmBackend(),
    defaultOutput: new JsonOutput(),
  });
  const chunk = valueChunk({ values: [1, 2], rows: [0, 1], position: 2, bytesRead: 0, rowRecords: false });
  const results = await runChunk(service, "inv", chunk);
  assert.ok(results.every((r) => !r.ok && r.status === 500));
  assert.deepEqual(calls, [[1], [2]]);
});
