/**
 * A bundle's code runs sandboxed (issue 15, item 1): in `serve`'s model workers it may read its own bundle
 * and what its bento.yaml declares, and nothing else — not /etc/passwd, other variables, files outside, the
 * network, native libraries or programs, on either device. `--bundle-permissions` narrows what it declares
 * and refuses to widen it; `obento get`, /metadata and the start-up log show the permissions.
 * One packed probe bundle, one server per configuration.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { obento, ROOT, runObento } from "./helpers/cli.ts";
import { startServer } from "./helpers/server.ts";

const REFUSED = /refused by the service's sandbox/;
/** What the probe (tests/fixtures/services/sandbox_probe) attempts, and the refusal each must get. */
const FORBIDDEN: Record<string, RegExp> = {
  passwd: /^Requires read access to "\/etc\/passwd"/,
  env: /^Requires env access to "HOME"/,
  "env-all": /^Requires env access/,
  write: /^Requires write access to "\/tmp\/obento-sandbox-probe-escaped\.txt"/,
  net: /^Requires net access to "127\.0\.0\.1:9"/,
  dlopen: /^Requires ffi access/,
  run: /^Requires run access/,
};

async function tryIt(url: string, what: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${url}/try`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(what),
  });
  return { status: r.status, body: await r.json() };
}

/** Packs the probe into a fresh registry and gives its directory. */
async function withProbe(fn: (home: string, bundle: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "obento-sandbox-" });
  try {
    const packed = await runObento({ home, cwd: ROOT }, [
      "pack",
      "tests/fixtures/services/sandbox_probe/service.ts",
    ]);
    assert.equal(packed.code, 0, packed.stderr);
    const where = await obento(home, "get", "SandboxProbe", "--print-location");
    assert.equal(where.code, 0, where.stderr);
    await fn(home, where.stdout.trim());
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("serve: bundle code gets only what bento.yaml declares; get, /metadata and the log say what", async () => {
  await withProbe(async (home, bundle) => {
    const got = await obento(home, "get", "SandboxProbe:latest");
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /\n {2}sandbox: {3}read its bundle; read \/etc\/os-release; env NO_COLOR\n/);

    for (const device of ["wasm", "native"]) {
      const server = await startServer(home, [bundle, "--workers", "1", "--device", device]);
      try {
        assert.match(
          server.log(),
          /\n {2}sandbox +read its bundle; read \/etc\/os-release; env NO_COLOR \(bento\.yaml\)\n/,
        );
        const metadata = await (await fetch(`${server.url}/metadata`)).json();
        assert.deepEqual(metadata.env.permissions, { read: ["/etc/os-release"], env: ["NO_COLOR"] });
        assert.equal(metadata.serving.sandbox.source, "bento.yaml");
        for (const [what, refusal] of Object.entries(FORBIDDEN)) {
          const { status, body } = await tryIt(server.url, what);
          assert.equal(status, 500, `${device} ${what}: ${JSON.stringify(body)}`);
          assert.match(String(body.error), refusal, `${device} ${what}`);
          assert.match(String(body.error), REFUSED, `${device} ${what}`);
        }
        assert.deepEqual((await tryIt(server.url, "declared-read")).body, {
          what: "declared-read",
          got: true,
        });
        assert.deepEqual((await tryIt(server.url, "declared-env")).body, { what: "declared-env", got: "1" });
        // Not even at load: bento.yaml is parsed on the server's thread, so the YAML parser's variables are
        // not granted to the worker.
        const atLoad = (await tryIt(server.url, "yaml-env-at-load")).body.got as string[];
        assert.match(atLoad[0], /^Requires env access to "LOG_TOKENS"/, `${device}`);
        assert.match(atLoad[1], /^Requires env access to "LOG_STREAM"/, `${device}`);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    }
    await assert.rejects(Deno.stat("/tmp/obento-sandbox-probe-escaped.txt"), Deno.errors.NotFound);
  });
});

Deno.test("serve --bundle-permissions narrows what the bundle declares and never widens it", async () => {
  await withProbe(async (home, bundle) => {
    const server = await startServer(home, [
      bundle,
      "--workers",
      "1",
      "--bundle-permissions",
      "env=NO_COLOR",
    ]);
    try {
      assert.match(server.log(), /\n {2}sandbox +read its bundle; env NO_COLOR \(flag\)\n/);
      const read = await tryIt(server.url, "declared-read");
      assert.equal(read.status, 500);
      assert.match(String(read.body.error), /^Requires read access to "\/etc\/os-release"/);
      assert.deepEqual((await tryIt(server.url, "declared-env")).body, { what: "declared-env", got: "1" });
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const wider = await obento(
      home,
      "serve",
      bundle,
      "--port",
      "0",
      "--bundle-permissions",
      "net=example.com",
    );
    assert.equal(wider.code, 64, wider.stderr);
    assert.match(wider.stderr, /--bundle-permissions asks for net, which the bundle does not declare/);
    const both = await obento(
      home,
      "serve",
      bundle,
      "--port",
      "0",
      "--in-process",
      "--bundle-permissions",
      "none",
    );
    assert.equal(both.code, 64, both.stderr);
    assert.match(both.stderr, /--in-process runs without one; drop one/);
  });
});

Deno.test("run: bundle code is sandboxed too; it reads its input, writes its output, and nothing else", async () => {
  await withProbe(async (home) => {
    for (const [what, refusal] of Object.entries(FORBIDDEN)) {
      const r = await obento(home, "run", "SandboxProbe", "try", "--input", JSON.stringify(what));
      assert.equal(r.code, 70, `${what}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`error: ${refusal.source.slice(1)}.*${REFUSED.source}`), what);
    }
    const declared = await obento(home, "run", "SandboxProbe", "try", "--input", '"declared-env"');
    assert.equal(declared.code, 0, declared.stderr);
    assert.deepEqual(JSON.parse(declared.stdout), { what: "declared-env", got: "1" });
    const atLoad = await obento(home, "run", "SandboxProbe", "try", "--input", '"yaml-env-at-load"');
    assert.equal(atLoad.code, 0, atLoad.stderr);
    const [tokens, stream] = JSON.parse(atLoad.stdout).got;
    assert.match(tokens, /^Requires env access to "LOG_TOKENS"/);
    assert.match(stream, /^Requires env access to "LOG_STREAM"/);
    // A file input and a file output (with --errors): read and written by obento, outside the sandbox.
    await Deno.writeTextFile(join(home, "in.jsonl"), '"declared-read"\n"passwd"\n');
    const files = await obento(
      home,
      "run",
      "SandboxProbe",
      "try",
      "--input-file",
      join(home, "in.jsonl"),
      "--output",
      join(home, "out.jsonl"),
      "--errors",
      join(home, "bad.csv"),
      "--max-errors",
      "1",
    );
    assert.equal(files.code, 0, files.stderr);
    assert.equal(await Deno.readTextFile(join(home, "out.jsonl")), '{"what":"declared-read","got":true}\n');
    assert.match(
      await Deno.readTextFile(join(home, "bad.csv")),
      /^row,status,message\n2,500,.*\/etc\/passwd/,
    );
    const narrowed = await obento(
      home,
      "run",
      "SandboxProbe",
      "try",
      "--input",
      '"declared-read"',
      "--bundle-permissions",
      "none",
    );
    assert.equal(narrowed.code, 70, narrowed.stderr);
    assert.match(narrowed.stderr, /Requires read access to "\/etc\/os-release"/);
    // Service code that ends its worker fails its record instead of leaving the run waiting.
    const exited = await obento(home, "run", "SandboxProbe", "try", "--input", '"exit"');
    assert.equal(exited.code, 70, exited.stderr);
    assert.match(exited.stderr, /the service's code ended its model worker \(Deno\.exit\(3\)\)/);
    // --in-process is the explicit way out of the sandbox, for trusted bundles.
    const trusted = await obento(home, "run", "SandboxProbe", "try", "--input", '"passwd"', "--in-process");
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.ok(JSON.parse(trusted.stdout).got > 0);
  });
});
