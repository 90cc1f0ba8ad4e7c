/**
 * The local bundle registry: open one with {@link openRegistry}, save bundles written by pack, find them by
 * `Name`, `Name:version`, `Name:latest` or a label selector, and keep the store whole with `verify` and `gc`.
 * The index ({@link BundleIndex}) and the bundle store ({@link BlobStore}) are interfaces.
 *
 * @example
 * ```ts
 * import { openRegistry } from "./mod.ts";
 * const registry = await openRegistry({ home: await Deno.makeTempDir() });
 * try {
 *   for (const b of await registry.list({ selector: "stage In (prod, canary)" })) console.log(b.name, b.version);
 * } finally {
 *   registry.close();
 * }
 * ```
 *
 * @module
 */
export {
  type AddOptions,
  type BundleDetails,
  BUNDLES_DIR,
  type BundleSummary,
  type GcReport,
  INDEX_FILE,
  type ListOptions,
  openRegistry,
  type OpenRegistryOptions,
  Registry,
  type SavedBundle,
  type SelectOptions,
  type VerifyReport,
} from "./registry.ts";
export { type EnvReader, registryHome } from "./home.ts";
export {
  isRegistryRef,
  resolveBundleRef,
  type ResolveBundleRefOptions,
  type ResolvedBundleRef,
} from "./resolve_ref.ts";
export { type BundleRef, formatBundleRef, LATEST, parseBundleRef } from "./bundle_ref.ts";
export { isLabelText, MAX_LABEL_LENGTH, validateLabels } from "../bundle/labels.ts";
export {
  formatSelector,
  matchesSelector,
  parseSelector,
  type Requirement,
  type Selector,
  type SelectorOperator,
} from "./selector.ts";
export { newVersion } from "./version.ts";
export type { ApiRecord, ArtifactRecord, BentoDocument } from "../bundle/bento_yaml.ts";
export type {
  BundleIndex,
  BundleRecord,
  IndexedArtifact,
  IndexQuery,
  PendingRecord,
} from "./bundle_index.ts";
export type {
  BlobStore,
  StagedBundle,
  StageOptions,
  StagingArea,
  StoredBundle,
  StoredFile,
} from "./blob_store.ts";
export { openSqliteIndex, SqliteIndex, type SqliteIndexOptions } from "./sqlite_index.ts";
export { FsStore, type FsStoreOptions } from "./fs_store.ts";
export { openS3Store, type S3Credentials, S3Store, type S3StoreOptions } from "./s3_store.ts";
export { parseS3Url, type S3Location } from "./s3_url.ts";
