/**
 * `obento containerize` end to end: the build context's files, then the image's exact entry command and
 * health check run outside Docker (no engine here) against the copied bundle; the refusals. One pack, one
 * server start.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { obento, packIris, runObento } from "./helpers/cli.ts";
import { execForm, parseDockerfile } from "./helpers/dockerfile.ts";
import { startServer } from "./helpers/server.ts";

Deno.test("containerize writes a build context whose entry command serves the copied bundle", async () => {
  const home = await Deno.makeTempDir();
  try {
    const bundle = await packIris(home);
    const binary = join(home, "obento-linux");
    await Deno.writeTextFile(binary, "#!/bin/sh\n");
    const ctx = join(home, "ctx");

    const made = await obento(home, "containerize", bundle, "--output", ctx, "--binary", binary);
    assert.equal(made.code, 0, made.stderr);
    assert.match(
      made.stdout,
      /wrote .*ctx: Dockerfile, \.dockerignore, bundle\/ \(\d+ files, [\d.]+ MB\), obento/,
    );
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(ctx))).map((e) => e.name).sort(),
      [".dockerignore", "Dockerfile", "bundle", "obento"],
    );
    assert.equal((await Deno.stat(join(ctx, "obento"))).mode! & 0o111, 0o111);
    assert.equal(
      await Deno.readTextFile(join(ctx, "bundle", "bento.yaml")),
      await Deno.readTextFile(join(bundle, "bento.yaml")),
    );

    // Refused when it exists; replaced with --force.
    const again = await obento(home, "containerize", bundle, "--output", ctx);
    assert.equal(again.code, 73);
    assert.match(again.stderr, /--output .*ctx already exists; give --force to replace it/);
    const forced = await obento(home, "containerize", bundle, "--output", ctx, "--binary", binary, "--force");
    assert.equal(forced.code, 0, forced.stderr);

    // The image's command, outside Docker: ENTRYPOINT + CMD, with /bundle → the copied bundle, and port 0 on
    // 127.0.0.1 instead of 3000 on every interface.
    const steps = parseDockerfile(await Deno.readTextFile(join(ctx, "Dockerfile")));
    const arg = (k: string) => steps.find((s) => s.keyword === k)!.args;
    assert.deepEqual(execForm(arg("ENTRYPOINT")), ["/usr/local/bin/obento"]);
    const cmd = execForm(arg("CMD")).map((a) =>
      a === "/bundle" ? join(ctx, "bundle") : a === "3000" ? "0" : a === "0.0.0.0" ? "127.0.0.1" : a
    );
    assert.equal(cmd[0], "serve");
    const server = await startServer(home, [...cmd.slice(1), "--workers", "1"], 60_000);
    try {
      const r = await fetch(`${server.url}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([[5.1, 3.5, 1.4, 0.2]]),
      });
      assert.equal(r.status, 200);
      assert.equal((await r.json()).length, 1);
      const port = new URL(server.url).port;
      const health = execForm(/CMD (\[.*\])$/.exec(arg("HEALTHCHECK"))![1]).slice(1).map((a) =>
        a === "3000" ? port : a
      );
      const healthy = await runObento({ home }, health);
      assert.equal(healthy.code, 0, healthy.stderr);
      assert.equal(healthy.stdout, `http://127.0.0.1:${port}/healthz: 200\n`);
      assert.equal(await server.stop(), 0);
      const down = await runObento({ home }, health);
      assert.equal(down.code, 1);
      assert.match(down.stderr, new RegExp(`^unhealthy: http://127\\.0\\.0\\.1:${port}/healthz: `));
    } finally {
      await server.stop();
    }

    // A link in the bundle that leaves it: refused, and nothing written.
    await Deno.writeTextFile(join(home, "secret.txt"), "s");
    await Deno.symlink(join(home, "secret.txt"), join(bundle, "leak.txt"));
    const leak = await obento(home, "containerize", bundle, "--output", join(home, "ctx2"));
    assert.equal(leak.code, 65);
    assert.match(leak.stderr, /leak\.txt links to .*secret\.txt, outside the bundle/);
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(home))).map((e) => e.name).filter((n) => n.includes("ctx2")),
      [],
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
