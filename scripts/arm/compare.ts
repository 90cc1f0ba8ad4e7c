/**
 * How `deno task check:arm` compares a run on ARM with the same run on x86_64: the WASM device must give
 * the same bytes; the native device (a different onnxruntime build per CPU) numbers within a tolerance.
 *
 * @module
 */

/** Where two outputs first differ, or undefined when they agree. */
export type Difference = string | undefined;

/** Byte-for-byte: the same text. */
export function compareExact(expected: string, actual: string): Difference {
  if (expected === actual) return undefined;
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 20), i + 40));
  return `outputs differ at character ${i}: expected …${around(expected)}…, got …${around(actual)}…`;
}

/** Parses `text` as JSON, or as JSON lines when it is not one JSON value. */
export function parseOutput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  }
}

/**
 * Every number within `tolerance` (absolute or relative to the larger of the two), everything else equal.
 * @returns where they first differ, as a JSON path
 */
export function compareClose(expected: unknown, actual: unknown, tolerance: number, path = "$"): Difference {
  if (typeof expected === "number" && typeof actual === "number") {
    const scale = Math.max(1, Math.abs(expected), Math.abs(actual));
    return Math.abs(expected - actual) <= tolerance * scale
      ? undefined
      : `${path}: expected ${expected}, got ${actual} (tolerance ${tolerance})`;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      return `${path}: expected ${expected.length} elements, got ${actual.length}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const d = compareClose(expected[i], actual[i], tolerance, `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (
    expected !== null && actual !== null && typeof expected === "object" && typeof actual === "object" &&
    !Array.isArray(expected) && !Array.isArray(actual)
  ) {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const keys = Object.keys(e);
    if (keys.join() !== Object.keys(a).join()) {
      return `${path}: expected keys ${keys.join(",")}, got ${Object.keys(a).join(",")}`;
    }
    for (const k of keys) {
      const d = compareClose(e[k], a[k], tolerance, `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(expected, actual)
    ? undefined
    : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
