/**
 * The registry conformance suite (test helper, not exported from mod.ts): one set of behaviours every
 * {@link BundleIndex} × {@link BlobStore} combination must show, run unchanged against each (SQLite and
 * PostgreSQL indexes × the directory store and an S3-compatible store: `tests/registry_conformance_test.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import type { BlobStore } from "./blob_store.ts";
import type { BundleIndex, BundleRecord } from "./bundle_index.ts";
import { Registry } from "./registry.ts";
import { testRecord, writeTestBundle } from "./_testing.ts";
import { storedBundleArchive } from "./archive/stored_archive.ts";
import { unpackBundleArchive } from "./archive/bundle_archive.ts";
import { digestTree } from "../bundle/manifest.ts";
import type { TestBundleOptions } from "./_testing.ts";

/** One fresh, empty backend. */
export interface ConformanceBackend {
  /** The index under test. */
  index: BundleIndex;
  /** The store under test. */
  store: BlobStore;
  /** A second index on the same database (another process's view), for races. */
  secondIndex(): Promise<BundleIndex>;
  /** A scratch directory for bundle sources. */
  scratch: string;
  /** Closes and removes everything. */
  cleanup(): Promise<void>;
}

/** Makes a fresh backend per case. */
export type BackendFactory = () => Promise<ConformanceBackend>;

/** A record with no APIs or artifacts, for reserving `name`:1 straight in the index. */
function emptyRecord(name: string, labels: Record<string, string>): BundleRecord {
  return { name, version: "1", createdAt: "2026-01-01T00:00:00.000Z", labels, apis: [], artifacts: [] };
}

