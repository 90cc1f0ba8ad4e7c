/**
 * The server keeps serving (issue #17, items 3 and 4): memory is bounded by the body budget
 * (`--max-body-total`), and connections behave at the transport's edges: a body still arriving at the deadline
 * gets 504 in positive figures, a client that half-closes after a complete request still gets its answer,
 * pipelined requests to routes that answer without reading the body are all answered, and slow or idle
 * connections do not stop the server answering others. Figures go to docs/reliability.md.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { packBundle, runObento } from "./helpers/cli.ts";
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
      // Only the body budget may refuse here. On a starved machine (reproduced at load average 15 on the 2
      // cores: 11-12 bodies took over 10 s to arrive and got 504 at the default --timeout, others timed out
      // queued behind the 300 ms answers) the batcher's limits refuse admitted bodies too, and once the first
      // answer has calibrated its cost model, a body that arrives late is shed for the 20 ms queue budget.
      // That is the server working as designed, not what this test measures: the deadline and the queue
      // budget are set out of reach, so every answer is 200 or the budget's 503.
      const server = await startServer(home, [
        bundle,
        "--workers",
        "1",
        "--max-body-total",
        String(budget),
        "--timeout",
        "300000",
        "--mb-max-latency",
        "300000",
      ]);
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
          assert.match(a.text, /--max-body-total 134217728; retry later/, "only the body budget refuses");
        }
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, /obento_body_bytes_reserved\{[^}]*\} 0\n/);
        assert.match(
          metrics,
          new RegExp(`obento_shed_total\\{[^}]*reason="body_budget"\\} ${count(503)}\n`),
        );

        // Bodies held are at most the budget, each once (read into one buffer of its Content-Length, then moved
        // to the model worker, not copied); 2.5 × budget leaves room for chunks in flight, the responses and
        // allocator slack (measured: about 1.4 ×). Unbounded, this burst would hold 768 MiB of bodies.
        const growth = peak - before;
        console.log(
          `burst: ${count(200)} × 200, ${count(503)} × 503 (body budget); RSS before ${mib(before)} MiB, ` +
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

Deno.test("--max-body-total below --max-body is a usage error naming both", () =>
  withBodies(async (home, bundle) => {
    const r = await runObento({ home }, ["serve", bundle, "--max-body", "2048", "--max-body-total", "1024"]);
    assert.equal(r.code, 64, r.stderr);
    assert.match(
      r.stderr,
      /--max-body-total 1024 is below --max-body 2048; give at least 2048, or lower --max-body/,
    );
  }));

Deno.test("a connection bound without --transport bounded is a usage error naming the fix", () =>
  withBodies(async (home, bundle) => {
    const r = await runObento({ home }, ["serve", bundle, "--idle-timeout", "1000"]);
    assert.equal(r.code, 64, r.stderr);
    assert.match(
      r.stderr,
      /--idle-timeout needs --transport bounded \(Deno\.serve has no bound on connections\); add --transport bounded, or drop the bound/,
    );
  }));

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Opens a raw TCP connection to the server at `url`. */
function connect(url: string): Promise<Deno.TcpConn> {
  const { hostname, port } = new URL(url);
  return Deno.connect({ hostname, port: Number(port) });
}

/** Reads from `conn` until it closes or `ms` pass; returns what arrived. */
async function readFor(conn: Deno.Conn, ms: number, until?: (text: string) => boolean): Promise<string> {
  let text = "";
  const buffer = new Uint8Array(64 * 1024);
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed already */ }
  }, ms);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += decoder.decode(buffer.subarray(0, n));
      if (until?.(text)) break;
    }
  } catch { /* closed by the timer */ }
  clearTimeout(timer);
  return text;
}

/** The status lines of the responses in `text`, in order. */
const statusLines = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

/** Sends `request` on a new connection, half-closes it, and returns what comes back. */
async function halfClosed(url: string, request: string): Promise<string> {
  const conn = await connect(url);
  await conn.write(encoder.encode(request));
  await conn.closeWrite();
  const text = await readFor(conn, 10_000, (t) => t.endsWith("}"));
  try {
    conn.close();
  } catch { /* closed already */ }
  return text;
}

