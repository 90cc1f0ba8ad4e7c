/**
 * The local registry: every saved bundle named, findable and whole. A {@link Registry} joins a
 * {@link BundleIndex} (what exists) and a {@link BlobStore} (the files), and makes saving crash-safe: stage
 * and fsync the files, reserve `Name:version` in the index, publish with one rename, commit the index row.
 * A crash at any point leaves the old state plus leftovers that {@link Registry.gc} removes and
 * {@link Registry.list} never shows.
 *
 * @module
 */
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { type BentoDocument, parseBento } from "../bundle/bento_yaml.ts";
import { verifyManifest } from "../bundle/manifest.ts";
import { validateName } from "../sdk/names.ts";
import type { BlobStore } from "./blob_store.ts";
import {
  type BundleIndex,
  type BundleRecord,
  IndexRolledBackError,
  type PendingRecord,
} from "./bundle_index.ts";
import { formatBundleRef, LATEST, parseBundleRef } from "./bundle_ref.ts";
import { FsStore } from "./fs_store.ts";
import { validateLabels } from "../bundle/labels.ts";
import { parseSelector, type Selector } from "./selector.ts";
import { openSqliteIndex } from "./sqlite_index.ts";
import { selectBundles } from "./select_bundles.ts";
import { assertNewTargetDir } from "./target_dir.ts";
import { readStoredText, storedPath, verifyStoredBundle } from "./stored_bundle.ts";

/** The index file under the registry home. */
export const INDEX_FILE = "registry.db";
/** The bundle directory under the registry home. */
export const BUNDLES_DIR = "bundles";

/** Options for {@link openRegistry}. */
export interface OpenRegistryOptions {
  /** The registry home (`$OBENTO_HOME`, default `~/.obento` in the CLI). Created when missing. */
  home: string;
  /** The index to use. Default: SQLite at `<home>/registry.db`. */
  index?: BundleIndex;
  /** The bundle store to use. Default: directories under `<home>/bundles`. */
  store?: BlobStore;
  /** How long the default index waits for another process's write lock, in milliseconds. Default 15000. */
  busyTimeoutMs?: number;
}

/** Options for {@link Registry.add}. */
export interface AddOptions {
  /** Move the bundle directory into the registry instead of copying it. Default false. */
  move?: boolean;
}

/** A bundle in the registry. */
export interface SavedBundle {
  /** Bundle name. */
  readonly name: string;
  /** Bundle version. */
  readonly version: string;
  /** The directory holding its files. */
  readonly path: string;
}

/** An index record plus where its files are. */
export interface BundleSummary extends BundleRecord {
  /** The directory holding its files. */
  readonly path: string;
}

/** A bundle's full metadata. */
export interface BundleDetails extends SavedBundle {
  /** Its bento.yaml. */
  readonly document: BentoDocument;
}

/** Options for {@link Registry.list}. */
export interface ListOptions {
  /** Only this bundle name. Default: all names. */
  name?: string;
  /** A label selector (text or parsed). Default: no filter. */
  selector?: string | Selector;
  /** At most this many, newest first. Default: no limit. */
  limit?: number;
}

/** Options for {@link Registry.select} and {@link Registry.delete}. */
export interface SelectOptions {
  /** Keep only bundles whose labels match (with no references: every matching bundle). Default: none. */
  selector?: string | Selector;
}

/** What {@link Registry.verify} found. */
export interface VerifyReport {
  /** True when every indexed bundle is whole and matches its index row. */
  readonly ok: boolean;
  /** How many indexed bundles were checked. */
  readonly checked: number;
  /** Damage: each names the bundle and what is wrong. */
  readonly problems: readonly string[];
  /** Leftovers of interrupted saves and deletes, harmless and removed by `gc`. */
  readonly leftovers: readonly string[];
  /** Saves in progress while verifying. */
  readonly inProgress: readonly string[];
}

/** What {@link Registry.gc} did. */
export interface GcReport {
  /** Leftovers removed. */
  readonly removed: readonly string[];
  /** Leftovers kept because a live process still owns them. */
  readonly inProgress: readonly string[];
}

function toSelector(selector: string | Selector | undefined): Selector | undefined {
  return typeof selector === "string" ? parseSelector(selector) : selector;
}

async function readDocument(dir: string): Promise<BentoDocument> {
  const file = join(dir, "bento.yaml");
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ObentoError(
        "BAD_BUNDLE",
        `${dir} has no bento.yaml; is it a bundle directory written by pack?`,
      );
    }
    throw error;
  }
  return parseBento(text, file);
}

/**
 * The local bundle registry. Open it with {@link openRegistry}; close it when done.
 *
 * @example
 * ```ts
 * import { openRegistry } from "./registry.ts";
 * const registry = await openRegistry({ home: await Deno.makeTempDir() });
 * try {
 *   console.log(await registry.list({ selector: "stage=prod", limit: 10 })); // []
 * } finally {
 *   registry.close();
 * }
 * ```
 */
