/**
 * The registry's index: which bundles exist, their labels and summary metadata, and which saves are in
 * progress. {@link BundleIndex} is the seam: SQLite now (`sqlite_index.ts`), PostgreSQL later, without
 * touching the registry or the CLI.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { Selector } from "./selector.ts";

/** One artifact as the index keeps it. */
export interface IndexedArtifact {
  /** Artifact name, e.g. "model". */
  readonly name: string;
  /** Artifact type, e.g. "OnnxModelArtifact". */
  readonly type: string;
}

/** What the index knows about one bundle. */
export interface BundleRecord {
  /** Bundle name. */
  readonly name: string;
  /** Bundle version. */
  readonly version: string;
  /** `created_at` from bento.yaml (ISO 8601). */
  readonly createdAt: string;
  /** Labels, keys sorted. */
  readonly labels: Readonly<Record<string, string>>;
  /** API names, in service order. */
  readonly apis: readonly string[];
  /** Artifacts, in service order. */
  readonly artifacts: readonly IndexedArtifact[];
}

/**
 * The `summary` column both SQL indexes store: the record's own fields as JSON, in a fixed order, with
 * nothing a caller may have added to the object (e.g. an artifact's file or size).
 */
export function recordSummaryJson(record: BundleRecord): string {
  return JSON.stringify({
    name: record.name,
    version: record.version,
    createdAt: record.createdAt,
    labels: record.labels,
    apis: record.apis,
    artifacts: record.artifacts.map(({ name, type }) => ({ name, type })),
  });
}

/** The `created_ms` sort key both SQL indexes store: `createdAt` in epoch ms, 0 when it does not parse. */
export function recordCreatedMs(record: BundleRecord): number {
  const created = Date.parse(record.createdAt);
  return Number.isNaN(created) ? 0 : created;
}

/** The CONFLICT a `reserve` throws when `Name:version` has a row in `state` (`ready` or `pending`). */
export function reserveConflict(record: BundleRecord, state: string): ObentoError {
  return new ObentoError(
    "CONFLICT",
    state === "ready"
      ? `${record.name}:${record.version} is already in the registry; give the new one another version, or ` +
        `delete ${record.name}:${record.version} first`
      : `${record.name}:${record.version} is being saved by another process (or by one that crashed; ` +
        "then `obento registry gc` clears it)",
  );
}

/**
 * An index write that failed for want of space (a full disk) and was rolled back: the index is as it was.
 * Its message adds that, and what to do; {@link IndexRolledBackError.failure} is what failed, alone, for a
 * caller whose own clean-up failed after it and so cannot say that nothing changed (`Registry.add`).
 *
 * @example
 * ```ts
 * import { IndexRolledBackError } from "./bundle_index.ts";
 * const error = new IndexRolledBackError("registry index x.db: database or disk is full");
 * console.log(error.code, error.failure); // UNAVAILABLE registry index x.db: database or disk is full
 * ```
 */
export class IndexRolledBackError extends ObentoError {
  /** What failed, without the claim that the change was rolled back. */
  readonly failure: string;

  /** Makes one from what failed (naming the index), and the error that said so. */
  constructor(failure: string, options: { cause?: unknown } = {}) {
    super(
      "UNAVAILABLE",
      `${failure}; the change was rolled back: free some space and run the command again`,
      {
        cause: options.cause,
      },
    );
    this.name = "IndexRolledBackError";
    this.failure = failure;
  }
}

/** A save that reserved its `Name:version` but has not committed it (in progress, or crashed). */
export interface PendingRecord {
  /** Bundle name. */
  readonly name: string;
  /** Bundle version. */
  readonly version: string;
  /** The staging token of the save that reserved it. */
  readonly token: string;
}

/** A query over committed bundles. */
export interface IndexQuery {
  /** Only this bundle name. Default: every name. */
  readonly name?: string;
  /** Only bundles whose labels match. Default: no filter. */
  readonly selector?: Selector;
  /** At most this many, newest first. Default: no limit. */
  readonly limit?: number;
}

/**
 * Stores bundle records. Every method is atomic; implementations must be safe to use from several processes
 * at once. Only committed records are returned by {@link BundleIndex.find}, {@link BundleIndex.latest} and
 * {@link BundleIndex.list}.
 */
export interface BundleIndex {
  /**
   * Reserves `record.name:record.version` for a save identified by `token` (a pending record).
   * Throws CONFLICT when a committed or pending record already has that name and version.
   */
  reserve(record: BundleRecord, token: string): Promise<void>;
  /** Turns the pending record reserved with `token` into a committed one. */
  commit(name: string, version: string, token: string): Promise<void>;
  /** Drops the pending record reserved with `token`, if any; returns whether one was dropped. */
  release(name: string, version: string, token: string): Promise<boolean>;
  /** The committed record for `name:version`, or undefined. */
  find(name: string, version: string): Promise<BundleRecord | undefined>;
  /** The newest committed record of `name` (latest `createdAt`, then latest saved), or undefined. */
  latest(name: string): Promise<BundleRecord | undefined>;
  /** Committed records matching `query`, newest first. */
  list(query?: IndexQuery): Promise<BundleRecord[]>;
  /** Removes the committed record for `name:version`; returns whether one was removed. */
  remove(name: string, version: string): Promise<boolean>;
  /** Every pending record. */
  pending(): Promise<PendingRecord[]>;
  /** Releases the index's resources; further calls fail. */
  close(): void;
}
