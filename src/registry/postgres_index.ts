/**
 * A {@link BundleIndex} in PostgreSQL, for a team registry server (`obento registry serve --db postgres://…`).
 * Same contract and schema shape as the SQLite index (`sqlite_index.ts`): a bundles table with a pending or
 * ready state and the record as JSON text, labels in their own table, selector queries built from the parsed
 * selector with numbered parameters only. The schema is created on first use under an advisory lock and
 * versioned in `obento_meta`. The client is `npm:postgres` (pure JavaScript, a connection pool).
 *
 * @module
 */
import postgres from "postgres";
import { ObentoError } from "../errors.ts";
import type { BundleIndex, BundleRecord, IndexQuery, PendingRecord } from "./bundle_index.ts";
import { recordCreatedMs, recordSummaryJson, reserveConflict } from "./bundle_index.ts";
import { selectorToSql } from "./sqlite_index.ts";

/** A connection pool (`npm:postgres`). */
export type PostgresClient = postgres.Sql;

/** The schema version this obento writes and reads (`obento_meta.schema_version`). */
export const POSTGRES_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS obento_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS obento_bundles (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'ready')),
  token TEXT NOT NULL,
  summary TEXT NOT NULL,
  UNIQUE (name, version)
);
CREATE INDEX IF NOT EXISTS obento_bundles_by_name ON obento_bundles (name, state, created_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS obento_bundles_by_time ON obento_bundles (state, created_ms DESC, id DESC);
CREATE TABLE IF NOT EXISTS obento_labels (
  bundle_id BIGINT NOT NULL REFERENCES obento_bundles (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (bundle_id, key)
);
CREATE INDEX IF NOT EXISTS obento_labels_by_key_value ON obento_labels (key, value, bundle_id);
CREATE TABLE IF NOT EXISTS obento_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
  hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
`;

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://…";
  }
}

/** Options for {@link connectPostgres}. */
export interface ConnectPostgresOptions {
  /** Most connections in the pool. Default 10. */
  max?: number;
  /** Seconds to wait for a connection. Default 10. */
  connectTimeoutS?: number;
}

/**
 * A connection pool for `url` (`postgres://user:password@host:port/database`); connects lazily.
 *
 * @example
 * ```ts
 * import { connectPostgres, openPostgresIndex } from "./postgres_index.ts";
 * const sql = connectPostgres("postgres://obento@127.0.0.1:5432/obento");
 * const index = await openPostgresIndex(sql, "postgres://obento@127.0.0.1:5432/obento");
 * await index.end();
 * ```
 */
export function connectPostgres(url: string, options: ConnectPostgresOptions = {}): PostgresClient {
  return postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutS ?? 10,
    onnotice: () => {},
  });
}

/** Maps a driver error to an ObentoError; `where` names the database (without its password). */
export function postgresError(where: string, error: unknown): ObentoError {
  if (error instanceof ObentoError) return error;
  const message = (error as Error).message ?? String(error);
  const code = (error as { code?: string }).code ?? "";
  const gone =
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|CONNECTION_\w+|CONNECT_TIMEOUT)$/
      .test(code);
  return new ObentoError(
    "UNAVAILABLE",
    `registry database ${where}: ${message}${
      gone ? " (unreachable: nothing was changed; retry once it is back)" : ""
    }`,
    { cause: error },
  );
}

/** Runs `fn`, turning what the driver throws into {@link postgresError}'s ObentoError. */
export async function withPostgresErrors<T>(where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw postgresError(where, error);
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === "23505";
}

/** `?` placeholders (as {@link selectorToSql} writes them) numbered `$n` from `first`. */
function numbered(sql: string, first: number): string {
  let n = first;
  return sql.replace(/\?/g, () => `$${n++}`);
}

/**
 * The PostgreSQL implementation of {@link BundleIndex}. Open it with {@link openPostgresIndex}; `close()`
 * starts ending the pool, {@link PostgresIndex.end} waits for it.
 */
export class PostgresIndex implements BundleIndex {
  readonly #sql: PostgresClient;
  readonly #where: string;
  #ending: Promise<void> | undefined;

  /** Wraps a pool whose schema is current; use {@link openPostgresIndex}. */
  constructor(sql: PostgresClient, where: string) {
    this.#sql = sql;
    this.#where = where;
  }

  #run<T>(fn: () => Promise<T>): Promise<T> {
    return withPostgresErrors(this.#where, fn);
  }

