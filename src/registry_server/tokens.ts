/**
 * Bearer tokens for the registry server: `obt_<id>_<secret>` with a 32-byte random secret, one scope each
 * (`read` < `write` < `admin`). Only the token's sha256 is stored; a presented token is looked up by its id
 * and its hash compared in constant time. {@link TokenStore} is the seam: SQLite (`sqlite_tokens.ts`) or
 * PostgreSQL (`postgres_tokens.ts`), in the same database as the index.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { ObentoError } from "../errors.ts";

/** What a token may do: `read` lists and pulls, `write` also pushes, `admin` also deletes. */
export type Scope = "read" | "write" | "admin";

/** Every scope, weakest first. */
export const SCOPES: readonly Scope[] = ["read", "write", "admin"];

/** A stored token, without its secret. */
export interface TokenInfo {
  /** Its public id (the part after `obt_`), used to list and revoke it. */
  readonly id: string;
  /** A note saying whose or what for. */
  readonly name: string;
  /** What it may do. */
  readonly scope: Scope;
  /** When it was made (ISO 8601). */
  readonly createdAt: string;
  /** When it was revoked, if it was. */
  readonly revokedAt?: string;
}

/** A stored token row. */
export interface TokenRow extends TokenInfo {
  /** sha256 (hex) of the whole token. */
  readonly hash: string;
}

/** Where tokens live. */
export interface TokenStore {
  /** Stores a new token row. */
  insert(row: TokenRow): Promise<void>;
  /** The row with this id, or undefined. */
  find(id: string): Promise<TokenRow | undefined>;
  /** Every token, oldest first. */
  list(): Promise<TokenInfo[]>;
  /** Marks a token revoked; false when there is no live token with that id. */
  revoke(id: string, at: string): Promise<boolean>;
}

/** Whether `held` allows what `needed` requires. */
export function allows(held: Scope, needed: Scope): boolean {
  return SCOPES.indexOf(held) >= SCOPES.indexOf(needed);
}

/** Checks a scope name from the command line. */
export function parseScope(text: string): Scope {
  if ((SCOPES as readonly string[]).includes(text)) return text as Scope;
  throw new ObentoError("BAD_ARGUMENT", `unknown scope "${text}"; use one of ${SCOPES.join(", ")}`);
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Makes and stores a token; returns it (shown once: only its hash is kept) and its info.
 *
 * @example
 * ```ts
 * import { SqliteTokenStore } from "./sqlite_tokens.ts";
 * import { createToken } from "./tokens.ts";
 * const store = new SqliteTokenStore("/srv/obento/registry.db");
 * const { token, info } = await createToken(store, "write", "ci");
 * console.log(token.startsWith("obt_"), info.scope); // true write
 * ```
 */
export async function createToken(
  store: TokenStore,
  scope: Scope,
  name: string,
): Promise<{ token: string; info: TokenInfo }> {
  const id = randomHex(6);
  const token = `obt_${id}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  const info: TokenInfo = { id, name, scope, createdAt: new Date().toISOString() };
  await store.insert({ ...info, hash: hashToken(token) });
  return { token, info };
}

const DUMMY = hashToken("obt_000000000000_dummy");

/**
 * The live token `presented` names, or undefined for an unknown, malformed or revoked one. The hash is
 * compared in constant time (also when no row exists, against a dummy).
 */
export async function verifyToken(store: TokenStore, presented: string): Promise<TokenInfo | undefined> {
  const m = /^obt_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(presented);
  const row = m ? await store.find(m[1]) : undefined;
  const equal = timingSafeEqual(
    new TextEncoder().encode(hashToken(presented)),
    new TextEncoder().encode(row?.hash ?? DUMMY),
  );
  if (!row || !equal || row.revokedAt) return undefined;
  return { id: row.id, name: row.name, scope: row.scope, createdAt: row.createdAt };
}
