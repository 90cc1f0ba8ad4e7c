/**
 * A bundle as a streamed tar archive, for push and pull: `MANIFEST` first, then every file it lists, in its
 * order. Both ends check every byte against the MANIFEST's sha256 while it streams, so a bundle is never
 * held in memory and a changed byte is caught where it is read ({@link bundleArchive}) and where it is
 * written ({@link unpackBundleArchive}).
 *
 * Unpacking trusts nothing: each entry's header is checked before any of its bytes are written — a regular
 * file (no links, devices, fifos), a relative path without `..`, `.`, empty parts, backslashes or NUL, listed
 * in the MANIFEST, not seen before, within the size limits — and everything is written into a directory the
 * caller owns and throws away on failure (publishing is the registry's atomic step, never this module's).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { BadInputError, ObentoError } from "../../errors.ts";
import { MANIFEST_FILE, parseManifest } from "../../bundle/manifest.ts";
import { readTar, tarSize, writeTar } from "./tar.ts";

/** The content type of a bundle archive on the wire. */
export const ARCHIVE_CONTENT_TYPE = "application/x-tar";

/** Limits for {@link unpackBundleArchive}. */
export interface ArchiveLimits {
  /** The most bytes of file content in one archive. Default 16 GiB. */
  maxTotalBytes?: number;
  /** The most bytes one file may have. Default: `maxTotalBytes`. */
  maxEntryBytes?: number;
  /** The most files. Default 100000. */
  maxEntries?: number;
  /** The most bytes the MANIFEST may have. Default 16 MiB. */
  maxManifestBytes?: number;
}

/** A bundle directory ready to stream. */
export interface BundleArchive {
  /** The archive's bytes, produced as the consumer reads. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Its exact length in bytes (for Content-Length and progress). */
  readonly size: number;
}

/** Options for {@link bundleArchive}. */
export interface BundleArchiveOptions {
  /** Called with the number of archive bytes produced so far, as they are produced. */
  onProgress?: (bytes: number) => void;
  /**
   * Hash each file while reading it and fail the stream on a mismatch. Default true. The registry server
   * turns it off when serving a pull: the receiver checks every digest anyway and can name the damaged file,
   * while a stream the sender aborts reaches it only as a broken connection.
   */
  verify?: boolean;
}

function hex(hash: ReturnType<typeof createHash>): string {
  return hash.digest("hex");
}

/**
 * Streams the bundle in `dir` as a tar archive (MANIFEST first). Each file is hashed as it is read; one that
 * no longer matches its MANIFEST line fails the stream with INTEGRITY, so a changed bundle is never sent
 * whole.
 *
 * @throws {ObentoError} INTEGRITY when MANIFEST is missing or malformed (at once), or a file differs from it
 *   (while streaming)
 *
 * @example
 * ```ts
 * import { bundleArchive } from "./bundle_archive.ts";
 * const { stream, size } = await bundleArchive("./iris-bundle");
 * await fetch("http://127.0.0.1:50051/v1/bundles/Iris/1/archive", { method: "PUT", body: stream });
 * ```
 */
export async function bundleArchive(dir: string, options: BundleArchiveOptions = {}): Promise<BundleArchive> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let manifestBytes: Uint8Array;
  try {
    manifestBytes = await Deno.readFile(manifestPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ObentoError("INTEGRITY", `${dir} has no ${MANIFEST_FILE}; it is not a complete bundle`);
    }
    throw error;
  }
  const digests = parseManifest(new TextDecoder().decode(manifestBytes), manifestPath);
  const files: { path: string; size: number }[] = [{ path: MANIFEST_FILE, size: manifestBytes.length }];
  for (const file of digests.keys()) {
    try {
      files.push({ path: file, size: (await Deno.stat(join(dir, file))).size });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new ObentoError("INTEGRITY", `${join(dir, file)} is missing (listed in MANIFEST)`);
      }
      throw error;
    }
  }
  const entries = files.map(({ path, size }) => ({
    path,
    size,
    async open(): Promise<ReadableStream<Uint8Array>> {
      if (path === MANIFEST_FILE) return ReadableStream.from([manifestBytes]);
      const file = await Deno.open(join(dir, path));
      if (options.verify === false) return file.readable;
      const hash = createHash("sha256");
      const expected = digests.get(path)!;
      return file.readable.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            hash.update(chunk);
            controller.enqueue(chunk);
          },
          flush() {
            const got = hex(hash);
            if (got !== expected) {
              throw new ObentoError(
                "INTEGRITY",
                `${join(dir, path)} was changed after packing (sha256 ${got.slice(0, 12)}… != ${
                  expected.slice(0, 12)
                }…); not sending it`,
              );
            }
          },
        }),
      );
    },
  }));
  let produced = 0;
  const stream = options.onProgress
    ? writeTar(entries).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          produced += chunk.length;
          options.onProgress!(produced);
          controller.enqueue(chunk);
        },
      }),
    )
    : writeTar(entries);
  return { stream, size: tarSize(files) };
}

/** Why an entry path is refused, or undefined when it is a plain relative path. */
export function badEntryPath(path: string): string | undefined {
  if (path === "") return "an empty path";
  if (path.startsWith("/")) return "an absolute path";
  if (path.includes("\0")) return "a NUL byte in its path";
  if (path.includes("\\")) return "a backslash in its path";
  const parts = path.split("/");
  if (parts.includes("..")) return "`..` in its path";
  if (parts.some((p) => p === "" || p === ".")) return "an empty or `.` part in its path";
  return undefined;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
}

