import assert from "node:assert/strict";
import { JsonOutput } from "./json_output.ts";

Deno.test("encodes results as JSON text with typed arrays, BigInt and Maps converted", () => {
  const out = new JsonOutput().encode({
    probs: new Float32Array([0.1, 0.9]),
    id: 2n ** 60n,
    m: new Map([[1, "a"]]),
  });
  assert.deepEqual(out, {
    body: '{"probs":[0.1,0.9],"id":"1152921504606846976","m":{"1":"a"}}',
    contentType: "application/json",
  });
  assert.equal(new JsonOutput().encode(undefined).body, "null");
});

Deno.test("toJson converts a tensor and names the path of a function", () => {
  const output = new JsonOutput();
  assert.deepEqual(output.toJson({ type: "int32", dims: [1, 2], data: new Int32Array([3, 4]) }), [[3, 4]]);
  assert.throws(() => output.toJson({ f: () => 0 }), {
    name: "TypeError",
    message: "result.f is a function, which has no JSON form; return data instead",
  });
});

Deno.test("records the schema given in the options", () => {
  assert.deepEqual(new JsonOutput().config(), {});
  assert.deepEqual(new JsonOutput({ schema: { type: "number" } }).schema(), { type: "number" });
  assert.equal(new JsonOutput().type, "JsonOutput");
});
