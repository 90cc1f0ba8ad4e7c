/**
 * The store or the database going away mid-push: the registry server (in-process, real HTTP) over a real
 * S3-compatible store (s3rver) and, where installed, a real PostgreSQL, each reached through a TCP proxy the
 * test cuts while the push is uploading. The push fails with UNAVAILABLE (HTTP 503) and a message naming what
 * went away; nothing is published (no index row, pending or ready; no marker in the bucket); once the proxy
 * is restored, the same push succeeds, the bundle pulls back byte for byte and `verify` finds no leftovers.
 * The bucket going away mid-pull breaks the pull, which keeps nothing, and a retry works.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../src/errors.ts";
import { digestTree } from "../src/bundle/manifest.ts";
import { connectPostgres, openPostgresIndex } from "../src/registry/postgres_index.ts";
import { openRegistry, type Registry } from "../src/registry/registry.ts";
import { openS3Store, type S3Store } from "../src/registry/s3_store.ts";
import { openSqliteIndex } from "../src/registry/sqlite_index.ts";
import type { BundleIndex } from "../src/registry/bundle_index.ts";
import { writeTestBundle } from "../src/registry/_testing.ts";
import { RemoteRegistry } from "../src/registry_client/remote_registry.ts";
import { pullBundle, pushBundle } from "../src/registry_client/transfer.ts";
import { registryApp } from "../src/registry_server/app.ts";
import { openStore } from "../src/registry_server/backend.ts";
import { SqliteTokenStore } from "../src/registry_server/sqlite_tokens.ts";
import { createToken } from "../src/registry_server/tokens.ts";
import { findPostgres, startPostgres } from "./helpers/postgres.ts";
import { type CuttableProxy, startProxy, startS3 } from "./helpers/s3.ts";

const MiB = 1024 * 1024;
const ARTIFACT = 12 * MiB + 5; // three 5 MiB parts: the cut lands inside the multipart upload

interface Setup {
  index: BundleIndex;
  /** Cuts what goes away while `s3` is mid-upload; returns a restore. */
  breakDuringUpload(s3: CuttableProxy): Promise<() => void>;
  /** The message the push fails with. */
  expected: RegExp;
  /** Also cut the bucket mid-pull. */
  cutPull?: boolean;
}

