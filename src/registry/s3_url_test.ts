import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { parseS3Url } from "./s3_url.ts";

Deno.test("parseS3Url: bucket and prefix, slashes trimmed", () => {
  assert.deepEqual(parseS3Url("s3://models"), { bucket: "models", prefix: "" });
  assert.deepEqual(parseS3Url("s3://models/"), { bucket: "models", prefix: "" });
  assert.deepEqual(parseS3Url("s3://models/team-a/obento/"), { bucket: "models", prefix: "team-a/obento/" });
  assert.deepEqual(parseS3Url("s3://my.bucket-1/x"), { bucket: "my.bucket-1", prefix: "x/" });
});

Deno.test("parseS3Url: anything else is BAD_ARGUMENT naming the value", () => {
  for (const bad of ["models", "s3://", "s3://ab", "s3://Models", "s3://under_score", "http://models/x"]) {
    assert.throws(
      () => parseS3Url(bad),
      (e: unknown) =>
        e instanceof ObentoError && e.code === "BAD_ARGUMENT" && e.message.includes(`store ${bad} is not`) &&
        e.option === "store",
    );
  }
  assert.throws(
    () => parseS3Url("s3://models/a/../b"),
    (e: unknown) => e instanceof ObentoError && /may not hold "\." or "\.\." parts/.test(e.message),
  );
});
