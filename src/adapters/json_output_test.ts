import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
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

Deno.test("a client preferring text/csv gets a table with a header row; JSON otherwise", () => {
  const out = new JsonOutput();
  const probs = [{ setosa: 0.9, versicolor: 0.1 }, { setosa: 0.2, versicolor: 0.8 }];
  assert.deepEqual(out.encode(probs, "text/csv"), {
    body: "setosa,versicolor\n0.9,0.1\n0.2,0.8\n",
    contentType: "text/csv; charset=utf-8",
  });
  assert.equal(out.encode(["setosa", "virginica"], "text/csv").body, "result\nsetosa\nvirginica\n");
  assert.equal(out.encode([[1, 2], [3, 4]], "text/csv").body, "0,1\n1,2\n3,4\n");
  assert.equal(out.encode({ label: "a b", p: 1 }, "text/csv").body, "label,p\na b,1\n");
  assert.equal(out.encode(["x"], "text/csv;q=0.5, application/json").contentType, "application/json");
  assert.equal(out.encode(["x"], "image/png").body, '["x"]');
  assert.equal(out.encode(["x"]).body, '["x"]');
});

Deno.test("a result that is not a table answers 406 naming why, when CSV is asked for", () => {
  const out = new JsonOutput();
  const refused = (value: unknown, why: RegExp) => {
    let error: unknown;
    try {
      out.encode(value, "text/csv");
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ObentoError, String(error));
    assert.equal(error.status, 406);
    assert.match(error.message, why);
    assert.match(error.message, /ask for application\/json/);
  };
  refused({ probs: [0.1, 0.9] }, /row 1, column probs holds a list/);
  refused([{ a: { b: 1 } }], /row 1, column a holds an object/);
  refused([{ a: 1 }, 2], /row 2's result is a single value but row 1's is an object/);
  assert.equal(out.encode({ probs: [0.1, 0.9] }, "application/json").body, '{"probs":[0.1,0.9]}');
});