Deno.test("a client that half-closes after a request answered at once (health, readiness) gets its answer", () =>
  withBodies(async (home, bundle) => {
    const server = await startServer(home, [bundle, "--workers", "1"]);
    try {
      for (const path of ["/healthz", "/readyz"]) {
        const text = await halfClosed(server.url, `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
        assert.deepEqual(statusLines(text), [200], text);
      }
    } finally {
      await server.stop();
    }
  }));

// With --transport bounded (node:http, src/server/bounded_http.ts): header-read and keep-alive idle timeouts, a
// maximum of connections, and half-closed clients answered. One server for every case; short bounds.
Deno.test({
  name:
    "--transport bounded: slowloris, silent and idle connections are closed, extra connections refused, " +
    "half-closed clients answered, others served",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withBodies(async (home, bundle) => {
      const server = await startServer(home, [
        bundle,
        "--workers",
        "1",
        "--transport",
        "bounded",
        "--header-timeout",
        "1500",
        "--idle-timeout",
        "1000",
        "--max-connections",
        "6",
      ]);
      const held: Deno.TcpConn[] = [];
      try {
        assert.match(server.log(), /header-timeout\s+1500 ms\s+\(flag\)/);
        assert.match(server.log(), /max-connections\s+6\s+\(flag\)/);
        /** Time from now until the server closes `conn`, and what it sent. */
        const closedAfter = async (conn: Deno.Conn) => {
          const started = performance.now();
          const text = await readFor(conn, 10_000);
          return { text, ms: performance.now() - started };
        };
        // Half a header (slowloris), nothing at all, and idle after a complete exchange.
        const partial = await connect(server.url);
        await partial.write(encoder.encode("POST /size HTTP/1.1\r\nhost: x\r\n"));
        const silent = await connect(server.url);
        const idle = await connect(server.url);
        await idle.write(encoder.encode("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n"));
        const [p, s, i] = await Promise.all([closedAfter(partial), closedAfter(silent), closedAfter(idle)]);
        assert.equal(p.text, "", "a half-sent request gets no answer");
        assert.equal(s.text, "");
        assert.deepEqual(statusLines(i.text), [200], i.text);
        assert.match(i.text, /keep-alive: timeout=1/i);
        // Closed by the bounds (1.5 s for headers, 1 s idle), not by the reader's 10 s limit.
        for (
          const [what, r, low] of [["half a header", p, 1400], ["silent", s, 1400], ["idle", i, 900]] as const
        ) {
          assert.ok(r.ms >= low && r.ms < 6000, `${what}: closed after ${Math.round(r.ms)} ms`);
        }
        console.log(
          `bounded: half a header closed after ${Math.round(p.ms)} ms, silent ${Math.round(s.ms)} ms, ` +
            `idle after an answer ${Math.round(i.ms)} ms`,
        );

        // A client that half-closes after a complete API request still gets its answer.
        const text = await halfClosed(
          server.url,
          "POST /size HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: 5\r\n\r\nhello",
        );
        assert.deepEqual(statusLines(text), [200], text);
        assert.match(text, /\{"bytes":5\}/);

        // Six connections held: a seventh is closed at once, unanswered; once they go, others are served again.
        for (let n = 0; n < 6; n++) held.push(await connect(server.url));
        await sleep(100);
        const extra = await connect(server.url);
        await extra.write(encoder.encode("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")).catch(() => 0);
        const refused = await closedAfter(extra);
        assert.equal(refused.text, "", refused.text);
        assert.ok(refused.ms < 1400, `the seventh connection was closed after ${Math.round(refused.ms)} ms`);
        for (const conn of held.splice(0)) conn.close();
        await sleep(200);
        const r = await fetch(`${server.url}/size`, { method: "POST", body: "hello" });
        assert.equal(r.status, 200);
        assert.deepEqual(await r.json(), { bytes: 5 });
      } finally {
        for (const conn of held) {
          try {
            conn.close();
          } catch { /* closed already */ }
        }
        await server.stop();
      }
    }),
});

// The default transport (Deno.serve in Deno 2.9.6) closes a connection when it reads the end of the client's
// stream while the handler is still working, so an API answer that takes a model worker's round trip is lost
// (docs/reliability.md). --transport bounded answers it (the test above). Remove `ignore` when Deno.serve
// allows half-closed connections.
Deno.test({
  name: "a client that half-closes after a complete API request still gets its answer (default transport)",
  ignore: true,
  fn: () =>
    withBodies(async (home, bundle) => {
      const server = await startServer(home, [bundle, "--workers", "1"]);
      try {
        const text = await halfClosed(
          server.url,
          "POST /size HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: 5\r\n\r\nhello",
        );
        assert.deepEqual(statusLines(text), [200], text);
        assert.match(text, /\{"bytes":5\}/);
      } finally {
        await server.stop();
      }
    }),
});

Deno.test("pipelined requests, some to routes that answer without reading the body, are all answered in order", () =>
  withBodies(async (home, bundle) => {
    const server = await startServer(home, [bundle, "--workers", "1", "--max-body", "1000"]);
    try {
      const conn = await connect(server.url);
      const request = (method: string, path: string, body: string) =>
        `${method} ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\n` +
        `content-length: ${body.length}\r\n\r\n${body}`;
      const requests = [
        request("POST", "/nowhere", "x".repeat(300)), // 404: no such route, body unread
        request("PUT", "/size", "x".repeat(300)), // 405, body unread
        request("POST", "/size", "x".repeat(700)), // 200, body read
        request("GET", "/healthz", ""),
        request("POST", "/size", "abc"),
      ];
      await conn.write(encoder.encode(requests.join("")));
      const text = await readFor(
        conn,
        15_000,
        (t) => statusLines(t).length === requests.length && t.endsWith("}"),
      );
      try {
        conn.close();
      } catch { /* closed already */ }
      assert.deepEqual(statusLines(text), [404, 405, 200, 200, 200], text);
      assert.match(text, /\{"bytes":700\}[\s\S]*\{"status":"ok"\}[\s\S]*\{"bytes":3\}/);
      assert.doesNotMatch(text, /connection: close/i);

      // A body past --max-body is refused, not read: 413 with Connection: close, so the client stops there.
      const refused = await connect(server.url);
      await refused.write(encoder.encode(request("POST", "/size", "x".repeat(2000))));
      const answer = await readFor(refused, 15_000, (t) => t.endsWith("}"));
      try {
        refused.close();
      } catch { /* closed already */ }
      assert.deepEqual(statusLines(answer), [413], answer);
      assert.match(answer, /connection: close/i);
    } finally {
      await server.stop();
    }
  }));

Deno.test("a body still arriving at the deadline gets 504 at the deadline, with a message in positive figures", () =>
  withBodies(async (home, bundle) => {
    const server = await startServer(home, [bundle, "--workers", "1", "--timeout", "1000"]);
    try {
      for (const size of [100, 200_000]) { // the small-body path and the large-body path
        const conn = await connect(server.url);
        const started = performance.now();
        await conn.write(encoder.encode(
          `POST /size HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: ${size}` +
            "\r\n\r\n0123456789",
        ));
        const text = await readFor(conn, 10_000, (t) => t.includes("}"));
        const tookMs = performance.now() - started;
        try {
          conn.close();
        } catch { /* closed already */ }
        assert.deepEqual(statusLines(text), [504], text);
        // The reading time starts when the body's read does, after the deadline's clock: under load the
        // gap showed (927 ms spent reading at a 1000 ms deadline, load average 12).
        assert.match(
          text,
          new RegExp(
            `"--timeout \\(1000 ms\\) expired while the request body was still arriving \\(\\d+ ms spent ` +
              `reading it, ${size} bytes declared\\); send the body faster, or raise --timeout"`,
          ),
        );
        const message = JSON.parse(text.slice(text.indexOf("{"))).error as string;
        assert.doesNotMatch(message, /-\d/, "no negative figure");
        // At the deadline (checked every 50 ms), not when the body would have arrived (never); generous for
        // a loaded machine.
        assert.ok(tookMs >= 1000 && tookMs < 5000, `504 after ${Math.round(tookMs)} ms`);
      }
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /obento_timeouts_total\{[^}]*api="size",timer="timeout",stage="body"\} 2\n/);
    } finally {
      await server.stop();
    }
  }));

