import assert from "node:assert/strict";
import { StringInput } from "./string_input.ts";

Deno.test("decodes UTF-8 text bodies and bodies without a content type", () => {
  const input = new StringInput();
  assert.equal(input.fromBytes(new TextEncoder().encode("héllo ✓"), "text/plain; charset=utf-8"), "héllo ✓");
  assert.equal(input.fromBytes(new TextEncoder().encode("x"), ""), "x");
  assert.equal(input.fromBytes(new Uint8Array(0), "text/plain"), "");
});

Deno.test("honours another charset named in the content type", () => {
  assert.equal(
    new StringInput().fromBytes(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), "text/plain; charset=latin1"),
    "café",
  );
});

Deno.test("refuses invalid UTF-8 and unknown charsets", () => {
  assert.throws(() => new StringInput().fromBytes(new Uint8Array([0x61, 0xc3]), "text/plain"), {
    name: "BadInputError",
    message: "body is not valid utf-8 text; send UTF-8 text",
  });
  assert.throws(() => new StringInput().fromBytes(new Uint8Array([0x61]), "text/plain; charset=klingon"), {
    name: "BadInputError",
    status: 415,
    message: 'unknown charset "klingon" in the content type; send UTF-8 text',
  });
});

Deno.test("takes a JSON string from JSON bodies and fromJson, refusing other values", () => {
  const input = new StringInput();
  assert.equal(input.fromBytes(new TextEncoder().encode('"a\\nb"'), "application/json"), "a\nb");
  assert.equal(input.fromJson("hi"), "hi");
  assert.throws(() => input.fromJson({ text: "hi" }), {
    name: "BadInputError",
    message: 'expected a JSON string, got a object; send the text as "..." or as text/plain',
  });
  assert.throws(() => input.fromJson([1]), {
    message: 'expected a JSON string, got an array; send the text as "..." or as text/plain',
  });
});

Deno.test("refuses binary content types with 415", () => {
  assert.throws(() => new StringInput().fromBytes(new Uint8Array([1]), "image/png"), {
    name: "BadInputError",
    status: 415,
    message: "StringInput does not accept content type image/png; send one of: text/plain, application/json",
  });
});

Deno.test("has one row per item and merges into the list", () => {
  const input = new StringInput();
  assert.equal(input.rows("x"), 1);
  assert.deepEqual(input.merge(["a", "b"]), ["a", "b"]);
  assert.deepEqual(input.schema(), { type: "string" });
});
