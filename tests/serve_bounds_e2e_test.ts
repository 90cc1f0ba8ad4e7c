/**
 * The server keeps serving (issue #17, items 3 and 4): memory is bounded by the body budget
 * (`--max-body-total`), and connections behave at the transport's edges: a body still arriving at the deadline
 * gets 504 in positive figures, a client that half-closes after a complete request still gets its answer,
 * pipelined requests to routes that answer without reading the body are all answered, and slow or idle
 * connections do not stop the server answering others. Figures go to docs/reliability.md.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { packBundle } from "./helpers/cli.ts";
import { type ServerProcess, startServer } from "./helpers/server.ts";

const MiB = 2 ** 20;

async function withBodies(fn: (home: string, bundle: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "obento-bounds-" });
  try {
    const bundle = await packBundle(
      home,
      "tests/fixtures/services/bodies/service.ts",
      [],
      join(home, "bodies"),
    );
    await fn(home, bundle);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/**
 * The server process's resident set size in bytes, from `ps` (not /metrics: its requests would count as
 * traffic and hold off the idle trim; not /proc: reading it needs --allow-all).
 */
async function rssOf(server: ServerProcess): Promise<number> {
  const { stdout } = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(server.child.pid)] })
    .output();
  const kb = Number(new TextDecoder().decode(stdout).trim());
  assert.ok(kb > 0, `ps gave no RSS for ${server.child.pid}`);
  return kb * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => Math.round(bytes / MiB);

Deno.test({
  name: "a burst of large bodies: 200 or 503 + Retry-After, peak RSS bounded by the body budget, RSS settles",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withBodies(async (home, bundle) => {
      const budget = 128 * MiB;
      const server = await startServer(home, [bundle, "--workers", "1", "--max-body-total", String(budget)]);
      try {
        assert.match(server.log(), /max-body-total\s+128 MiB\s+\(flag\)/);
        const body = new Uint8Array(16 * MiB).fill(1);
        const post = async (path: string) => {
          const r = await fetch(`${server.url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/octet-stream" },
            body,
          }).catch((error) => error as Error);
          if (r instanceof Error) return { status: 0, retryAfter: null, text: r.message };
          return { status: r.status, retryAfter: r.headers.get("retry-after"), text: await r.text() };
        };
        // Warm the route, then let the start-up trims pass (src/server/idle_trim.ts: checks every 5 s).
        for (let i = 0; i < 3; i++) assert.equal((await post("/size")).status, 200);
        await sleep(12_000);
        const before = await rssOf(server);

        let peak = before;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            peak = Math.max(peak, await rssOf(server));
            await sleep(10);
          }
        })();
        // 48 × 16 MiB = 768 MiB offered at once to a budget of 128 MiB; each answer takes 300 ms.
        const answers = await Promise.all(Array.from({ length: 48 }, () => post("/slow")));
        sampling = false;
        await sampler;
        const count = (status: number) => answers.filter((a) => a.status === status).length;
        const others = answers.filter((a) => a.status !== 200 && a.status !== 503);
        assert.deepEqual(others, [], "every answer is 200 or 503");
        assert.ok(count(200) >= 8, `at least a budget's worth (8 bodies) is served, got ${count(200)}`);
        assert.ok(count(503) > 0, "the rest is refused");
        for (const a of answers.filter((a) => a.status === 200)) {
          assert.deepEqual(JSON.parse(a.text), { bytes: 16 * MiB }, "the worker got the whole body");
        }
        for (const a of answers.filter((a) => a.status === 503)) {
          assert.equal(a.retryAfter, "1");
          assert.match(a.text, /--max-body-total 134217728; retry later/);
        }
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, /obento_body_bytes_reserved\{[^}]*\} 0\n/);
        assert.match(metrics, new RegExp(`obento_shed_total\\{[^}]*reason="body_budget"\\} ${count(503)}\n`));

        // Bodies held are at most the budget, each once (read into one buffer of its Content-Length, then moved
        // to the model worker, not copied); 2.5 × budget leaves room for chunks in flight, the responses and
        // allocator slack (measured: about 1.4 ×). Unbounded, this burst would hold 768 MiB of bodies.
        const growth = peak - before;
        console.log(
          `burst: ${count(200)} × 200, ${count(503)} × 503; RSS before ${mib(before)} MiB, ` +
            `peak ${mib(peak)} MiB (+${mib(growth)} MiB)`,
        );
        assert.ok(growth < 2.5 * budget, `peak RSS grew ${mib(growth)} MiB, over 2.5 × the 128 MiB budget`);

        // After the burst, the idle trim gives the memory back: RSS within 20 % of its pre-burst value.
        let settled = await rssOf(server);
        const waited = performance.now();
        while (settled > before * 1.2 && performance.now() - waited < 20_000) {
          await sleep(500);
          settled = await rssOf(server);
        }
        console.log(
          `settled: RSS ${mib(settled)} MiB (${Math.round((settled / before - 1) * 100)} % of pre-burst) ` +
            `after ${Math.round((performance.now() - waited) / 1000)} s`,
        );
        assert.ok(
          settled <= before * 1.2,
          `RSS settled at ${mib(settled)} MiB, over 1.2 × ${mib(before)} MiB`,
        );
      } finally {
        await server.stop();
      }
    }),
});