export class Registry {
  /** The index of bundles. */
  readonly index: BundleIndex;
  /** Where bundle files live. */
  readonly store: BlobStore;

  /** Joins an index and a store; prefer {@link openRegistry}. */
  constructor(index: BundleIndex, store: BlobStore) {
    this.index = index;
    this.store = store;
  }

  #summary(r: BundleRecord): BundleSummary {
    const path = this.store.locate(r.name, r.version);
    return {
      name: r.name,
      version: r.version,
      createdAt: r.createdAt,
      labels: r.labels,
      apis: r.apis,
      artifacts: r.artifacts,
      path,
    };
  }

  /**
   * Saves a complete bundle directory (bento.yaml + MANIFEST, as pack writes it) under its name and version.
   * The directory is verified first; nothing is changed when it is damaged or `Name:version` exists.
   *
   * @throws {ObentoError} BAD_BUNDLE / INTEGRITY for a damaged directory, CONFLICT when `Name:version` exists
   */
  async add(bundleDir: string, options: AddOptions = {}): Promise<SavedBundle> {
    const document = await readDocument(bundleDir);
    const { name, version } = document;
    if (version === LATEST) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `version "${LATEST}" is reserved for the newest version; pick another`,
      );
    }
    await verifyManifest(bundleDir);
    const record: BundleRecord = {
      name,
      version,
      createdAt: document.created_at,
      labels: validateLabels(document.labels, join(bundleDir, "bento.yaml")),
      apis: document.service.apis.map((api) => api.name),
      artifacts: document.artifacts.map((a) => ({ name: a.name, type: a.type })),
    };
    if (await this.index.find(name, version)) {
      throw new ObentoError(
        "CONFLICT",
        `${name}:${version} is already in the registry; give the new one another version, or ` +
          `delete ${name}:${version} first`,
      );
    }
    const staged = await this.store.stage(bundleDir, { move: options.move });
    let reserved = false;
    let published = false;
    try {
      await verifyManifest(staged.path);
      await this.#reserve(record, staged.token);
      reserved = true;
      const path = await this.store.publish(staged, name, version);
      published = true;
      await this.index.commit(name, version, staged.token);
      await this.store.finish(staged);
      return { name, version, path };
    } catch (error) {
      // Each clean-up step runs even when one before it fails (a full disk can fail them all), and the
      // error the caller sees stays the one that stopped the save.
      const cleanUp: Array<() => Promise<unknown>> = [];
      if (published) cleanUp.push(() => this.store.unpublish(name, version));
      if (reserved) cleanUp.push(() => this.index.release(name, version, staged.token));
      cleanUp.push(() => this.store.discard(staged));
      const retry: Array<() => Promise<unknown>> = [];
      for (const step of cleanUp) {
        try {
          await step();
        } catch {
          retry.push(step);
        }
      }
      // Once more each step that failed: the steps after it freed the bundle's files, and on a full disk that
      // is the room SQLite's DELETE of the reservation needed for its journal (1 of 100 rounds of the
      // disk-full fault scenario left the reservation behind before this; docs/reliability.md "Faults").
      const failed: string[] = [];
      for (const step of retry) {
        try {
          await step();
        } catch (cleanUpError) {
          failed.push(cleanUpError instanceof Error ? cleanUpError.message : String(cleanUpError));
        }
      }
      if (failed.length === 0) throw error;
      throw unfinishedSave(error, `${name}:${version}`, failed);
    }
  }

  /**
   * Reserves `Name:version`; a reservation left by a save whose process is gone (a crash, or a clean-up that
   * failed on a full disk) is reclaimed first, as `registry gc` would, so the same save can be run again.
   */
  async #reserve(record: BundleRecord, token: string): Promise<void> {
    try {
      await this.index.reserve(record, token);
    } catch (error) {
      if (!(error instanceof ObentoError) || error.code !== "CONFLICT") throw error;
      const stale = (await this.index.pending()).find((p) =>
        p.name === record.name && p.version === record.version
      );
      if (stale === undefined) throw error;
      const reclaimed = await this.store.reclaim(stale.token, () => this.#dropPending(stale));
      if (!reclaimed) throw error;
      await this.index.reserve(record, token);
    }
  }

  /**
   * Finds a committed bundle by `Name`, `Name:version` or `Name:latest`.
   *
   * @throws {ObentoError} BAD_ARGUMENT for a malformed reference, NOT_FOUND when there is no such bundle
   */
  async resolve(ref: string): Promise<BundleSummary> {
    const { name, version } = parseBundleRef(ref);
    const record = version === undefined
      ? await this.index.latest(name)
      : await this.index.find(name, version);
    if (!record) {
      throw new ObentoError(
        "NOT_FOUND",
        version === undefined
          ? `no bundle named ${name} in the registry; run \`obento list\` to see what exists`
          : `no bundle ${
            formatBundleRef(name, version)
          } in the registry; run \`obento get ${name}\` to see its ` +
            "versions",
      );
    }
    return this.#summary(record);
  }

  /** Committed bundles, newest first, filtered by name and selector. */
  async list(options: ListOptions = {}): Promise<BundleSummary[]> {
    if (options.name !== undefined) validateName(options.name, "bundle name");
    const records = await this.index.list({
      name: options.name,
      selector: toSelector(options.selector),
      limit: options.limit,
    });
    return records.map((r) => this.#summary(r));
  }

  /**
   * A bundle's bento.yaml and location; without `version`, the newest.
   *
   * @throws {ObentoError} NOT_FOUND when absent; INTEGRITY when indexed but its files are gone
   */
  async get(name: string, version?: string): Promise<BundleDetails> {
    const summary = await this.resolve(version === undefined ? name : formatBundleRef(name, version));
    let document: BentoDocument;
    try {
      document = await this.#storedDocument(summary.name, summary.version);
    } catch (error) {
      throw new ObentoError(
        "INTEGRITY",
        `registry bundle ${formatBundleRef(summary.name, summary.version)} is indexed but unreadable at ` +
          `${summary.path} (${(error as Error).message}); run \`obento registry verify\``,
        { cause: error },
      );
    }
    return { name: summary.name, version: summary.version, path: summary.path, document };
  }

  /** The published bundle's bento.yaml, read through the store. */
  async #storedDocument(name: string, version: string): Promise<BentoDocument> {
    const text = await readStoredText(this.store, name, version, "bento.yaml");
    return parseBento(text, storedPath(this.store, name, version, "bento.yaml"));
  }

  /**
   * The bundles that references and a selector designate: `Name:version` and `Name:latest` one bundle, `Name`
   * every version; with no references, every bundle matching the selector.
   *
   * @throws {ObentoError} BAD_ARGUMENT when neither is given; NOT_FOUND for a reference that matches nothing
   */
  select(refs: readonly string[], options: SelectOptions = {}): Promise<BundleSummary[]> {
    return selectBundles(
      this,
      refs,
      toSelector(options.selector),
      (name) => `no bundle named ${name} in the registry; run \`obento list\``,
    );
  }

  /**
   * Deletes the bundles {@link Registry.select} designates: the index row first, then the files (through the
   * trash). Every reference is resolved before anything is deleted.
   *
   * @returns the bundles deleted
   */
  async delete(refs: readonly string[], options: SelectOptions = {}): Promise<SavedBundle[]> {
    return await this.deleteSelected(await this.select(refs, options));
  }

  /**
   * Deletes bundles already chosen by {@link Registry.select} (the CLI asks before deleting): the index row
   * first, then the files. One that another process deleted meanwhile is skipped, not an error.
   *
   * @returns the bundles this call deleted
   */
  async deleteSelected(targets: readonly SavedBundle[]): Promise<SavedBundle[]> {
    const deleted: SavedBundle[] = [];
    for (const b of targets) {
      if (!(await this.index.remove(b.name, b.version))) continue; // deleted meanwhile by another process
      await this.store.unpublish(b.name, b.version);
      deleted.push({ name: b.name, version: b.version, path: b.path });
    }
    return deleted;
  }

  /**
   * Copies a bundle out of the registry into `targetDir`, after checking its digests.
   *
   * @throws {ObentoError} CONFLICT when `targetDir` exists; INTEGRITY when the stored bundle was changed
   */
  async retrieve(ref: string, targetDir: string): Promise<SavedBundle> {
    const summary = await this.resolve(ref);
    await assertNewTargetDir(targetDir);
    await verifyStoredBundle(this.store, summary.name, summary.version);
    await this.store.copyOut(summary.name, summary.version, targetDir);
    return { name: summary.name, version: summary.version, path: targetDir };
  }

  /** Re-checks every indexed bundle's digests and metadata, and that the index and the store agree. */
  async verify(): Promise<VerifyReport> {
    const published = await this.store.published();
    const pending = await this.index.pending();
    const records = (await this.index.list()).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0
    );
    const problems: string[] = [];
    const leftovers: string[] = [];
    const inProgress: string[] = [];
    const known = new Set<string>();
    for (const r of records) {
      const ref = formatBundleRef(r.name, r.version);
      known.add(ref);
      const path = this.store.locate(r.name, r.version);
      try {
        if ((await this.store.files(r.name, r.version)).length === 0) {
          problems.push(`${ref}: indexed, but its directory ${path} is missing`);
          continue;
        }
        await verifyStoredBundle(this.store, r.name, r.version);
        const doc = await this.#storedDocument(r.name, r.version);
        if (doc.name !== r.name || doc.version !== r.version) {
          problems.push(`${ref}: bento.yaml at ${path} says ${formatBundleRef(doc.name, doc.version)}`);
        }
      } catch (error) {
        problems.push(`${ref}: ${(error as Error).message.split("\n")[0]}`);
      }
    }
    const pendingTokens = new Set<string>();
    for (const p of pending) {
      const ref = formatBundleRef(p.name, p.version);
      known.add(ref);
      pendingTokens.add(p.token);
      if (await this.store.isOwned(p.token)) inProgress.push(`save of ${ref}`);
      else leftovers.push(`unfinished save of ${ref} (index row and files)`);
    }
    for (const b of published) {
      if (!known.has(formatBundleRef(b.name, b.version))) {
        leftovers.push(`unindexed directory ${this.store.locate(b.name, b.version)}`);
      }
    }
    for (const area of await this.store.leftovers()) {
      if (pendingTokens.has(area.token)) continue;
      if (area.kind === "staging" && await this.store.isOwned(area.token)) inProgress.push(area.location);
      else leftovers.push(area.location);
    }
    return { ok: problems.length === 0, checked: records.length, problems, leftovers, inProgress };
  }

  /** Removes leftovers of crashed saves and deletes; keeps those a live process still owns. */
  async gc(): Promise<GcReport> {
    const published = await this.store.published();
    const pending = await this.index.pending();
    const records = await this.index.list();
    const removed: string[] = [];
    const inProgress: string[] = [];
    const known = new Set([...pending, ...records].map((r) => formatBundleRef(r.name, r.version)));
    const pendingTokens = new Set<string>();
    for (const p of pending) {
      pendingTokens.add(p.token);
      const ref = formatBundleRef(p.name, p.version);
      const done = await this.store.reclaim(p.token, () => this.#dropPending(p));
      if (done) removed.push(`unfinished save of ${ref}`);
      else inProgress.push(`save of ${ref}`);
    }
    for (const b of published) {
      if (known.has(formatBundleRef(b.name, b.version))) continue;
      await this.store.unpublish(b.name, b.version);
      removed.push(`unindexed directory ${this.store.locate(b.name, b.version)}`);
    }
    for (const area of await this.store.leftovers()) {
      if (pendingTokens.has(area.token)) continue;
      if (await this.store.reclaim(area.token)) removed.push(area.location);
      else inProgress.push(area.location);
    }
    return { removed, inProgress };
  }

  /**
   * Drops an abandoned save's reservation, then its published directory. The reservation goes first and
   * only its own (by token, still pending): a save that committed in the meantime keeps its files.
   */
  async #dropPending(pending: PendingRecord): Promise<void> {
    if (await this.index.release(pending.name, pending.version, pending.token)) {
      await this.store.unpublish(pending.name, pending.version);
    }
  }

  /** Closes the index. */
  close(): void {
    this.index.close();
  }
}

