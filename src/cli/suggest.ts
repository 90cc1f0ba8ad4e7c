/**
 * "Did you mean …?" for a mistyped command, subcommand or flag: the closest known word by edit distance
 * (a swap of two neighbouring letters counts as one edit), or the only known word the input begins.
 *
 * @module
 */

/**
 * The edit distance between `a` and `b`: insertions, deletions, substitutions and swaps of two neighbouring
 * characters, each counting one (optimal string alignment).
 *
 * @example
 * ```ts
 * import { editDistance } from "./suggest.ts";
 * console.log(editDistance("sevre", "serve")); // 1
 * ```
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(cols).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j < cols; j++) d[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known word `input` most likely stands for, or undefined: the closest one within
 * `max(1, ⌊length/3⌋)` edits (ties go to the first in `known`), else the only one that starts with `input`
 * (two characters at least). Case is ignored.
 *
 * @param input what was typed, without dashes
 * @param known the words that exist, without dashes
 *
 * @example
 * ```ts
 * import { suggest } from "./suggest.ts";
 * console.log(suggest("ouput", ["input", "output", "overwrite"])); // output
 * console.log(suggest("keep", ["keep-columns", "quiet"])); // keep-columns
 * console.log(suggest("frobnicate", ["pack", "run"])); // undefined
 * ```
 */
export function suggest(input: string, known: readonly string[]): string | undefined {
  const typed = input.toLowerCase();
  if (typed === "") return undefined;
  const limit = Math.max(1, Math.floor(typed.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const word of known) {
    const distance = editDistance(typed, word.toLowerCase());
    if (distance < bestDistance) {
      best = word;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return best;
  if (typed.length < 2) return undefined;
  const prefixed = known.filter((word) => word.toLowerCase().startsWith(typed));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** `"; did you mean X?"` for {@link suggest}'s answer, or "" when there is none. */
export function didYouMean(input: string, known: readonly string[], prefix = ""): string {
  const match = suggest(input, known);
  return match === undefined ? "" : `; did you mean ${prefix}${match}?`;
}
