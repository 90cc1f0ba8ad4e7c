/**
 * Generated bundle versions: a UTC timestamp and a short random suffix, e.g. `20200121114004_360ECB`, so
 * versions sort by creation time and two packs in the same second still differ.
 *
 * @module
 */

/**
 * Makes a new version string `YYYYMMDDHHMMSS_XXXXXX` (UTC time, six random upper-case hex digits).
 *
 * @param now the creation time; defaults to the current time
 * @returns a version accepted by `validateVersion`
 *
 * @example
 * ```ts
 * import { newVersion } from "./version.ts";
 * newVersion(new Date("2020-01-21T11:40:04Z")); // e.g. "20200121114004_360ECB"
 * ```
 */
export function newVersion(now: Date = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:T]/g, "");
  const random = crypto.getRandomValues(new Uint8Array(3));
  const suffix = Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
  return `${stamp}_${suffix}`;
}
