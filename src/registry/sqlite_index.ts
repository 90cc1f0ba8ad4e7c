/**
 * A {@link BundleIndex} in one SQLite file (`node:sqlite`), in WAL mode with a busy timeout so several
 * processes can read and save at once. The schema is versioned with `PRAGMA user_version`; labels live in
 * their own table, indexed by key and value, and selector queries are built from the parsed selector with
 * `?` parameters only.
 *
 * @module
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { ObentoError } from "../errors.ts";
import type { BundleIndex, BundleRecord, IndexQuery, PendingRecord } from "./bundle_index.ts";
import { IndexRolledBackError, recordCreatedMs, recordSummaryJson, reserveConflict } from "./bundle_index.ts";
import type { Selector } from "./selector.ts";

/** The schema version this obento writes and reads. */
export const INDEX_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE bundles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'ready')),
  token TEXT NOT NULL,
  summary TEXT NOT NULL, -- the BundleRecord as JSON
  UNIQUE (name, version)
);
CREATE INDEX bundles_by_name ON bundles (name, state, created_ms DESC, id DESC);
CREATE INDEX bundles_by_time ON bundles (state, created_ms DESC, id DESC);
CREATE TABLE labels (
  bundle_id INTEGER NOT NULL REFERENCES bundles (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (bundle_id, key)
) WITHOUT ROWID;
CREATE INDEX labels_by_key_value ON labels (key, value, bundle_id);
`;

/** Options for {@link openSqliteIndex}. */
export interface SqliteIndexOptions {
  /** How long a statement waits for another process's write lock, in milliseconds. Default 15000. */
  busyTimeoutMs?: number;
  /**
   * SQLite's `synchronous` setting: "FULL" syncs every commit to disk (a committed save survives power
   * loss), "NORMAL" may lose the last commits on power loss but never corrupts, "OFF" is for throwaway
   * registries (benchmarks). Default "FULL".
   */
  synchronous?: "FULL" | "NORMAL" | "OFF";
}

interface Row {
  summary: string;
}

const COLUMNS = "b.summary";

function toRecord(row: Row): BundleRecord {
  return JSON.parse(row.summary) as BundleRecord;
}

/** Turns a selector into a WHERE fragment over `b` plus its parameters; no value is ever spliced in. */
export function selectorToSql(selector: Selector): { sql: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  for (const { key, operator, values } of selector) {
    const having = "b.id IN (SELECT l.bundle_id FROM labels l WHERE l.key = ?";
    params.push(key);
    switch (operator) {
      case "=":
        parts.push(`${having} AND l.value = ?)`);
        params.push(values[0]);
        break;
      case "!=":
        parts.push(`${having} AND l.value <> ?)`);
        params.push(values[0]);
        break;
      case "In":
      case "NotIn":
        parts.push(
          `${having} AND l.value ${operator === "In" ? "IN" : "NOT IN"} (${
            values.map(() => "?").join(", ")
          }))`,
        );
        params.push(...values);
        break;
      case "Exists":
        parts.push(`${having})`);
        break;
      case "DoesNotExist":
        parts.push(`b.id NOT IN (SELECT l.bundle_id FROM labels l WHERE l.key = ?)`);
        break;
    }
  }
  return { sql: parts.join(" AND "), params };
}

function corrupt(path: string, what: string, cause?: unknown): ObentoError {
  return new ObentoError(
    "INTEGRITY",
    `${path} ${what}; obento left it untouched: move it aside (e.g. \`mv ${path} ${path}.bad\`) and re-add ` +
      "your bundles, or point OBENTO_HOME elsewhere",
    { cause },
  );
}

/**
 * The SQLite implementation of {@link BundleIndex}. Construct it with {@link openSqliteIndex}.
 *
 * @example
 * ```ts
 * import { openSqliteIndex } from "./sqlite_index.ts";
 * const index = openSqliteIndex(await Deno.makeTempFile({ suffix: ".db" }));
 * console.log(await index.list()); // []
 * index.close();
 * ```
 */
export class SqliteIndex implements BundleIndex {
  readonly #db: DatabaseSync;
  /** The database file. */
  readonly path: string;

