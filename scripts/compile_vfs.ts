/**
 * Lists the files a `deno compile`d binary embeds, by reading the virtual file system's directory tree out
 * of the binary: Deno 2.9 writes it as JSON (`[{"Dir":{"n":name,"e":[…]}}, {"File":{"n":name,"o":[offset,
 * length]}}, …]`) preceded by its length as a little-endian u64, in the binary's data section. That layout is
 * Deno's internal format, not an API: `embeddedFiles` throws when it cannot find it, so a Deno upgrade that
 * changes it fails loudly (scripts/compile_test.ts) instead of passing with an empty list.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** One entry of the tree as Deno serialises it. */
type VfsEntry =
  | { Dir: { n: string; e: VfsEntry[] } }
  | { File: { n: string; o: [number, number] } }
  | { Symlink: { n: string } };

/**
 * Every embedded file, by path relative to the compile root (npm packages under
 * `.deno_compile_node_modules/localhost/<name>/<version>/`), with its size in bytes.
 *
 * @throws {Error} when no directory tree is found in `binary`
 */
export function embeddedFiles(binary: Uint8Array): Map<string, number> {
  // Buffer#indexOf: a native substring search, fast on a 160 MB binary.
  const bytes = Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength);
  const marker = '[{"Dir":{"n":"';
  const view = new DataView(binary.buffer, binary.byteOffset, binary.byteLength);
  for (let at = bytes.indexOf(marker, 8); at !== -1; at = bytes.indexOf(marker, at + 1)) {
    const length = Number(view.getBigUint64(at - 8, true));
    if (length <= 0 || at + length > binary.length) continue;
    let tree: VfsEntry[];
    try {
      tree = JSON.parse(new TextDecoder().decode(binary.subarray(at, at + length)));
    } catch {
      continue;
    }
    const files = new Map<string, number>();
    walk(tree, "", files);
    return files;
  }
  throw new Error(
    "no embedded file tree found (has Deno's compile format changed? see scripts/compile_vfs.ts)",
  );
}

function walk(entries: readonly VfsEntry[], prefix: string, files: Map<string, number>): void {
  for (const entry of entries) {
    if ("Dir" in entry) walk(entry.Dir.e, `${prefix}${entry.Dir.n}/`, files);
    else if ("File" in entry) files.set(`${prefix}${entry.File.n}`, entry.File.o[1]);
  }
}