async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ObentoError, String(error));
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** Runs the suite as steps of `t`, each on a fresh backend from `factory`. */
export async function registryConformance(t: Deno.TestContext, factory: BackendFactory): Promise<void> {
  let n = 0;
  const step = (name: string, fn: (registry: Registry, b: ConformanceBackend) => Promise<void>) =>
    t.step(name, async () => {
      const backend = await factory();
      try {
        await fn(new Registry(backend.index, backend.store), backend);
      } finally {
        await backend.cleanup();
      }
    });
  const save = async (registry: Registry, b: ConformanceBackend, options: TestBundleOptions) =>
    await registry.add(await writeTestBundle(join(b.scratch, `src-${n++}`), options));

  await step("add, find, resolve and list a bundle with its record", async (registry, b) => {
    const options = {
      name: "Iris",
      version: "1",
      labels: { stage: "prod" },
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    const saved = await save(registry, b, options);
    assert.deepEqual(saved, { name: "Iris", version: "1", path: b.store.locate("Iris", "1") });
    const record = testRecord(options);
    assert.deepEqual(await b.index.find("Iris", "1"), record);
    assert.deepEqual(await registry.list(), [{ ...record, path: saved.path }]);
    assert.equal((await registry.resolve("Iris:latest")).version, "1");
    assert.equal(await b.index.find("Iris", "2"), undefined);
    assert.deepEqual((await registry.get("Iris", "1")).document.name, "Iris");
  });

  await step("newest first, latest by created time, limit and name filters", async (registry, b) => {
    await save(registry, b, { name: "A", version: "old", createdAt: "2026-01-01T00:00:00.000Z" });
    await save(registry, b, { name: "A", version: "new", createdAt: "2026-03-01T00:00:00.000Z" });
    await save(registry, b, { name: "A", version: "mid", createdAt: "2026-02-01T00:00:00.000Z" });
    await save(registry, b, { name: "B", version: "1", createdAt: "2026-04-01T00:00:00.000Z" });
    assert.deepEqual((await registry.list()).map((x) => `${x.name}:${x.version}`), [
      "B:1",
      "A:new",
      "A:mid",
      "A:old",
    ]);
    assert.deepEqual((await registry.list({ name: "A", limit: 2 })).map((x) => x.version), ["new", "mid"]);
    assert.equal((await b.index.latest("A"))?.version, "new");
    assert.equal(await b.index.latest("C"), undefined);
  });

  await step("label selectors: =, !=, In, NotIn, Exists, DoesNotExist, combined", async (registry, b) => {
    await save(registry, b, {
      name: "M",
      version: "1",
      labels: { stage: "prod", team: "ml" },
      createdAt: "2026-01-03T00:00:00.000Z",
    });
    await save(registry, b, {
      name: "M",
      version: "2",
      labels: { stage: "dev", team: "data" },
      createdAt: "2026-01-02T00:00:00.000Z",
    });
    await save(registry, b, {
      name: "M",
      version: "3",
      labels: { stage: "canary" },
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    const versions = async (selector: string) => (await registry.list({ selector })).map((x) => x.version);
    assert.deepEqual(await versions("stage=prod"), ["1"]);
    assert.deepEqual(await versions("stage!=prod"), ["2", "3"]);
    assert.deepEqual(await versions("stage In (prod, canary)"), ["1", "3"]);
    assert.deepEqual(await versions("stage NotIn (prod, canary)"), ["2"]);
    assert.deepEqual(await versions("team Exists"), ["1", "2"]);
    assert.deepEqual(await versions("team DoesNotExist"), ["3"]);
    assert.deepEqual(await versions("team Exists, stage!=dev"), ["1"]);
    assert.deepEqual(await versions("stage=nope"), []);
  });

  await step("an existing Name:version is refused and nothing changes", async (registry, b) => {
    await save(registry, b, { name: "C", version: "1", labels: { a: "1" } });
    await rejectsWith(
      save(registry, b, { name: "C", version: "1", labels: { a: "2" } }),
      "CONFLICT",
      /C:1 is already/,
    );
    assert.deepEqual((await registry.list()).map((x) => x.labels), [{ a: "1" }]);
    assert.deepEqual((await b.store.published()).map((x) => `${x.name}:${x.version}`), ["C:1"]);
  });

  await step(
    "reserve, commit and release: pending records are invisible and block the name",
    async (_registry, b) => {
      const record = emptyRecord("P", { x: "y" });
      await b.index.reserve(record, "tok1");
      assert.deepEqual(await b.index.list(), []);
      assert.equal(await b.index.find("P", "1"), undefined);
      assert.deepEqual((await b.index.pending()).map((p) => ({ ...p })), [{
        name: "P",
        version: "1",
        token: "tok1",
      }]);
      await rejectsWith(b.index.reserve(record, "tok2"), "CONFLICT", /being saved by another process/);
      assert.equal(await b.index.release("P", "1", "wrong"), false);
      await rejectsWith(b.index.commit("P", "1", "wrong"), "CONFLICT", /reservation of P:1 disappeared/);
      await b.index.commit("P", "1", "tok1");
      assert.deepEqual((await b.index.find("P", "1"))?.labels, { x: "y" });
      assert.deepEqual(await b.index.pending(), []);
      assert.equal(await b.index.release("P", "1", "tok1"), false); // committed: not pending any more
      assert.deepEqual(
        (await b.index.list({ selector: [{ key: "x", operator: "=", values: ["y"] }] })).length,
        1,
      );
    },
  );

  await step("delete removes the record, its labels and its files", async (registry, b) => {
    await save(registry, b, { name: "D", version: "1", labels: { k: "v" } });
    await save(registry, b, { name: "D", version: "2", labels: { k: "v" } });
    const deleted = await registry.delete(["D:1"]);
    assert.deepEqual(deleted.map((x) => x.version), ["1"]);
    assert.deepEqual((await registry.list({ selector: "k=v" })).map((x) => x.version), ["2"]);
    assert.deepEqual((await b.store.published()).map((x) => x.version), ["2"]);
    assert.equal(await b.index.remove("D", "1"), false);
    await rejectsWith(registry.resolve("D:1"), "NOT_FOUND");
  });

  await step(
    "two saves of one Name:version racing from two connections: exactly one wins",
    async (registry, b) => {
      const other = new Registry(await b.secondIndex(), b.store);
      try {
        const dirs = await Promise.all(
          [0, 1].map((i) =>
            writeTestBundle(join(b.scratch, `race-${i}`), {
              name: "R",
              version: "1",
              labels: { i: String(i) },
            })
          ),
        );
        const results = await Promise.allSettled([registry.add(dirs[0]), other.add(dirs[1])]);
        assert.equal(
          results.filter((r) => r.status === "fulfilled").length,
          1,
        );
        const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        assert.equal((failed.reason as ObentoError).code, "CONFLICT");
        assert.equal((await registry.list()).length, 1);
        assert.deepEqual(await b.index.pending(), []);
      } finally {
        other.close();
      }
    },
  );

  await step(
    "a 6 MiB artifact (several upload parts) comes back byte for byte through retrieve and the pull archive",
    async (registry, b) => {
      const source = await writeTestBundle(join(b.scratch, "big"), {
        name: "Big",
        version: "1",
        artifactBytes: 6 * 1024 * 1024 + 7,
      });
      const want = await digestTree(source);
      await registry.add(source);
      const sizes = new Map((await b.store.files("Big", "1")).map((f) => [f.path, f.size]));
      assert.equal(sizes.get("artifacts/model.onnx"), 6 * 1024 * 1024 + 7);
      await registry.retrieve("Big:1", join(b.scratch, "out"));
      assert.deepEqual(await digestTree(join(b.scratch, "out")), want);
      await rejectsWith(registry.retrieve("Big:1", join(b.scratch, "out")), "CONFLICT", /already exists/);
      const archive = await storedBundleArchive(b.store, "Big", "1");
      await Deno.mkdir(join(b.scratch, "pulled"));
      await unpackBundleArchive(archive.stream, join(b.scratch, "pulled"));
      assert.deepEqual(await digestTree(join(b.scratch, "pulled")), want);
      assert.equal((await registry.verify()).ok, true);
      await rejectsWith(b.store.readFile("Big", "1", "nope.txt"), "NOT_FOUND");
      assert.deepEqual(await b.store.files("Big", "2"), []);
    },
  );

  await step(
    "gc removes an unfinished save left by a dead process; verify is clean after",
    async (registry, b) => {
      const record = emptyRecord("G", {});
      await b.index.reserve(record, "deadbeef0000"); // a save whose process died: no store lock holds it
      assert.deepEqual((await registry.verify()).leftovers, ["unfinished save of G:1 (index row and files)"]);
      assert.deepEqual((await registry.gc()).removed, ["unfinished save of G:1"]);
      assert.deepEqual(await b.index.pending(), []);
      const report = await registry.verify();
      assert.equal(report.ok, true);
      assert.deepEqual(report.leftovers, []);
    },
  );
}
