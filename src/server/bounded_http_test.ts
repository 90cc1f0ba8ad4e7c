import assert from "node:assert/strict";
import { serveBounded } from "./bounded_http.ts";
import { closingConnection } from "./drain.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads `conn` until the server closes it (or 5 s pass); returns the text and how long it took. */
async function untilClosed(conn: Deno.Conn): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  const timer = setTimeout(() => conn.close(), 5000);
  let text = "";
  const buffer = new Uint8Array(16 * 1024);
  try {
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      text += decoder.decode(buffer.subarray(0, n));
    }
  } catch { /* closed by the timer */ }
  clearTimeout(timer);
  return { text, ms: performance.now() - started };
}

Deno.test("serveBounded: requests and responses cross as web types; bounds close slow connections", async () => {
  let port = 0;
  const server = await serveBounded(
    {
      hostname: "127.0.0.1",
      port: 0,
      headerTimeoutMs: 300,
      idleTimeoutMs: 300,
      maxConnections: 64,
      onListen: (addr) => (port = addr.port),
    },
    async (request) => {
      const url = new URL(request.url);
      if (url.pathname === "/throw") throw new Error("boom");
      if (url.pathname === "/stream") {
        const parts = ["a", "b", "c"];
        return new Response(
          new ReadableStream({
            pull(controller) {
              const next = parts.shift();
              if (next === undefined) controller.close();
              else controller.enqueue(encoder.encode(next));
            },
          }),
        );
      }
      const headers = new Headers({ "content-type": "application/json" });
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      const body = request.body === null ? "" : await request.text();
      return new Response(
        JSON.stringify({ method: request.method, url: request.url, x: request.headers.get("x-test"), body }),
        { status: 201, headers },
      );
    },
  );
  try {
    assert.ok(port > 0);
    const echoed = await fetch(`http://127.0.0.1:${port}/echo?q=1`, {
      method: "POST",
      headers: { "x-test": "yes" },
      body: "hello",
    });
    assert.equal(echoed.status, 201);
    assert.deepEqual(echoed.headers.getSetCookie(), ["a=1", "b=2"]);
    assert.deepEqual(await echoed.json(), {
      method: "POST",
      url: `http://127.0.0.1:${port}/echo?q=1`,
      x: "yes",
      body: "hello",
    });
    const streamed = await fetch(`http://127.0.0.1:${port}/stream`);
    assert.equal(await streamed.text(), "abc");
    const thrown = await fetch(`http://127.0.0.1:${port}/throw`);
    assert.equal(thrown.status, 500);
    assert.deepEqual(await thrown.json(), { error: "internal error: boom" });

    // Half a header: closed after the 300 ms header timeout, unanswered.
    const slow = await Deno.connect({ hostname: "127.0.0.1", port });
    await slow.write(encoder.encode("GET / HTTP/1.1\r\nhost: x\r\n"));
    const closed = await untilClosed(slow);
    assert.equal(closed.text, "");
    assert.ok(closed.ms >= 250 && closed.ms < 4000, `closed after ${Math.round(closed.ms)} ms`);
  } finally {
    await server.shutdown();
  }
  assert.equal(server.connections(), 0);
});

Deno.test("serveBounded: a client that leaves mid-body fails the body read, and shutdown still ends", async () => {
  let port = 0;
  const failures: string[] = [];
  const server = await serveBounded(
    {
      hostname: "127.0.0.1",
      port: 0,
      headerTimeoutMs: 2000,
      idleTimeoutMs: 2000,
      maxConnections: 64,
      onListen: (addr) => (port = addr.port),
    },
    async (request) => {
      try {
        await request.arrayBuffer();
      } catch (error) {
        failures.push(error instanceof DOMException ? error.name : String(error));
      }
      return new Response("ok");
    },
  );
  try {
    for (let i = 0; i < 3; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(encoder.encode("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nabc"));
      conn.close();
    }
    for (let i = 0; i < 50 && failures.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(failures, ["AbortError", "AbortError", "AbortError"]);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "ok");
  } finally {
    await server.shutdown();
  }
  assert.equal(server.connections(), 0);
});

Deno.test("serveBounded: an answer with Connection: close (the shutdown drain's) closes its connection", async () => {
  let port = 0;
  const server = await serveBounded(
    {
      hostname: "127.0.0.1",
      port: 0,
      headerTimeoutMs: 10_000,
      idleTimeoutMs: 10_000,
      maxConnections: 64,
      onListen: (addr) => (port = addr.port),
    },
    (request) =>
      new URL(request.url).pathname === "/close"
        ? closingConnection(new Response("closing"))
        : new Response("kept"),
  );
  try {
    // Without the header the connection stays open for the next request; with it, the answer then EOF at once,
    // long before the 10 s idle timeout (a second request written too is not answered).
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(
      encoder.encode("GET /keep HTTP/1.1\r\nhost: x\r\n\r\nGET /close HTTP/1.1\r\nhost: x\r\n\r\n"),
    );
    await new Promise((r) => setTimeout(r, 100));
    await conn.write(encoder.encode("GET /keep HTTP/1.1\r\nhost: x\r\n\r\n")).catch(() => 0);
    const { text, ms } = await untilClosed(conn);
    assert.deepEqual([...text.matchAll(/\r\n\r\n([a-z]+)/g)].map((m) => m[1]), ["kept", "closing"], text);
    assert.match(text, /connection: close/i);
    assert.ok(ms < 4000, `closed after ${Math.round(ms)} ms`);
  } finally {
    await server.shutdown();
  }
});
