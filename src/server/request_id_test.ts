import assert from "node:assert/strict";
import { requestIdFor } from "./request_id.ts";

Deno.test("a sensible client id is kept; a missing, long, spaced or control-character one is replaced", () => {
  assert.equal(requestIdFor("abc-123_X.y:z"), "abc-123_X.y:z");
  assert.equal(requestIdFor("x".repeat(128)), "x".repeat(128));
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  for (const bad of [null, undefined, "", "x".repeat(129), "two words", "line\nbreak", "tab\there", "é"]) {
    assert.match(requestIdFor(bad), uuid, JSON.stringify(bad));
  }
  assert.notEqual(requestIdFor(null), requestIdFor(null));
});
