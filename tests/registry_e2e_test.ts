/**
 * End-to-end tests of the registry commands through the real CLI (`main.ts`) in a subprocess, with bundles
 * saved by a helper process through `openRegistry().add()`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cleanEnv, obento, obentoArgs, saveBundles } from "./helpers/cli.ts";

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "obento-e2e-" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

async function seed(home: string): Promise<void> {
  await saveBundles(home, [
    "--name",
    "Iris",
    "--version",
    "1",
    "--label",
    "stage=dev",
    "--created-at",
    "2024-01-01T00:00:00.000Z",
  ]);
  await saveBundles(home, [
    "--name",
    "Iris",
    "--version",
    "2",
    "--label",
    "stage=prod",
    "--label",
    "team=ml",
    "--created-at",
    "2024-01-02T00:00:00.000Z",
  ]);
  await saveBundles(home, ["--name", "Mnist", "--version", "1", "--created-at", "2024-01-03T00:00:00.000Z"]);
}

Deno.test("list prints a table and JSON, newest first, filtered by name, selector and limit", async () => {
  await withHome(async (home) => {
    await seed(home);
    const table = await obento(home, "list");
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split("\n");
    assert.match(lines[0], /^BUNDLE +AGE +APIS +ARTIFACTS +LABELS$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), ["Mnist:1", "Iris:2", "Iris:1"]);
    assert.match(lines[2], /^Iris:2 +\d+ days +predict +model<OnnxModelArtifact> +stage=prod, team=ml$/);
    const json = await obento(home, "list", "Iris", "--json");
    const parsed = JSON.parse(json.stdout) as {
      name: string;
      version: string;
      labels: Record<string, string>;
    }[];
    assert.deepEqual(parsed.map((b) => `${b.name}:${b.version}`), ["Iris:2", "Iris:1"]);
    assert.deepEqual(parsed[0].labels, { stage: "prod", team: "ml" });
    const selected = await obento(home, "list", "--labels", "stage NotIn (dev), team Exists", "--json");
    assert.deepEqual(JSON.parse(selected.stdout).map((b: { version: string }) => b.version), ["2"]);
    const none = await obento(home, "list", "--labels", "stage DoesNotExist", "--json");
    assert.deepEqual(JSON.parse(none.stdout).map((b: { name: string }) => b.name), ["Mnist"]);
    const limited = await obento(home, "list", "--limit", "1", "--json");
    assert.deepEqual(JSON.parse(limited.stdout).map((b: { name: string }) => b.name), ["Mnist"]);
  });
});

Deno.test("get shows metadata, versions and the location", async () => {
  await withHome(async (home) => {
    await seed(home);
    const location = await obento(home, "get", "Iris:latest", "--print-location", "--quiet");
    assert.equal(location.stdout, `${join(home, "bundles", "Iris", "2")}\n`);
    const doc = JSON.parse((await obento(home, "get", "Iris:1", "--json")).stdout);
    assert.equal(doc.name, "Iris");
    assert.equal(doc.version, "1");
    assert.deepEqual(doc.labels, { stage: "dev" });
    assert.equal(doc.service.apis[0].name, "predict");
    assert.equal(doc.location, join(home, "bundles", "Iris", "1"));
    const summary = await obento(home, "get", "Iris:1");
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /^Iris:1\n {2}created: {3}2024-01-01T00:00:00\.000Z \(\d+ days ago\)\n/);
    assert.match(summary.stdout, /\n {2}labels: {4}stage=dev\n {2}size: {6}\d+(\.\d)? (B|KiB) on disk\n/);
    assert.match(summary.stdout, new RegExp(`\n {2}location: {2}${join(home, "bundles", "Iris", "1")}\n`));
    assert.match(
      summary.stdout,
      /\nAPIs:\n {2}NAME +BATCH +OUTPUT +INPUT\n {2}predict +(yes|no) +\w+Output +\w+Input/,
    );
    assert.match(
      summary.stdout,
      /\nArtifacts:\n {2}NAME +TYPE +SIZE +SHA256\n {2}model +OnnxModelArtifact +\d/,
    );
    assert.equal((await obento(home, "get", "Iris:1", "--yaml", "--json")).code, 64);
    const yaml = await obento(home, "get", "Iris:1", "--yaml");
    assert.match(yaml.stdout, /^bundle_format: 1\n/);
    assert.match(yaml.stdout, new RegExp(`location: ${join(home, "bundles", "Iris", "1")}\n$`));
    const versions = await obento(home, "get", "Iris", "--labels", "stage=dev");
    assert.deepEqual(versions.stdout.trimEnd().split("\n").slice(1).map((l) => l.split(" ")[0]), ["Iris:1"]);
  });
});

Deno.test("bad input gives a clear error and a non-zero exit", async () => {
  await withHome(async (home) => {
    await seed(home);
    const cases: [string[], number, string][] = [
      [["get", "../x"], 64, 'error: bad bundle reference "../x": invalid bundle name "../x"'],
      [["get", "Iris:a/b"], 64, 'error: bad bundle reference "Iris:a/b": invalid version "a/b"'],
      [["get", ""], 64, "error: empty bundle reference"],
      [["get", `${"x".repeat(64)}:1`], 64, "error: bad bundle reference"],
      [
        ["get", "Nope:1"],
        66,
        "error: no bundle Nope:1 in the registry; run `obento get Nope` to see its versions",
      ],
      [
        ["get", "Nope"],
        66,
        "error: no bundle named Nope in the registry; run `obento list` to see what exists",
      ],
      [["list", "--labels", "stage In prod"], 64, 'error: selector: expected "(" after In at column 10'],
      [["list", "--limit", "0"], 64, 'error: obento list: --limit must be a positive integer, got "0"'],
      [["delete", "Iris:9", "--yes"], 66, "error: no bundle Iris:9 in the registry"],
      [["retrieve", "Iris:1"], 64, "error: obento retrieve: give one bundle and --target-dir DIR"],
      [
        ["registry", "fix"],
        64,
        'error: obento registry: expected "verify", "gc", "serve" or "token", got "fix"',
      ],
      [
        ["registry", "verfy"],
        64,
        'error: obento registry: expected "verify", "gc", "serve" or "token", got "verfy"; did you mean verify?',
      ],
      [["list", "--lables", "x"], 64, "error: obento list: unknown option --lables; did you mean --labels?"],
    ];
    for (const [args, code, message] of cases) {
      const run = await obento(home, ...args);
      assert.equal(run.code, code, `${args.join(" ")}: ${run.stderr}`);
      assert.ok(run.stderr.startsWith(message), `${args.join(" ")}: ${run.stderr}`);
    }
    assert.equal(JSON.parse((await obento(home, "list", "--json")).stdout).length, 3);
  });
});

Deno.test("delete asks for --yes, resolves every name first, and honours --labels", async () => {
  await withHome(async (home) => {
    await seed(home);
    const refused = await obento(home, "delete", "Iris:1");
    assert.equal(refused.code, 64);
    assert.equal(
      refused.stderr,
      "error: obento delete: not deleting Iris:1 without confirmation; add --yes\n",
    );
    const partial = await obento(home, "delete", "Iris:1", "Iris:7", "--yes");
    assert.equal(partial.code, 66);
    assert.equal(JSON.parse((await obento(home, "list", "--json")).stdout).length, 3);
    // A selector that matches nothing says so, deletes nothing, and exits 0 (a clean-up may run twice).
    const noMatch = await obento(home, "delete", "Iris", "--labels", "stage=qa", "--yes");
    assert.deepEqual(noMatch, {
      code: 0,
      stdout: "",
      stderr: "no version of Iris matches --labels stage=qa; nothing deleted\n",
    });
    const noneAtAll = await obento(home, "delete", "--labels", "stage=qa", "--yes", "--json");
    assert.deepEqual(noneAtAll, { code: 0, stdout: "[]\n", stderr: "" });
    assert.equal(JSON.parse((await obento(home, "list", "--json")).stdout).length, 3);
    const byLabel = await obento(home, "delete", "Iris", "--labels", "stage=dev", "--yes");
    assert.equal(byLabel.stdout, "deleted Iris:1\n");
    await assert.rejects(Deno.stat(join(home, "bundles", "Iris", "1")), Deno.errors.NotFound);
    const json = await obento(home, "delete", "Mnist:latest", "--yes", "--json");
    assert.deepEqual(JSON.parse(json.stdout), [{ name: "Mnist", version: "1" }]);
    assert.deepEqual(
      JSON.parse((await obento(home, "list", "--json")).stdout).map((b: { version: string }) => b.version),
      ["2"],
    );
  });
});

Deno.test("retrieve copies a bundle and never overwrites a directory", async () => {
  await withHome(async (home) => {
    await seed(home);
    const ok = await obento(home, "retrieve", "Iris:2", "--target-dir", "out/iris");
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `copied Iris:2 to ${join(home, "out", "iris")}\n`);
    assert.equal((await Deno.stat(join(home, "out", "iris", "MANIFEST"))).isFile, true);
    await Deno.writeTextFile(join(home, "out", "iris", "marker"), "mine");
    const again = await obento(home, "retrieve", "Iris:2", "--target-dir", "out/iris");
    assert.equal(again.code, 73);
    assert.equal(
      again.stderr,
      `error: ${
        join(home, "out", "iris")
      } already exists; choose a new --target-dir (obento never overwrites a directory)\n`,
    );
    assert.equal(await Deno.readTextFile(join(home, "out", "iris", "marker")), "mine");
    const underFile = await obento(home, "retrieve", "Iris:2", "--target-dir", "out/iris/marker/copy");
    assert.equal(underFile.code, 66);
    assert.equal(
      underFile.stderr,
      `error: --target-dir ${join(home, "out/iris/marker/copy")}: ${
        join(home, "out/iris/marker")
      } is not a directory\n`,
    );
  });
});

Deno.test("registry verify finds a bundle edited after saving; retrieve refuses it; nothing else touched", async () => {
  await withHome(async (home) => {
    await seed(home);
    const clean = await obento(home, "registry", "verify");
    assert.equal(clean.stdout, "checked 3 bundles: ok\n");
    const edited = join(home, "bundles", "Iris", "1", "artifacts", "model.onnx");
    await Deno.writeFile(edited, new Uint8Array([9, 9, 9]));
    const damaged = await obento(home, "registry", "verify");
    assert.equal(damaged.code, 65);
    assert.match(
      damaged.stdout,
      /^checked 3 bundles: 1 damaged\ndamaged:\n {2}Iris:1: .*model\.onnx was changed after packing/,
    );
    assert.match(damaged.stderr, /^error: 1 damaged bundle in /);
    const retrieve = await obento(home, "retrieve", "Iris:1", "--target-dir", "out");
    assert.equal(retrieve.code, 65);
    assert.match(retrieve.stderr, /model\.onnx was changed after packing/);
    await assert.rejects(Deno.stat(join(home, "out")), Deno.errors.NotFound);
    assert.deepEqual(await Deno.readFile(edited), new Uint8Array([9, 9, 9]));
    assert.equal(JSON.parse((await obento(home, "list", "--json")).stdout).length, 3);
  });
});

Deno.test("a corrupted registry.db fails every command, is named, and is left untouched", async () => {
  await withHome(async (home) => {
    const db = join(home, "registry.db");
    const junk = "not a database\n".repeat(100);
    await Deno.writeTextFile(db, junk);
    for (const args of [["list"], ["get", "Iris"], ["registry", "gc"]]) {
      const run = await obento(home, ...args);
      assert.equal(run.code, 65, run.stderr);
      assert.ok(run.stderr.startsWith(`error: ${db} is not a usable obento registry`), run.stderr);
      assert.match(run.stderr, /move it aside/);
    }
    assert.equal(await Deno.readTextFile(db), junk);
  });
});

Deno.test("an OBENTO_HOME that is a file fails with one line naming it, no stack", async () => {
  await withHome(async (home) => {
    const list = async (obentoHome: string) => {
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [...obentoArgs(), "list"],
        cwd: home,
        env: { ...cleanEnv(home), OBENTO_HOME: obentoHome },
        clearEnv: true,
        stdin: "null",
      }).output();
      return { code, stderr: new TextDecoder().decode(stderr) };
    };
    const file = join(home, "not-a-dir");
    await Deno.writeTextFile(file, "x");
    assert.deepEqual(await list(file), { code: 73, stderr: `error: cannot mkdir ${file}: file exists\n` });
    assert.deepEqual(await list(join(file, "sub")), {
      code: 66,
      stderr: `error: cannot mkdir ${join(file, "sub")}: not a directory\n`,
    });
  });
});
