import assert from "node:assert/strict";
import { BadInputError, ObentoError } from "./src/errors.ts";
for (
  const [got, want] of [[new BadInputError("x"), new BadInputError("y")], [
    new ObentoError("BAD_MODEL", "x"),
    new ObentoError("INTERNAL", "x"),
  ], [new ObentoError("BAD_INPUT", "x"), new BadInputError("x")]] as const
) {
  try {
    await assert.rejects(Promise.reject(got), want);
    console.log("passed (bad)");
  } catch {
    console.log("failed (good)");
  }
}
