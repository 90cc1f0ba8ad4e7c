/**
 * The readable summary `obento get Name:version` prints: the bundle's name and version, when it was packed,
 * its labels, its size on disk and location, its APIs (batch or not, output, input adapter and what it
 * takes), its artifacts (type, size, sha256 prefix) and their metadata. `--yaml` prints the whole bento.yaml
 * instead.
 *
 * @module
 */
import { join } from "node:path";
import type { ApiRecord, BentoDocument } from "../bundle/bento_yaml.ts";
import { describePermissions } from "../bundle/permissions.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { formatAge, formatTable } from "./table.ts";

/**
 * A byte count in binary units: "512 B", "1.5 KiB", "12.3 MiB", "2.0 GiB".
 *
 * @example
 * ```ts
 * import { formatBytes } from "./bundle_summary.ts";
 * console.log(formatBytes(1536)); // 1.5 KiB
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The total size of the files under `dir` (links not followed). */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) total += await directorySize(path);
    else if (entry.isFile) total += (await Deno.lstat(path)).size;
  }
  return total;
}

function clip(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function shape(dims: JsonValue): string {
  return Array.isArray(dims) ? `[${dims.map((d) => (d === null ? "?" : String(d))).join(", ")}]` : "";
}

/** Names grouped by type, in order: "a, b: float32; c: int64". */
function typedNames(pairs: readonly [string, string][]): string {
  const groups: { type: string; names: string[] }[] = [];
  for (const [name, type] of pairs) {
    const last = groups.at(-1);
    if (last !== undefined && last.type === type) last.names.push(name);
    else groups.push({ type, names: [name] });
  }
  return groups.map((g) => `${g.names.join(", ")}: ${g.type}`).join("; ");
}

/**
 * What an API's input adapter takes, in a few words: the columns and their types for a dataframe, the
 * tensors for ONNX feeds, dtype and shape for a tensor, size and channels for an image.
 *
 * @example
 * ```ts
 * import { describeInput } from "./bundle_summary.ts";
 * describeInput({ type: "DataframeInput", config: { columns: { a: "float32", b: "float32" } }, content_types: [] });
 * // "DataframeInput (a, b: float32)"
 * ```
 */
export function describeInput(input: ApiRecord["input"]): string {
  const c = input.config ?? {};
  let detail = "";
  const columns = c.columns;
  if (columns !== undefined && columns !== null && typeof columns === "object" && !Array.isArray(columns)) {
    detail = typedNames(Object.entries(columns).map(([name, type]) => [name, String(type)]));
  } else if (Array.isArray(columns)) {
    detail = columns.join(", ") + (typeof c.dtype === "string" ? `: ${c.dtype}` : "");
  } else if (Array.isArray(c.inputs)) {
    detail = c.inputs.map((i) => {
      const feed = (i ?? {}) as Record<string, JsonValue>;
      return `${feed.name}: ${feed.type}${shape(feed.shape ?? null)}`;
    }).join("; ");
  } else if (typeof c.width === "number" && typeof c.height === "number") {
    detail = `${c.width}x${c.height}` + (typeof c.channels === "number" ? `, ${c.channels} channels` : "") +
      (typeof c.dtype === "string" ? `, ${c.dtype}` : "");
  } else if (typeof c.dtype === "string") {
    detail = c.dtype + shape(c.shape ?? null);
  }
  return detail === "" ? input.type : `${input.type} (${clip(detail, 80)})`;
}

/** What {@link formatBundleSummary} needs. */
export interface BundleSummaryInput {
  /** The bundle's bento.yaml. */
  document: BentoDocument;
  /** Where the bundle is. */
  location: string;
  /** Bytes on disk. */
  size: number;
}

/**
 * The summary text (see the module doc), ending with a newline.
 *
 * @param bundle the document, location and size
 * @param now the time ages are measured from
 */
export function formatBundleSummary(bundle: BundleSummaryInput, now: Date = new Date()): string {
  const d = bundle.document;
  const labels = Object.entries(d.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
  const indent = (text: string) => text.trimEnd().split("\n").map((l) => `  ${l}`).join("\n") + "\n";
  const lines = [
    `${d.name}:${d.version}`,
    `  created:   ${d.created_at} (${formatAge(d.created_at, now)} ago)`,
    `  labels:    ${labels === "" ? "(none)" : labels}`,
    `  size:      ${formatBytes(bundle.size)} on disk`,
    `  location:  ${bundle.location}`,
  ];
  if (d.service?.doc) lines.push(`  doc:       ${clip(d.service.doc.split("\n")[0], 90)}`);
  const permissions = describePermissions(d.env?.permissions ?? {});
  lines.push(`  sandbox:   read its bundle${permissions === "" ? " only" : `; ${permissions}`}`);
  let text = lines.join("\n") + "\n\nAPIs:\n";
  const apis = d.service?.apis ?? [];
  text += apis.length === 0 ? "  (none)\n" : indent(formatTable(
    ["NAME", "BATCH", "OUTPUT", "INPUT"],
    apis.map((a) => [a.name, a.batch ? "yes" : "no", a.output?.type ?? "", describeInput(a.input)]),
  ));
  text += "\nArtifacts:\n";
  text += d.artifacts.length === 0 ? "  (none)\n" : indent(formatTable(
    ["NAME", "TYPE", "SIZE", "SHA256"],
    d.artifacts.map((a) => [a.name, a.type, formatBytes(a.size), `${a.sha256.slice(0, 12)}…`]),
  ));
  const metadata = d.artifacts.flatMap((a) =>
    Object.entries(a.metadata ?? {}).map(([key, value]) => [`${a.name}.${key}`, JSON.stringify(value)])
  );
  if (metadata.length > 0) {
    const width = Math.max(...metadata.map(([k]) => k.length));
    text += "\nMetadata:\n" + metadata.map(([k, v]) => `  ${k.padEnd(width)}  ${v}\n`).join("");
  }
  return text;
}
