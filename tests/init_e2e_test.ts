/**
 * End-to-end: `obento init` scaffolds a project that `deno check`s and `deno test`s offline, that `obento pack`
 * type-checks and packs, and whose JSON API `obento run` answers like scikit-learn; pack refuses a misspelt
 * artifact name with TypeScript's diagnostic. The test (not obento) runs `deno` via `Deno.execPath()`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cleanEnv, ROOT, runObento } from "./helpers/cli.ts";

interface IrisReference {
  columns: string[];
  inputs: number[][];
  label: number[];
  probabilities: number[][];
}
const ref: IrisReference = JSON.parse(
  await Deno.readTextFile(join(ROOT, "bundles/iris_classifier/reference.json")),
);
const SPECIES = ["setosa", "versicolor", "virginica"];
const record = (row: number[]) => Object.fromEntries(ref.columns.map((c, i) => [c, row[i]]));

/** What a download needs from this machine's environment: its certificate authorities and proxies. */
const NETWORK_ENV = [
  "DENO_CERT",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NODE_EXTRA_CA_CERTS",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
];

/** Runs the `deno` running this test in `cwd` (it may fetch the project's npm packages into the cache). */
async function deno(cwd: string, home: string, args: string[]): Promise<{ code: number; output: string }> {
  const network = Object.fromEntries(
    NETWORK_ENV.flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { ...cleanEnv(home), ...network },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

async function versions(home: string, name: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(join(home, "bundles", name))) names.push(e.name);
    return names.sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

Deno.test("init: the project type-checks, tests, packs and runs; a misspelt artifact does not pack", async () => {
  const home = await Deno.makeTempDir();
  try {
    const init = await runObento({ home }, ["init", "my-service"]);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /^Created service MyService in /);
    const project = join(home, "my-service");
    assert.deepEqual(
      [...Deno.readDirSync(project)].map((e) => e.name).sort(),
      ["README.md", "deno.json", "deno.lock", "model.onnx", "service.ts", "service_test.ts"],
    );

    const check = await deno(project, home, ["check", "service.ts", "service_test.ts"]);
    assert.equal(check.code, 0, check.output);
    const test = await deno(project, home, [
      "test",
      "--allow-read",
      "--allow-env",
      "--allow-net",
      "--allow-sys",
    ]);
    assert.equal(test.code, 0, test.output);
    assert.match(test.output, /2 passed/);

    const packed = await runObento({ home, cwd: project }, [
      "pack",
      "service.ts",
      "--artifact",
      "model=model.onnx",
    ]);
    assert.equal(packed.code, 0, packed.stderr);
    assert.match(packed.stderr, /^type-checked service\.ts \(TypeScript \d+\.\d+\.\d+\)$/m);
    assert.match(packed.stdout, /^Saved MyService:/);

    // The non-batch JSON API: one flower per call, as scikit-learn classified it.
    for (const row of [0, 75, 149]) {
      const run = await runObento({ home }, [
        "run",
        "MyService:latest",
        "classify",
        "--input",
        JSON.stringify(record(ref.inputs[row])),
      ]);
      assert.equal(run.code, 0, run.stderr);
      const result: { species: string; probabilities: Record<string, number> } = JSON.parse(run.stdout);
      assert.equal(result.species, SPECIES[ref.label[row]], `row ${row}`);
      SPECIES.forEach((s, k) =>
        assert.ok(Math.abs(result.probabilities[s] - ref.probabilities[row][k]) < 1e-5, `row ${row} ${s}`)
      );
    }
    const bad = await runObento({ home }, [
      "run",
      "MyService:latest",
      "classify",
      "--input",
      '{"sepal_length": 5}',
    ]);
    assert.equal(bad.code, 65);
    assert.match(bad.stderr, /"sepal_width" must be a number/);
    // The batch dataframe API.
    const batch = await runObento({ home }, [
      "run",
      "MyService:latest",
      "predict",
      "--input",
      JSON.stringify(ref.inputs.map(record)),
    ]);
    assert.equal(batch.code, 0, batch.stderr);
    assert.deepEqual(JSON.parse(batch.stdout), ref.label.map((l) => SPECIES[l]));

    // A misspelt artifact name does not compile, so it does not pack; --no-check packs it anyway.
    const source = await Deno.readTextFile(join(project, "service.ts"));
    const misspelt = source.replace("artifacts.model.run", "artifacts.modle.run");
    assert.notEqual(misspelt, source);
    await Deno.writeTextFile(join(project, "service.ts"), misspelt);
    const before = await versions(home, "MyService");
    const refused = await runObento({ home, cwd: project }, [
      "pack",
      "service.ts",
      "--artifact",
      "model=model.onnx",
    ]);
    assert.equal(refused.code, 65, refused.stderr);
    const offset = misspelt.indexOf("modle");
    const line = misspelt.slice(0, offset).split("\n").length;
    const column = offset - misspelt.lastIndexOf("\n", offset - 1);
    assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
    assert.ok(
      refused.stderr.startsWith(`error: service.ts:${line}:${column}: Property 'modle' does not exist`),
      refused.stderr,
    );
    assert.match(refused.stderr, /\(TS2551\).*--no-check/);
    assert.deepEqual(await versions(home, "MyService"), before, "nothing saved");
    const unchecked = await runObento({ home, cwd: project }, [
      "pack",
      "service.ts",
      "--artifact",
      "model=model.onnx",
      "--no-check",
    ]);
    assert.equal(unchecked.code, 0, unchecked.stderr);
    assert.match(unchecked.stderr, /not type-checked \(--no-check\)/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("init refuses a non-empty directory unless --force, and an invalid service name", async () => {
  const home = await Deno.makeTempDir();
  try {
    const dir = join(home, "taken");
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, "notes.txt"), "mine\n");
    const refused = await runObento({ home }, ["init", "taken"]);
    assert.equal(refused.code, 73);
    assert.match(refused.stderr, /^error: obento init: \S+taken is not empty; .*--force.*\n$/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["notes.txt"]);

    const forced = await runObento({ home }, ["init", "taken", "--force", "--name", "Taken.v2"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "notes.txt")), "mine\n");
    assert.match(await Deno.readTextFile(join(dir, "service.ts")), /name: "Taken\.v2"/);

    const badName = await runObento({ home }, ["init", "fresh", "--name", "bad name"]);
    assert.equal(badName.code, 64);
    assert.match(badName.stderr, /^error: invalid service name "bad name": /);
    const noName = await runObento({ home }, ["init", "___"]);
    assert.equal(noName.code, 64);
    assert.match(
      noName.stderr,
      /^error: obento init: cannot make a service name from "___"; pass --name NAME\n$/,
    );
    assert.deepEqual(
      [...Deno.readDirSync(home)].map((e) => e.name).filter((n) => n !== "taken" && !n.startsWith(".")),
      [],
      "nothing created for refused names",
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
