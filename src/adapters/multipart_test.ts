import assert from "node:assert/strict";
import { charsetOf, firstFilePart, mediaTypeOf, unsupportedMediaType } from "./multipart.ts";

/** A multipart body and its content type, as a browser or curl -F would send them. */
async function multipartBody(fields: Record<string, string | File>): Promise<[Uint8Array, string]> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const req = new Request("http://localhost/", { method: "POST", body: form });
  return [new Uint8Array(await req.arrayBuffer()), req.headers.get("content-type")!];
}

Deno.test("reads media type and charset from a content type", () => {
  assert.equal(mediaTypeOf(" Application/JSON ; charset=UTF-8"), "application/json");
  assert.equal(mediaTypeOf(""), "");
  assert.equal(charsetOf('text/plain; charset="ISO-8859-1"'), "iso-8859-1");
  assert.equal(charsetOf("text/plain"), undefined);
});

Deno.test("makes a 415 error listing the accepted types", () => {
  const err = unsupportedMediaType("JsonInput", "text/csv; header=present", ["application/json"]);
  assert.equal(err.name, "BadInputError");
  assert.equal(err.status, 415);
  assert.equal(err.message, "JsonInput does not accept content type text/csv; send one of: application/json");
  assert.equal(
    unsupportedMediaType("X", "", ["a/b"]).message,
    "X does not accept content type (none); send one of: a/b",
  );
});

Deno.test("returns the first file part of a multipart body, skipping text fields", async () => {
  const [body, type] = await multipartBody({
    note: "hello",
    image: new File([new Uint8Array([1, 2, 3])], "a.bin"),
    other: new File([new Uint8Array([9])], "b.bin"),
  });
  assert.deepEqual(await firstFilePart(body, type), new Uint8Array([1, 2, 3]));
});

Deno.test("refuses a multipart body without a file part or that does not parse", async () => {
  const [body, type] = await multipartBody({ note: "hello" });
  await assert.rejects(() => firstFilePart(body, type), {
    name: "BadInputError",
    message: "multipart/form-data body has no file part; send the file with a filename, e.g. " +
      "`curl -F file=@input.png`",
  });
  await assert.rejects(() => firstFilePart(new Uint8Array([1, 2]), "multipart/form-data"), (e: Error) => {
    assert.equal(e.name, "BadInputError");
    assert.match(e.message, /^multipart\/form-data body does not parse \(.+\); check the boundary parameter/);
    return true;
  });
});

Deno.test("a multipart body that does not parse is named on one line", async () => {
  // Found by tests/fuzz/simple_inputs_fuzz.ts: the form parser's message quoted a header name holding a CR.
  const body = new TextEncoder().encode("--x\r\n\r: y\r\n\r\nz\r\n--x--\r\n");
  await assert.rejects(() => firstFilePart(body, "multipart/form-data; boundary=x"), (e: Error) => {
    assert.equal(e.name, "BadInputError");
    assert.match(e.message, /^multipart\/form-data body does not parse \(.*\\r.*\); check the boundary/);
    assert.doesNotMatch(e.message, /[\r\n]/);
    return true;
  });
});
