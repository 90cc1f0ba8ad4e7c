/**
 * Opens what a registry server stands on from `--db` and `--store`: the index (SQLite file or
 * `postgres://…`), the bundle store (a directory) and the token store (same database as the index).
 *
 * @module
 */
import { join } from "node:path";
import { FsStore } from "../registry/fs_store.ts";
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
  /** The directory bundles live in (needed to serve; not for token commands). */
  store?: string;
}

/** An open backend. */
export interface Backend {
  /** The registry over the index and the store (absent without `store`). */
  readonly registry?: Registry;
  /** Tokens. */
  readonly tokens: TokenStore;
  /** The store's directory (absent without `store`). */
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
  const store = options.store === undefined ? undefined : new FsStore({ root: options.store });
  if (isPostgresUrl(options.db)) {
    const sql = connectPostgres(options.db);
    try {
      const index = await openPostgresIndex(sql, options.db);
      return {
        registry: store && new Registry(index, store),
        tokens: new PostgresTokenStore(sql, redactUrl(options.db)),
        storeDir: options.store,
        describe: redactUrl(options.db),
        close: () => index.end(),
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
      return Promise.resolve();
    },
  };
}
