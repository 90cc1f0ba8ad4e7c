import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { openRegistry, Registry } from "./registry.ts";
import { DatabaseSync } from "node:sqlite";
import { type BundleIndex, IndexRolledBackError } from "./bundle_index.ts";
import { openSqliteIndex, SqliteIndex } from "./sqlite_index.ts";
import { resolveBundleRef } from "./resolve_ref.ts";
import { testRecord, writeTestBundle } from "./_testing.ts";
import type { TestBundleOptions } from "./_testing.ts";

async function withRegistry(fn: (registry: Registry, home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "obento-reg-" });
  const registry = await openRegistry({ home });
  try {
    await fn(registry, home);
  } finally {
    registry.close();
    await Deno.remove(home, { recursive: true });
  }
}

let counter = 0;
async function save(registry: Registry, home: string, options: TestBundleOptions) {
  const dir = await writeTestBundle(join(home, `src-${counter++}`), options);
  return await registry.add(dir);
}

async function rejects(promise: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ObentoError, String(error));
    assert.equal(error.code, code);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

Deno.test("add saves a bundle under bundles/<Name>/<version> and indexes it", async () => {
  await withRegistry(async (registry, home) => {
    const saved = await save(registry, home, { name: "Iris", version: "1", labels: { stage: "prod" } });
    assert.deepEqual(saved, { name: "Iris", version: "1", path: join(home, "bundles", "Iris", "1") });
    assert.equal((await Deno.stat(join(saved.path, "bento.yaml"))).isFile, true);
    const [listed] = await registry.list();
    assert.deepEqual(
      { ...listed, createdAt: "" },
      {
        ...testRecord({ name: "Iris", version: "1", labels: { stage: "prod" }, createdAt: "" }),
        path: saved.path,
      },
    );
    assert.deepEqual([...Deno.readDirSync(join(home, "bundles"))].map((e) => e.name), ["Iris"]);
  });
});

Deno.test("add refuses an existing Name:version and touches nothing", async () => {
  await withRegistry(async (registry, home) => {
    await save(registry, home, { version: "1", labels: { a: "1" } });
    await rejects(
      save(registry, home, { version: "1", labels: { a: "2" } }),
      "CONFLICT",
      "Iris:1 is already in the registry; give the new one another version, or delete Iris:1 first",
    );
    assert.deepEqual((await registry.list()).map((b) => b.labels), [{ a: "1" }]);
    assert.deepEqual([...Deno.readDirSync(join(home, "bundles"))].map((e) => e.name), ["Iris"]);
  });
});

Deno.test("add refuses a bundle edited after packing, with the file named", async () => {
  await withRegistry(async (registry, home) => {
    const dir = await writeTestBundle(join(home, "src"), {});
    await Deno.writeTextFile(join(dir, "service.js"), "tampered");
    await rejects(registry.add(dir), "INTEGRITY", /service\.js was changed after packing/);
    assert.deepEqual(await registry.list(), []);
  });
});

Deno.test("add with move takes the directory away", async () => {
  await withRegistry(async (registry, home) => {
    const dir = await writeTestBundle(join(home, "src"), { version: "7" });
    await registry.add(dir, { move: true });
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
    assert.equal((await registry.verify()).ok, true);
  });
});

Deno.test("resolve finds Name, Name:version and Name:latest (newest created_at)", async () => {
  await withRegistry(async (registry, home) => {
    await save(registry, home, { version: "b", createdAt: "2024-01-02T00:00:00.000Z" });
    await save(registry, home, { version: "a", createdAt: "2024-01-03T00:00:00.000Z" });
    await save(registry, home, { version: "c", createdAt: "2024-01-01T00:00:00.000Z" });
    assert.equal((await registry.resolve("Iris")).version, "a");
    assert.equal((await registry.resolve("Iris:latest")).version, "a");
    assert.equal((await registry.resolve("Iris:c")).version, "c");
    assert.deepEqual((await registry.list({ name: "Iris" })).map((b) => b.version), ["a", "b", "c"]);
    assert.deepEqual((await registry.list({ limit: 2 })).map((b) => b.version), ["a", "b"]);
    await rejects(
      registry.resolve("Iris:zz"),
      "NOT_FOUND",
      "no bundle Iris:zz in the registry; run `obento get Iris` to see its versions",
    );
    await rejects(
      registry.resolve("Nope"),
      "NOT_FOUND",
      "no bundle named Nope in the registry; run `obento list` to see what exists",
    );
  });
});

