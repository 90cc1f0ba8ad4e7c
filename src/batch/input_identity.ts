/**
 * What `--resume` compares to be sure that it continues the same input: a file's path, size, modification
 * time and a hash of its first 64 KiB.
 *
 * @module
 */
import type { JsonValue } from "../sdk/adapter.ts";

/** A SHA-256 of bytes, as hex. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A file's identity: path, size, mtime and a hash of its first 64 KiB. */
export async function fileIdentity(path: string): Promise<JsonValue> {
  const info = await Deno.stat(path);
  const file = await Deno.open(path);
  try {
    const head = new Uint8Array(65536);
    let n = 0;
    while (n < head.length) {
      const got = await file.read(head.subarray(n));
      if (got === null) break;
      n += got;
    }
    return {
      path,
      size: info.size,
      mtimeMs: info.mtime?.getTime() ?? null,
      head: await sha256(head.subarray(0, n)),
    };
  } finally {
    file.close();
  }
}
