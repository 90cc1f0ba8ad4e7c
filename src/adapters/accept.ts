/**
 * Content negotiation for output adapters: which of the media types an adapter can write the client's
 * `Accept` header prefers, by q-value, then by how specifically the header names it.
 *
 * @module
 */

/** One media range of an Accept header. */
interface Range {
  type: string;
  subtype: string;
  q: number;
  position: number;
}

function parseAccept(accept: string): Range[] {
  const ranges: Range[] = [];
  accept.split(",").forEach((part, position) => {
    const [media, ...params] = part.split(";");
    const [type, subtype] = media.trim().toLowerCase().split("/");
    if (!type || !subtype) return;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split("=");
      if (key.trim().toLowerCase() === "q") {
        const n = Number(value);
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 1;
      }
    }
    ranges.push({ type: type.trim(), subtype: subtype.trim(), q, position });
  });
  return ranges;
}

/**
 * The media type among `offered` that `accept` prefers: the highest q-value; on a tie the one named most
 * specifically (`text/csv`, then `text/` with a wildcard, then the full wildcard), then the one named first. `offered[0]` when `accept` is
 * absent or empty; undefined when the header accepts none of them (every match has q=0, or none matches).
 *
 * @param accept the request's Accept header, if any
 * @param offered media types the adapter can write, the default first (lower case, no parameters)
 *
 * @example
 * ```ts
 * import { preferredMediaType } from "./accept.ts";
 * const offered = ["application/json", "text/csv"];
 * console.log(preferredMediaType("text/csv;q=0.9, application/json", offered)); // application/json
 * console.log(preferredMediaType("text/*", offered)); // text/csv
 * console.log(preferredMediaType("image/png", offered)); // undefined
 * ```
 */
export function preferredMediaType(
  accept: string | undefined,
  offered: readonly string[],
): string | undefined {
  if (accept === undefined || accept.trim() === "" || accept === "*/*") return offered[0];
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return offered[0];
  let best: { type: string; q: number; specificity: number; position: number } | undefined;
  for (const type of offered) {
    const [t, s] = type.split("/");
    let match: Range | undefined;
    let specificity = -1;
    for (const r of ranges) {
      const level = r.type === t && r.subtype === s
        ? 2
        : r.type === t && r.subtype === "*"
        ? 1
        : r.type === "*"
        ? 0
        : -1;
      if (level > specificity) {
        specificity = level;
        match = r;
      }
    }
    if (match === undefined || match.q === 0) continue;
    const better = best === undefined || match.q > best.q ||
      (match.q === best.q && (specificity > best.specificity ||
        (specificity === best.specificity && match.position < best.position)));
    if (better) best = { type, q: match.q, specificity, position: match.position };
  }
  return best?.type;
}
