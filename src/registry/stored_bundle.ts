/**
 * Reading and checking a published bundle through its {@link BlobStore} (streams only), so the registry works
 * the same over a local directory and a bucket: {@link readStoredText} for bento.yaml and MANIFEST,
 * {@link verifyStoredBundle} for the digests.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { ObentoError } from "../errors.ts";
import { MANIFEST_FILE, parseManifest } from "../bundle/manifest.ts";
import type { BlobStore } from "./blob_store.ts";

/** `<location>/<path>`, for messages (a directory store's location is a directory; a bucket's an s3:// URL). */
export function storedPath(store: BlobStore, name: string, version: string, path: string): string {
  return `${store.locate(name, version)}/${path}`;
}

/**
 * The text of one file of a published bundle.
 *
 * @throws {ObentoError} NOT_FOUND when the file is not there
 *
 * @example
 * ```ts ignore
 * const yaml = await readStoredText(registry.store, "Iris", "1", "bento.yaml");
 * ```
 */
export async function readStoredText(
  store: BlobStore,
  name: string,
  version: string,
  path: string,
): Promise<string> {
  const stream = await store.readFile(name, version, path);
  return await new Response(stream).text();
}

/**
 * Checks a published bundle against its MANIFEST: the same set of files, every sha256 equal (each file is
 * hashed as it streams, never held whole).
 *
 * @throws {ObentoError} INTEGRITY naming the first file that is missing, changed or unlisted
 *
 * @example
 * ```ts ignore
 * await verifyStoredBundle(registry.store, "Iris", "1");
 * ```
 */
export async function verifyStoredBundle(store: BlobStore, name: string, version: string): Promise<void> {
  const where = (path: string) => storedPath(store, name, version, path);
  const files = await store.files(name, version);
  if (!files.some((f) => f.path === MANIFEST_FILE)) {
    throw new ObentoError(
      "INTEGRITY",
      `${store.locate(name, version)} has no ${MANIFEST_FILE}; it is not a complete bundle`,
    );
  }
  const expected = parseManifest(
    await readStoredText(store, name, version, MANIFEST_FILE),
    where(MANIFEST_FILE),
  );
  const present = new Set(files.map((f) => f.path));
  for (const [file, digest] of expected) {
    if (!present.has(file)) {
      throw new ObentoError("INTEGRITY", `${where(file)} is missing (listed in MANIFEST)`);
    }
    const hash = createHash("sha256");
    for await (const chunk of await store.readFile(name, version, file)) hash.update(chunk);
    const got = hash.digest("hex");
    if (got !== digest) {
      throw new ObentoError(
        "INTEGRITY",
        `${where(file)} was changed after packing (sha256 ${got.slice(0, 12)}… != ${digest.slice(0, 12)}…)`,
      );
    }
  }
  for (const f of files) {
    if (f.path !== MANIFEST_FILE && !expected.has(f.path)) {
      throw new ObentoError("INTEGRITY", `${where(f.path)} is not listed in MANIFEST`);
    }
  }
}
