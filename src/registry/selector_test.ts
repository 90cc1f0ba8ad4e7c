import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { formatSelector, matchesSelector, parseSelector } from "./selector.ts";

function parseError(text: string): string {
  try {
    parseSelector(text);
  } catch (error) {
    assert.ok(error instanceof ObentoError);
    assert.equal(error.code, "BAD_ARGUMENT");
    return error.message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

Deno.test("parses every operator into requirements in order", () => {
  assert.deepEqual(
    parseSelector("a=1, b!=2,c In (x, y),d NotIn (z), e Exists, f DoesNotExist, g==3"),
    [
      { key: "a", operator: "=", values: ["1"] },
      { key: "b", operator: "!=", values: ["2"] },
      { key: "c", operator: "In", values: ["x", "y"] },
      { key: "d", operator: "NotIn", values: ["z"] },
      { key: "e", operator: "Exists", values: [] },
      { key: "f", operator: "DoesNotExist", values: [] },
      { key: "g", operator: "=", values: ["3"] },
    ],
  );
});

Deno.test("reports the column of a selector syntax error", () => {
  assert.equal(parseError("env In a"), 'selector: expected "(" after In at column 8');
  assert.equal(
    parseError("stage In (a b)"),
    'selector: expected "," or ")" in the In list but found "b" at column 13',
  );
  assert.equal(
    parseError("stage In (a"),
    'selector: expected "," or ")" in the In list but found end of selector at column 12',
  );
  assert.equal(
    parseError("stage=prod team=x"),
    'selector: expected "," between requirements but found "team" at column 12',
  );
  assert.equal(
    parseError("stage="),
    'selector: expected a value after "=" but found end of selector at column 7',
  );
  assert.equal(
    parseError("stage Is prod"),
    'selector: expected =, !=, In, NotIn, Exists or DoesNotExist after key "stage" but found "Is" at column 7',
  );
  assert.equal(parseError("a=b; drop"), 'selector: unexpected character ";" at column 4');
  assert.equal(parseError(""), "selector: empty selector; expected e.g. key=value at column 1");
  assert.equal(parseError("a=1,"), "selector: expected a label key but found end of selector at column 5");
  assert.equal(
    parseError("-a=1"),
    "selector: label key \"-a\" must use letters, digits, '-', '_', '.' and start and end with a letter or digit at column 1",
  );
  assert.equal(
    parseError(`k=${"v".repeat(64)}`),
    `selector: label value "${"v".repeat(64)}" is 64 characters long (at most 63) at column 3`,
  );
});

Deno.test("!= and NotIn need the key; DoesNotExist needs it absent", () => {
  const m = (s: string, labels: Record<string, string>) => matchesSelector(parseSelector(s), labels);
  assert.equal(m("stage!=dev", { stage: "prod" }), true);
  assert.equal(m("stage!=dev", { stage: "dev" }), false);
  assert.equal(m("stage!=dev", {}), false);
  assert.equal(m("stage NotIn (dev, qa)", { stage: "prod" }), true);
  assert.equal(m("stage NotIn (dev, qa)", { stage: "qa" }), false);
  assert.equal(m("stage NotIn (dev, qa)", {}), false);
  assert.equal(m("stage DoesNotExist", {}), true);
  assert.equal(m("stage DoesNotExist", { stage: "x" }), false);
  assert.equal(m("stage Exists, team=ml", { stage: "x", team: "ml" }), true);
  assert.equal(m("stage Exists, team=ml", { stage: "x", team: "data" }), false);
  assert.equal(m("stage In (a, b)", { stage: "b" }), true);
});

Deno.test("formats a selector back to canonical text", () => {
  assert.equal(
    formatSelector(parseSelector("a==1,b In(x,y) , c DoesNotExist")),
    "a=1, b In (x, y), c DoesNotExist",
  );
});