/**
 * Opens the registry under `options.home`, creating it when missing.
 *
 * @throws {ObentoError} INTEGRITY when `registry.db` is not an obento registry (it is left untouched)
 *
 * @example
 * ```ts
 * import { openRegistry } from "./registry.ts";
 * const registry = await openRegistry({ home: await Deno.makeTempDir() });
 * const latest = await registry.list({ name: "IrisClassifier", limit: 1 });
 * console.log(latest.length); // 0
 * registry.close();
 * ```
 */
export async function openRegistry(options: OpenRegistryOptions): Promise<Registry> {
  await Deno.mkdir(options.home, { recursive: true });
  const index = options.index ??
    openSqliteIndex(join(options.home, INDEX_FILE), { busyTimeoutMs: options.busyTimeoutMs });
  const store = options.store ?? new FsStore({ root: join(options.home, BUNDLES_DIR) });
  return new Registry(index, store);
}

/**
 * The error of a save that failed and whose clean-up failed too: the first error's code and message (an
 * index's {@link IndexRolledBackError} without its claim that the change was rolled back: the clean-up left
 * some of it), and what to run once the cause is fixed.
 */
function unfinishedSave(error: unknown, ref: string, cleanUpFailures: readonly string[]): ObentoError {
  const message = error instanceof IndexRolledBackError
    ? error.failure
    : error instanceof Error
    ? error.message
    : String(error);
  const code = error instanceof ObentoError ? error.code : "INTERNAL";
  return new ObentoError(
    code,
    `${message}; saving ${ref} stopped and cleaning up after it failed too (${
      cleanUpFailures.join("; ")
    }): ` +
      "it is not in the registry; once the cause is fixed, run the command again (the unfinished save is " +
      "reclaimed then) or run `obento registry gc`",
    { cause: error },
  );
}
