/**
 * `deno run -A scripts/smoke_binary.ts [BINARY]` (default: dist/obento-<this machine's target>): smoke-tests a compiled `obento` binary on this machine, with
 * no `deno` on PATH and an empty HOME: `--version`; `pack` of the iris example (esbuild-wasm, the type check,
 * the SDK sources embedded); `run` of all 150 reference rows (labels equal scikit-learn's); `serve` with two
 * model workers (the worker entry embedded), one request, `/docs` (Swagger UI assets), `healthcheck`, and
 * SIGTERM → exit 0; `containerize` of the bundle with the binary; and, where `deno task compile` left this
 * platform's native runtime pack beside the binary (`obento-native-<platform>/`), `run --device native` with
 * it (labels again), and `--device native` with a missing pack (exit 69, naming the platform). Exit 0 when
 * all pass.
 *
 * `deno task release` runs it on the host's binary after `deno task compile`. BINARY may be any command that
 * behaves as obento: docs/shipping.md says how it was checked here on a wrapper around `deno run main.ts`.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nativePackName } from "../src/backends/native_pack.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Default: this machine's binary from `deno task compile`. */
const binary = Deno.args[0] ??
  join(ROOT, "dist", `obento-${Deno.build.target}${Deno.build.os === "windows" ? ".exe" : ""}`);

const work = await Deno.makeTempDir({ prefix: "obento-smoke-" });
const env = { HOME: work, OBENTO_HOME: join(work, "home"), PATH: "", NO_COLOR: "1" };
let failed = 0;

async function obento(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await new Deno.Command(binary, {
    args,
    env,
    clearEnv: true,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const d = new TextDecoder();
  return { code: r.code, stdout: d.decode(r.stdout), stderr: d.decode(r.stderr) };
}

function check(what: string, ok: boolean, detail = ""): void {
  if (!ok) failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${ok || detail === "" ? "" : `: ${detail}`}`);
}

try {
  const version = await obento(["--version"]);
  check(
    `--version (${version.stdout.trim()})`,
    version.code === 0 && /^obento /.test(version.stdout),
    version.stderr,
  );

  const bundle = join(work, "iris");
  const pack = await obento([
    "pack",
    "bundles/iris_classifier/service.ts",
    "--artifact",
    "model=bundles/iris_classifier/iris_lr.onnx",
    "--output",
    bundle,
  ]);
  check("pack the iris example", pack.code === 0 && /type-checked/.test(pack.stderr), pack.stderr);

  const ref: { columns: string[]; inputs: number[][]; label: number[]; class_names: string[] } = JSON.parse(
    await Deno.readTextFile(join(ROOT, "bundles/iris_classifier/reference.json")),
  );
  const records = ref.inputs.map((row) => Object.fromEntries(ref.columns.map((c, i) => [c, row[i]])));
  const run = await obento(["run", bundle, "predict", "--input", JSON.stringify(records), "--quiet"]);
  const labels = run.code === 0 ? JSON.parse(run.stdout) : [];
  check(
    "run 150 rows: labels equal scikit-learn's",
    JSON.stringify(labels) === JSON.stringify(ref.label.map((l) => ref.class_names[l])),
    run.stderr,
  );

  const nativePack = join(dirname(binary), nativePackName());
  if (await Deno.stat(nativePack).then(() => true, () => false)) {
    const native = await obento([
      "run",
      bundle,
      "predict",
      "--input",
      JSON.stringify(records),
      "--quiet",
      "--device",
      "native",
      "--native-dir",
      nativePack,
    ]);
    check(
      `run --device native from the runtime pack ${nativePack}: labels equal scikit-learn's`,
      native.code === 0 && native.stdout === run.stdout,
      native.stderr,
    );
    const missing = await obento([
      "run",
      bundle,
      "predict",
      "--input",
      "[]",
      "--device",
      "native",
      "--native-dir",
      work,
    ]);
    check(
      "--device native without a pack: exit 69 naming the platform and where to put it",
      missing.code === 69 && new RegExp(`no native runtime pack for \\S+ at ${work}`).test(missing.stderr),
      missing.stderr,
    );
  } else {
    console.log(`skip native runtime pack checks: no ${nativePack} (deno task compile makes it)`);
  }

  const server = new Deno.Command(binary, {
    args: ["serve", bundle, "--port", "0", "--workers", "2"],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const reading = (async () => {
    for await (const chunk of server.stderr) log += new TextDecoder().decode(chunk);
  })();
  try {
    let url: string | undefined;
    for (const until = Date.now() + 120_000; Date.now() < until;) {
      url ??= /listening on (http:\/\/[^\s"]+)/.exec(log)?.[1];
      const r = url ? await fetch(`${url}/readyz`).catch(() => undefined) : undefined;
      await r?.body?.cancel();
      if (r?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    check("serve --workers 2 becomes ready", url !== undefined, log);
    if (url) {
      const r = await fetch(`${url}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(records.slice(0, 2)),
      });
      const body = await r.text();
      check("POST /predict", r.status === 200 && body === JSON.stringify(labels.slice(0, 2)), body);
      const docs = await fetch(`${url}/docs`);
      const page = await docs.text();
      const css = page.match(/href="([^"]+\.css)"/)?.[1];
      const cssOk = css ? (await fetch(new URL(css, url)).then((x) => x.text())).length > 10_000 : false;
      check("GET /docs and its Swagger UI stylesheet", docs.status === 200 && cssOk, `${docs.status}`);
      const health = await obento(["healthcheck", "--port", new URL(url).port]);
      check("healthcheck", health.code === 0, health.stderr);
    }
  } finally {
    server.kill("SIGTERM");
    const { code } = await server.status;
    await reading;
    check("SIGTERM drains and exits 0", code === 0, log.split("\n").slice(-5).join("\n"));
  }

  const ctx = await obento(["containerize", bundle, "--output", join(work, "ctx"), "--binary", binary]);
  check("containerize with the binary", ctx.code === 0, ctx.stderr);
} finally {
  await Deno.remove(work, { recursive: true });
}
console.log(failed === 0 ? "smoke test passed" : `smoke test: ${failed} check(s) failed`);
Deno.exit(failed === 0 ? 0 : 1);
