/**
 * Copies a bundle directory for shipping, refusing anything that would reach outside it: a symbolic link
 * whose target leaves the bundle, or one that loops. Links that stay inside are copied as the files they
 * point to, so the copy holds only regular files and directories.
 *
 * @module
 */
import { join, relative, resolve, sep } from "node:path";
import { ObentoError } from "../errors.ts";

/** What {@link copyBundle} copied. */
export interface CopiedBundle {
  /** Files copied. */
  readonly files: number;
  /** Their total size in bytes. */
  readonly bytes: number;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && rel !== "..");
}

/**
 * Copies the bundle at `source` into `target` (created).
 *
 * @throws {ObentoError} BAD_BUNDLE naming a link that leaves the bundle, or a file that is neither a
 *   regular file, a directory nor a link
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { copyBundle } from "./copy_bundle.ts";
 * const src = await Deno.makeTempDir();
 * await Deno.writeTextFile(join(src, "bento.yaml"), "name: x\n");
 * console.log(await copyBundle(src, join(await Deno.makeTempDir(), "bundle"))); // { files: 1, bytes: 8 }
 * ```
 */
export async function copyBundle(source: string, target: string): Promise<CopiedBundle> {
  const root = await Deno.realPath(resolve(source));
  let files = 0;
  let bytes = 0;
  async function copyDir(dir: string, to: string, ancestors: readonly string[]): Promise<void> {
    await Deno.mkdir(to);
    const entries = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const from = join(dir, entry.name);
      let real = from;
      let info = await Deno.lstat(from);
      if (info.isSymlink) {
        try {
          real = await Deno.realPath(from);
        } catch {
          throw new ObentoError(
            "BAD_BUNDLE",
            `${relative(root, from)} is a broken or looping link; remove it`,
          );
        }
        if (!inside(root, real)) {
          throw new ObentoError(
            "BAD_BUNDLE",
            `${relative(root, from)} links to ${real}, outside the bundle ${root}; copy the file into the ` +
              `bundle instead`,
          );
        }
        info = await Deno.stat(real);
      }
      if (info.isDirectory) {
        const path = [...ancestors, dir];
        if (path.includes(real)) {
          throw new ObentoError(
            "BAD_BUNDLE",
            `${relative(root, from)} links to a folder that contains it; remove it`,
          );
        }
        await copyDir(real, join(to, entry.name), path);
      } else if (info.isFile) {
        await Deno.copyFile(real, join(to, entry.name));
        files++;
        bytes += info.size;
      } else {
        throw new ObentoError("BAD_BUNDLE", `${relative(root, from)} is not a regular file or directory`);
      }
    }
  }
  await copyDir(root, target, []);
  return { files, bytes };
}
