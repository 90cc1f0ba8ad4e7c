import assert from "node:assert/strict";
import { validateLabels } from "./labels.ts";

Deno.test("validateLabels returns a sorted copy of valid labels", () => {
  assert.deepEqual(Object.entries(validateLabels({ z: "1", "a.b_c-d": "x.y" })), [["a.b_c-d", "x.y"], [
    "z",
    "1",
  ]]);
  assert.deepEqual(validateLabels(undefined), {});
});

Deno.test("validateLabels names the bad key or value", () => {
  assert.throws(() => validateLabels({ "-x": "1" }, "bento.yaml"), {
    message:
      `bento.yaml: label key "-x" must use letters, digits, '-', '_', '.' and start and end with a letter or digit`,
  });
  assert.throws(() => validateLabels({ k: "a".repeat(64) }), {
    message: `labels: label k value "${"a".repeat(64)}" is 64 characters long (at most 63)`,
  });
  assert.throws(() => validateLabels({ k: 3 }), {
    message: "labels: label k must have a string value, got 3",
  });
  assert.throws(() => validateLabels({ k: "" }), { message: 'labels: label k value "" is empty' });
  assert.throws(() => validateLabels(["a"]), { message: "labels: labels must be a mapping of key to value" });
  assert.equal(validateLabels({ ["k".repeat(63)]: "v" })["k".repeat(63)], "v");
});
