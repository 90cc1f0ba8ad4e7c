import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { load, ObentoError, pack, packModel } from "../../mod.ts";
import { InProcessExecutor, type RawItem, type RawOutcome } from "./executor.ts";
import { deserializeError, serializeError, WorkerPoolExecutor } from "./worker_pool.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const IRIS_MODEL = join(ROOT, "bundles/iris_classifier/iris_lr.onnx");

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function json(value: unknown): RawItem {
  return { body: encoder.encode(JSON.stringify(value)), contentType: "application/json" };
}

/** Outcomes with byte bodies as text, so they compare by content. */
function readable(outcomes: readonly RawOutcome[]): unknown[] {
  return outcomes.map((o) => ({ ...o, body: typeof o.body === "string" ? o.body : decoder.decode(o.body) }));
}

async function irisBundle(dir: string): Promise<string> {
  const { path } = await packModel({
    model: IRIS_MODEL,
    name: "Iris",
    version: "1",
    output: join(dir, "iris"),
  });
  return path;
}

/** A bundle whose `crash` API throws outside any promise the worker awaits (an uncaught error). */
async function crashingBundle(dir: string): Promise<string> {
  const service = join(dir, "service.ts");
  await Deno.writeTextFile(
    service,
    `import { defineService, JsonInput } from "obento";
export default defineService({ name: "Crashy" })
  .api("echo", { input: new JsonInput() }, (value) => value)
  .api("crash", { input: new JsonInput() }, () => {
    setTimeout(() => { throw new Error("boom"); }, 0);
    return new Promise(() => {});
  });
`,
  );
  const { path } = await pack({ service, artifacts: {}, version: "1", output: join(dir, "crashy") });
  return path;
}

Deno.test("serializeError/deserializeError keep an ObentoError's code, message and status", () => {
  const wire = serializeError(new ObentoError("BAD_INPUT", "row 2: bad", { status: 422 }));
  assert.deepEqual(wire, { code: "BAD_INPUT", message: "row 2: bad", status: 422 });
  const back = deserializeError(structuredClone(wire));
  assert.ok(back instanceof ObentoError);
  assert.deepEqual([back.code, back.message, back.status], ["BAD_INPUT", "row 2: bad", 422]);
  assert.deepEqual(serializeError(new TypeError("x is undefined")), {
    code: "INTERNAL",
    message: "x is undefined",
    status: 500,
  });
});

