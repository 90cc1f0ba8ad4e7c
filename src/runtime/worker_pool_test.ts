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

/** The body of an error outcome. */
function errorOf(outcome: RawOutcome): string {
  return JSON.parse(outcome.body as string).error;
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
    // A pool opened without `hostApis` serves the service's APIs only (the loader adds no v2 of its own).
    await assert.rejects(pool.run("v2:model", items), (error: unknown) => {
      assert.ok(error instanceof ObentoError);
      assert.equal(error.code, "NOT_FOUND");
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
  const pool = await WorkerPoolExecutor.open(path, { workers: 2, hostApis: ["v2"] });
  try {
    const item = json([[5.1, 3.5, 1.4, 0.2]]);
    // `hostApis: ["v2"]` reaches the workers: each model answers as `v2:<model>`.
    const v2 = json({
      inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [5.1, 3.5, 1.4, 0.2] }],
    });
    const [answer] = readable(await pool.run("v2:model", [v2])) as { status: number; body: string }[];
    assert.equal(answer.status, 200, answer.body);
    const labels = JSON.parse(answer.body).outputs.find((o: { name: string }) => o.name === "label");
    assert.deepEqual(labels.data, [0]);
    const runs = Array.from({ length: 8 }, () => pool.run("predict", [item, item]));
    // The first two batches go straight to the two idle workers.
    assert.deepEqual(pool.stats().map((s) => s.busy), [true, true]);
    const results = await Promise.all(runs);
    assert.deepEqual(results.map((r) => r.map((o) => o.status)), Array(8).fill([200, 200]));
    const stats = pool.stats();
    assert.equal(stats[0].batches + stats[1].batches, 9);
    assert.equal(stats[0].items + stats[1].items, 17);
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
    assert.equal(local.code, "BAD_BUNDLE");
    await assert.rejects(WorkerPoolExecutor.open(empty, { workers: 2 }), (error: unknown) => {
      assert.ok(error instanceof ObentoError);
      assert.deepEqual([error.code, error.message, error.status], [local.code, local.message, 500]);
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

Deno.test("a crashed worker fails its batch with 500s and is replaced; the batch queued behind it runs", async () => {
  const dir = await Deno.makeTempDir();
  const path = await crashingBundle(dir);
  const pool = await WorkerPoolExecutor.open(path, { workers: 1 });
  try {
    const crashing = pool.run("crash", [json(1), json(2)]);
    // Posted at once, behind the running batch, inside the same worker.
    const queued = pool.run("echo", [json({ a: 1 })]);
    assert.deepEqual(pool.stats().map((s) => [s.busy, s.queued]), [[true, 1]]);
    const crashed = await crashing;
    assert.deepEqual(crashed.map((o) => o.status), [500, 500]);
    const body = JSON.parse(crashed[0].body as string);
    assert.match(body.error, /^model worker 0 crashed while running API "crash": .*boom/);
    // The batch that waited in the crashed worker had not started: the replacement runs it.
    assert.deepEqual(readable(await queued), [
      { status: 200, body: '{"a":1}', contentType: "application/json", headers: {} },
    ]);
    assert.deepEqual(pool.stats(), [{
      batches: 2,
      items: 3,
      restarts: 1,
      restartsBy: { crash: 1, exit: 0, timeout: 0, unresponsive: 0, memory: 0 },
      busy: false,
      queued: 0,
      dead: false,
    }]);
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

/** A bundle whose APIs misbehave as an unlucky service might: loop, exit, or hang after answering. */
async function unrulyBundle(dir: string, topLevel = ""): Promise<string> {
  const service = join(dir, "unruly.ts");
  await Deno.writeTextFile(
    service,
    `import { defineService, JsonInput } from "obento";
${topLevel}
export default defineService({ name: "Unruly" })
  .api("echo", { input: new JsonInput() }, (value) => value)
  .api("nap", { input: new JsonInput() }, async (ms) => {
    await new Promise((resolve) => setTimeout(resolve, Number(ms)));
    return ms;
  })
  .api("spin", { input: new JsonInput() }, () => { for (;;) { /* never returns */ } })
  .api("exit", { input: new JsonInput() }, () => Deno.exit(3))
  .api("wedge", { input: new JsonInput() }, () => {
    setTimeout(() => { for (;;) { /* busy after answering */ } }, 50);
    return "ok";
  })
  .api("hoard", { input: new JsonInput() }, async () => {
    const kept = [];
    for (;;) {
      kept.push(new Array(1 << 20).fill(1.5));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
`,
  );
  const { path } = await pack({
    service,
    artifacts: {},
    version: "1",
    output: join(dir, `unruly-${crypto.randomUUID()}`),
  });
  return path;
}

Deno.test("supervision: a batch that overruns is stopped with 504s, and the worker is replaced", async () => {
  const dir = await Deno.makeTempDir();
  const path = await unrulyBundle(dir);
  const restarts: string[] = [];
  const pool = await WorkerPoolExecutor.open(path, {
    workers: 1,
    batchTimeoutMs: 300,
    onRestart: (e) => restarts.push(`${e.worker}:${e.cause}`),
  });
  try {
    const stuck = await pool.run("spin", [json(1), json(2)]);
    assert.deepEqual(stuck.map((o) => o.status), [504, 504]);
    assert.match(JSON.parse(stuck[0].body as string).error, /ran API "spin" for more than 300 ms/);
    const echoed = await pool.run("echo", [json("back")]);
    assert.deepEqual(readable(echoed).map((o) => (o as RawOutcome).body), ['"back"']);
    assert.deepEqual(restarts, ["0:timeout"]);
    assert.deepEqual(pool.stats()[0].restartsBy, {
      crash: 0,
      exit: 0,
      timeout: 1,
      unresponsive: 0,
      memory: 0,
    });
    assert.deepEqual(pool.health(), { ready: 1, total: 1 });
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("supervision: Deno.exit() in an API fails its batch and the worker is replaced at once", async () => {
  const dir = await Deno.makeTempDir();
  const path = await unrulyBundle(dir);
  const pool = await WorkerPoolExecutor.open(path, { workers: 1 });
  try {
    for (let i = 0; i < 2; i++) {
      const ended = await pool.run("exit", [json(1)]);
      assert.deepEqual(ended.map((o) => o.status), [500]);
      assert.match(
        JSON.parse(ended[0].body as string).error,
        /was ended while running API "exit".*Deno\.exit\(3\)/,
      );
      const echoed = await pool.run("echo", [json(i)]);
      assert.deepEqual(echoed.map((o) => o.status), [200]);
    }
    assert.deepEqual(pool.stats()[0].restartsBy, {
      crash: 0,
      exit: 2,
      timeout: 0,
      unresponsive: 0,
      memory: 0,
    });
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("supervision: an idle worker that stops answering pings is replaced", async () => {
  const dir = await Deno.makeTempDir();
  const path = await unrulyBundle(dir);
  const restarts: string[] = [];
  const pool = await WorkerPoolExecutor.open(path, {
    workers: 1,
    heartbeatMs: 100,
    onRestart: (e) => restarts.push(e.cause),
  });
  try {
    assert.deepEqual((await pool.run("wedge", [json(1)])).map((o) => o.status), [200]);
    const until = Date.now() + 10_000;
    while (restarts.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(restarts, ["unresponsive"]);
    assert.deepEqual((await pool.run("echo", [json(2)])).map((o) => o.status), [200]);
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("supervision: a bundle whose top-level code never finishes fails open with TIMEOUT", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await unrulyBundle(dir);
    const module = join(path, "service.js");
    const code = await Deno.readTextFile(module);
    for (const topLevel of ["await new Promise(() => {});", "for (;;) { /* busy at load */ }"]) {
      // Packing evaluates the module, so the never-ending top level is added after, and the MANIFEST check is off.
      await Deno.writeTextFile(module, `${topLevel}\n${code}`);
      const started = Date.now();
      await assert.rejects(
        WorkerPoolExecutor.open(path, { workers: 1, loadTimeoutMs: 500, verify: false }),
        (error: unknown) => {
          assert.ok(error instanceof ObentoError);
          assert.equal(error.code, "TIMEOUT");
          assert.match(error.message, /did not load within 500 ms/);
          return true;
        },
      );
      assert.ok(Date.now() - started < 10_000);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("supervision: a worker whose JS heap passes the memory limit is replaced, its batch gets 500", async () => {
  const dir = await Deno.makeTempDir();
  const path = await unrulyBundle(dir);
  const restarts: string[] = [];
  const pool = await WorkerPoolExecutor.open(path, {
    workers: 1,
    memoryLimitBytes: 64 * 2 ** 20,
    onRestart: ({ cause }) => restarts.push(cause),
  });
  try {
    const started = performance.now();
    const hoarded = await pool.run("hoard", [json(1)]);
    const tookMs = performance.now() - started;
    assert.deepEqual(hoarded.map((o) => o.status), [500]);
    assert.match(
      JSON.parse(hoarded[0].body as string).error,
      /^model worker 0 was stopped while running API "hoard": model worker 0 used \d+ MiB of JS heap, over the 64 MiB limit \(memoryLimitBytes\)$/,
    );
    assert.ok(tookMs < 10_000, `stopped after ${Math.round(tookMs)} ms`);
    assert.deepEqual(restarts, ["memory"]);
    // The replacement serves, and a worker under the limit is left alone.
    const echoed = await pool.run("echo", [json(2)]);
    assert.deepEqual(echoed.map((o) => o.status), [200]);
    assert.equal(pool.stats()[0].restartsBy.memory, 1);
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("queued batches: each failure is the running batch's, the one queued behind it runs, timeouts count from its start", async () => {
  const dir = await Deno.makeTempDir();
  const path = await unrulyBundle(dir);
  const restarts: string[] = [];
  const pool = await WorkerPoolExecutor.open(path, {
    workers: 1,
    batchTimeoutMs: 1500,
    memoryLimitBytes: 64 * 2 ** 20,
    onRestart: ({ cause }) => restarts.push(cause),
  });
  try {
    // A stuck, an exiting and a hoarding batch, each with an echo posted behind it into the same worker.
    const cases = [
      ["spin", 504, /^model worker 0 ran API "spin" for more than 1500 ms/],
      ["exit", 500, /^model worker 0 was ended while running API "exit"/],
      ["hoard", 500, /^model worker 0 was stopped while running API "hoard": .* over the 64 MiB limit/],
    ] as const;
    for (const [api, status, message] of cases) {
      const failing = pool.run(api, [json(1)]);
      const behind = pool.run("echo", [json(api)]);
      assert.equal(pool.stats()[0].queued, 1, api);
      const [failed] = await failing;
      assert.equal(failed.status, status, api);
      assert.match(errorOf(failed), message);
      assert.deepEqual(readable(await behind).map((o) => (o as RawOutcome).body), [`"${api}"`]);
    }
    assert.deepEqual(restarts, ["timeout", "exit", "memory"]);
    assert.deepEqual(pool.stats()[0].batches, 6);

    // Two 900 ms batches back to back take 1800 ms, past the 1500 ms timeout; the second is timed from when
    // the worker started it, so neither is stopped.
    const naps = await Promise.all([pool.run("nap", [json(900)]), pool.run("nap", [json(900)])]);
    assert.deepEqual(naps.map(([o]) => o.status), [200, 200]);
    assert.deepEqual(restarts, ["timeout", "exit", "memory"]);

    // A queued batch whose caller gives up is rejected at once and dropped by the worker, never run.
    const napping = pool.run("nap", [json(300)]);
    const controller = new AbortController();
    const dropped = pool.run("echo", [json("late")], controller.signal);
    controller.abort(new ObentoError("TIMEOUT", "deadline passed"));
    await assert.rejects(dropped, { code: "TIMEOUT", message: "deadline passed" });
    assert.deepEqual((await napping).map((o) => o.status), [200]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(pool.stats().map((s) => [s.batches, s.busy, s.queued]), [[9, false, 0]]);

    // Close drains the running batch and the one queued behind it.
    const last = [pool.run("nap", [json(200)]), pool.run("echo", [json("last")])];
    await pool.close();
    assert.deepEqual((await Promise.all(last)).map(([o]) => o.status), [200, 200]);
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("queuedBatches: 0 posts a batch only to an idle worker; a batch that moves its bodies is never queued in one", async () => {
  const dir = await Deno.makeTempDir();
  const path = await unrulyBundle(dir);
  const none = await WorkerPoolExecutor.open(path, { workers: 1, queuedBatches: 0 });
  const one = await WorkerPoolExecutor.open(path, { workers: 1 });
  try {
    const a = [none.run("nap", [json(100)]), none.run("echo", [json(1)])];
    assert.deepEqual(none.stats().map((s) => [s.busy, s.queued]), [[true, 0]]);
    assert.deepEqual((await Promise.all(a)).map(([o]) => o.status), [200, 200]);
    // A body of 64 KiB or more is moved to the worker (no copy is kept), so it waits here for an idle one.
    const big = json("x".repeat(64 * 1024));
    const b = [one.run("nap", [json(100)]), one.run("echo", [big]), one.run("echo", [json(2)])];
    assert.deepEqual(one.stats().map((s) => [s.busy, s.queued]), [[true, 0]]);
    assert.deepEqual((await Promise.all(b)).map(([o]) => o.status), [200, 200, 200]);
    await assert.rejects(WorkerPoolExecutor.open(path, { queuedBatches: -1 }), {
      code: "BAD_ARGUMENT",
      message: "queuedBatches must be an integer >= 0, got -1",
    });
  } finally {
    await none.close();
    await one.close();
    await Deno.remove(dir, { recursive: true });
  }
});
