/**
 * `--shard i/N`: record `r` (0-based, in input order) belongs to shard `r mod N`, so N processes given
 * `0/N … (N-1)/N` cover every record exactly once, whatever the batch size, and each gets an even share.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";

/** One part of a partition of the input records. */
export interface Shard {
  /** This shard's number, 0 ≤ index < count. */
  readonly index: number;
  /** How many shards there are. */
  readonly count: number;
}

/**
 * Parses `i/N` (0 ≤ i < N).
 *
 * @param text the flag value, e.g. "3/8"
 * @returns the shard
 * @throws {ObentoError} BAD_ARGUMENT naming the value when it is not `i/N` with 0 ≤ i < N
 *
 * @example
 * ```ts
 * import { parseShard } from "./shard.ts";
 * console.log(parseShard("2/4")); // { index: 2, count: 4 }
 * ```
 */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count) || !Number.isSafeInteger(count)) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `shard must be i/N with 0 ≤ i < N (e.g. 0/4 … 3/4 for four processes), got "${text}"`,
      { option: "shard" }, // `obento run` reports it as --shard (src/cli/option_flags.ts)
    );
  }
  return { index, count };
}

/**
 * A test for the records one run reads: those at or after `skip` (records done before a resume) that belong
 * to `shard` (all records when there is none).
 *
 * @example
 * ```ts
 * import { recordFilter } from "./shard.ts";
 * const owns = recordFilter(3, { index: 1, count: 2 });
 * console.log([0, 1, 2, 3, 4, 5].filter(owns)); // [3, 5]
 * ```
 */
export function recordFilter(skip: number, shard: Shard | undefined): (record: number) => boolean {
  if (shard === undefined || shard.count === 1) return (r) => r >= skip;
  const { index, count } = shard;
  return (r) => r >= skip && r % count === index;
}
