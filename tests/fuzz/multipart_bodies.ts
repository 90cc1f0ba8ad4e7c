/**
 * Generators of multipart/form-data bodies (boundary `x`), well-formed and mangled.
 *
 * @module
 */
import fc from "fast-check";
import { anyBytes, textOf } from "./property.ts";

const encoder = new TextEncoder();

/** One part's header lines. */
const partHeaders = fc.oneof(
  fc.constant('Content-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png'),
  fc.constant('Content-Disposition: form-data; name="field"'),
  textOf('Content-Disposition: form-data; name="f"; filename=\r\n', 60),
);

/** A multipart body with boundary `x`, its parts built from near-valid headers and random bytes. */
export const multipartBody: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.array(fc.tuple(partHeaders, anyBytes), { maxLength: 3 }),
  fc.boolean(),
  fc.nat(300),
).map(([parts, closed, cut]) => {
  const chunks: Uint8Array[] = [];
  for (const [headers, body] of parts) {
    chunks.push(encoder.encode(`--x\r\n${headers}\r\n\r\n`), body, encoder.encode("\r\n"));
  }
  if (closed) chunks.push(encoder.encode("--x--\r\n"));
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return cut > 250 ? all.subarray(0, all.length - (cut - 250)) : all;
});
