import assert from "node:assert/strict";
import { fixedDim, formatShape, shapeSchema } from "./shape.ts";

Deno.test("formatShape writes every shape one way: names kept, unknown, negative and unsigned -1 dims as ?", () => {
  assert.equal(formatShape(["N", 3, null]), "[N,3,?]");
  assert.equal(formatShape(["N", null, -1, 3]), "[N,?,?,3]");
  assert.equal(formatShape([4294967295, 0, ""]), "[?,0,?]");
  assert.equal(formatShape([]), "[]");
  assert.equal(formatShape(undefined), "(any shape)");
});

Deno.test("fixedDim keeps real sizes only", () => {
  assert.deepEqual([4, 0, -1, 4294967294, "N", null, undefined].map(fixedDim), [
    4,
    0,
    null,
    null,
    null,
    null,
    null,
  ]);
});

Deno.test("shapeSchema nests the element schema, fixing the length of fixed dims only", () => {
  assert.deepEqual(shapeSchema({ type: "integer" }, [null, 2]), {
    type: "array",
    items: { type: "array", items: { type: "integer" }, minItems: 2, maxItems: 2 },
  });
  assert.deepEqual(shapeSchema({ type: "string" }, []), { type: "string" });
  assert.deepEqual(shapeSchema({ type: "number" }, [-1]), { type: "array", items: { type: "number" } });
});
