import assert from "node:assert/strict";
import { preferredMediaType } from "./accept.ts";

const OFFERED = ["application/json", "text/csv"];

Deno.test("no or wildcard Accept gets the default; q-values decide; specific beats wildcard on a tie", () => {
  assert.equal(preferredMediaType(undefined, OFFERED), "application/json");
  assert.equal(preferredMediaType("", OFFERED), "application/json");
  assert.equal(preferredMediaType("*/*", OFFERED), "application/json");
  assert.equal(preferredMediaType("text/csv", OFFERED), "text/csv");
  assert.equal(preferredMediaType("TEXT/CSV; charset=utf-8", OFFERED), "text/csv");
  assert.equal(preferredMediaType("text/csv;q=0.5, application/json", OFFERED), "application/json");
  assert.equal(preferredMediaType("application/json;q=0.2, text/csv;q=0.8", OFFERED), "text/csv");
  assert.equal(preferredMediaType("text/csv, */*", OFFERED), "text/csv");
  assert.equal(preferredMediaType("*/*, text/csv", OFFERED), "text/csv");
  assert.equal(preferredMediaType("text/*", OFFERED), "text/csv");
  assert.equal(preferredMediaType("text/csv, application/json", OFFERED), "text/csv");
  assert.equal(preferredMediaType("application/json, text/csv", OFFERED), "application/json");
});

Deno.test("nothing acceptable is undefined: q=0 refuses, unrelated types do not match", () => {
  assert.equal(preferredMediaType("image/png", OFFERED), undefined);
  assert.equal(preferredMediaType("application/json;q=0, text/csv;q=0", OFFERED), undefined);
  assert.equal(preferredMediaType("*/*, application/json;q=0", OFFERED), "text/csv");
});
