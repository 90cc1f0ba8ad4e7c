/**
 * What an S3 request's failure means, as an {@link ObentoError} that says what to do: a missing bucket,
 * refused credentials, an unreachable endpoint (each UNAVAILABLE: HTTP 503, exit 69), or another failure
 * naming the S3 error.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
]);

/** The HTTP status of an SDK error, when it has one. */
export function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** True for a failure to reach the server (refused, reset, timed out, unknown host), however the SDK wraps it. */
export function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const { code, name } = e as { code?: string; name?: string };
    if ((code && NETWORK_CODES.has(code)) || name === "TimeoutError" || name === "RequestTimeout") {
      return true;
    }
    if (e instanceof AggregateError && e.errors.some(isNetworkError)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  const message = (error as Error)?.message ?? "";
  return /socket hang up|connection (refused|reset|closed)|ECONNREFUSED|ECONNRESET|timed? ?out/i.test(
    message,
  );
}

/** True when the object (not the bucket) is not there. */
export function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === "NoSuchKey" || name === "NotFound" || (statusOf(error) === 404 && name !== "NoSuchBucket");
}

/** Where a failing request went, for {@link s3Failure}'s message. */
export interface S3FailureContext {
  /** What the store was doing, e.g. "uploading artifacts/model.onnx". */
  readonly doing: string;
  /** The bucket. */
  readonly bucket: string;
  /** The store's `s3://` URL. */
  readonly url: string;
  /** The endpoint, for messages. */
  readonly endpoint: string;
}

/** Writes (a save's steps) get "nothing was published" in their message: a failed save is undone. */
const WRITING = /^(uploading|publishing|writing)/;

/**
 * The {@link ObentoError} for an SDK failure.
 *
 * @example
 * ```ts
 * import { s3Failure } from "./s3_errors.ts";
 * const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9000"), { code: "ECONNREFUSED" });
 * const ctx = { doing: "uploading MANIFEST", bucket: "b", url: "s3://b", endpoint: "http://127.0.0.1:9000" };
 * console.log(s3Failure(error, ctx).code); // "UNAVAILABLE"
 * ```
 */
export function s3Failure(error: unknown, ctx: S3FailureContext): ObentoError {
  if (error instanceof ObentoError) return error;
  const { doing, bucket, url, endpoint } = ctx;
  const status = statusOf(error);
  const given = (error as { name?: string }).name;
  // a HEAD request's error has no body, so the SDK cannot name it: say the status instead
  const name = !given || given === "Unknown" ? (status ? `HTTP ${status}` : "Error") : given;
  const detail = (error as Error).message || name;
  if (name === "NoSuchBucket" || (status === 404 && doing.startsWith("checking"))) {
    return new ObentoError(
      "UNAVAILABLE",
      `bucket "${bucket}" does not exist at ${endpoint}; create it (e.g. \`aws s3 mb s3://${bucket}\`) or ` +
        "fix store",
      { cause: error, option: "store" },
    );
  }
  const refused = [
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AccessDenied",
    "Forbidden",
    "InvalidToken",
  ];
  if (refused.includes(name) || status === 403) {
    return new ObentoError(
      "UNAVAILABLE",
      `the S3 store ${url} at ${endpoint} refused the server's credentials while ${doing} (${name}); ` +
        "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's policy",
      { cause: error },
    );
  }
  if (isNetworkError(error)) {
    return new ObentoError(
      "UNAVAILABLE",
      `the S3 store at ${endpoint} is unreachable while ${doing} (${detail}); ` +
        `${WRITING.test(doing) ? "nothing was published, " : ""}retry once it is back`,
      { cause: error },
    );
  }
  return new ObentoError("UNAVAILABLE", `the S3 store ${url} failed while ${doing}: ${name}: ${detail}`, {
    cause: error,
  });
}
