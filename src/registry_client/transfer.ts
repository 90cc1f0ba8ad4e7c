/**
 * `push` and `pull` between the local registry and a server. Both stream the bundle's archive (never the
 * whole bundle in memory), both check every digest, and neither leaves anything half-saved: the server
 * publishes a push only once it is whole and verified, and a pull is unpacked into a private scratch
 * directory under the registry home and saved with the registry's crash-safe add. A pull interrupted by a
 * kill leaves only that scratch directory, which the next pull removes.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { bundleArchive } from "../registry/archive/bundle_archive.ts";
import { makeScratchDir, sweepScratchDirs } from "../registry/archive/scratch.ts";
import { formatBundleRef } from "../registry/bundle_ref.ts";
import type { Registry } from "../registry/registry.ts";
import type { RemoteRegistry, TransferOptions } from "./remote_registry.ts";

/** The scratch directories of pulls, under the registry home. */
export const PULL_PREFIX = ".pull-";

/** What a push or pull did. */
export interface Transferred {
  /** Bundle name. */
  readonly name: string;
  /** Bundle version. */
  readonly version: string;
  /** Archive bytes moved (0 when nothing was moved). */
  readonly bytes: number;
}

/**
 * Pushes the local bundle `ref` to `remote`.
 *
 * @throws {ObentoError} NOT_FOUND when the local registry lacks it; CONFLICT when the server has that
 *   `Name:version` (asked before anything is sent); INTEGRITY when a local file no longer matches its MANIFEST
 */
export async function pushBundle(
  remote: RemoteRegistry,
  local: Registry,
  ref: string,
  options: TransferOptions = {},
): Promise<Transferred> {
  const found = await local.resolve(ref);
  const exact = formatBundleRef(found.name, found.version);
  try {
    await remote.resolve(exact);
    throw new ObentoError(
      "CONFLICT",
      `${exact} is already in the registry at ${remote.url}; versions never change once pushed: pack a new one`,
    );
  } catch (error) {
    if (!(error instanceof ObentoError && error.code === "NOT_FOUND")) throw error;
  }
  const archive = await bundleArchive(found.path);
  await remote.upload(archive, found.name, found.version, options);
  return { name: found.name, version: found.version, bytes: archive.size };
}

/**
 * Pulls `ref` (`Name`, `Name:version`, `Name:latest`) from `remote` into the local registry; does nothing
 * (bytes 0) when the local registry has that exact version already.
 *
 * @param home the registry home: pulls are unpacked in `<home>/.pull-*` (same file system as the store)
 */
export async function pullBundle(
  remote: RemoteRegistry,
  local: Registry,
  home: string,
  ref: string,
  options: TransferOptions = {},
): Promise<Transferred> {
  const found = await remote.resolve(ref);
  if (await local.index.find(found.name, found.version)) {
    return { name: found.name, version: found.version, bytes: 0 };
  }
  await sweepScratchDirs(home, PULL_PREFIX);
  const scratch = await makeScratchDir(home, PULL_PREFIX);
  let bytes = 0;
  try {
    await remote.download(formatBundleRef(found.name, found.version), scratch.path, {
      onProgress(n, total) {
        bytes = n;
        options.onProgress?.(n, total);
      },
    });
    await local.add(scratch.path, { move: true });
  } finally {
    await scratch.dispose();
  }
  return { name: found.name, version: found.version, bytes };
}
