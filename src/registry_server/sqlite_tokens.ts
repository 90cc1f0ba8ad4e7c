/**
 * A {@link TokenStore} in the registry's SQLite file (table `registry_tokens`, beside the index's tables).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { ObentoError } from "../errors.ts";
import type { Scope, TokenInfo, TokenRow, TokenStore } from "./tokens.ts";

interface Row {
  id: string;
  name: string;
  scope: string;
  hash: string;
  created_at: string;
  revoked_at: string | null;
}

function toRow(r: Row): TokenRow {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope as Scope,
    hash: r.hash,
    createdAt: r.created_at,
    ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  };
}

/**
 * Tokens in an SQLite database. Open the index on the same file first (it owns the schema version).
 *
 * @example
 * ```ts
 * import { SqliteTokenStore } from "./sqlite_tokens.ts";
 * const store = new SqliteTokenStore(await Deno.makeTempFile({ suffix: ".db" }));
 * console.log(await store.list()); // []
 * store.close();
 * ```
 */
export class SqliteTokenStore implements TokenStore {
  readonly #db: DatabaseSync;

  /** Opens `path` and creates the table when missing. */
  constructor(path: string, busyTimeoutMs = 15000) {
    try {
      this.#db = new DatabaseSync(path, { timeout: busyTimeoutMs });
      this.#db.exec(
        "CREATE TABLE IF NOT EXISTS registry_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, " +
          "hash TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)",
      );
    } catch (error) {
      throw new ObentoError("UNAVAILABLE", `registry tokens in ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Stores a row. */
  insert(row: TokenRow): Promise<void> {
    this.#db.prepare(
      "INSERT INTO registry_tokens (id, name, scope, hash, created_at) VALUES (?, ?, ?, ?, ?)",
    ).run(row.id, row.name, row.scope, row.hash, row.createdAt);
    return Promise.resolve();
  }

  /** The row with this id. */
  find(id: string): Promise<TokenRow | undefined> {
    const r = this.#db.prepare("SELECT * FROM registry_tokens WHERE id = ?").get(id) as Row | undefined;
    return Promise.resolve(r && toRow(r));
  }

  /** Every token, oldest first. */
  list(): Promise<TokenInfo[]> {
    const rows = this.#db.prepare("SELECT * FROM registry_tokens ORDER BY created_at, id")
      .all() as unknown as Row[];
    return Promise.resolve(rows.map((r) => {
      const { hash: _, ...info } = toRow(r);
      return info;
    }));
  }

  /** Revokes a live token. */
  revoke(id: string, at: string): Promise<boolean> {
    const { changes } = this.#db.prepare(
      "UPDATE registry_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
    ).run(at, id);
    return Promise.resolve(changes === 1);
  }

  /** Closes the database. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
