import assert from "node:assert/strict";
import { BadInputError } from "../errors.ts";
import type { InputAdapter } from "../sdk/adapter.ts";
import { InferenceError, InferenceResult } from "../sdk/inference.ts";
import { defineService } from "../sdk/service.ts";
import { invokeApi } from "./invoke.ts";

/** Items are numbers (one row each). */
const numbers: InputAdapter<number, number[]> = {
  type: "Numbers",
  contentTypes: ["application/json"],
  config: () => ({}),
  fromJson: (v) => v as number,
  fromBytes: () => 0,
  rows: () => 1,
  merge: (items) => [...items],
  schema: () => ({}),
};

/** Items are lists of numbers, one row per element (like frames). */
const rowsOfNumbers: InputAdapter<number[], number[]> = {
  type: "Rows",
  rowwise: true,
  contentTypes: ["application/json"],
  config: () => ({}),
  fromJson: (v) => v as number[],
  fromBytes: () => [],
  rows: (item) => item.length,
  merge: (items) => items.flat(),
  schema: () => ({}),
};

const ctx = { artifacts: {}, metadata: {}, signal: new AbortController().signal };

Deno.test("a batch API gets all items merged and each item gets its own result", async () => {
  const svc = defineService({ name: "T" }).api(
    "double",
    { input: numbers, batch: true },
    (xs) => xs.map((x) => x * 2),
  );
  const outcomes = await invokeApi(svc.apis.get("double")!, [1, 2, 3], ctx);
  assert.deepEqual(outcomes.map((o) => o.ok && o.value), [2, 4, 6]);
});

Deno.test("discard, InferenceError and InferenceResult affect only their own item", async () => {
  const svc = defineService({ name: "T" }).api(
    "mixed",
    { input: numbers, batch: true },
    (xs, { tasks }) =>
      xs.map((x, i) => {
        if (x === 0) tasks[i].discard(422, "zero is not allowed");
        if (x < 0) return new InferenceError(400, `negative: ${x}`);
        if (x === 7) return new InferenceResult(x, { status: 201, headers: { "x-lucky": "yes" } });
        return x;
      }),
  );
  const outcomes = await invokeApi(svc.apis.get("mixed")!, [1, 0, -2, 7], ctx);
  assert.deepEqual(outcomes, [
    { ok: true, value: 1, status: 200, headers: {} },
    { ok: false, status: 422, message: "zero is not allowed" },
    { ok: false, status: 400, message: "negative: -2" },
    { ok: true, value: 7, status: 201, headers: { "x-lucky": "yes" } },
  ]);
});

Deno.test("a batch API returning the wrong number of results fails that batch loudly", async () => {
  const svc = defineService({ name: "T" }).api("short", { input: numbers, batch: true }, (xs) => xs.slice(1));
  const outcomes = await invokeApi(svc.apis.get("short")!, [1, 2, 3], ctx);
  assert.equal(outcomes.length, 3);
  for (const o of outcomes) {
    assert.equal(o.ok, false);
    assert.equal(o.status, 500);
    assert.match(!o.ok ? o.message : "", /batch API "short" returned 2 results for a batch of 3 rows/);
  }
});

Deno.test("rowwise items get the list of their rows' results back, split at the right places", async () => {
  const svc = defineService({ name: "T" }).api(
    "neg",
    { input: rowsOfNumbers, batch: true },
    (xs) => xs.map((x) => -x),
  );
  const outcomes = await invokeApi(svc.apis.get("neg")!, [[1, 2], [3], [4, 5, 6]], ctx);
  assert.deepEqual(outcomes.map((o) => o.ok && o.value), [[-1, -2], [-3], [-4, -5, -6]]);
});

Deno.test("a failed row fails its own multi-row item, naming the row, and no other item", async () => {
  const svc = defineService({ name: "T" }).api(
    "pos",
    { input: rowsOfNumbers, batch: true },
    (xs) => xs.map((x) => (x < 0 ? new InferenceError(400, "negative") : x)),
  );
  const outcomes = await invokeApi(svc.apis.get("pos")!, [[1, -2], [3]], ctx);
  assert.deepEqual(outcomes[0], { ok: false, status: 400, message: "row 1: negative" });
  assert.deepEqual(outcomes[1], { ok: true, value: [3], status: 200, headers: {} });
});

Deno.test("a throwing batch handler fails its batch with the error's status", async () => {
  const svc = defineService({ name: "T" }).api("boom", { input: numbers, batch: true }, () => {
    throw new BadInputError("cannot do that");
  });
  const outcomes = await invokeApi(svc.apis.get("boom")!, [1, 2], ctx);
  assert.deepEqual(outcomes, [
    { ok: false, status: 400, message: "cannot do that", wholeCall: true },
    { ok: false, status: 400, message: "cannot do that", wholeCall: true },
  ]);
});

Deno.test("a single-item API gets one item per call; async handlers and thrown errors stay per item", async () => {
  const svc = defineService({ name: "T" }).api("inv", { input: numbers }, async (x) => {
    await Promise.resolve();
    if (x === 0) throw new Error("division by zero");
    return 1 / x;
  });
  const outcomes = await invokeApi(svc.apis.get("inv")!, [2, 0], ctx);
  assert.deepEqual(outcomes[0], { ok: true, value: 0.5, status: 200, headers: {} });
  const failed = outcomes[1];
  assert.ok(!failed.ok);
  assert.equal(failed.status, 500);
  assert.equal(failed.message, "division by zero");
  // The stack stays with the outcome for the server's log; a client never sees it (src/server/app.ts).
  assert.match(failed.stack ?? "", /^Error: division by zero\n\s+at /);
});

Deno.test("service definitions reject bad API and artifact names", () => {
  assert.throws(() => defineService({ name: "T" }).api("metrics", { input: numbers }, (x) => x), /reserved/);
  assert.throws(
    () => defineService({ name: "T" }).api("a b", { input: numbers }, (x) => x),
    /invalid API name/,
  );
  assert.throws(
    () =>
      defineService({ name: "T" }).api("x", { input: numbers }, (x) => x).api(
        "x",
        { input: numbers },
        (x) => x,
      ),
    /declares API "x" twice/,
  );
  assert.throws(() => defineService({ name: "../evil" }), /invalid service name/);
  assert.throws(
    () => defineService({ name: "T", artifacts: { model: {} as never } }),
    /artifact "model" of service T is not an artifact/,
  );
});
