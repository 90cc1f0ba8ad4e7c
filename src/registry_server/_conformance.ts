/**
 * The token store conformance suite (test helper): run unchanged against SQLite and PostgreSQL
 * (`tests/registry_conformance_test.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createToken, verifyToken } from "./tokens.ts";
import type { TokenStore } from "./tokens.ts";

/** Runs the suite as one step of `t` on `store` (empty). */
export async function tokenStoreConformance(t: Deno.TestContext, store: TokenStore): Promise<void> {
  await t.step("tokens: create, verify by scope, list without secrets, revoke", async () => {
    const read = await createToken(store, "read", "alice");
    const admin = await createToken(store, "admin", "ops");
    assert.match(read.token, /^obt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await verifyToken(store, read.token), read.info);
    assert.equal((await verifyToken(store, admin.token))?.scope, "admin");
    const listed = await store.list();
    assert.deepEqual(
      listed.map((x) => [x.id, x.name, x.scope]).sort(),
      [[admin.info.id, "ops", "admin"], [read.info.id, "alice", "read"]].sort(),
    );
    assert.ok(!JSON.stringify(listed).includes(read.token.slice(17)), "list must not reveal secrets");
    assert.ok(
      !JSON.stringify(await store.find(read.info.id)).includes(read.token.slice(17)),
      "only the hash is stored",
    );
    // a token with the right id but a changed secret, an unknown id, and junk are all refused
    const forged = read.token.slice(0, -1) + (read.token.endsWith("A") ? "B" : "A");
    assert.equal(await verifyToken(store, forged), undefined);
    assert.equal(await verifyToken(store, "obt_000000000000_" + "A".repeat(43)), undefined);
    assert.equal(await verifyToken(store, "not a token"), undefined);
    assert.equal(await store.revoke(read.info.id, "2026-01-01T00:00:00.000Z"), true);
    assert.equal(await store.revoke(read.info.id, "2026-01-01T00:00:00.000Z"), false);
    assert.equal(await verifyToken(store, read.token), undefined);
    assert.equal(
      (await store.list()).find((x) => x.id === read.info.id)?.revokedAt,
      "2026-01-01T00:00:00.000Z",
    );
    assert.equal((await verifyToken(store, admin.token))?.id, admin.info.id);
  });
}