/** What {@link unpackBundleArchive} wrote. */
export interface UnpackedBundle {
  /** Files written (MANIFEST included). */
  readonly files: number;
  /** Bytes of file content written. */
  readonly bytes: number;
}

/**
 * Unpacks a bundle archive into `targetDir` (which must exist and be empty), checking every entry before it
 * is written and every file's sha256 against the MANIFEST (the archive's first entry) as it streams. On any
 * failure the caller removes `targetDir`: nothing here is published.
 *
 * @throws {BadInputError} for a stream that is not tar, is truncated, or holds an entry that is not allowed
 *   (named, with the reason); {@link ObentoError} INTEGRITY (HTTP 422) for a file whose bytes differ from
 *   the MANIFEST, or one the MANIFEST lists that the archive lacks
 */
export async function unpackBundleArchive(
  stream: ReadableStream<Uint8Array>,
  targetDir: string,
  limits: ArchiveLimits = {},
): Promise<UnpackedBundle> {
  const maxTotal = limits.maxTotalBytes ?? 16 * 1024 ** 3;
  const maxEntry = Math.min(limits.maxEntryBytes ?? maxTotal, maxTotal);
  const maxEntries = limits.maxEntries ?? 100_000;
  const maxManifest = limits.maxManifestBytes ?? 16 * 1024 ** 2;
  let expected: Map<string, string> | undefined;
  const seen = new Set<string>();
  let total = 0;
  const refuse = (path: string, why: string) =>
    new BadInputError(`the archive's entry ${JSON.stringify(path)} is refused: ${why}; nothing was saved`);
  for await (const entry of readTar(stream)) {
    const bad = badEntryPath(entry.path);
    if (bad) throw refuse(entry.path, bad);
    if (entry.type === "directory") continue; // directories come from the files' paths
    if (entry.type !== "file") {
      const what = entry.type === "other"
        ? `an entry of tar type ${JSON.stringify(entry.typeFlag)}`
        : `a ${entry.type}`;
      throw refuse(
        entry.path,
        `it is ${what}${entry.linkTarget ? ` (to ${entry.linkTarget})` : ""}; bundles hold plain files`,
      );
    }
    if (expected === undefined) {
      if (entry.path !== MANIFEST_FILE) {
        throw refuse(entry.path, `a bundle archive starts with ${MANIFEST_FILE}`);
      }
      if (entry.size > maxManifest) {
        throw refuse(entry.path, `it has ${entry.size} bytes, more than ${maxManifest}`);
      }
      const parts: Uint8Array[] = [];
      for await (const chunk of entry.body()) parts.push(chunk.slice());
      const bytes = new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
      expected = parseManifest(new TextDecoder().decode(bytes), `the archive's ${MANIFEST_FILE}`);
      if (expected.size + 1 > maxEntries) {
        throw refuse(MANIFEST_FILE, `it lists ${expected.size} files, more than ${maxEntries - 1}`);
      }
      for (const path of expected.keys()) {
        const why = badEntryPath(path);
        if (why) throw refuse(MANIFEST_FILE, `it lists ${JSON.stringify(path)}, which has ${why}`);
      }
      const file = await Deno.open(join(targetDir, MANIFEST_FILE), { write: true, createNew: true });
      try {
        await writeAll(file, bytes);
      } finally {
        file.close();
      }
      seen.add(MANIFEST_FILE);
      continue;
    }
    const digest = expected.get(entry.path);
    if (digest === undefined) {
      throw refuse(
        entry.path,
        entry.path === MANIFEST_FILE ? "it appears twice" : "it is not listed in the MANIFEST",
      );
    }
    if (seen.has(entry.path)) throw refuse(entry.path, "it appears twice");
    if (entry.size > maxEntry) {
      throw refuse(entry.path, `it has ${entry.size} bytes, more than the limit of ${maxEntry}`);
    }
    if (total + entry.size > maxTotal) {
      throw refuse(entry.path, `the bundle would exceed the limit of ${maxTotal} bytes`);
    }
    seen.add(entry.path);
    total += entry.size;
    const path = join(targetDir, entry.path);
    let file: Deno.FsFile;
    try {
      await Deno.mkdir(dirname(path), { recursive: true });
      file = await Deno.open(path, { write: true, createNew: true });
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotADirectory) {
        throw refuse(entry.path, "its path clashes with another file's");
      }
      throw error;
    }
    const hash = createHash("sha256");
    try {
      for await (const chunk of entry.body()) {
        hash.update(chunk);
        await writeAll(file, chunk);
      }
    } finally {
      file.close();
    }
    const got = hex(hash);
    if (got !== digest) {
      throw new ObentoError(
        "INTEGRITY",
        `${entry.path} in the archive does not match its MANIFEST digest (sha256 ${got.slice(0, 12)}… != ${
          digest.slice(0, 12)
        }…): the bundle was changed or damaged on the way; nothing was saved`,
        { status: 422 },
      );
    }
  }
  if (expected === undefined) {
    throw new BadInputError("the archive holds no bundle (no MANIFEST); nothing was saved");
  }
  for (const path of expected.keys()) {
    if (!seen.has(path)) {
      throw new ObentoError(
        "INTEGRITY",
        `the archive lacks ${path}, which its MANIFEST lists; nothing was saved`,
        { status: 422 },
      );
    }
  }
  return { files: seen.size, bytes: total };
}
