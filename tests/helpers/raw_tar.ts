/**
 * Test helper: writes tar archives byte by byte, including what obento's writer never makes (links, devices,
 * FIFOs, `..` and absolute paths, pax headers declaring any size), to prove what unpacking refuses.
 *
 * @module
 */

const BLOCK = 512;
const encoder = new TextEncoder();

/** One raw entry. */
export interface RawEntry {
  /** The path written in the header (anything, unchecked). */
  path: string;
  /** The type flag: "0" file, "1" hardlink, "2" symlink, "3" char device, "4" block device, "6" FIFO. */
  type?: string;
  /** The content (a file's); default none. */
  body?: Uint8Array | string;
  /** A link's target. */
  link?: string;
  /** A size to declare in a pax header instead of the body's (a bomb's claim); the body is still written. */
  paxSize?: number;
}

function header(path: string, type: string, size: number, link: string): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (offset: number, text: string) => block.set(encoder.encode(text).subarray(0, 100), offset);
  put(0, path);
  put(100, "0000644");
  put(108, "0000000");
  put(116, "0000000");
  put(124, size.toString(8).padStart(11, "0"));
  put(136, "00000000000");
  block[156] = type.charCodeAt(0);
  put(157, link);
  put(257, "ustar");
  put(263, "00");
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

function padded(bytes: Uint8Array): Uint8Array[] {
  const pad = (BLOCK - (bytes.length % BLOCK)) % BLOCK;
  return pad === 0 ? [bytes] : [bytes, new Uint8Array(pad)];
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return `${length}${body}`;
}

/**
 * The archive's bytes: each entry's header (and pax header), body and padding, then the end marker.
 *
 * @example
 * ```ts ignore
 * const bytes = rawTar([{ path: "../evil", body: "x" }, { path: "link", type: "2", link: "/etc/passwd" }]);
 * ```
 */
export function rawTar(
  entries: readonly RawEntry[],
  options: { end?: boolean } = {},
): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const body = typeof entry.body === "string" ? encoder.encode(entry.body) : entry.body ?? new Uint8Array();
    if (entry.paxSize !== undefined) {
      const records = encoder.encode(paxRecord("size", String(entry.paxSize)));
      parts.push(header("PaxHeader", "x", records.length, ""), ...padded(records));
    }
    parts.push(header(entry.path, entry.type ?? "0", body.length, entry.link ?? ""), ...padded(body));
  }
  if (options.end !== false) parts.push(new Uint8Array(2 * BLOCK));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
