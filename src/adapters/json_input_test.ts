import assert from "node:assert/strict";
import { isJsonContentType, JsonInput, parseJsonBytes } from "./json_input.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("decodes a JSON body into the parsed value", () => {
  const input = new JsonInput();
  assert.deepEqual(input.fromBytes(enc('{"a": [1, 2.5, null]}'), "application/json; charset=utf-8"), {
    a: [1, 2.5, null],
  });
  assert.deepEqual(input.fromBytes(enc("[1]"), ""), [1]);
  assert.deepEqual(input.fromJson({ x: 1 }), { x: 1 });
});

Deno.test("reports invalid JSON with the parser's message", () => {
  assert.throws(() => new JsonInput().fromBytes(enc('{"a": 1'), "application/json"), {
    name: "BadInputError",
    message:
      "body is not valid JSON: Expected ',' or '}' after property value in JSON at position 7 (line 1 column 8)",
  });
  assert.throws(() => new JsonInput().fromBytes(enc('{"a": }'), "application/json"), {
    name: "BadInputError",
    message: `body is not valid JSON: Unexpected token '}', "{"a": }" is not valid JSON`,
  });
});

Deno.test("reports an empty body and invalid UTF-8", () => {
  assert.throws(() => parseJsonBytes(enc("  \n")), {
    name: "BadInputError",
    message: "empty body: send a JSON value",
  });
  assert.throws(() => parseJsonBytes(new Uint8Array([0x22, 0xff, 0x22])), {
    name: "BadInputError",
    message: "body is not valid UTF-8; send JSON encoded as UTF-8",
  });
});

Deno.test("refuses other content types with 415", () => {
  assert.throws(() => new JsonInput().fromBytes(enc("a=1"), "application/x-www-form-urlencoded"), {
    name: "BadInputError",
    status: 415,
    message:
      "JsonInput does not accept content type application/x-www-form-urlencoded; send one of: application/json",
  });
});

Deno.test("recognises JSON content types", () => {
  assert.equal(isJsonContentType("application/vnd.api+json"), true);
  assert.equal(isJsonContentType("text/json"), true);
  assert.equal(isJsonContentType("text/plain"), false);
});

Deno.test("has one row per item, merges into the list and documents the schema", () => {
  const schema = { type: "object", properties: { text: { type: "string" } } };
  const input = new JsonInput({ schema });
  assert.equal(input.rows({ a: 1 }), 1);
  assert.deepEqual(input.merge([1, "x"]), [1, "x"]);
  assert.deepEqual(input.schema(), schema);
  assert.deepEqual(input.config(), { schema });
  assert.deepEqual(new JsonInput().config(), {});
  assert.deepEqual(new JsonInput().schema(), {});
});

Deno.test("a JSON error that quotes a body with line breaks stays one line", () => {
  // Found by tests/fuzz/simple_inputs_fuzz.ts: V8's message quotes the body, line breaks and all.
  assert.throws(() => parseJsonBytes(enc("\na")), {
    name: "BadInputError",
    message: `body is not valid JSON: Unexpected token 'a', "\\na" is not valid JSON`,
  });
});
