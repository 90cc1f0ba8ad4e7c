import assert from "node:assert/strict";
import { join } from "node:path";
import { FsStore } from "../registry/fs_store.ts";
import { openRegistry, Registry } from "../registry/registry.ts";
import { openSqliteIndex } from "../registry/sqlite_index.ts";
import { registryApp } from "./app.ts";
import { checkHealth } from "./health.ts";
import { SqliteTokenStore } from "./sqlite_tokens.ts";

Deno.test("/healthz: 200 when the index and the store answer, 503 naming the part that does not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-rsh-" });
  const tokens = new SqliteTokenStore(join(dir, "registry.db"));
  const logs: string[] = [];
  const healthz = async (registry: Registry) => {
    const app = registryApp({ registry, tokens, scratchRoot: dir, log: (l) => logs.push(l) });
    const response = await app.request("/healthz");
    return [response.status, await response.json()];
  };
  try {
    const registry = await openRegistry({ home: join(dir, "home") });
    assert.deepEqual(await healthz(registry), [200, { status: "ok", index: "ok", store: "ok" }]);

    // the store's root is a file: listing it fails
    await Deno.writeTextFile(join(dir, "not-a-dir"), "");
    const brokenStore = new Registry(registry.index, new FsStore({ root: join(dir, "not-a-dir") }));
    assert.deepEqual(await healthz(brokenStore), [503, {
      status: "unavailable",
      index: "ok",
      store: "unavailable",
    }]);
    assert.ok(logs.some((l) => /^healthz: the store is unavailable: /.test(l)), logs.join("\n"));

    // the index is closed (the database went away)
    const index = openSqliteIndex(join(dir, "other.db"));
    index.close();
    const closed = new Registry(index, registry.store);
    assert.deepEqual(await healthz(closed), [503, {
      status: "unavailable",
      index: "unavailable",
      store: "ok",
    }]);
    assert.ok(logs.some((l) => l.startsWith("healthz: the index is unavailable: ")), logs.join("\n"));
    registry.close();
  } finally {
    tokens.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkHealth: a part that does not answer in time is unavailable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-rsh-" });
  const registry = await openRegistry({ home: dir });
  try {
    const hanging = Object.create(registry.store) as FsStore;
    hanging.leftovers = () => new Promise(() => {});
    const logs: string[] = [];
    const report = await checkHealth(new Registry(registry.index, hanging), {
      timeoutMs: 50,
      log: (l) => logs.push(l),
    });
    assert.deepEqual(report, { status: "unavailable", index: "ok", store: "unavailable" });
    assert.deepEqual(logs, ["healthz: the store is unavailable: no answer within 50 ms"]);
  } finally {
    registry.close();
    await Deno.remove(dir, { recursive: true });
  }
});