Deno.test({
  name: "slow and idle connections: the server still answers others while 300 of them are held",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withBodies(async (home, bundle) => {
      const server = await startServer(home, [bundle, "--workers", "1"]);
      const held: Deno.TcpConn[] = [];
      try {
        const before = await rssOf(server);
        // 100 that send half a header (slowloris), 100 that send nothing, 100 idle after a complete exchange.
        for (let i = 0; i < 100; i++) {
          const partial = await connect(server.url);
          await partial.write(encoder.encode("POST /size HTTP/1.1\r\nhost: x\r\n"));
          const silent = await connect(server.url);
          const idle = await connect(server.url);
          await idle.write(encoder.encode("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n"));
          held.push(partial, silent, idle);
        }
        for (const conn of held.filter((_, i) => i % 3 === 2)) {
          assert.deepEqual(statusLines(await readFor(conn, 5000, (t) => t.includes("}"))), [200]);
        }
        await sleep(2000);
        // Others are still served, at once.
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          const r = await fetch(`${server.url}/size`, { method: "POST", body: "hello" });
          assert.equal(r.status, 200);
          assert.deepEqual(await r.json(), { bytes: 5 });
          assert.ok(performance.now() - started < 2000, "answered while 300 connections are held");
        }
        const after = await rssOf(server);
        console.log(
          `300 held connections: RSS ${mib(before)} → ${mib(after)} MiB (+${
            Math.round((after - before) / 1024 / 300)
          } KiB each)`,
        );
        // Generous: a held connection costs the transport a few KiB; 300 of them stay far below 64 MiB.
        assert.ok(after - before < 64 * MiB, `300 held connections grew RSS by ${mib(after - before)} MiB`);
      } finally {
        for (const conn of held) {
          try {
            conn.close();
          } catch { /* closed already */ }
        }
        await server.stop();
      }
    }),
});
