/**
 * Opens what a registry server stands on from `--db` and `--store`: the index (SQLite file or
 * `postgres://…`), the bundle store (a directory or an `s3://bucket/prefix`) and the token store (same
 * database as the index). The S3 SDK is loaded only for an `s3://` store.
 *
 * @module
 */
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import type { BlobStore } from "../registry/blob_store.ts";
import { FsStore } from "../registry/fs_store.ts";
import { openS3Store, type S3Credentials } from "../registry/s3_store.ts";
import { parseS3Url } from "../registry/s3_url.ts";
import { connectPostgres, openPostgresIndex, redactUrl } from "../registry/postgres_index.ts";
import { Registry } from "../registry/registry.ts";
import { openSqliteIndex } from "../registry/sqlite_index.ts";
import { PostgresTokenStore } from "./postgres_tokens.ts";
import { SqliteTokenStore } from "./sqlite_tokens.ts";
import type { TokenStore } from "./tokens.ts";

/** Options for {@link openBackend}. */
export interface BackendOptions {
  /** An SQLite file path or a `postgres://` / `postgresql://` URL. */
  db: string;
  /** A directory or `s3://bucket[/prefix]` bundles live in (needed to serve; not for token commands). */
  store?: string;
  /** Settings for an `s3://` store. */
  s3?: S3Settings;
}

/** How to reach an S3-compatible store (`--s3-endpoint` and the `AWS_*` variables). */
export interface S3Settings {
  /** `--s3-endpoint`, e.g. `http://127.0.0.1:9000`. Default: AWS. */
  endpoint?: string;
  /** `AWS_REGION`. Default `us-east-1`. */
  region?: string;
  /** From `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`. */
  credentials?: Partial<S3Credentials>;
}

/** Whether `store` names an S3 bucket. */
export function isS3Url(store: string): boolean {
  return store.startsWith("s3://");
}

/**
 * Opens the store `store` names: a directory, or (loading the S3 SDK) a bucket, checked at once.
 *
 * @throws {ObentoError} BAD_ARGUMENT without credentials; UNAVAILABLE for a missing bucket, refused
 *   credentials or an unreachable endpoint
 */
export async function openStore(store: string, s3: S3Settings = {}): Promise<BlobStore & { close?(): void }> {
  if (!isS3Url(store)) return new FsStore({ root: store });
  parseS3Url(store);
  const { accessKeyId, secretAccessKey, sessionToken } = s3.credentials ?? {};
  if (!accessKeyId || !secretAccessKey) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `store ${store} needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION, ` +
        "default us-east-1; an endpoint for a server other than AWS)",
      { option: "store" },
    );
  }
  return await openS3Store({
    url: store,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
  });
}

/** An open backend. */
export interface Backend {
  /** The registry over the index and the store (absent without `store`). */
  readonly registry?: Registry;
  /** Tokens. */
  readonly tokens: TokenStore;
  /** The store's directory or bucket URL (absent without `store`). */
  readonly storeDir?: string;
  /** The database, for logs (no password). */
  readonly describe: string;
  /** Closes everything. */
  close(): Promise<void>;
}

/** Whether `db` names a PostgreSQL database. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/**
 * Opens the backend named by `options`.
 *
 * @throws {ObentoError} UNAVAILABLE when the database cannot be reached; INTEGRITY for a foreign schema
 */
export async function openBackend(options: BackendOptions): Promise<Backend> {
  const store = options.store === undefined ? undefined : await openStore(options.store, options.s3);
  try {
    return await openIndex(options, store);
  } catch (error) {
    store?.close?.();
    throw error;
  }
}

async function openIndex(
  options: BackendOptions,
  store: (BlobStore & { close?(): void }) | undefined,
): Promise<Backend> {
  const closeStore = () => store?.close?.();
  if (isPostgresUrl(options.db)) {
    const sql = connectPostgres(options.db);
    try {
      const index = await openPostgresIndex(sql, options.db);
      return {
        registry: store && new Registry(index, store),
        tokens: new PostgresTokenStore(sql, redactUrl(options.db)),
        storeDir: options.store,
        describe: redactUrl(options.db),
        close: () => index.end().finally(closeStore),
      };
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {});
      throw error;
    }
  }
  await Deno.mkdir(join(options.db, ".."), { recursive: true });
  const index = openSqliteIndex(options.db);
  let tokens: SqliteTokenStore;
  try {
    tokens = new SqliteTokenStore(options.db);
  } catch (error) {
    index.close();
    throw error;
  }
  return {
    registry: store && new Registry(index, store),
    tokens,
    storeDir: options.store,
    describe: options.db,
    close() {
      index.close();
      tokens.close();
      closeStore();
      return Promise.resolve();
    },
  };
}
