/**
 * The registry's bundle store: where bundle files live. {@link BlobStore} is the seam: a local directory
 * (`fs_store.ts`) or an S3-compatible bucket (`s3_store.ts`), without touching the registry or the CLI.
 * Published bundles are read through {@link BlobStore.files} and {@link BlobStore.readFile} (streams), so
 * nothing above the store needs a local directory.
 *
 * A save goes stage → publish → finish: {@link BlobStore.stage} copies a bundle into a private staging area
 * (durably, owned by a live save until finished), {@link BlobStore.publish} makes it visible under its name
 * and version in one atomic step, {@link BlobStore.finish} drops the staging area. A save that dies leaves a
 * staging area that {@link BlobStore.reclaim} removes once no live save owns it.
 *
 * @module
 */

/** A bundle copied into a staging area by a live save. */
export interface StagedBundle {
  /** Identifies the staging area (also recorded in the index's pending record). */
  readonly token: string;
  /**
   * A local directory holding the staged bundle, readable until published or discarded (the staging area
   * itself for a directory store; the source directory for a remote store, which uploads from it).
   */
  readonly path: string;
}

/** Options for {@link BlobStore.stage}. */
export interface StageOptions {
  /** Move `sourceDir` into the staging area instead of copying it (faster; the source disappears). Default false. */
  readonly move?: boolean;
}

/** A leftover of a crashed save or delete. */
export interface StagingArea {
  /** Its token. */
  readonly token: string;
  /** "staging" for an unfinished save, "trash" for an unfinished delete. */
  readonly kind: "staging" | "trash";
  /** Where it is, for reports. */
  readonly location: string;
}

/** The name and version of a published bundle. */
export interface StoredBundle {
  /** Bundle name. */
  readonly name: string;
  /** Bundle version. */
  readonly version: string;
}

/** One file of a published bundle. */
export interface StoredFile {
  /** Bundle-relative, `/`-separated path (MANIFEST included). */
  readonly path: string;
  /** Its size in bytes. */
  readonly size: number;
}

/** Stores bundle directories. Implementations must be safe to use from several processes at once. */
export interface BlobStore {
  /** A human-readable description of where bundles live, e.g. a directory or a bucket URL. */
  readonly location: string;
  /** Copies (or moves) a complete bundle directory into a new staging area owned by this process. */
  stage(sourceDir: string, options?: StageOptions): Promise<StagedBundle>;
  /** Atomically makes a staged bundle visible as `name/version`; replaces an unindexed leftover there. */
  publish(staged: StagedBundle, name: string, version: string): Promise<string>;
  /** Drops the staging area of a published bundle and releases its ownership. */
  finish(staged: StagedBundle): Promise<void>;
  /** Drops a staged bundle that will not be published (the save failed). */
  discard(staged: StagedBundle): Promise<void>;
  /** Removes a published bundle; a no-op when it is not there. */
  unpublish(name: string, version: string): Promise<void>;
  /**
   * Where the published bundle `name/version` is, for messages: a local directory for a directory store (it
   * may not exist), an `s3://` URL for a bucket.
   */
  locate(name: string, version: string): string;
  /** The files of the published bundle `name/version`, with sizes; empty when it is not there. */
  files(name: string, version: string): Promise<StoredFile[]>;
  /**
   * Streams one file of the published bundle `name/version`.
   *
   * @throws {ObentoError} NOT_FOUND when the bundle or the file is not there
   */
  readFile(name: string, version: string, path: string): Promise<ReadableStream<Uint8Array>>;
  /** Every published bundle, in no particular order. */
  published(): Promise<StoredBundle[]>;
  /** Every staging and trash area, including those of live saves. */
  leftovers(): Promise<StagingArea[]>;
  /** True when a live save still owns the staging area `token`. */
  isOwned(token: string): Promise<boolean>;
  /**
   * Removes the area `token` when no live save owns it, running `beforeRemove` first while holding it.
   * Returns false (and does nothing) when a live save owns it.
   */
  reclaim(token: string, beforeRemove?: () => Promise<void>): Promise<boolean>;
  /** Copies the published bundle `name/version` into `targetDir`, which must not exist. */
  copyOut(name: string, version: string, targetDir: string): Promise<void>;
}
