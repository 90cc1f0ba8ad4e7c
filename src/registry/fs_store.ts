/**
 * A {@link BlobStore} in a local directory (`$OBENTO_HOME/bundles`): published bundles at `<Name>/<version>/`,
 * staging areas `.tmp-<token>/` beside them (same file system, so publishing is one `rename`), each owned
 * through an advisory lock on `.tmp-<token>.lock` that dies with its process. Every file and directory is
 * fsynced before it becomes visible. Deleting renames to `.trash-<token>` first, then removes.
 *
 * @module
 */
import { dirname, join, sep as SEP } from "node:path";
import { ObentoError } from "../errors.ts";
import type {
  BlobStore,
  StagedBundle,
  StageOptions,
  StagingArea,
  StoredBundle,
  StoredFile,
} from "./blob_store.ts";
import { createTargetDir } from "./target_dir.ts";
import { describeNonFile } from "../file_kind.ts";

const STAGING = ".tmp-";
const TRASH = ".trash-";
const LOCK = ".lock";

function newToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

async function fsync(path: string): Promise<void> {
  using file = await Deno.open(path, { read: true });
  await file.sync();
}

async function removeIfPresent(path: string, recursive = true): Promise<void> {
  try {
    await Deno.remove(path, { recursive });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Copies (or, with `syncOnly`, only fsyncs) a tree; every file and directory is fsynced. */
async function copyTree(source: string, target: string | undefined): Promise<void> {
  for await (const entry of Deno.readDir(source)) {
    const from = join(source, entry.name);
    if (entry.isDirectory) {
      if (target !== undefined) await Deno.mkdir(join(target, entry.name));
      await copyTree(from, target === undefined ? undefined : join(target, entry.name));
    } else if (entry.isFile) {
      const to = target === undefined ? from : join(target, entry.name);
      if (target !== undefined) await Deno.copyFile(from, to);
      await fsync(to);
    } else {
      throw new ObentoError("BAD_BUNDLE", `${from} is neither a file nor a folder; bundles hold plain files`);
    }
  }
  await fsync(target ?? source);
}

/** Options for {@link FsStore}. */
export interface FsStoreOptions {
  /** The directory holding bundles, e.g. `$OBENTO_HOME/bundles`. Created when missing. */
  root: string;
}

/**
 * Bundles as directories on the local file system.
 *
 * @example
 * ```ts
 * import { FsStore } from "./fs_store.ts";
 * const store = new FsStore({ root: await Deno.makeTempDir() });
 * console.log(await store.published()); // []
 * ```
 */
export class FsStore implements BlobStore {
  /** The directory holding bundles. */
  readonly root: string;
  readonly #locks = new Map<string, Deno.FsFile>();

  /** Makes a store over `options.root`; nothing is created until the first save. */
  constructor(options: FsStoreOptions) {
    this.root = options.root;
  }

  /** The root directory. */
  get location(): string {
    return this.root;
  }

  /** Takes ownership of a fresh staging token: creates and locks its lock file, checking no gc removed it. */
  async #claimToken(): Promise<string> {
    await Deno.mkdir(this.root, { recursive: true });
    for (;;) {
      const token = newToken();
      const lockPath = join(this.root, STAGING + token + LOCK);
      const file = await Deno.open(lockPath, { read: true, write: true, createNew: true });
      await file.lock(true);
      try {
        const [onDisk, held] = [await Deno.stat(lockPath), await file.stat()];
        if (onDisk.ino === held.ino && onDisk.dev === held.dev) {
          this.#locks.set(token, file);
          return token;
        }
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      file.close(); // a concurrent gc removed it between create and lock: take another token
    }
  }

  async #release(token: string): Promise<void> {
    await removeIfPresent(join(this.root, STAGING + token));
    await removeIfPresent(join(this.root, STAGING + token + LOCK), false);
    const file = this.#locks.get(token);
    this.#locks.delete(token);
    file?.close();
  }

  /** Copies or moves `sourceDir` into a new staging area and fsyncs it. */
  async stage(sourceDir: string, options: StageOptions = {}): Promise<StagedBundle> {
    const token = await this.#claimToken();
    const area = join(this.root, STAGING + token);
    const path = join(area, "bundle");
    try {
      await Deno.mkdir(area);
      let moved = false;
      if (options.move) {
        try {
          await Deno.rename(sourceDir, path);
          moved = true;
        } catch (error) {
          if (codeOf(error) !== "EXDEV") throw error;
        }
      }
      if (moved) {
        await copyTree(path, undefined);
      } else {
        await Deno.mkdir(path);
        await copyTree(sourceDir, path);
      }
      await fsync(area);
      await fsync(this.root);
      return { token, path };
    } catch (error) {
      await this.#release(token);
      throw error;
    }
  }

  async #toTrash(path: string): Promise<string | undefined> {
    const trash = join(this.root, TRASH + newToken());
    try {
      await Deno.rename(path, trash);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    // A delete of the name's last other version may have removed the (then empty) name directory already.
    await fsync(dirname(path)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await fsync(this.root);
    return trash;
  }

  /** Renames the staged bundle to `<name>/<version>`, moving an unindexed leftover there to the trash first. */
  async publish(staged: StagedBundle, name: string, version: string): Promise<string> {
    const nameDir = join(this.root, name);
    const target = join(nameDir, version);
    for (let attempt = 0;; attempt++) {
      await Deno.mkdir(nameDir, { recursive: true });
      try {
        await Deno.rename(staged.path, target);
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
        if (error instanceof Deno.errors.NotFound) continue; // a delete removed the empty name dir meanwhile
        const code = codeOf(error);
        if (error instanceof Deno.errors.AlreadyExists || code === "ENOTEMPTY" || code === "EEXIST") {
          const trash = await this.#toTrash(target);
          if (trash) await removeIfPresent(trash);
          continue;
        }
        throw error;
      }
    }
    await fsync(nameDir);
    await fsync(dirname(staged.path));
    return target;
  }

  /** Drops the (now empty) staging area and its lock. */
  async finish(staged: StagedBundle): Promise<void> {
    await this.#release(staged.token);
  }

  /** Drops a staged bundle and its lock. */
  async discard(staged: StagedBundle): Promise<void> {
    await this.#release(staged.token);
  }

  /** Moves `<name>/<version>` to the trash, then removes it; drops the name directory when empty. */
  async unpublish(name: string, version: string): Promise<void> {
    const trash = await this.#toTrash(this.locate(name, version));
    if (trash) await removeIfPresent(trash);
    try {
      await Deno.remove(join(this.root, name));
    } catch {
      // not empty, or already gone: both fine
    }
  }

  /** `<root>/<name>/<version>`. */
  locate(name: string, version: string): string {
    return this.root + SEP + name + SEP + version; // names and versions are validated: no separators, no ".."
  }

  /** Every regular file under `<root>/<name>/<version>`, with its size; empty when the directory is missing. */
  async files(name: string, version: string): Promise<StoredFile[]> {
    const out: StoredFile[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      for await (const entry of Deno.readDir(dir)) {
        const path = join(dir, entry.name);
        if (entry.isDirectory) await walk(path, `${prefix}${entry.name}/`);
        else if (entry.isFile) out.push({ path: prefix + entry.name, size: (await Deno.stat(path)).size });
        else {
          // A link, FIFO or device is refused before anything reads it (a FIFO would block the reader).
          throw new ObentoError(
            "BAD_BUNDLE",
            `${path} is ${describeNonFile(await Deno.lstat(path))}, neither a file nor a folder`,
          );
        }
      }
    };
    try {
      await walk(this.locate(name, version), "");
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return [];
      throw error;
    }
    return out;
  }

  /** Opens `<root>/<name>/<version>/<path>` for reading. */
  async readFile(name: string, version: string, path: string): Promise<ReadableStream<Uint8Array>> {
    const full = join(this.locate(name, version), ...path.split("/"));
    try {
      return (await Deno.open(full)).readable;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new ObentoError("NOT_FOUND", `${full} is missing`, { cause: error });
      }
      throw error;
    }
  }

  /** Every `<name>/<version>` directory. */
  async published(): Promise<StoredBundle[]> {
    const out: StoredBundle[] = [];
    for (const name of await this.#entries(this.root)) {
      if (name.startsWith(".")) continue;
      for (const version of await this.#entries(join(this.root, name))) out.push({ name, version });
    }
    return out;
  }

  async #entries(dir: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(dir)) if (entry.isDirectory) names.push(entry.name);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return [];
      throw error;
    }
    return names;
  }

  /** Every `.tmp-*` and `.trash-*` area. */
  async leftovers(): Promise<StagingArea[]> {
    const seen = new Map<string, StagingArea>();
    try {
      for await (const entry of Deno.readDir(this.root)) {
        if (entry.name.startsWith(STAGING)) {
          const token = entry.name.slice(STAGING.length).replace(/\.lock$/, "");
          seen.set(`s${token}`, { token, kind: "staging", location: join(this.root, STAGING + token) });
        } else if (entry.name.startsWith(TRASH)) {
          const token = entry.name.slice(TRASH.length);
          seen.set(`t${token}`, { token, kind: "trash", location: join(this.root, entry.name) });
        }
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return [...seen.values()];
  }

  /** True when a live process holds the lock of staging area `token`. */
  async isOwned(token: string): Promise<boolean> {
    if (this.#locks.has(token)) return true;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(join(this.root, STAGING + token + LOCK), { read: true, write: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
    try {
      return !(await file.tryLock(true));
    } finally {
      file.close();
    }
  }

  /** Removes a staging area (or a trash area) that no live save owns. */
  async reclaim(token: string, beforeRemove?: () => Promise<void>): Promise<boolean> {
    if (this.#locks.has(token)) return false;
    const trash = join(this.root, TRASH + token);
    const lockPath = join(this.root, STAGING + token + LOCK);
    let file: Deno.FsFile | undefined;
    try {
      file = await Deno.open(lockPath, { read: true, write: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    try {
      if (file && !(await file.tryLock(true))) return false;
      await beforeRemove?.();
      await removeIfPresent(join(this.root, STAGING + token));
      await removeIfPresent(trash);
      if (file) await removeIfPresent(lockPath, false);
      return true;
    } finally {
      file?.close();
    }
  }

  /** Copies `<name>/<version>` into `targetDir` (created; CONFLICT when it exists). */
  async copyOut(name: string, version: string, targetDir: string): Promise<void> {
    await createTargetDir(targetDir);
    try {
      await copyTree(this.locate(name, version), targetDir);
    } catch (error) {
      await removeIfPresent(targetDir);
      throw error;
    }
  }
}