async function outage(setup: Setup, s3: CuttableProxy, endpoint: string): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "obento-outage-" });
  const store: S3Store = await openS3Store({
    url: `s3://outage/run-${crypto.randomUUID().slice(0, 8)}`,
    endpoint,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    partSizeBytes: 5 * MiB,
    maxAttempts: 2,
  });
  const server = await openRegistry({ home: join(dir, "server"), index: setup.index, store });
  const tokenStore = new SqliteTokenStore(join(dir, "tokens.db"));
  const token = (await createToken(tokenStore, "write", "w")).token;
  const app = registryApp({ registry: server, tokens: tokenStore, scratchRoot: join(dir, "uploads") });
  const controller = new AbortController();
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen() {} },
    app.fetch,
  );
  const remote = new RemoteRegistry({ url: `http://127.0.0.1:${http.addr.port}`, token });
  const local = await openRegistry({ home: join(dir, "local") });
  let other: Registry | undefined;
  try {
    const source = await writeTestBundle(join(dir, "src"), {
      name: "Big",
      version: "1",
      artifactBytes: ARTIFACT,
    });
    const want = await digestTree(source);
    await local.add(source);

    const restore = await setup.breakDuringUpload(s3);
    await assert.rejects(pushBundle(remote, local, "Big:1"), (error: unknown) => {
      assert.ok(error instanceof ObentoError, String(error));
      assert.equal(error.code, "UNAVAILABLE", error.message);
      assert.match(error.message, setup.expected);
      return true;
    });
    restore();
    s3.restore();
    // nothing published: no row (ready or pending), no marker in the bucket
    assert.deepEqual(await server.list(), []);
    assert.deepEqual(await server.index.pending(), []);
    assert.deepEqual(await store.published(), []);

    await pushBundle(remote, local, "Big:1"); // the retry succeeds
    assert.deepEqual((await server.list()).map((b) => `${b.name}:${b.version}`), ["Big:1"]);
    other = await openRegistry({ home: join(dir, "other") });
    if (setup.cutPull) {
      // the bucket going away mid-pull: the stream breaks, the puller keeps nothing, a retry works
      void s3.cutAfterReturned(5 * MiB);
      await assert.rejects(pullBundle(remote, other, join(dir, "other"), "Big:1"), ObentoError);
      assert.deepEqual(await other.list(), []);
      s3.restore();
    }
    await pullBundle(remote, other, join(dir, "other"), "Big:1");
    assert.deepEqual(await digestTree((await other.resolve("Big:1")).path), want);
    const report = await server.verify();
    assert.equal(report.ok, true, report.problems.join("\n"));
    assert.deepEqual([...report.leftovers, ...report.inProgress], []); // the failed save's blobs are gone too
  } finally {
    controller.abort();
    await http.finished;
    other?.close();
    local.close();
    server.close();
    store.close();
    tokenStore.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("registry server: the S3 store going away mid-push → 503, nothing published, a retry succeeds", async () => {
  const s3 = await startS3(["outage"]);
  const proxy = startProxy(Number(new URL(s3.endpoint).port));
  const dir = await Deno.makeTempDir({ prefix: "obento-outage-idx-" });
  const index = openSqliteIndex(join(dir, "registry.db"));
  try {
    await outage(
      {
        index,
        breakDuringUpload(s3Proxy) {
          void s3Proxy.cutAfter(7 * MiB);
          return Promise.resolve(() => {});
        },
        cutPull: true,
        expected:
          /the S3 store at http:\/\/127\.0\.0\.1:\d+ is unreachable while uploading artifacts\/model\.onnx .*nothing was published, retry/,
      },
      proxy,
      `http://127.0.0.1:${proxy.port}`,
    );
  } finally {
    index.close();
    await proxy.close();
    await s3.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

const pg = findPostgres();
Deno.test({
  name: "registry server: PostgreSQL going away mid-push → 503, nothing published, a retry succeeds",
  ignore: "missing" in pg,
  async fn() {
    const server = await startPostgres((pg as { bin: string }).bin);
    const s3 = await startS3(["outage"]);
    const s3Proxy = startProxy(Number(new URL(s3.endpoint).port));
    const pgProxy = startProxy(Number(new URL(server.url).port));
    const url = server.url.replace(/:\d+\//, `:${pgProxy.port}/`);
    const index = await openPostgresIndex(connectPostgres(url), url);
    try {
      await outage(
        {
          index,
          async breakDuringUpload(s3) {
            void s3.when(7 * MiB).then(() => pgProxy.cut());
            return await Promise.resolve(() => pgProxy.restore());
          },
          expected:
            /registry database .*ECONNREFUSED.*unreachable: nothing was changed; retry once it is back/,
        },
        s3Proxy,
        `http://127.0.0.1:${s3Proxy.port}`,
      );
    } finally {
      await index.end();
      await pgProxy.close();
      await s3Proxy.close();
      await s3.stop();
      await server.stop();
    }
  },
});

Deno.test("registry serve's S3 store: a missing bucket, refused credentials, an unreachable endpoint fail at start, saying what to fix", async () => {
  const s3 = await startS3(["present"]);
  const fails = async (promise: Promise<unknown>, code: string, message: RegExp) =>
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof ObentoError, String(error));
      assert.equal(error.code, code, error.message);
      assert.match(error.message, message);
      return true;
    });
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  try {
    await fails(
      openStore("s3://present/x", { endpoint: s3.endpoint }),
      "BAD_ARGUMENT",
      /store s3:\/\/present\/x needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    await fails(openStore("s3://Bad_Bucket", {}), "BAD_ARGUMENT", /is not an S3 URL; expected s3:\/\/bucket/);
    await fails(
      openStore("s3://absent/x", { endpoint: s3.endpoint, credentials: s3.credentials }),
      "UNAVAILABLE",
      /bucket "absent" does not exist at http:\/\/127\.0\.0\.1:\d+; create it/,
    );
    await fails(
      openStore("s3://present/x", {
        endpoint: s3.endpoint,
        credentials: { accessKeyId: "WRONG", secretAccessKey: "wrong" }, // s3rver checks the key id
      }),
      "UNAVAILABLE",
      /refused the server's credentials while checking bucket present \(HTTP 403\); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/,
    );
    await fails(
      openStore("s3://present/x", { endpoint: `http://127.0.0.1:${deadPort}`, credentials: s3.credentials }),
      "UNAVAILABLE",
      /the S3 store at http:\/\/127\.0\.0\.1:\d+ is unreachable while checking bucket present \(.*ECONNREFUSED/,
    );
    const store = await openStore("s3://present/x", { endpoint: s3.endpoint, credentials: s3.credentials });
    assert.equal(store.location, "s3://present/x");
    store.close?.();
  } finally {
    await s3.stop();
  }
});
