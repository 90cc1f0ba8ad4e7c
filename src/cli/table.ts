/**
 * Plain-text tables for command output: columns padded to their widest cell, two spaces apart.
 *
 * @module
 */

/**
 * Formats rows under headers as an aligned table (trailing spaces trimmed), ending with a newline.
 *
 * @example
 * ```ts
 * import { formatTable } from "./table.ts";
 * formatTable(["BUNDLE", "AGE"], [["Iris:1", "3 minutes"]]);
 * // "BUNDLE  AGE\nIris:1  3 minutes\n"
 * ```
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    headers.map((_, i) => (cells[i] ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

/**
 * How long ago `then` was, in the largest whole unit: "5 seconds", "1 minute", "3 hours", "2 days".
 *
 * @example
 * ```ts
 * import { formatAge } from "./table.ts";
 * formatAge("2024-01-01T00:00:00Z", new Date("2024-01-03T01:00:00Z")); // "2 days"
 * ```
 */
export function formatAge(then: string | Date, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - new Date(then).getTime()) / 1000));
  if (Number.isNaN(seconds)) return "?";
  const units: [string, number][] = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  for (const [unit, size] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1 || unit === "second") return `${n} ${unit}${n === 1 ? "" : "s"}`;
  }
  return "0 seconds";
}
