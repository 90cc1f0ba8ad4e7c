/**
 * A full disk under `obento registry serve`, as its clients see it: HTTP 507 Insufficient Storage with one
 * message saying that the registry server's disk is full and nothing was stored, instead of a 500 "internal
 * error: No space left on device" or SQLite's "…registry.db: database or disk is full … free some space"
 * (which named a path on the server and read as advice to the client). The server's log keeps the original
 * error with its path, for the operator.
 *
 * @module
 */
import { messageOf, ObentoError } from "../errors.ts";

/** ENOSPC from a file write, or SQLite's SQLITE_FULL as src/registry/sqlite_index.ts words it. */
const FULL = /no space left on device|database or disk is full/i;

/** Whether `error`, or an error it was caused by, says the disk is full. */
export function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === "ENOSPC" || FULL.test(messageOf(e))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The error a client gets when `error` says the server's disk is full (507, code UNAVAILABLE: the client
 * exits 69); undefined for any other error.
 *
 * @example
 * ```ts
 * import { diskFullError } from "./disk_full.ts";
 * const enospc = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * console.log(diskFullError(enospc)?.status); // 507
 * ```
 */
export function diskFullError(error: unknown): ObentoError | undefined {
  if (!isDiskFull(error)) return undefined;
  return new ObentoError(
    "UNAVAILABLE",
    "the registry server's disk is full (no space left on device); nothing was stored or changed: ask the " +
      "server's operator to free space on it, then try again",
    { status: 507, cause: error },
  );
}
