/**
 * Why a table's column names do not match the ones an API declares, said so that the fix is obvious: the
 * missing or unexpected column, "did you mean" for a close misspelling, and for CSV a header that is really
 * `;`- or tab-separated, or that is missing (the first row is data).
 *
 * @module
 */

/** Options for {@link columnMismatch}. */
export interface ColumnMismatchOptions {
  /** The names come from a CSV header: also consider another separator and a missing header. */
  csv?: boolean;
  /** How to end the list of expected columns (default `expected columns`). */
  expectedLabel?: string;
}

/** Separators a CSV written by another tool may use instead of a comma, with how messages name them. */
const SEPARATORS: readonly (readonly [string, string])[] = [[";", "';'"], ["\t", "tab"], ["|", "'|'"]];

/** Names a list of columns for messages. */
function list(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(", ");
}

/** A name as compared for misspellings: lower case, letters and digits only. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

/** The optimal-string-alignment distance (edits, adjacent swaps count one) between `a` and `b`. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2][j - 2] + 1);
      }
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
}

/**
 * The candidate that `word` is most likely a misspelling of, or undefined when none is close: equal but for
 * case and punctuation, or (for names of three or more letters) within a quarter of the shorter length in
 * edits, at least one and at most three.
 *
 * @example
 * ```ts
 * import { closestName } from "./column_mismatch.ts";
 * console.log(closestName("sepal_widht", ["sepal_length", "sepal_width"])); // sepal_width
 * console.log(closestName("colour", ["petal_length"])); // undefined
 * ```
 */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  const w = normalize(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const n = normalize(c);
    const shorter = Math.min(w.length, n.length);
    const limit = shorter < 3 ? 0 : Math.min(3, Math.max(1, Math.floor(shorter / 4)));
    const d = editDistance(w, n);
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** True for a header field that reads as a number: the first row is then data, not names. */
function isNumeric(field: string): boolean {
  const t = field.trim();
  return t !== "" && !Number.isNaN(+t);
}

/** For CSV: the header is one field that splits on another separator into expected names. */
function separatorHint(expected: readonly string[], found: readonly string[]): string | undefined {
  if (found.length !== 1 || expected.length < 2) return undefined;
  for (const [sep, label] of SEPARATORS) {
    const parts = found[0].split(sep).map((p) => p.trim());
    if (parts.length > 1 && parts.some((p) => expected.includes(p))) {
      return `the header looks ${label}-separated (${JSON.stringify(found[0])} is one column); send ` +
        `comma-separated CSV with columns ${list(expected)}`;
    }
  }
  return undefined;
}

/**
 * Explains why `found` column names do not match `expected` ones (the caller has seen that they do not).
 *
 * @param expected the declared columns, in order.
 * @param found the columns a body, row or header has.
 * @param options `csv` for a CSV header; `expectedLabel` for how the list of expected columns is introduced.
 * @returns one line, e.g. `unknown column "sepal_widht" (did you mean "sepal_width"?); expected columns …`,
 *   `missing column "kind"; expected columns …`, `the header looks ';'-separated (…)`.
 *
 * @example
 * ```ts
 * import { columnMismatch } from "./column_mismatch.ts";
 * console.log(columnMismatch(["a", "sepal_width"], ["a", "Sepal Width"]));
 * // unknown column "Sepal Width" (did you mean "sepal_width"?); expected columns "a", "sepal_width"
 * console.log(columnMismatch(["a", "b"], ["1.5", "2"], { csv: true }));
 * // the first row ("1.5", "2") looks like data, not a header: the CSV header is missing; put the column names first: a,b
 * ```
 */
export function columnMismatch(
  expected: readonly string[],
  found: readonly string[],
  options: ColumnMismatchOptions = {},
): string {
  const label = options.expectedLabel ?? "expected columns";
  if (options.csv) {
    const hint = separatorHint(expected, found);
    if (hint !== undefined) return hint;
    if (found.length > 0 && found.every(isNumeric)) {
      return `the first row (${list(found)}) looks like data, not a header: the CSV header is missing; put ` +
        `the column names first: ${expected.join(",")}`;
    }
  }
  const foundSet = new Set(found);
  const absent = expected.filter((n) => !foundSet.has(n));
  const extra = found.filter((n) => !expected.includes(n));
  for (const name of extra) {
    const match = closestName(name, absent);
    if (match !== undefined) {
      return `unknown column ${JSON.stringify(name)} (did you mean ${JSON.stringify(match)}?); ${label} ` +
        list(expected);
    }
  }
  if (absent.length > 0) return `missing column ${JSON.stringify(absent[0])}; ${label} ${list(expected)}`;
  if (extra.length > 0) return `unexpected column ${JSON.stringify(extra[0])}; ${label} ${list(expected)}`;
  return `columns ${list(found)} repeat a name; ${label} ${list(expected)}`;
}
