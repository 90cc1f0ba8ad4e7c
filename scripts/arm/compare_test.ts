import assert from "node:assert/strict";
import { compareClose, compareExact, parseOutput } from "./compare.ts";

Deno.test("compareExact names the first differing character", () => {
  assert.equal(compareExact("[0.25,1]", "[0.25,1]"), undefined);
  assert.match(compareExact("[0.25,1]", "[0.26,1]")!, /character 4/);
});

Deno.test("compareClose accepts numbers within the tolerance and names the first path outside it", () => {
  assert.equal(compareClose({ p: [0.5, 2] }, { p: [0.5 + 1e-7, 2 - 1e-6] }, 1e-5), undefined);
  assert.equal(
    compareClose({ p: [0.5, 2] }, { p: [0.5, 2.1] }, 1e-5),
    "$.p[1]: expected 2, got 2.1 (tolerance 0.00001)",
  );
  assert.match(compareClose({ a: "x" }, { a: "y" }, 1)!, /\$\.a: expected "x", got "y"/);
  assert.match(compareClose([1], [1, 2], 1)!, /expected 1 elements, got 2/);
  assert.match(compareClose({ a: 1 }, { b: 1 }, 1)!, /expected keys a, got b/);
});

Deno.test("parseOutput reads one JSON value or JSON lines", () => {
  assert.deepEqual(parseOutput('[{"a":1}]\n'), [{ a: 1 }]);
  assert.deepEqual(parseOutput('{"a":1}\n{"a":2}\n'), [{ a: 1 }, { a: 2 }]);
});
