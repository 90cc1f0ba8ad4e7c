/**
 * The bundle's `MANIFEST`: one `sha256  path` line per file (sorted, `/`-separated, relative to the bundle
 * root, MANIFEST itself excluded). Written at pack time, checked on load and by the registry.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join, relative, sep as SEP } from "node:path";
import { ObentoError } from "../errors.ts";
import { describeNonFile } from "../file_kind.ts";

/** The manifest's file name. */
export const MANIFEST_FILE = "MANIFEST";

/** Hex sha256 of bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function listFiles(root: string, dir = root, out: string[] = []): Promise<string[]> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) await listFiles(root, path, out);
    else if (entry.isFile) out.push(relative(root, path).split(SEP).join("/"));
    else {
      throw new ObentoError(
        "BAD_BUNDLE",
        `${path} is ${describeNonFile(await Deno.lstat(path))}, neither a file nor a folder; bundles hold ` +
          "plain files",
      );
    }
  }
  return out;
}

/**
 * Computes `path → sha256` for every file under `root` except MANIFEST; the bytes of the files named in
 * `keep` are put into `kept` on the way, so callers that need them do not read them twice.
 */
export async function digestTree(
  root: string,
  keep: ReadonlySet<string> = new Set(),
  kept?: Map<string, Uint8Array>,
): Promise<Map<string, string>> {
  const files = (await listFiles(root)).filter((f) => f !== MANIFEST_FILE).sort();
  const digests = new Map<string, string>();
  for (const file of files) {
    if (keep.has(file)) {
      const bytes = await Deno.readFile(join(root, file));
      kept?.set(file, bytes);
      digests.set(file, await sha256Hex(bytes));
      continue;
    }
    // streamed: a large artifact is hashed in chunks, never held whole (push, pull and add stay flat)
    const hash = createHash("sha256");
    const handle = await Deno.open(join(root, file)); // its readable closes it
    for await (const chunk of handle.readable) hash.update(chunk);
    digests.set(file, hash.digest("hex"));
  }
  return digests;
}

/** Renders digests as MANIFEST text. */
export function formatManifest(digests: ReadonlyMap<string, string>): string {
  return [...digests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([f, h]) => `${h}  ${f}\n`).join(
    "",
  );
}

/** Parses MANIFEST text; `where` names the file in errors. */
export function parseManifest(text: string, where: string): Map<string, string> {
  const digests = new Map<string, string>();
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "") continue;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m || m[2].split("/").some((p) => p === ".." || p === "." || p === "")) {
      throw new ObentoError("INTEGRITY", `${where} line ${i + 1} is malformed: expected "<sha256>  <path>"`);
    }
    digests.set(m[2], m[1]);
  }
  return digests;
}

/** Writes MANIFEST for the files now under `root`; returns the digests. */
export async function writeManifest(root: string): Promise<Map<string, string>> {
  const digests = await digestTree(root);
  await Deno.writeTextFile(join(root, MANIFEST_FILE), formatManifest(digests));
  return digests;
}

/**
 * Reads a bundle's text file that must be a regular file: a link, FIFO or device there is refused before it
 * is opened (opening a FIFO would block the reader forever).
 *
 * @param missing the INTEGRITY message when the file does not exist
 * @throws {ObentoError} INTEGRITY when it is missing; BAD_BUNDLE naming it when it is not a regular file
 *
 * @example
 * ```ts ignore
 * const text = await readRegularTextFile("./iris/MANIFEST", "./iris has no MANIFEST");
 * ```
 */
export async function readRegularTextFile(path: string, missing: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new ObentoError("INTEGRITY", missing);
    throw error;
  }
  if (!info.isFile) {
    throw new ObentoError(
      "BAD_BUNDLE",
      `${path} is ${describeNonFile(info)}, not a regular file; bundles hold plain files`,
    );
  }
  return await Deno.readTextFile(path);
}

/**
 * Checks every file under `root` against its MANIFEST: same set of files, same digests. Throws an INTEGRITY
 * {@link ObentoError} naming the first file that differs. Returns the verified bytes of the files named in
 * `keep` (bundle-relative, `/`-separated).
 */
export async function verifyManifest(
  root: string,
  keep: readonly string[] = [],
): Promise<Map<string, Uint8Array>> {
  const text = await readRegularTextFile(
    join(root, MANIFEST_FILE),
    `${root} has no ${MANIFEST_FILE}; it is not a complete bundle`,
  );
  const expected = parseManifest(text, join(root, MANIFEST_FILE));
  const kept = new Map<string, Uint8Array>();
  const actual = await digestTree(root, new Set(keep), kept);
  for (const [file, hash] of expected) {
    const got = actual.get(file);
    if (got === undefined) {
      throw new ObentoError("INTEGRITY", `${join(root, file)} is missing (listed in MANIFEST)`);
    }
    if (got !== hash) {
      throw new ObentoError(
        "INTEGRITY",
        `${join(root, file)} was changed after packing (sha256 ${got.slice(0, 12)}… != ${
          hash.slice(0, 12)
        }…)`,
      );
    }
  }
  for (const file of actual.keys()) {
    if (!expected.has(file)) {
      throw new ObentoError("INTEGRITY", `${join(root, file)} is not listed in MANIFEST`);
    }
  }
  return kept;
}
