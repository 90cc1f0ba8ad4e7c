import assert from "node:assert/strict";
import { validateVersion } from "../sdk/names.ts";
import { newVersion } from "./version.ts";

Deno.test("newVersion is a sortable UTC timestamp with a random suffix", () => {
  const v = newVersion(new Date("2020-01-21T11:40:04.123Z"));
  assert.match(v, /^20200121114004_[0-9A-F]{6}$/);
  assert.equal(validateVersion(v), v);
  assert.ok(newVersion(new Date("2021-01-01T00:00:00Z")) > v);
  assert.notEqual(newVersion(new Date(0)), newVersion(new Date(0)));
});
