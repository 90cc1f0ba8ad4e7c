/**
 * What only the S3 store has (the shared behaviour is in the conformance suite): a byte changed in the bucket
 * is caught by verify and retrieve, naming the object; a save whose process died leaves a lease that keeps
 * gc away until it expires, then gc removes its blobs; a published save's stale lease never costs the
 * bundle its blobs. Against s3rver in this process (tests/helpers/s3.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ObentoError } from "../src/errors.ts";
import { Registry } from "../src/registry/registry.ts";
import { openS3Store } from "../src/registry/s3_store.ts";
import { openSqliteIndex } from "../src/registry/sqlite_index.ts";
import { writeTestBundle } from "../src/registry/_testing.ts";
import { startS3 } from "./helpers/s3.ts";

Deno.test("S3 store: tampering, dead saves' leases and gc", async (t) => {
  const s3 = await startS3(["lease"]);
  const dir = await Deno.makeTempDir({ prefix: "obento-s3store-" });
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  const keys = async (prefix: string) =>
    ((await client.send(new ListObjectsV2Command({ Bucket: "lease", Prefix: prefix }))).Contents ?? [])
      .map((o) => o.Key!.slice(prefix.length)).sort();
  const open = (prefix: string, leaseMs = 60_000) =>
    openS3Store({ url: `s3://lease/${prefix}`, endpoint: s3.endpoint, credentials: s3.credentials, leaseMs });
  let n = 0;
  const bundle = (name: string) => writeTestBundle(join(dir, `src-${n++}`), { name, version: "1" });
  try {
    await t.step("a changed byte in the bucket: verify and retrieve name the object", async () => {
      const store = await open("tamper");
      const registry = new Registry(openSqliteIndex(join(dir, "tamper.db")), store);
      try {
        await registry.add(await bundle("Iris"));
        const blob = (await keys("tamper/blobs/")).find((k) => k.endsWith("/artifacts/model.onnx"))!;
        const key = `tamper/blobs/${blob}`;
        const got = await client.send(new GetObjectCommand({ Bucket: "lease", Key: key }));
        const bytes = await got.Body!.transformToByteArray();
        bytes[0] ^= 1;
        await client.send(new PutObjectCommand({ Bucket: "lease", Key: key, Body: bytes }));
        const report = await registry.verify();
        assert.equal(report.ok, false);
        assert.match(
          report.problems[0],
          /^Iris:1: s3:\/\/lease\/tamper\/bundles\/Iris\/1\/artifacts\/model\.onnx was changed after packing/,
        );
        await assert.rejects(
          registry.retrieve("Iris:1", join(dir, "out")),
          (e: unknown) => e instanceof ObentoError && e.code === "INTEGRITY",
        );
        await assert.rejects(Deno.stat(join(dir, "out")), Deno.errors.NotFound); // nothing copied out
      } finally {
        registry.close();
        store.close();
      }
    });

    await t.step(
      "a dead save's lease keeps gc away until it expires; then gc removes its blobs",
      async () => {
        const crashed = await open("dead", 3000);
        await crashed.stage(await bundle("Dead")); // never published nor finished: the process "dies"
        crashed.close(); // stops refreshing the lease, as a killed process would
        const store = await open("dead", 3000);
        const registry = new Registry(openSqliteIndex(join(dir, "dead.db")), store);
        try {
          const blobs = await keys("dead/blobs/");
          assert.ok(blobs.length >= 3, blobs.join(", "));
          let report = await registry.verify();
          assert.equal(report.inProgress.length, 1, JSON.stringify(report)); // the lease is fresh: a live save
          assert.deepEqual((await registry.gc()).removed, []);
          assert.deepEqual(await keys("dead/blobs/"), blobs);
          // LastModified has whole seconds: a 3 s lease leaves room for that and for a loaded machine
          await new Promise((r) => setTimeout(r, 3100));
          report = await registry.verify();
          assert.deepEqual(report.inProgress, []);
          assert.equal(report.leftovers.length, 1);
          assert.match(report.leftovers[0], /^s3:\/\/lease\/dead\/staging\/[0-9a-f]{16}$/);
          assert.equal((await registry.gc()).removed.length, 1);
          assert.deepEqual(await keys("dead/"), []);
        } finally {
          registry.close();
          store.close();
        }
      },
    );

    await t.step("a published save's stale lease: gc drops the lease and keeps the bundle", async () => {
      const store = await open("stale", 1000);
      const registry = new Registry(openSqliteIndex(join(dir, "stale.db")), store);
      try {
        await registry.add(await bundle("Kept"));
        const token = (await keys("stale/blobs/"))[0].split("/")[0];
        // as if finish had failed to delete the lease after publishing (the bucket blinked)
        await client.send(
          new PutObjectCommand({
            Bucket: "lease",
            Key: `stale/staging/${token}`,
            Body: JSON.stringify({ started: "2026-01-01T00:00:00.000Z", published: "Kept/1" }),
          }),
        );
        await new Promise((r) => setTimeout(r, 1100));
        assert.equal((await registry.gc()).removed.length, 1);
        assert.deepEqual(await keys("stale/staging/"), []);
        const report = await registry.verify();
        assert.equal(report.ok, true, report.problems.join("\n"));
        assert.deepEqual(report.leftovers, []);
        // the same without the lease saying so: gc checks every marker before removing blobs
        await client.send(
          new PutObjectCommand({ Bucket: "lease", Key: `stale/staging/${token}`, Body: JSON.stringify({}) }),
        );
        await new Promise((r) => setTimeout(r, 1100));
        await registry.gc();
        assert.equal((await registry.verify()).ok, true);
      } finally {
        registry.close();
        store.close();
      }
    });
  } finally {
    client.destroy();
    await s3.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