Deno.test("malformed references are BAD_ARGUMENT and name the reference", async () => {
  await withRegistry(async (registry) => {
    for (const ref of ["../x", "a/b", "Iris:..", "Iris:a/b", "", "Iris:", `${"n".repeat(64)}`]) {
      await rejects(
        registry.resolve(ref),
        "BAD_ARGUMENT",
        ref === "" ? /empty bundle reference/ : /^bad bundle reference ".*": invalid (bundle name|version)/,
      );
    }
  });
});

Deno.test("list filters by selector in SQL, with != and NotIn needing the key", async () => {
  await withRegistry(async (registry, home) => {
    await save(registry, home, { name: "A", version: "1", labels: { stage: "prod", team: "ml" } });
    await save(registry, home, { name: "B", version: "1", labels: { stage: "dev" } });
    await save(registry, home, { name: "C", version: "1", labels: {} });
    const names = async (selector: string) => (await registry.list({ selector })).map((b) => b.name).sort();
    assert.deepEqual(await names("stage=prod"), ["A"]);
    assert.deepEqual(await names("stage!=prod"), ["B"]);
    assert.deepEqual(await names("stage In (prod, dev)"), ["A", "B"]);
    assert.deepEqual(await names("stage NotIn (prod)"), ["B"]);
    assert.deepEqual(await names("team Exists"), ["A"]);
    assert.deepEqual(await names("team DoesNotExist"), ["B", "C"]);
    assert.deepEqual(await names("stage Exists, team DoesNotExist"), ["B"]);
    await rejects(
      registry.list({ selector: "stage='x' OR 1=1" }),
      "BAD_ARGUMENT",
      `selector: unexpected character "'" at column 7`,
    );
  });
});

Deno.test("get returns bento.yaml and location; delete removes index row and files", async () => {
  await withRegistry(async (registry, home) => {
    await save(registry, home, { version: "1", labels: { stage: "dev" } });
    await save(registry, home, { version: "2", labels: { stage: "prod" } });
    const details = await registry.get("Iris", "1");
    assert.equal(details.document.labels.stage, "dev");
    assert.equal(details.path, join(home, "bundles", "Iris", "1"));
    await rejects(registry.delete(["Iris:1", "Iris:9"]), "NOT_FOUND", /no bundle Iris:9/);
    assert.equal((await registry.list()).length, 2);
    assert.deepEqual((await registry.delete(["Iris"], { selector: "stage=dev" })).map((b) => b.version), [
      "1",
    ]);
    await assert.rejects(Deno.stat(details.path), Deno.errors.NotFound);
    assert.deepEqual((await registry.delete([], { selector: "stage Exists" })).map((b) => b.version), ["2"]);
    assert.deepEqual([...Deno.readDirSync(join(home, "bundles"))], []);
  });
});

Deno.test("retrieve copies a verified bundle and refuses an existing target", async () => {
  await withRegistry(async (registry, home) => {
    await save(registry, home, { version: "1" });
    const target = join(home, "out", "copy");
    assert.deepEqual(await registry.retrieve("Iris:1", target), { name: "Iris", version: "1", path: target });
    assert.equal(await Deno.readTextFile(join(target, "service.js")), "export default {};\n");
    await rejects(
      registry.retrieve("Iris:1", target),
      "CONFLICT",
      `${target} already exists; choose a new targetDir (obento never overwrites a directory)`,
    );
    await Deno.writeTextFile(join(home, "bundles", "Iris", "1", "service.js"), "edited");
    await rejects(
      registry.retrieve("Iris:1", join(home, "other")),
      "INTEGRITY",
      /service\.js was changed after packing/,
    );
    await assert.rejects(Deno.stat(join(home, "other")), Deno.errors.NotFound);
  });
});