  /** Reserves a name and version for a save; CONFLICT when taken. */
  reserve(record: BundleRecord, token: string): Promise<void> {
    return this.#run(async () => {
      const summary = recordSummaryJson(record);
      try {
        await this.#sql.begin(async (tx) => {
          const [row] = await tx`
            INSERT INTO obento_bundles (name, version, created_at, created_ms, state, token, summary)
            VALUES (${record.name}, ${record.version}, ${record.createdAt}, ${
            recordCreatedMs(record)
          }, 'pending', ${token}, ${summary})
            RETURNING id`;
          for (const [key, value] of Object.entries(record.labels)) {
            await tx`INSERT INTO obento_labels (bundle_id, key, value) VALUES (${row.id}, ${key}, ${value})`;
          }
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const [existing] = await this.#sql`
          SELECT state FROM obento_bundles WHERE name = ${record.name} AND version = ${record.version}`;
        throw reserveConflict(record, existing?.state ?? "pending");
      }
    });
  }

  /** Commits a reserved record. */
  commit(name: string, version: string, token: string): Promise<void> {
    return this.#run(async () => {
      const result = await this.#sql`
        UPDATE obento_bundles SET state = 'ready'
        WHERE name = ${name} AND version = ${version} AND token = ${token} AND state = 'pending'`;
      if (result.count !== 1) {
        throw new ObentoError(
          "CONFLICT",
          `the reservation of ${name}:${version} disappeared before the save finished (was \`obento registry gc\` ` +
            "run with a save in progress?); save it again",
        );
      }
    });
  }

  /** Drops a pending record. */
  release(name: string, version: string, token: string): Promise<boolean> {
    return this.#run(async () => {
      const result = await this.#sql`
        DELETE FROM obento_bundles
        WHERE name = ${name} AND version = ${version} AND token = ${token} AND state = 'pending'`;
      return result.count === 1;
    });
  }

  /** The committed record for name:version. */
  find(name: string, version: string): Promise<BundleRecord | undefined> {
    return this.#run(async () => {
      const [row] = await this.#sql`
        SELECT summary FROM obento_bundles WHERE name = ${name} AND version = ${version} AND state = 'ready'`;
      return row && JSON.parse(row.summary as string) as BundleRecord;
    });
  }

  /** The newest committed record of a name. */
  latest(name: string): Promise<BundleRecord | undefined> {
    return this.#run(async () => {
      const [row] = await this.#sql`
        SELECT summary FROM obento_bundles WHERE name = ${name} AND state = 'ready'
        ORDER BY created_ms DESC, id DESC LIMIT 1`;
      return row && JSON.parse(row.summary as string) as BundleRecord;
    });
  }

  /** Committed records matching a query, newest first. */
  list(query: IndexQuery = {}): Promise<BundleRecord[]> {
    return this.#run(async () => {
      const where = ["b.state = 'ready'"];
      const params: (string | number)[] = [];
      if (query.name !== undefined) {
        params.push(query.name);
        where.push(`b.name = $${params.length}`);
      }
      if (query.selector && query.selector.length > 0) {
        const { sql, params: selectorParams } = selectorToSql(query.selector);
        where.push(numbered(sql.replaceAll(" labels l ", " obento_labels l "), params.length + 1));
        params.push(...selectorParams);
      }
      let text = `SELECT b.summary FROM obento_bundles b WHERE ${where.join(" AND ")} ` +
        "ORDER BY b.created_ms DESC, b.id DESC";
      if (query.limit !== undefined) {
        params.push(query.limit);
        text += ` LIMIT $${params.length}`;
      }
      const rows = await this.#sql.unsafe(text, params);
      return rows.map((row) => JSON.parse(row.summary as string) as BundleRecord);
    });
  }

  /** Removes a committed record (its labels go with it). */
  remove(name: string, version: string): Promise<boolean> {
    return this.#run(async () => {
      const result = await this.#sql`
        DELETE FROM obento_bundles WHERE name = ${name} AND version = ${version} AND state = 'ready'`;
      return result.count === 1;
    });
  }

  /** Every pending record. */
  pending(): Promise<PendingRecord[]> {
    return this.#run(async () => {
      const rows = await this.#sql`
        SELECT name, version, token FROM obento_bundles WHERE state = 'pending' ORDER BY id`;
      return rows.map((r) => ({
        name: r.name as string,
        version: r.version as string,
        token: r.token as string,
      }));
    });
  }

  /** Starts closing the pool (queries in flight finish first); await {@link PostgresIndex.end} to wait. */
  close(): void {
    this.#ending ??= this.#sql.end({ timeout: 5 }).catch(() => {});
  }

  /** Closes the pool and waits until its connections are gone. */
  end(): Promise<void> {
    this.close();
    return this.#ending!;
  }
}

/**
 * Creates the schema when missing (under an advisory lock, so several servers may start at once) and checks
 * its version.
 *
 * @throws {ObentoError} UNAVAILABLE when the database cannot be reached; INTEGRITY for another schema version
 */
export async function initPostgresSchema(sql: PostgresClient, where: string): Promise<void> {
  try {
    await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(7460113)`;
      await tx.unsafe(SCHEMA);
      const [row] = await tx`SELECT value FROM obento_meta WHERE key = 'schema_version'`;
      if (!row) {
        await tx`INSERT INTO obento_meta (key, value) VALUES ('schema_version', ${
          String(POSTGRES_SCHEMA_VERSION)
        })`;
      } else if (row.value !== String(POSTGRES_SCHEMA_VERSION)) {
        throw new ObentoError(
          "INTEGRITY",
          `registry database ${where} has schema version ${row.value}, but this obento reads ` +
            `${POSTGRES_SCHEMA_VERSION}; use a matching obento or another database`,
        );
      }
    });
  } catch (error) {
    throw postgresError(where, error);
  }
}

/**
 * Opens the index in the database `sql` connects to, creating its tables when missing.
 *
 * @param sql the pool (see {@link connectPostgres})
 * @param url its URL, for messages (the password is never shown)
 */
export async function openPostgresIndex(sql: PostgresClient, url: string): Promise<PostgresIndex> {
  const where = redactUrl(url);
  await initPostgresSchema(sql, where);
  return new PostgresIndex(sql, where);
}
