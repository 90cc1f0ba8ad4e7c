/**
 * A published bundle, read through its {@link BlobStore}, as the same streamed tar archive that
 * `bundleArchive` makes from a directory (MANIFEST first, then every file it lists, in its order): what the
 * registry server sends on a pull, from a directory store or a bucket alike.
 *
 * @module
 */
import { ObentoError } from "../../errors.ts";
import { MANIFEST_FILE, parseManifest } from "../../bundle/manifest.ts";
import type { BlobStore } from "../blob_store.ts";
import { storedPath } from "../stored_bundle.ts";
import type { BundleArchive } from "./bundle_archive.ts";
import { tarSize, writeTar } from "./tar.ts";

/**
 * Streams the published bundle `name/version` of `store` as a tar archive. Digests are not checked here: the
 * receiver checks every file (and can name the damaged one).
 *
 * @throws {ObentoError} INTEGRITY when MANIFEST is missing or malformed, or lists a file the store lacks
 *
 * @example
 * ```ts ignore
 * const { stream, size } = await storedBundleArchive(registry.store, "Iris", "1");
 * ```
 */
export async function storedBundleArchive(
  store: BlobStore,
  name: string,
  version: string,
): Promise<BundleArchive> {
  const sizes = new Map((await store.files(name, version)).map((f) => [f.path, f.size]));
  if (!sizes.has(MANIFEST_FILE)) {
    throw new ObentoError(
      "INTEGRITY",
      `${store.locate(name, version)} has no ${MANIFEST_FILE}; it is not a complete bundle`,
    );
  }
  const manifest = new Uint8Array(
    await new Response(await store.readFile(name, version, MANIFEST_FILE)).arrayBuffer(),
  );
  const digests = parseManifest(
    new TextDecoder().decode(manifest),
    storedPath(store, name, version, MANIFEST_FILE),
  );
  const files = [{ path: MANIFEST_FILE, size: manifest.length }];
  for (const path of digests.keys()) {
    const size = sizes.get(path);
    if (size === undefined) {
      throw new ObentoError(
        "INTEGRITY",
        `${storedPath(store, name, version, path)} is missing (listed in MANIFEST)`,
      );
    }
    files.push({ path, size });
  }
  const entries = files.map(({ path, size }) => ({
    path,
    size,
    open: (): Promise<ReadableStream<Uint8Array>> =>
      path === MANIFEST_FILE
        ? Promise.resolve(ReadableStream.from([manifest]))
        : store.readFile(name, version, path),
  }));
  return { stream: writeTar(entries), size: tarSize(files) };
}