Deno.test("verify reports an edited bundle and a missing directory", async () => {
  await withRegistry(async (registry, home) => {
    await save(registry, home, { version: "1" });
    await save(registry, home, { version: "2" });
    assert.deepEqual(await registry.verify(), {
      ok: true,
      checked: 2,
      problems: [],
      leftovers: [],
      inProgress: [],
    });
    await Deno.writeFile(join(home, "bundles", "Iris", "1", "artifacts", "model.onnx"), new Uint8Array([1]));
    await Deno.remove(join(home, "bundles", "Iris", "2"), { recursive: true });
    const report = await registry.verify();
    assert.equal(report.ok, false);
    assert.equal(report.problems.length, 2);
    assert.match(report.problems[0], /^Iris:1: .*artifacts\/model\.onnx was changed after packing/);
    assert.equal(
      report.problems[1],
      `Iris:2: indexed, but its directory ${join(home, "bundles", "Iris", "2")} is missing`,
    );
  });
});

Deno.test("gc removes crash leftovers and keeps live saves", async () => {
  await withRegistry(async (registry, home) => {
    await save(registry, home, { version: "1" });
    const bundles = join(home, "bundles");
    // a crashed save after publish: pending row + published dir, staging lock file without an owner
    const staged = await registry.store.stage(await writeTestBundle(join(home, "s2"), { version: "2" }));
    await registry.index.reserve(
      {
        name: "Iris",
        version: "2",
        createdAt: new Date().toISOString(),
        labels: {},
        apis: [],
        artifacts: [],
      },
      staged.token,
    );
    await registry.store.publish(staged, "Iris", "2");
    // an unindexed directory and a trash dir
    await writeTestBundle(join(bundles, "Ghost", "9"), { name: "Ghost", version: "9" });
    await Deno.mkdir(join(bundles, ".trash-abc"));
    assert.deepEqual((await registry.list()).map((b) => b.version), ["1"]);
    const live = await registry.verify();
    assert.deepEqual(live.inProgress, ["save of Iris:2"]);
    assert.deepEqual([...live.leftovers].sort(), [
      join(bundles, ".trash-abc"),
      `unindexed directory ${join(bundles, "Ghost", "9")}`,
    ]);
    const kept = await registry.gc();
    assert.deepEqual(kept.inProgress, ["save of Iris:2"]);
    // simulate the saving process dying: drop its lock
    await registry.store.finish({ token: staged.token, path: "" }).catch(() => {});
    const fresh = await openRegistry({ home });
    try {
      const report = await fresh.gc();
      assert.deepEqual(report, { removed: ["unfinished save of Iris:2"], inProgress: [] });
      assert.deepEqual(await fresh.verify(), {
        ok: true,
        checked: 1,
        problems: [],
        leftovers: [],
        inProgress: [],
      });
      assert.deepEqual([...Deno.readDirSync(bundles)].map((e) => e.name).sort(), ["Iris"]);
      assert.deepEqual([...Deno.readDirSync(join(bundles, "Iris"))].map((e) => e.name), ["1"]);
    } finally {
      fresh.close();
    }
  });
});

Deno.test("a corrupted registry.db is reported, named and left untouched", async () => {
  const home = await Deno.makeTempDir();
  const db = join(home, "registry.db");
  await Deno.writeTextFile(db, "this is not sqlite\n".repeat(20));
  await rejects(
    openRegistry({ home }),
    "INTEGRITY",
    new RegExp(`^${db.replaceAll("/", "\\/")} is not a usable obento registry.*move it aside`),
  );
  assert.equal(await Deno.readTextFile(db), "this is not sqlite\n".repeat(20));
  await Deno.remove(home, { recursive: true });
});

Deno.test("resolveBundleRef prefers a bundle directory, then the registry, else names both", async () => {
  await withRegistry(async (registry, home) => {
    await save(registry, home, { version: "1" });
    const dir = await writeTestBundle(join(home, "Iris"), { version: "2" });
    assert.deepEqual(await resolveBundleRef("Iris", { cwd: home, registry }), { path: dir });
    assert.deepEqual(await resolveBundleRef("Iris:latest", { cwd: home, registry }), {
      path: join(home, "bundles", "Iris", "1"),
      name: "Iris",
      version: "1",
    });
    await rejects(
      resolveBundleRef("x", { cwd: home, registry }),
      "NOT_FOUND",
      "no bundle directory ./x and no registry bundle x; run `obento list`",
    );
    await rejects(
      resolveBundleRef("bundles", { cwd: home, registry }),
      "BAD_BUNDLE",
      `${join(home, "bundles")} has no bento.yaml; it is not a bundle directory written by pack`,
    );
  });
});

