import assert from "node:assert/strict";
import { streamUpload } from "./stream_upload.ts";

/** A server on 127.0.0.1 for the length of `fn`. */
async function withServer(
  handler: (request: Request) => Response | Promise<Response>,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/upload`);
  } finally {
    await server.shutdown();
  }
}

function chunks(count: number, size: number, failAt?: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i === failAt) return controller.error(new Error("the file changed while it was read"));
      if (i === count) return controller.close();
      controller.enqueue(new Uint8Array(size).fill(i++ % 251));
    },
  });
}

Deno.test("streamUpload sends every byte, with the headers, and answers the server's response", async () => {
  await withServer(async (request) => {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const sum = bytes.reduce((a, b) => a + b, 0);
    return Response.json({
      length: bytes.length,
      sum,
      method: request.method,
      type: request.headers.get("x-type"),
    }, {
      status: 201,
    });
  }, async (url) => {
    const response = await streamUpload(url, {
      method: "PUT",
      headers: new Headers({ "x-type": "tar" }),
      body: chunks(40, 65536 + 7),
    });
    assert.equal(response.status, 201);
    let sum = 0;
    for (let i = 0; i < 40; i++) sum += (i % 251) * (65536 + 7);
    assert.deepEqual(await response.json(), { length: 40 * (65536 + 7), sum, method: "PUT", type: "tar" });
  });
});

Deno.test("streamUpload: a body that fails mid-way rejects with its own error", async () => {
  await withServer(async (request) => {
    await request.arrayBuffer().catch(() => {});
    return new Response("truncated", { status: 400 });
  }, async (url) => {
    await assert.rejects(
      streamUpload(url, { method: "PUT", headers: new Headers(), body: chunks(40, 65536, 20) }),
      /the file changed while it was read/,
    );
  });
});

Deno.test("streamUpload: a server that refuses before reading the body is answered with its refusal", async () => {
  await withServer(() => Response.json({ error: { code: "UNAUTHORIZED" } }, { status: 401 }), async (url) => {
    const response = await streamUpload(url, {
      method: "PUT",
      headers: new Headers(),
      body: chunks(4, 65536),
    });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: { code: "UNAUTHORIZED" } });
  });
});
