/**
 * `obento containerize` and `obento deploy` end to end. containerize: the build context's files, then the image's exact entry command and
 * health check run outside Docker (no engine here) against the copied bundle; the refusals. One pack, one
 * server start.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { obento, packIris, runObento } from "./helpers/cli.ts";
import { execForm, parseDockerfile } from "./helpers/dockerfile.ts";
import { startServer } from "./helpers/server.ts";
import { runCli } from "../src/cli/main.ts";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Service } from "kubernetes-models/v1/Service";

/** One packed iris bundle for both tests (packing is the slow part), removed when the test process ends. */
let packed: Promise<{ home: string; bundle: string }> | undefined;
function packedIris(): Promise<{ home: string; bundle: string }> {
  packed ??= (async () => {
    const home = await Deno.makeTempDir();
    globalThis.addEventListener("unload", () => Deno.removeSync(home, { recursive: true }));
    return { home, bundle: await packIris(home) };
  })();
  return packed;
}

Deno.test("containerize writes a build context whose entry command serves the copied bundle", async () => {
  const { home, bundle } = await packedIris();
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
  await Deno.remove(join(bundle, "leak.txt"));
});

Deno.test("deploy k8s and k8s-job write manifests that validate; bad input is refused", async () => {
  const { home, bundle } = await packedIris();
  const out = join(home, "k8s");
  const made = await obento(
    home,
    "deploy",
    "k8s",
    bundle,
    "--image",
    "reg.example/iris:1",
    "--output",
    out,
  );
  assert.equal(made.code, 0, made.stderr);
  assert.deepEqual((await Array.fromAsync(Deno.readDir(out))).map((e) => e.name).sort(), [
    "deployment.yaml",
    "hpa.yaml",
    "service.yaml",
  ]);
  const read = async (f: string) => parseAllDocuments(await Deno.readTextFile(join(out, f)))[0].toJSON();
  const deployment = await read("deployment.yaml");
  new Deployment(deployment).validate();
  new Service(await read("service.yaml")).validate();
  new HorizontalPodAutoscaler(await read("hpa.yaml")).validate();
  assert.equal(deployment.metadata.name, "iris-classifier");
  assert.equal(deployment.spec.template.spec.containers[0].image, "reg.example/iris:1");
  assert.equal(deployment.spec.template.spec.terminationGracePeriodSeconds, 25, "20 s drain + 5");
  const again = await obento(home, "deploy", "k8s", bundle, "--output", out);
  assert.equal(again.code, 73, again.stderr);

  const job = await obento(
    home,
    "deploy",
    "k8s-job",
    bundle,
    "predict",
    "--input",
    "/data/rows.csv",
    "--shards",
    "4",
  );
  assert.equal(job.code, 0, job.stderr);
  const docs = parseAllDocuments(job.stdout).map((d) => d.toJSON());
  assert.equal(docs.length, 1);
  new Job(docs[0]).validate();
  assert.ok(docs[0].spec.template.spec.containers[0].args.includes("$(JOB_COMPLETION_INDEX)/4"));

  for (
    const [args, code, message] of [
      [["k8s-job", bundle, "predict", "--input", "s3://b/rows.csv", "--shards", "2"], 64, /not URLs/],
      [
        ["k8s-job", bundle, "nope", "--input", "/d/x.csv", "--shards", "2"],
        66,
        /has no API "nope"; its APIs: predict/,
      ],
      [["k8s-job", bundle, "predict", "--input", "/d/x.csv"], 64, /give --shards N/],
      [["k8s", bundle, "--replicas", "0"], 64, /--replicas must be a positive integer/],
      [["helm", bundle], 64, /give a target, k8s or k8s-job, not "helm"/],
    ] as const
  ) {
    // In this process (the CLI's own entry): refusals need no server or model, and a subprocess each is slow.
    let stderr = "";
    const exit = await runCli(["deploy", ...args], {
      home,
      cwd: home,
      isTerminal: false,
      out: () => {},
      err: (t) => (stderr += t),
    });
    assert.equal(exit, code, `${args.join(" ")}: ${stderr}`);
    assert.match(stderr, message);
  }
});