Deno.test("a 2-worker pool answers exactly as the in-process executor, bad items included", async () => {
  const dir = await Deno.makeTempDir();
  const path = await irisBundle(dir);
  const items: RawItem[] = [
    json([[5.1, 3.5, 1.4, 0.2]]),
    { body: encoder.encode("{not json"), contentType: "application/json" },
    json({ input: [[6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]] }),
    json([[1, 2, 3]]),
  ];
  const local = new InProcessExecutor(await load(path));
  const pool = await WorkerPoolExecutor.open(path, { workers: 2 });
  try {
    assert.equal(pool.concurrency, 2);
    const expected = readable(await local.run("predict", items));
    const got = readable(await pool.run("predict", items));
    assert.deepEqual(got, expected);
    assert.deepEqual(got.map((o) => (o as RawOutcome).status), [200, 400, 200, 400]);
    const first = JSON.parse((got[0] as { body: string }).body);
    assert.deepEqual(first.label, [0]);
    const third = JSON.parse((got[2] as { body: string }).body);
    assert.deepEqual(third.label, [2, 1]);
    await assert.rejects(pool.run("nope", items), (error: unknown) => {
      assert.ok(error instanceof ObentoError);
      assert.equal(error.code, "NOT_FOUND");
      assert.equal(error.message, 'Iris has no API "nope"; its APIs are: predict');
      return true;
    });
  } finally {
    await pool.close();
    await local.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("concurrent batches run on both workers", async () => {
  const dir = await Deno.makeTempDir();
  const path = await irisBundle(dir);
  const pool = await WorkerPoolExecutor.open(path, { workers: 2 });
  try {
    const item = json([[5.1, 3.5, 1.4, 0.2]]);
    const runs = Array.from({ length: 8 }, () => pool.run("predict", [item, item]));
    // The first two batches go straight to the two idle workers.
    assert.deepEqual(pool.stats().map((s) => s.busy), [true, true]);
    const results = await Promise.all(runs);
    assert.deepEqual(results.map((r) => r.map((o) => o.status)), Array(8).fill([200, 200]));
    const stats = pool.stats();
    assert.equal(stats[0].batches + stats[1].batches, 8);
    assert.equal(stats[0].items + stats[1].items, 16);
    assert.ok(stats[0].batches >= 1 && stats[1].batches >= 1, JSON.stringify(stats));
    assert.deepEqual(stats.map((s) => [s.busy, s.restarts, s.dead]), [[false, 0, false], [false, 0, false]]);
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("open on a broken bundle rejects with the error an in-thread load gives", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const empty = join(dir, "empty");
    await Deno.mkdir(empty);
    const local = await load(empty).then(() => undefined, (error) => error);
    assert.ok(local instanceof ObentoError);
    assert.equal(local.code, "NOT_FOUND");
    await assert.rejects(WorkerPoolExecutor.open(empty, { workers: 2 }), (error: unknown) => {
      assert.ok(error instanceof ObentoError);
      assert.deepEqual([error.code, error.message, error.status], [local.code, local.message, 404]);
      return true;
    });

    const path = await irisBundle(dir);
    await Deno.writeFile(join(path, "bento.yaml"), encoder.encode("\n"), { append: true });
    const tampered = await load(path).then(() => undefined, (error) => error);
    assert.ok(tampered instanceof ObentoError);
    assert.equal(tampered.code, "INTEGRITY");
    await assert.rejects(WorkerPoolExecutor.open(path, { workers: 1 }), (error: unknown) => {
      assert.ok(error instanceof ObentoError);
      assert.deepEqual([error.code, error.message], [tampered.code, tampered.message]);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("open refuses bad worker and thread counts", async () => {
  for (const options of [{ workers: 0 }, { workers: 1.5 }, { threads: 0 }]) {
    await assert.rejects(WorkerPoolExecutor.open("/nonexistent", options), (error: unknown) => {
      assert.ok(error instanceof ObentoError);
      assert.equal(error.code, "BAD_ARGUMENT");
      return true;
    });
  }
});

Deno.test("a crashed worker fails its batch with 500s and is replaced", async () => {
  const dir = await Deno.makeTempDir();
  const path = await crashingBundle(dir);
  const pool = await WorkerPoolExecutor.open(path, { workers: 1 });
  try {
    const crashed = await pool.run("crash", [json(1), json(2)]);
    assert.deepEqual(crashed.map((o) => o.status), [500, 500]);
    const body = JSON.parse(crashed[0].body as string);
    assert.match(body.error, /^model worker 0 crashed while running API "crash": .*boom/);
    // The replacement answers the next batch.
    const echoed = await pool.run("echo", [json({ a: 1 })]);
    assert.deepEqual(readable(echoed), [
      { status: 200, body: '{"a":1}', contentType: "application/json", headers: {} },
    ]);
    assert.deepEqual(pool.stats(), [{ batches: 2, items: 3, restarts: 1, busy: false, dead: false }]);
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a queued batch whose signal aborts is dropped; close rejects later runs", async () => {
  const dir = await Deno.makeTempDir();
  const path = await irisBundle(dir);
  const pool = await WorkerPoolExecutor.open(path, { workers: 1 });
  try {
    const item = json([[5.1, 3.5, 1.4, 0.2]]);
    const running = pool.run("predict", [item]);
    const controller = new AbortController();
    const queued = pool.run("predict", [item], controller.signal);
    controller.abort(new ObentoError("TIMEOUT", "deadline passed"));
    await assert.rejects(queued, { code: "TIMEOUT", message: "deadline passed" });
    assert.deepEqual((await running).map((o) => o.status), [200]);
    assert.equal(pool.stats()[0].batches, 1);
    await assert.rejects(pool.run("predict", [item], AbortSignal.abort(new Error("early"))), {
      message: "early",
    });
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(pool.run("predict", []), { code: "UNAVAILABLE" });
});