  /** Wraps an open database whose schema is current; use {@link openSqliteIndex}. */
  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.path = path;
  }

  #run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      if (error instanceof ObentoError) return Promise.reject(error);
      const message = (error as Error).message;
      if (/not a database|malformed|corrupt/i.test(message)) {
        return Promise.reject(corrupt(this.path, message, error));
      }
      const failure = `registry index ${this.path}: ${message}`;
      return Promise.reject(
        /disk is full|disk I\/O error/i.test(message)
          ? new IndexRolledBackError(failure, { cause: error })
          : new ObentoError("UNAVAILABLE", failure, { cause: error }),
      );
    }
  }

  #transaction<T>(fn: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Reserves a name and version for a save; CONFLICT when taken. */
  reserve(record: BundleRecord, token: string): Promise<void> {
    return this.#run(() =>
      this.#transaction(() => {
        const existing = this.#db.prepare("SELECT state FROM bundles WHERE name = ? AND version = ?")
          .get(record.name, record.version) as { state: string } | undefined;
        if (existing) throw reserveConflict(record, existing.state);
        const { lastInsertRowid } = this.#db.prepare(
          "INSERT INTO bundles (name, version, created_at, created_ms, state, token, summary) " +
            "VALUES (?, ?, ?, ?, 'pending', ?, ?)",
        ).run(
          record.name,
          record.version,
          record.createdAt,
          recordCreatedMs(record),
          token,
          recordSummaryJson(record),
        );
        const insertLabel = this.#db.prepare("INSERT INTO labels (bundle_id, key, value) VALUES (?, ?, ?)");
        for (const [key, value] of Object.entries(record.labels)) {
          insertLabel.run(lastInsertRowid, key, value);
        }
      })
    );
  }

  /** Commits a reserved record. */
  commit(name: string, version: string, token: string): Promise<void> {
    return this.#run(() => {
      const { changes } = this.#db.prepare(
        "UPDATE bundles SET state = 'ready' WHERE name = ? AND version = ? AND token = ? AND state = 'pending'",
      ).run(name, version, token);
      if (changes !== 1) {
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
    return this.#run(() =>
      this.#transaction(() => {
        const row = this.#db.prepare(
          "SELECT id FROM bundles WHERE name = ? AND version = ? AND token = ? AND state = 'pending'",
        ).get(name, version, token) as { id: number } | undefined;
        if (!row) return false;
        this.#db.prepare("DELETE FROM labels WHERE bundle_id = ?").run(row.id);
        this.#db.prepare("DELETE FROM bundles WHERE id = ?").run(row.id);
        return true;
      })
    );
  }

  /** The committed record for name:version. */
  find(name: string, version: string): Promise<BundleRecord | undefined> {
    return this.#run(() => {
      const row = this.#db.prepare(
        `SELECT ${COLUMNS} FROM bundles b WHERE b.name = ? AND b.version = ? AND b.state = 'ready'`,
      ).get(name, version) as Row | undefined;
      return row && toRecord(row);
    });
  }

  /** The newest committed record of a name. */
  latest(name: string): Promise<BundleRecord | undefined> {
    return this.#run(() => {
      const row = this.#db.prepare(
        `SELECT ${COLUMNS} FROM bundles b WHERE b.name = ? AND b.state = 'ready' ` +
          "ORDER BY b.created_ms DESC, b.id DESC LIMIT 1",
      ).get(name) as Row | undefined;
      return row && toRecord(row);
    });
  }

  /** Committed records matching a query, newest first. */
  list(query: IndexQuery = {}): Promise<BundleRecord[]> {
    return this.#run(() => {
      const where = ["b.state = 'ready'"];
      const params: SQLInputValue[] = [];
      if (query.name !== undefined) {
        where.push("b.name = ?");
        params.push(query.name);
      }
      if (query.selector && query.selector.length > 0) {
        const { sql, params: selectorParams } = selectorToSql(query.selector);
        where.push(sql);
        params.push(...selectorParams);
      }
      let inner = `SELECT b.summary FROM bundles b WHERE ${
        where.join(" AND ")
      } ORDER BY b.created_ms DESC, b.id DESC`;
      if (query.limit !== undefined) {
        inner += " LIMIT ?";
        params.push(query.limit);
      }
      // one JSON array concatenated inside SQLite: one crossing and one parse instead of one per row
      const row = this.#db.prepare(
        `SELECT '[' || coalesce(group_concat(summary, ','), '') || ']' AS records FROM (${inner})`,
      ).get(...params) as { records: string };
      return JSON.parse(row.records) as BundleRecord[];
    });
  }

  /** Removes a committed record. */
  remove(name: string, version: string): Promise<boolean> {
    return this.#run(() =>
      this.#transaction(() => {
        const row = this.#db.prepare(
          "SELECT id FROM bundles WHERE name = ? AND version = ? AND state = 'ready'",
        )
          .get(name, version) as { id: number } | undefined;
        if (!row) return false;
        this.#db.prepare("DELETE FROM labels WHERE bundle_id = ?").run(row.id);
        this.#db.prepare("DELETE FROM bundles WHERE id = ?").run(row.id);
        return true;
      })
    );
  }

  /** Every pending record. */
  pending(): Promise<PendingRecord[]> {
    return this.#run(() =>
      this.#db.prepare("SELECT name, version, token FROM bundles WHERE state = 'pending' ORDER BY id")
        .all() as unknown as PendingRecord[]
    );
  }

  /** Closes the database. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

function initialise(db: DatabaseSync, path: string, busyTimeoutMs: number, synchronous: string): void {
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  const { journal_mode: mode } = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
  if (mode !== "wal") throw corrupt(path, `could not be switched to WAL mode (journal_mode is ${mode})`);
  db.exec(`PRAGMA synchronous = ${synchronous}`);
  db.exec("PRAGMA foreign_keys = ON");
  const version = () => (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version() === INDEX_SCHEMA_VERSION) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    const current = version();
    if (current === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        .get() as { n: number };
      if (tables.n > 0) {
        throw corrupt(path, "is an SQLite database but not an obento registry (unknown tables)");
      }
      db.exec(SCHEMA);
      db.exec(`PRAGMA user_version = ${INDEX_SCHEMA_VERSION}`);
    } else if (current !== INDEX_SCHEMA_VERSION) {
      throw corrupt(
        path,
        `has registry schema version ${current}, but this obento reads ${INDEX_SCHEMA_VERSION}`,
      );
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/**
 * Opens (creating if missing) the SQLite index at `path`. A file that is not SQLite, or holds another
 * schema, is reported and never modified.
 *
 * @param path the database file, e.g. `$OBENTO_HOME/registry.db`
 * @param options see {@link SqliteIndexOptions}
 * @throws {ObentoError} INTEGRITY naming the file and suggesting to move it aside
 *
 * @example
 * ```ts
 * import { openSqliteIndex } from "./sqlite_index.ts";
 * const index = openSqliteIndex(await Deno.makeTempFile({ suffix: ".db" }), { busyTimeoutMs: 5000 });
 * index.close();
 * ```
 */
export function openSqliteIndex(path: string, options: SqliteIndexOptions = {}): SqliteIndex {
  const busyTimeoutMs = options.busyTimeoutMs ?? 15000;
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw corrupt(path, `cannot be opened (${(error as Error).message})`, error);
  }
  try {
    initialise(db, path, busyTimeoutMs, options.synchronous ?? "FULL");
  } catch (error) {
    db.close();
    if (error instanceof ObentoError) throw error;
    const message = (error as Error).message;
    if (/locked|busy/i.test(message)) {
      throw new ObentoError("UNAVAILABLE", `registry index ${path} is busy (${message}); try again`, {
        cause: error,
      });
    }
    if (/disk is full|disk I\/O error/i.test(message)) {
      // Not damage: SQLite could not write its WAL index or schema (a full disk, measured on a full tmpfs).
      throw new ObentoError(
        "UNAVAILABLE",
        `registry index ${path} cannot be opened: ${message} (is the disk full?); the registry was not ` +
          "changed: free some space and run the command again",
        { cause: error },
      );
    }
    throw corrupt(path, `is not a usable obento registry (${message})`, error);
  }
  return new SqliteIndex(db, path);
}
