/**
 * Formats `obento run` outcomes as JSON, JSON lines or CSV. Failed items appear as `{"error", "status"}` in
 * JSON and JSON lines and are left out of CSV (the command reports them on stderr).
 *
 * @module
 */
import type { JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import type { ItemOutcome } from "../runtime/invoke.ts";
import { formatCsv } from "../adapters/csv.ts";

/** Output formats of `obento run`. */
export type OutputFormat = "json" | "jsonl" | "csv";

function rowsOf(outcome: ItemOutcome, output: OutputAdapter, rowwise: boolean): JsonValue[] {
  if (!outcome.ok) return [{ error: outcome.message, status: outcome.status }];
  if (rowwise && Array.isArray(outcome.value)) return outcome.value.map((v) => output.toJson(v));
  return [output.toJson(outcome.value)];
}

function csvOf(rows: JsonValue[]): string {
  const objects = rows.every((r) => r !== null && typeof r === "object" && !Array.isArray(r));
  if (objects && rows.length > 0) {
    const header: string[] = [];
    for (const r of rows as Record<string, JsonValue>[]) {
      for (const k of Object.keys(r)) if (!header.includes(k)) header.push(k);
    }
    return formatCsv(
      header,
      (rows as Record<string, JsonValue>[]).map((r) => header.map((h) => cell(r[h]))),
    );
  }
  if (rows.every(Array.isArray) && rows.length > 0) {
    const width = Math.max(...(rows as JsonValue[][]).map((r) => r.length));
    const header = Array.from({ length: width }, (_, i) => String(i));
    return formatCsv(header, (rows as JsonValue[][]).map((r) => header.map((_, i) => cell(r[i]))));
  }
  return formatCsv(["result"], rows.map((r) => [cell(r)]));
}

function cell(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Renders outcomes.
 * @param outcomes one per input item
 * @param output the API's output adapter (JSON conversion)
 * @param format json, jsonl or csv
 * @param rowwise the input adapter's rowwise flag: an item's value is the list of its rows' results
 * @param single true when there was one input item: JSON then prints that item's value, not a list
 */
export function formatResults(
  outcomes: readonly ItemOutcome[],
  output: OutputAdapter,
  format: OutputFormat,
  rowwise: boolean,
  single: boolean,
): string {
  if (format === "json") {
    if (single) {
      const [o] = outcomes;
      return o.ok ? JSON.stringify(output.toJson(o.value)) + "\n" : "";
    }
    return JSON.stringify(
      outcomes.map((o) => o.ok ? output.toJson(o.value) : { error: o.message, status: o.status }),
    ) +
      "\n";
  }
  const rows = outcomes.flatMap((o) => rowsOf(o, output, rowwise));
  if (format === "jsonl") return rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
  return csvOf(outcomes.filter((o) => o.ok).flatMap((o) => rowsOf(o, output, rowwise)));
}
