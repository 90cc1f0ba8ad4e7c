import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { isMissing, isNetworkError, s3Failure } from "./s3_errors.ts";

const ctx = { bucket: "b", url: "s3://b/p", endpoint: "http://127.0.0.1:9000" };
const sdkError = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

Deno.test("s3Failure: a missing bucket, refused credentials, an unreachable endpoint, anything else", () => {
  const missing = s3Failure(sdkError("NotFound", 404), { ...ctx, doing: "checking bucket b" });
  assert.equal(missing.code, "UNAVAILABLE");
  assert.equal(
    missing.message,
    'bucket "b" does not exist at http://127.0.0.1:9000; create it (e.g. `aws s3 mb s3://b`) or fix store',
  );
  assert.match(
    s3Failure(sdkError("NoSuchBucket", 404), { ...ctx, doing: "listing x" }).message,
    /^bucket "b"/,
  );
  assert.equal(
    s3Failure(sdkError("Unknown", 403), { ...ctx, doing: "checking bucket b" }).message,
    "the S3 store s3://b/p at http://127.0.0.1:9000 refused the server's credentials while checking bucket b " +
      "(HTTP 403); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's policy",
  );
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9000"), { code: "ECONNREFUSED" });
  assert.equal(
    s3Failure(refused, { ...ctx, doing: "uploading MANIFEST" }).message,
    "the S3 store at http://127.0.0.1:9000 is unreachable while uploading MANIFEST (connect ECONNREFUSED " +
      "127.0.0.1:9000); nothing was published, retry once it is back",
  );
  assert.match( // a read publishes nothing either way: no claim about publishing
    s3Failure(refused, { ...ctx, doing: "reading Iris:1" }).message,
    /while reading Iris:1 \(connect ECONNREFUSED 127\.0\.0\.1:9000\); retry once it is back$/,
  );
  assert.equal(
    s3Failure(sdkError("SlowDown", 503), { ...ctx, doing: "listing x" }).message,
    "the S3 store s3://b/p failed while listing x: SlowDown: SlowDown",
  );
  const known = new ObentoError("INTEGRITY", "x");
  assert.equal(s3Failure(known, { ...ctx, doing: "y" }), known);
});

Deno.test("isNetworkError looks through causes and aggregates; isMissing is about objects, not buckets", () => {
  const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
  assert.equal(isNetworkError(new Error("wrapped", { cause: reset })), true);
  assert.equal(isNetworkError(new AggregateError([reset])), true);
  assert.equal(isNetworkError(sdkError("AccessDenied", 403)), false);
  assert.equal(isMissing(sdkError("NoSuchKey", 404)), true);
  assert.equal(isMissing(sdkError("NoSuchBucket", 404)), false);
});
