/**
 * The server keeps serving when its service code misbehaves (issue: supervised workers): a batch stuck in a
 * busy loop and `Deno.exit()` in an API cost only their own requests; the worker is replaced, health checks
 * answer throughout, and /metrics and the log say what happened. Shutdown ends within its grace period even
 * with a stuck worker, a second signal exits at once, and a bundle that never loads fails `serve` clearly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cleanEnv, obentoArgs, packBundle, ROOT } from "./helpers/cli.ts";
import { postJson, startServer } from "./helpers/server.ts";

async function withUnruly(fn: (home: string, bundle: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "obento-unruly-" });
  try {
    const bundle = await packBundle(
      home,
      "tests/fixtures/services/unruly/service.ts",
      [],
      join(home, "unruly"),
    );
    await fn(home, bundle);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** Reads /metrics until `obento_workers_ready` is `n` (replacements finish in the background). */
async function metricsWhenReady(url: string, n: number): Promise<string> {
  let metrics = "";
  for (let i = 0; i < 200; i++) {
    metrics = await (await fetch(`${url}/metrics`)).text();
    if (new RegExp(`obento_workers_ready\\{[^}]*\\} ${n}\n`).test(metrics)) return metrics;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`obento_workers_ready never reached ${n}:\n${metrics}`);
}

/** GETs `url` and returns how long it took in ms (fails on a non-200). */
async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  const r = await fetch(url);
  await r.body?.cancel();
  assert.equal(r.status, 200, url);
  return performance.now() - started;
}

Deno.test("stuck and exiting workers are replaced; health answers throughout; metrics count restarts", async () => {
  await withUnruly(async (home, bundle) => {
    const server = await startServer(home, [
      bundle,
      "--workers",
      "2",
      "--timeout",
      "500",
      "--mb-max-batch-size",
      "1",
      "--worker-memory-limit",
      String(64 * 2 ** 20),
    ]);
    try {
      assert.match(server.log(), /worker-memory-limit\s+64 MiB\s+\(flag\)/);
      // Both workers stuck in a busy loop: the two requests get 504 at their deadline.
      const health: number[] = [];
      let stuck = true;
      const probing = (async () => {
        while (stuck) {
          health.push(await timedGet(`${server.url}/healthz`));
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const spins = await Promise.all([postJson(`${server.url}/spin`, 1), postJson(`${server.url}/spin`, 2)]);
      assert.deepEqual(spins.map((r) => r.status), [504, 504]);
      // The workers are replaced after the timeout plus a margin; then inference works again.
      const until = Date.now() + 20_000;
      let echoed = await postJson(`${server.url}/echo`, { a: 1 });
      while (echoed.status !== 200 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        echoed = await postJson(`${server.url}/echo`, { a: 1 });
      }
      stuck = false;
      await probing;
      assert.equal(echoed.status, 200, echoed.text);
      assert.equal(echoed.text, '{"a":1}');
      assert.ok(Math.max(...health) < 1000, `a health check took ${Math.max(...health)} ms`);

      // Deno.exit() in an API: that request fails with a message naming it, the next one is answered.
      for (let i = 0; i < 3; i++) {
        await metricsWhenReady(server.url, 2);
        const exited = await postJson(`${server.url}/exit`, i);
        assert.equal(exited.status, 500);
        assert.match(JSON.parse(exited.text).error, /was ended while running API "exit".*Deno\.exit\(3\)/);
      }
      let ok = await postJson(`${server.url}/echo`, 5);
      for (let i = 0; ok.status !== 200 && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ok = await postJson(`${server.url}/echo`, 5);
      }
      assert.equal(ok.status, 200);
      const ready = await fetch(`${server.url}/readyz`);
      await ready.body?.cancel();
      assert.equal(ready.status, 200);

      // An API that keeps allocating (8 MiB every 10 ms): its worker is stopped past --worker-memory-limit and
      // replaced (cause "memory", counted below). Its request has its 504 at --timeout (500 ms here) if the
      // limit is not reached before; src/runtime/worker_pool_test.ts checks the 500 naming the limit.
      await metricsWhenReady(server.url, 2);
      const hoarded = await postJson(`${server.url}/hoard`, 1);
      assert.ok([500, 504].includes(hoarded.status), hoarded.text);
      if (hoarded.status === 500) {
        assert.match(JSON.parse(hoarded.text).error, /over the 64 MiB limit \(--worker-memory-limit\)/);
      }
      const replaced = Date.now() + 10_000;
      while (!/replaced \(memory\)/.test(server.log()) && Date.now() < replaced) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(
        server.log(),
        /model worker \d replaced \(memory\): model worker \d used \d+ MiB of JS heap, over the 64 MiB limit/,
      );

      // Replacements finish in the background: wait until both workers are back.
      const metrics = await metricsWhenReady(server.url, 2);
      const restarts = (cause: string) =>
        Number(
          new RegExp(`obento_worker_restarts_total\\{[^}]*cause="${cause}"\\} (\\d+)`).exec(metrics)?.[1],
        );
      assert.equal(restarts("timeout"), 2, metrics);
      assert.equal(restarts("exit"), 3, metrics);
      assert.equal(restarts("memory"), 1, metrics);
      assert.match(metrics, /obento_workers_ready\{[^}]*\} 2/);
      assert.match(
        server.log(),
        /model worker \d replaced \(timeout\): model worker \d ran API "spin" for more than/,
      );
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});

Deno.test("SIGTERM with a stuck worker exits after the grace period; a second signal exits at once", async () => {
  await withUnruly(async (home, bundle) => {
    for (const second of [false, true]) {
      const grace = second ? "60000" : "1000";
      const server = await startServer(home, [
        bundle,
        "--workers",
        "1",
        "--timeout",
        "60000",
        "--shutdown-grace",
        grace,
      ]);
      const spinning = postJson(`${server.url}/spin`, 1).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300)); // the batch is running
      const started = Date.now();
      server.child.kill("SIGTERM");
      if (second) {
        await new Promise((r) => setTimeout(r, 300));
        server.child.kill("SIGTERM");
      }
      const code = await server.stop();
      const took = Date.now() - started;
      await spinning;
      if (second) {
        assert.equal(code, 143, server.log());
        assert.match(server.log(), /SIGTERM again: exiting without waiting/);
        assert.ok(took < 5000, `exited ${took} ms after the second signal`);
      } else {
        assert.equal(code, 0, server.log());
        assert.match(server.log(), /requests still running after 1000 ms; stopping the model workers/);
        assert.ok(took < 15_000, `took ${took} ms to stop`);
      }
    }
  });
});

Deno.test("a bundle whose top-level code never finishes: serve fails with the load timeout", async () => {
  await withUnruly(async (home, bundle) => {
    const run = await new Deno.Command(Deno.execPath(), {
      args: [...obentoArgs(), "serve", bundle, "--port", "0", "--workers", "1", "--load-timeout", "1500"],
      cwd: ROOT,
      env: { ...cleanEnv(home), UNRULY_HANG: "1" },
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(run.stderr);
    assert.notEqual(run.code, 0, log);
    assert.match(log, /did not load within 1500 ms/);
  });
});
