/**
 * End to end: `obento registry serve` as a real process on 127.0.0.1 (one per file), driven by the real CLI:
 * tokens (create/list/revoke), push, list, get, pull, delete with --registry and OBENTO_TOKEN, 401/403 as
 * exit 77, 409 as exit 73, and a push killed mid-stream that leaves nothing and can be re-run; and a server
 * on an S3-compatible store (s3rver in this process): push and pull through the bucket, a missing bucket.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openRegistry } from "../src/registry/registry.ts";
import { writeTestBundle } from "../src/registry/_testing.ts";
import { cleanEnv, type CliRun, obentoArgs, ROOT, runObento } from "./helpers/cli.ts";
import { startS3 } from "./helpers/s3.ts";
import { createToken, startRegistry } from "./helpers/faults/registry_server.ts";
import { digestTree } from "../src/bundle/manifest.ts";

function spawnObento(home: string, args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...obentoArgs(), ...args],
    cwd: ROOT,
    env: { ...cleanEnv(home), ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

function obento(home: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runObento({ home, cwd: ROOT, env }, args);
}

async function dotEntries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.startsWith(".")) out.push(e.name);
  return out;
}

Deno.test("registry serve + the CLI: tokens, push, list, get, pull, delete, 401/403/409, interrupted push", async () => {
  const root = await Deno.makeTempDir({ prefix: "obento-rse2e-" });
  const serverHome = join(root, "server");
  const alice = join(root, "alice");
  const bob = join(root, "bob");
  const token = (scope: string) => createToken(serverHome, scope);
  const [read, write, admin] = [await token("read"), await token("write"), await token("admin")];
  const listed = await obento(serverHome, ["registry", "token", "list", "--json"]);
  assert.deepEqual(JSON.parse(listed.stdout).map((t: { scope: string }) => t.scope).sort(), [
    "admin",
    "read",
    "write",
  ]);
  assert.ok(!listed.stdout.includes(read.token), "token list never shows secrets");

  const local = await openRegistry({ home: alice });
  await local.add(
    await writeTestBundle(join(root, "src1"), { name: "Iris", version: "1", labels: { stage: "prod" } }),
  );
  await local.add(
    await writeTestBundle(join(root, "src2"), { name: "Big", version: "1", artifactBytes: 96 * 1024 * 1024 }),
  );
  local.close();

  const server = await startRegistry(serverHome);
  try {
    const as = (t: { token: string } | undefined) => ({
      OBENTO_REGISTRY_URL: server.url,
      ...(t ? { OBENTO_TOKEN: t.token } : {}),
    });
    // no token: 401 → exit 77; read token pushing: 403 → exit 77
    let r = await obento(alice, ["list"], as(undefined));
    assert.equal(r.code, 77, r.stderr);
    assert.match(r.stderr, /this registry needs a token for reading/);
    r = await obento(alice, ["push", "Iris:1"], as(read));
    assert.equal(r.code, 77, r.stderr);
    assert.match(r.stderr, /has scope read; pushing needs write/);
    r = await obento(alice, ["push", "Iris:1", "--registry", server.url], { OBENTO_TOKEN: write.token });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pushed Iris:1 to http:\/\/127\.0\.0\.1:\d+ \(\d+ bytes\)\n$/);
    r = await obento(alice, ["push", "Iris:1"], as(write));
    assert.equal(r.code, 73, r.stderr);
    assert.match(r.stderr, /Iris:1 is already in the registry/);
    r = await obento(alice, ["list", "--labels", "stage=prod", "--json"], as(read));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout).map((b: { name: string; version: string }) => `${b.name}:${b.version}`),
      ["Iris:1"],
    );
    r = await obento(alice, ["get", "Iris:latest"], as(read));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Iris:1\n/);

    // a push killed mid-stream leaves nothing published and can be run again
    const storeDir = join(serverHome, "bundles");
    const pushing = spawnObento(alice, ["push", "Big:1"], as(write));
    const until = Date.now() + 60_000;
    let started = false;
    while (!started && Date.now() < until) {
      for (const name of await dotEntries(storeDir)) {
        if (!name.startsWith(".upload-") || name.endsWith(".lock")) continue;
        try {
          started = (await Deno.stat(join(storeDir, name, "artifacts", "model.onnx"))).size > 1024 * 1024;
        } catch { /* not yet */ }
      }
      if (!started) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(started, "the push did not start streaming");
    pushing.kill("SIGKILL");
    await pushing.output();
    for (let i = 0; i < 200 && (await dotEntries(storeDir)).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await dotEntries(storeDir), []);
    r = await obento(alice, ["list", "Big", "--json"], as(read));
    assert.equal(r.stdout.trim(), "[]");
    r = await obento(alice, ["push", "Big:1"], as(write));
    assert.equal(r.code, 0, r.stderr);

    // pull into another registry, and retrieve into a directory
    r = await obento(bob, ["pull", "Big:latest", "--json"], as(read));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).name, "Big");
    r = await obento(bob, ["list", "--json"], { OBENTO_REGISTRY_URL: "" });
    assert.deepEqual(JSON.parse(r.stdout).map((b: { name: string }) => b.name), ["Big"]);
    r = await obento(bob, ["retrieve", "Iris:1", "--target-dir", join(root, "iris-copy")], as(read));
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await Deno.stat(join(root, "iris-copy", "bento.yaml"))).isFile);

    // delete needs admin
    r = await obento(bob, ["delete", "Big:1", "--yes"], as(write));
    assert.equal(r.code, 77, r.stderr);
    r = await obento(bob, ["delete", "Big:1", "--yes"], as(admin));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "deleted Big:1\n");

    // a revoked token stops working at once
    r = await obento(serverHome, ["registry", "token", "revoke", read.id]);
    assert.equal(r.code, 0, r.stderr);
    r = await obento(bob, ["list"], as(read));
    assert.equal(r.code, 77, r.stderr);
    assert.match(r.stderr, /not valid \(unknown, malformed or revoked\)/);
  } finally {
    await server.stop();
    assert.match(server.log(), /obento registry stopped/);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("registry serve --store s3://… --s3-endpoint: push and pull through a bucket; a missing bucket exits 69", async () => {
  const s3 = await startS3(["team"]);
  const root = await Deno.makeTempDir({ prefix: "obento-rss3-" });
  const serverHome = join(root, "server");
  const aws = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" };
  try {
    let r = await obento(
      serverHome,
      ["registry", "serve", "--store", "s3://nope/x", "--s3-endpoint", s3.endpoint, "--port", "0"],
      aws,
    );
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /bucket "nope" does not exist at http:\/\/127\.0\.0\.1:\d+; create it/);
    const { token } = await createToken(serverHome, "write");
    const source = await writeTestBundle(join(root, "src"), {
      name: "Iris",
      version: "1",
      artifactBytes: 200_000,
    });
    const local = await openRegistry({ home: join(root, "alice") });
    await local.add(source);
    local.close();

    const server = await startRegistry(
      serverHome,
      ["--store", "s3://team/obento", "--s3-endpoint", s3.endpoint],
      aws,
    );
    let log = "";
    try {
      const as = { OBENTO_REGISTRY_URL: server.url, OBENTO_TOKEN: token };
      r = await obento(join(root, "alice"), ["push", "Iris:1"], as);
      assert.equal(r.code, 0, r.stderr);
      r = await obento(join(root, "bob"), ["pull", "Iris:1"], as);
      assert.equal(r.code, 0, r.stderr);
      const bob = await openRegistry({ home: join(root, "bob") });
      try {
        assert.deepEqual(await digestTree((await bob.resolve("Iris:1")).path), await digestTree(source));
      } finally {
        bob.close();
      }
      r = await obento(join(root, "bob"), ["get", "Iris:1", "--json"], as);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await server.stop();
      log = server.log();
    }
    assert.match(log, /store s3:\/\/team\/obento\)/);
    // verify and gc work on the team registry's database and bucket directly
    const team = [
      "--db",
      join(serverHome, "registry.db"),
      "--store",
      "s3://team/obento",
      "--s3-endpoint",
      s3.endpoint,
    ];
    r = await obento(serverHome, ["registry", "verify", ...team], aws);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "checked 1 bundle: ok\n");
    r = await obento(serverHome, ["registry", "gc", ...team, "--json"], aws);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { removed: [], inProgress: [] });
    // the server's home holds the index and tokens only: bundle files live in the bucket
    const entries = [];
    for await (const e of Deno.readDir(serverHome)) entries.push(e.name);
    assert.ok(!entries.includes("bundles"), entries.join(", "));
  } finally {
    await s3.stop();
    await Deno.remove(root, { recursive: true });
  }
});
