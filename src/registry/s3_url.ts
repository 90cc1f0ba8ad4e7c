/**
 * `s3://bucket[/prefix]`, the `--store` value of an S3-compatible store, parsed.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";

/** The bucket and key prefix of an `s3://bucket/prefix` URL. */
export interface S3Location {
  /** The bucket. */
  readonly bucket: string;
  /** The key prefix, "" or ending in "/". */
  readonly prefix: string;
}

/**
 * Parses `s3://bucket[/prefix]`.
 *
 * @throws {ObentoError} BAD_ARGUMENT for anything else
 *
 * @example
 * ```ts
 * import { parseS3Url } from "./s3_url.ts";
 * console.log(parseS3Url("s3://models/team-a")); // { bucket: "models", prefix: "team-a/" }
 * ```
 */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `store ${url} is not an S3 URL; expected s3://bucket or s3://bucket/prefix (bucket: 3-63 lowercase ` +
        "letters, digits, dots and dashes)",
      { option: "store" },
    );
  }
  const rest = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (rest.split("/").some((p) => p === "." || p === "..")) {
    throw new ObentoError("BAD_ARGUMENT", `store ${url}: the prefix may not hold "." or ".." parts`, {
      option: "store",
    });
  }
  return { bucket: m[1], prefix: rest === "" ? "" : rest + "/" };
}
