/**
 * The registry conformance suite (`src/registry/_conformance.ts`) and the token store suite, unchanged,
 * against every backend: SQLite and PostgreSQL indexes × the directory store. PostgreSQL is a real server
 * this file starts on 127.0.0.1 with a throwaway data directory (tests/helpers/postgres.ts); each case gets
 * a fresh database. Skipped, with the reason, only when the PostgreSQL binaries are missing (CI installs them).
 */
import { join } from "node:path";
import { FsStore } from "../src/registry/fs_store.ts";
import { connectPostgres, openPostgresIndex } from "../src/registry/postgres_index.ts";
import { openSqliteIndex } from "../src/registry/sqlite_index.ts";
import { registryConformance } from "../src/registry/_conformance.ts";
import { tokenStoreConformance } from "../src/registry_server/_conformance.ts";
import { PostgresTokenStore } from "../src/registry_server/postgres_tokens.ts";
import { SqliteTokenStore } from "../src/registry_server/sqlite_tokens.ts";
import { findPostgres, startPostgres } from "./helpers/postgres.ts";

Deno.test("registry conformance: SQLite index × directory store", async (t) => {
  await registryConformance(t, async () => {
    const dir = await Deno.makeTempDir({ prefix: "obento-conf-" });
    const db = join(dir, "registry.db");
    const index = openSqliteIndex(db);
    const extra: { close(): void }[] = [];
    return {
      index,
      store: new FsStore({ root: join(dir, "bundles") }),
      scratch: dir,
      secondIndex() {
        const second = openSqliteIndex(db);
        extra.push(second);
        return Promise.resolve(second);
      },
      async cleanup() {
        index.close();
        for (const e of extra) e.close();
        await Deno.remove(dir, { recursive: true });
      },
    };
  });
  const dir = await Deno.makeTempDir({ prefix: "obento-conf-" });
  const index = openSqliteIndex(join(dir, "registry.db"));
  const tokens = new SqliteTokenStore(join(dir, "registry.db"));
  try {
    await tokenStoreConformance(t, tokens);
  } finally {
    tokens.close();
    index.close();
    await Deno.remove(dir, { recursive: true });
  }
});

const pg = findPostgres();
if ("missing" in pg) console.warn(`skipping the PostgreSQL conformance run: ${pg.missing}`);

Deno.test({
  name: "registry conformance: PostgreSQL index × directory store",
  ignore: "missing" in pg,
  async fn(t) {
    const server = await startPostgres((pg as { bin: string }).bin);
    const admin = connectPostgres(server.url, { max: 1 });
    let n = 0;
    const fresh = async () => {
      const name = `obento_conf_${n++}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return server.url.replace(/\/postgres$/, `/${name}`);
    };
    try {
      await registryConformance(t, async () => {
        const url = await fresh();
        const dir = await Deno.makeTempDir({ prefix: "obento-conf-" });
        const index = await openPostgresIndex(connectPostgres(url), url);
        const extra: { end(): Promise<void> }[] = [];
        return {
          index,
          store: new FsStore({ root: join(dir, "bundles") }),
          scratch: dir,
          async secondIndex() {
            const second = await openPostgresIndex(connectPostgres(url), url);
            extra.push(second);
            return second;
          },
          async cleanup() {
            await index.end();
            for (const e of extra) await e.end();
            await Deno.remove(dir, { recursive: true });
          },
        };
      });
      const url = await fresh();
      const sql = connectPostgres(url);
      const index = await openPostgresIndex(sql, url);
      try {
        await tokenStoreConformance(t, new PostgresTokenStore(sql, url));
      } finally {
        await index.end();
      }
    } finally {
      await admin.end();
      await server.stop();
    }
  },
});
