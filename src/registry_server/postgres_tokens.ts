/**
 * A {@link TokenStore} in the registry's PostgreSQL database (table `obento_tokens`, created with the
 * index's schema by `initPostgresSchema`).
 *
 * @module
 */
import { type PostgresClient, withPostgresErrors } from "../registry/postgres_index.ts";
import type { Scope, TokenInfo, TokenRow, TokenStore } from "./tokens.ts";

function toRow(r: Record<string, unknown>): TokenRow {
  return {
    id: r.id as string,
    name: r.name as string,
    scope: r.scope as Scope,
    hash: r.hash as string,
    createdAt: r.created_at as string,
    ...(r.revoked_at ? { revokedAt: r.revoked_at as string } : {}),
  };
}

/** Tokens in PostgreSQL; shares the index's pool. */
export class PostgresTokenStore implements TokenStore {
  readonly #sql: PostgresClient;
  readonly #where: string;

  /** Uses `sql`, whose schema `initPostgresSchema` created; `where` names the database in errors. */
  constructor(sql: PostgresClient, where: string) {
    this.#sql = sql;
    this.#where = where;
  }

  #run<T>(fn: () => Promise<T>): Promise<T> {
    return withPostgresErrors(this.#where, fn);
  }

  /** Stores a row. */
  insert(row: TokenRow): Promise<void> {
    return this.#run(async () => {
      await this.#sql`INSERT INTO obento_tokens (id, name, scope, hash, created_at)
        VALUES (${row.id}, ${row.name}, ${row.scope}, ${row.hash}, ${row.createdAt})`;
    });
  }

  /** The row with this id. */
  find(id: string): Promise<TokenRow | undefined> {
    return this.#run(async () => {
      const [r] = await this.#sql`SELECT * FROM obento_tokens WHERE id = ${id}`;
      return r && toRow(r);
    });
  }

  /** Every token, oldest first. */
  list(): Promise<TokenInfo[]> {
    return this.#run(async () => {
      const rows = await this.#sql`SELECT * FROM obento_tokens ORDER BY created_at, id`;
      return rows.map((r) => {
        const { hash: _, ...info } = toRow(r);
        return info;
      });
    });
  }

  /** Revokes a live token. */
  revoke(id: string, at: string): Promise<boolean> {
    return this.#run(async () => {
      const result = await this.#sql`UPDATE obento_tokens SET revoked_at = ${at}
        WHERE id = ${id} AND revoked_at IS NULL`;
      return result.count === 1;
    });
  }
}
