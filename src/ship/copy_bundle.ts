/**
 * Copies a bundle directory for shipping, refusing anything that would reach outside it or is not plain
 * data: a symbolic link whose target leaves the bundle or loops, a FIFO, socket or device, a sparse file.
 * Links that stay inside are copied as the files they point to, so the copy holds only regular files and
 * directories. Everything is checked before the first byte is written.
 *
 * @module
 */
import { join, relative, resolve, sep } from "node:path";
import { ObentoError } from "../errors.ts";
import { describeNonFile } from "../file_kind.ts";

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

/** Files with more apparent bytes than this are checked for sparseness (see {@link copyBundle}). */
const SPARSE_CHECK_BYTES = 16 * 1024 * 1024;

/** One file to copy: where it is read from (a link's target) and its path relative to the copy. */
interface PlannedFile {
  readonly from: string;
  readonly to: string;
  readonly size: number;
}

/**
 * Copies the bundle at `source` into `target` (created). The whole tree is walked and checked first; only
 * when every entry passes is `target` created, so a refused bundle leaves nothing behind. Refused: a link
 * whose target leaves the bundle, is broken, or loops; a FIFO, socket or device (directly or through a
 * link); a sparse file (a few blocks on disk claiming many more bytes: the copy would write them all, a
 * bomb).
 *
 * @throws {ObentoError} BAD_BUNDLE naming the refused entry and why
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
  const dirs: string[] = [];
  const files: PlannedFile[] = [];
  const refuse = (from: string, why: string) =>
    new ObentoError("BAD_BUNDLE", `${relative(root, from)} ${why}; nothing was copied`);

  async function plan(dir: string, to: string, ancestors: readonly string[]): Promise<void> {
    dirs.push(to);
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
          throw refuse(from, "is a broken or looping link; remove it");
        }
        if (!inside(root, real)) {
          throw refuse(
            from,
            `links to ${real}, outside the bundle ${root}; copy the file into the bundle instead`,
          );
        }
        info = await Deno.stat(real);
      }
      if (info.isDirectory) {
        const path = [...ancestors, dir];
        if (path.includes(real)) throw refuse(from, "links to a folder that contains it; remove it");
        await plan(real, join(to, entry.name), path);
      } else if (info.isFile) {
        const onDisk = info.blocks === null ? undefined : info.blocks * 512;
        if (onDisk !== undefined && info.size > SPARSE_CHECK_BYTES && onDisk * 8 < info.size) {
          throw refuse(
            from,
            `is a sparse file (${info.size} bytes, ${onDisk} on disk): a copy would write all ${info.size}`,
          );
        }
        files.push({ from: real, to: join(to, entry.name), size: info.size });
      } else {
        throw refuse(from, `is ${describeNonFile(info)}, not a regular file or directory`);
      }
    }
  }

  await plan(root, target, []);
  for (const dir of dirs) await Deno.mkdir(dir);
  let bytes = 0;
  for (const file of files) {
    await Deno.copyFile(file.from, file.to);
    bytes += file.size;
  }
  return { files: files.length, bytes };
}
