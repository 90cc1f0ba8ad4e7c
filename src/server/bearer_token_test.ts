import assert from "node:assert/strict";
import { bearerCheck } from "./bearer_token.ts";

Deno.test("bearerCheck accepts exactly `Bearer <token>`", () => {
  const matches = bearerCheck("s3cret-token");
  assert.equal(matches("Bearer s3cret-token"), true);
  for (
    const header of [
      null,
      "",
      "Bearer ",
      "Bearer s3cret-toke",
      "Bearer s3cret-token ",
      "Bearer s3cret-tokeN",
      "bearer s3cret-token",
      "Basic s3cret-token",
      "Bearer s3cret-token\u0000",
      "Bearer s3cret-tokenX",
    ]
  ) {
    assert.equal(matches(header), false, JSON.stringify(header));
  }
});

Deno.test("bearerCheck compares non-ASCII tokens by their bytes", () => {
  const matches = bearerCheck("clé-ünïcode");
  assert.equal(matches("Bearer clé-ünïcode"), true);
  assert.equal(matches("Bearer cle-ünïcode"), false);
});
