/**
 * Private working directories for archives being unpacked (a push on the server, a pull on the client):
 * `<root>/<prefix><token>/`, owned through an advisory lock on `<root>/<prefix><token>.lock` that dies with
 * its process. A process killed mid-transfer leaves its directory behind; {@link sweepScratchDirs} removes
 * every one whose lock no live process holds, so a re-run starts clean.
 *
 * @module
 */
import { join } from "node:path";

/** A working directory owned by this process. */
export interface ScratchDir {
  /** The directory (empty when made). */
  readonly path: string;
  /** Removes it and releases its lock. */
  dispose(): Promise<void>;
}

const LOCK = ".lock";

function token(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

async function removeIfPresent(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/**
 * Makes and locks a fresh `<root>/<prefix><token>/`.
 *
 * @example
 * ```ts
 * import { makeScratchDir } from "./scratch.ts";
 * const scratch = await makeScratchDir(await Deno.makeTempDir(), ".pull-");
 * await scratch.dispose();
 * ```
 */
export async function makeScratchDir(root: string, prefix: string): Promise<ScratchDir> {
  await Deno.mkdir(root, { recursive: true });
  const path = join(root, prefix + token());
  const lock = await Deno.open(path + LOCK, { read: true, write: true, createNew: true });
  await lock.lock(true);
  await Deno.mkdir(path);
  let disposed = false;
  return {
    path,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await removeIfPresent(path);
      await removeIfPresent(path + LOCK);
      lock.close();
    },
  };
}

/** Removes every `<root>/<prefix>*` directory (and lock) that no live process holds; returns their paths. */
export async function sweepScratchDirs(root: string, prefix: string): Promise<string[]> {
  const removed: string[] = [];
  const names = new Set<string>();
  try {
    for await (const entry of Deno.readDir(root)) {
      if (entry.name.startsWith(prefix)) {
        names.add(entry.name.endsWith(LOCK) ? entry.name.slice(0, -LOCK.length) : entry.name);
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return removed;
    throw error;
  }
  for (const name of names) {
    const path = join(root, name);
    let lock: Deno.FsFile | undefined;
    try {
      lock = await Deno.open(path + LOCK, { read: true, write: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    try {
      if (lock && !(await lock.tryLock(true))) continue; // a live transfer
      await removeIfPresent(path);
      await removeIfPresent(path + LOCK);
      removed.push(path);
    } finally {
      lock?.close();
    }
  }
  return removed;
}