Deno.test("a full SQLite index rolls the write back and says so as data: what failed, apart from the advice", async () => {
  const path = await Deno.makeTempFile({ suffix: ".db" });
  try {
    openSqliteIndex(path).close();
    // SQLite's own "database or disk is full": the file may not grow past the pages it has.
    const db = new DatabaseSync(path);
    const pages = (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    db.exec(`PRAGMA max_page_count = ${pages}`);
    const index = new SqliteIndex(db, path);
    let error: unknown;
    let saved = 0;
    try {
      for (; saved < 1000; saved++) {
        await index.reserve(testRecord({ version: String(saved), createdAt: "2026-01-01T00:00:00Z" }), "t");
      }
    } catch (thrown) {
      error = thrown;
    }
    assert.ok(error instanceof IndexRolledBackError, String(error));
    assert.equal(error.code, "UNAVAILABLE");
    assert.equal(error.failure, `registry index ${path}: database or disk is full`);
    assert.equal(
      error.message,
      `${error.failure}; the change was rolled back: free some space and run the command again`,
    );
    assert.equal((await index.pending()).length, saved, "the failed reservation left no row");
    index.close();
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("a save whose clean-up fails too keeps its first error, and the same save then reclaims what it left", async () => {
  await withRegistry(async (registry, home) => {
    // The index fails its last write and the clean-up's release as SQLite does on a full disk.
    const full = new IndexRolledBackError("registry index x.db: database or disk is full");
    assert.match(full.message, /; the change was rolled back: free some space and run the command again$/);
    let diskFull = true;
    const index = registry.index;
    const failing: BundleIndex = new Proxy(index, {
      get(target, property) {
        if (diskFull && (property === "commit" || property === "release")) return () => Promise.reject(full);
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const broken = new Registry(failing, registry.store);
    const dir = await writeTestBundle(join(home, "src-full"), { version: "3" });
    await rejects(
      broken.add(dir),
      "UNAVAILABLE",
      /^registry index x\.db: database or disk is full; saving Iris:3 stopped and cleaning up after it failed too \(.*disk is full.*\): it is not in the registry; once the cause is fixed, run the command again/,
    );
    assert.deepEqual((await registry.index.pending()).map((p) => `${p.name}:${p.version}`), ["Iris:3"]);
    // The process that failed is gone (its staging lock with it): saving again reclaims the reservation.
    diskFull = false;
    const saved = await broken.add(dir);
    assert.equal(saved.version, "3");
    assert.deepEqual(await registry.index.pending(), []);
    assert.deepEqual((await registry.verify()).ok, true);
    assert.deepEqual((await registry.gc()).removed, []);
  });
});

Deno.test("a clean-up step that failed for want of space is tried again once the others freed the bundle's files", async () => {
  await withRegistry(async (registry, home) => {
    const full = new ObentoError(
      "UNAVAILABLE",
      "registry index x.db: database or disk is full; the change was rolled back: free some space and run the " +
        "command again",
    );
    // The commit fails; the release fails the first time only (the staged files still filled the disk).
    let releases = 0;
    const index = registry.index;
    const failing: BundleIndex = new Proxy(index, {
      get(target, property) {
        if (property === "commit") return () => Promise.reject(full);
        if (property === "release") {
          return (...args: Parameters<BundleIndex["release"]>) =>
            ++releases === 1 ? Promise.reject(full) : target.release(...args);
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const broken = new Registry(failing, registry.store);
    const dir = await writeTestBundle(join(home, "src-retry"), { version: "4" });
    // The save's own error, as when the clean-up succeeds: nothing left to reclaim.
    await rejects(
      broken.add(dir),
      "UNAVAILABLE",
      /^registry index x\.db: database or disk is full; the change was rolled back/,
    );
    assert.equal(releases, 2);
    assert.deepEqual(await registry.index.pending(), []);
    const report = await registry.verify();
    assert.equal(report.ok, true);
    assert.deepEqual(report.leftovers, []);
  });
});
