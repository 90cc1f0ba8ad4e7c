import assert from "node:assert/strict";
import { parseResponse, percentile, requestBytes } from "./load_gen.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("parseResponse: status, Retry-After, Connection: close and the length, once complete", () => {
  const text = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nRetry-After: 3\r\n" +
    "Connection: close\r\ncontent-length: 2\r\n\r\n{}";
  const buf = bytes(text + "HTTP/1.1 200 OK\r\n");
  assert.deepEqual(parseResponse(buf, text.length), {
    status: 503,
    retryAfter: 3,
    close: true,
    length: text.length,
  });
  assert.equal(parseResponse(buf, text.length - 1), undefined, "body not complete");
  assert.equal(parseResponse(buf, 20), undefined, "head not complete");
  const ok = bytes("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
  assert.deepEqual(parseResponse(ok, ok.length), {
    status: 200,
    retryAfter: undefined,
    close: false,
    length: ok.length,
  });
  const chunked = bytes("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
  assert.throws(() => parseResponse(chunked, chunked.length), /transfer-encoding chunked is not handled/);
});

Deno.test("requestBytes and percentile", () => {
  const request = new TextDecoder().decode(
    requestBytes({ hostname: "127.0.0.1", port: 8, path: "/predict", body: "[1]" }),
  );
  assert.equal(
    request,
    "POST /predict HTTP/1.1\r\nHost: 127.0.0.1:8\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n[1]",
  );
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 50), 50);
  assert.ok(Number.isNaN(percentile(new Float64Array(), 99)));
});
