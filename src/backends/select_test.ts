import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import type { InferenceBackend } from "../sdk/backend.ts";
import { WasmBackend } from "./ort_web.ts";
import { selectBackend } from "./select.ts";

Deno.test("falls through native and webgpu to wasm and reports why", async () => {
  const { backend, chosen, skipped } = await selectBackend(["webgpu", "native", "WASM"]);
  assert.ok(backend instanceof WasmBackend);
  assert.equal(chosen, "wasm");
  assert.deepEqual(skipped, [
    { name: "webgpu", reason: "not available in this build" },
    { name: "native", reason: "not available in this build" },
  ]);
});

Deno.test("chooses wasm for an empty preference list", async () => {
  const selection = await selectBackend([]);
  assert.equal(selection.chosen, "wasm");
  assert.deepEqual(selection.skipped, []);
});

Deno.test("skips unknown names and factories that throw", async () => {
  const fake: InferenceBackend = { name: "fake", createSession: () => Promise.reject(new Error("unused")) };
  const selection = await selectBackend(["cuda", "broken", "fake"], {
    factories: {
      broken: () => {
        throw new Error("no adapter found");
      },
      fake: () => fake,
    },
  });
  assert.equal(selection.backend, fake);
  assert.equal(selection.chosen, "fake");
  assert.deepEqual(selection.skipped, [
    { name: "cuda", reason: "unknown backend (known: wasm, native, webgpu, broken, fake)" },
    { name: "broken", reason: "no adapter found" },
  ]);
});

Deno.test("throws UNAVAILABLE listing every reason when nothing fits", async () => {
  await assert.rejects(
    selectBackend(["native", "tpu"]),
    new ObentoError(
      "UNAVAILABLE",
      "no inference backend could be used: native: not available in this build; " +
        "tpu: unknown backend (known: wasm, native, webgpu)",
    ),
  );
});

Deno.test("passes wasm options to the backend it makes", async () => {
  await assert.rejects(
    selectBackend(["wasm"], { wasm: { threads: -1 } }),
    new ObentoError(
      "UNAVAILABLE",
      "no inference backend could be used: wasm: WasmBackend threads must be an integer >= 1, got -1",
    ),
  );
});
