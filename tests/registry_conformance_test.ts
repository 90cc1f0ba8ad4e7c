/**
 * The registry conformance suite (`src/registry/_conformance.ts`) and the token store suite, unchanged,
 * against every backend: SQLite and PostgreSQL indexes × the directory store and an S3-compatible store.
 * PostgreSQL is a real server this file starts on 127.0.0.1 with a throwaway data directory
 * (tests/helpers/postgres.ts); S3 is a real s3rver in-process on 127.0.0.1 (tests/helpers/s3.ts), one per
 * test, each case under its own key prefix. Each case gets a fresh database. The PostgreSQL run is skipped,
 * with the reason, only when the PostgreSQL binaries are missing (CI installs them).
 */
import { join } from "node:path";
import type { BlobStore } from "../src/registry/blob_store.ts";
import { FsStore } from "../src/registry/fs_store.ts";
import { connectPostgres, openPostgresIndex } from "../src/registry/postgres_index.ts";
import { openS3Store, type S3Store } from "../src/registry/s3_store.ts";
import { openSqliteIndex } from "../src/registry/sqlite_index.ts";
import { type ConformanceBackend, registryConformance } from "../src/registry/_conformance.ts";
import type { BundleIndex } from "../src/registry/bundle_index.ts";
import { tokenStoreConformance } from "../src/registry_server/_conformance.ts";
import { PostgresTokenStore } from "../src/registry_server/postgres_tokens.ts";
import { SqliteTokenStore } from "../src/registry_server/sqlite_tokens.ts";
import { findPostgres, startPostgres } from "./helpers/postgres.ts";
import { type S3Server, startS3 } from "./helpers/s3.ts";

const BUCKET = "obento-conf";

/** The stores each index is run with: a directory under the case's scratch, or a fresh prefix in the bucket. */
type StoreKind = "directory" | "S3";
const KINDS: StoreKind[] = ["directory", "S3"];

let prefixes = 0;
async function makeStore(kind: StoreKind, dir: string, s3: S3Server): Promise<BlobStore> {
  if (kind === "directory") return new FsStore({ root: join(dir, "bundles") });
  return await openS3Store({
    url: `s3://${BUCKET}/case-${prefixes++}`,
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    partSizeBytes: 5 * 1024 * 1024, // the smallest S3 allows, so the 6 MiB case uploads in two parts
  });
}

function closeStore(store: BlobStore): void {
  if ("close" in store) (store as S3Store).close();
}

/** A second index and how to close it. */
interface Closable {
  index: BundleIndex;
  end(): Promise<void>;
}

/** A backend over `index`, with the store of `kind`. */
async function backend(
  kind: StoreKind,
  s3: S3Server,
  index: BundleIndex,
  dir: string,
  second: () => Promise<Closable>,
  cleanupIndex: () => Promise<void>,
): Promise<ConformanceBackend> {
  const store = await makeStore(kind, dir, s3);
  const extra: Closable[] = [];
  return {
    index,
    store,
    scratch: dir,
    async secondIndex() {
      const s = await second();
      extra.push(s);
      return s.index;
    },
    async cleanup() {
      closeStore(store);
      for (const e of extra) await e.end();
      await cleanupIndex();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("registry conformance: SQLite index × directory and S3 stores", async (t) => {
  const s3 = await startS3([BUCKET]);
  try {
    for (const kind of KINDS) {
      await t.step(`SQLite × ${kind}`, async (t) => {
        await registryConformance(t, async () => {
          const dir = await Deno.makeTempDir({ prefix: "obento-conf-" });
          const db = join(dir, "registry.db");
          const index = openSqliteIndex(db);
          const second = () => {
            const other = openSqliteIndex(db);
            return Promise.resolve({ index: other, end: () => Promise.resolve(other.close()) });
          };
          return await backend(kind, s3, index, dir, second, () => Promise.resolve(index.close()));
        });
      });
    }
  } finally {
    await s3.stop();
  }
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
  name: "registry conformance: PostgreSQL index × directory and S3 stores",
  ignore: "missing" in pg,
  async fn(t) {
    const server = await startPostgres((pg as { bin: string }).bin);
    const s3 = await startS3([BUCKET]);
    const admin = connectPostgres(server.url, { max: 1 });
    let n = 0;
    const fresh = async () => {
      const name = `obento_conf_${n++}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return server.url.replace(/\/postgres$/, `/${name}`);
    };
    const closable = async (url: string): Promise<Closable> => {
      const index = await openPostgresIndex(connectPostgres(url), url);
      return { index, end: () => index.end() };
    };
    try {
      for (const kind of KINDS) {
        await t.step(`PostgreSQL × ${kind}`, async (t) => {
          await registryConformance(t, async () => {
            const url = await fresh();
            const dir = await Deno.makeTempDir({ prefix: "obento-conf-" });
            const { index, end } = await closable(url);
            return await backend(kind, s3, index, dir, () => closable(url), end);
          });
        });
      }
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
      await s3.stop();
      await server.stop();
    }
  },
});
