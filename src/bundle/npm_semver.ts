/**
 * npm version ranges, as far as picking a cached npm package needs them: exact versions, `^`, `~`, `x`/`*`,
 * partial versions, comparators (`>=`, `<`…), hyphen ranges and `||`.
 *
 * @module
 */

/** A parsed version: major, minor, patch, prerelease ("" for a release). */
export type Version = [number, number, number, string];
/** One comparison a version must pass, e.g. `>=1.2.0`. */
export type Comparator = { op: ">=" | ">" | "<" | "<=" | "="; version: Version };

/**
 * Parses an exact version such as `1.2.3`, `v1.2.3-beta.1` or `1.2.3+build`.
 *
 * @param text The version.
 * @returns The version, or `undefined` when `text` is not one.
 *
 * @example
 * ```ts
 * import { parseVersion } from "./npm_semver.ts";
 * console.log(parseVersion("1.4.0-beta.1")); // [1, 4, 0, "beta.1"]
 * ```
 */
export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] ?? ""] : undefined;
}

/**
 * Orders two versions by semver precedence (a prerelease sorts before its release).
 *
 * @param a A version.
 * @param b Another version.
 * @returns A negative number when `a` comes first, a positive one when `b` does, 0 when they are equal.
 *
 * @example
 * ```ts
 * import { compareVersions, parseVersion } from "./npm_semver.ts";
 * console.log(compareVersions(parseVersion("1.3.5")!, parseVersion("1.4.0-beta.1")!) < 0); // true
 * ```
 */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  }
  if (a[3] === b[3]) return 0;
  if (a[3] === "") return 1;
  if (b[3] === "") return -1;
  const pa = a[3].split(".");
  const pb = b[3].split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    const na = /^\d+$/.test(pa[i]) ? Number(pa[i]) : NaN;
    const nb = /^\d+$/.test(pb[i]) ? Number(pb[i]) : NaN;
    if (!Number.isNaN(na) && !Number.isNaN(nb)) {
      if (na !== nb) return na - nb;
    } else if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
}

/**
 * Parses a range into alternatives (`||`), each a list of comparators all of which must hold.
 *
 * @param range An npm range, e.g. `^1.2`, `~1.0.0`, `>=1 <3`, `1.0.0 - 2` or `1.x || 3`.
 * @returns The alternatives, or `undefined` when the range cannot be read.
 *
 * @example
 * ```ts
 * import { parseRange } from "./npm_semver.ts";
 * console.log(parseRange("~1.0.0"));
 * // [[{ op: ">=", version: [1, 0, 0, ""] }, { op: "<", version: [1, 1, 0, "0"] }]]
 * ```
 */
export function parseRange(range: string): Comparator[][] | undefined {
  const sets: Comparator[][] = [];
  for (const alternative of range.split("||")) {
    const normalized = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1");
    const tokens = normalized === "" ? [] : normalized.split(/\s+/);
    const set: Comparator[] = [];
    if (tokens.length === 3 && tokens[1] === "-") {
      const low = comparatorsOf(">=", tokens[0]);
      const high = comparatorsOf("<=", tokens[2]);
      if (!low || !high) return undefined;
      set.push(...low, ...high);
    } else {
      for (const token of tokens) {
        const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(token);
        const comparators = m ? comparatorsOf(m[1] ?? "", m[2]) : undefined;
        if (!comparators) return undefined;
        set.push(...comparators);
      }
    }
    sets.push(set);
  }
  return sets;
}

function comparatorsOf(op: string, text: string): Comparator[] | undefined {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/
    .exec(text);
  if (!m) return undefined;
  const part = (s: string | undefined) => (s === undefined || /^[xX*]$/.test(s) ? undefined : Number(s));
  const major = part(m[1]);
  const minor = major === undefined ? undefined : part(m[2]);
  const patch = minor === undefined ? undefined : part(m[3]);
  const pre = patch === undefined ? "" : m[4] ?? "";
  if (major === undefined) return op === "<" || op === ">" ? [{ op: "<", version: [0, 0, 0, "0"] }] : [];
  const low: Version = [major, minor ?? 0, patch ?? 0, pre];
  const bump = (level: 0 | 1 | 2): Version =>
    level === 0 ? [major + 1, 0, 0, "0"] : level === 1 ? [major, (minor ?? 0) + 1, 0, "0"] : [
      major,
      minor ?? 0,
      (patch ?? 0) + 1,
      "0",
    ];
  const partialLevel: 0 | 1 | undefined = minor === undefined ? 0 : patch === undefined ? 1 : undefined;
  switch (op) {
    case "^": {
      const level = major > 0 || minor === undefined ? 0 : (minor > 0 || patch === undefined ? 1 : 2);
      return [{ op: ">=", version: low }, { op: "<", version: bump(level) }];
    }
    case "~":
      return [{ op: ">=", version: low }, { op: "<", version: bump(minor === undefined ? 0 : 1) }];
    case ">=":
      return [{ op: ">=", version: low }];
    case "<":
      return [{ op: "<", version: partialLevel === undefined ? low : [low[0], low[1], low[2], "0"] }];
    case ">":
      return [
        partialLevel === undefined ? { op: ">", version: low } : { op: ">=", version: bump(partialLevel) },
      ];
    case "<=":
      return [
        partialLevel === undefined ? { op: "<=", version: low } : { op: "<", version: bump(partialLevel) },
      ];
    default:
      return partialLevel === undefined
        ? [{ op: "=", version: low }]
        : [{ op: ">=", version: low }, { op: "<", version: bump(partialLevel) }];
  }
}

/**
 * Tells whether a version is in a range. A prerelease matches only a range that names a prerelease of the
 * same major.minor.patch.
 *
 * @param version The version.
 * @param range The range, from {@link parseRange}.
 * @returns Whether any alternative of `range` holds for `version`.
 *
 * @example
 * ```ts
 * import { parseRange, parseVersion, satisfies } from "./npm_semver.ts";
 * console.log(satisfies(parseVersion("1.3.5")!, parseRange("^1.2.0")!)); // true
 * console.log(satisfies(parseVersion("1.4.0-beta.1")!, parseRange("^1.2.0")!)); // false
 * ```
 */
export function satisfies(version: Version, range: Comparator[][]): boolean {
  return range.some((set) => {
    if (version[3] !== "") {
      // Prereleases match only a range that names a prerelease of the same major.minor.patch.
      const allowed = set.some((c) =>
        c.version[3] !== "" && c.version[3] !== "0" && c.version[0] === version[0] &&
        c.version[1] === version[1] && c.version[2] === version[2]
      );
      if (!allowed) return false;
    }
    return set.every((c) => {
      const cmp = compareVersions(version, c.version);
      return c.op === ">="
        ? cmp >= 0
        : c.op === ">"
        ? cmp > 0
        : c.op === "<"
        ? cmp < 0
        : c.op === "<="
        ? cmp <= 0
        : cmp === 0;
    });
  });
}
