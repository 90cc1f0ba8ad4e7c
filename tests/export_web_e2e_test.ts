/**
 * `obento export web` end to end, in a real headless Chromium (Debian's `chromium`, driven by npm
 * `playwright-core`): every example bundle is packed, exported, served by a small static file server and
 * used through its page — the fields form and the JSON box — and what the page shows must equal what
 * `obento run --device wasm` prints for the same input, byte for byte (the page runs the same onnxruntime-web
 * WASM build). Bundles a browser cannot run are refused at export with their reasons, leaving nothing behind.
 * One browser launch for every bundle. Skipped, saying why, only where no Chromium is installed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { extname, join } from "node:path";
import { ROOT } from "./helpers/cli.ts";
import { type DriverCall, type DriverPlan, driveSites } from "./helpers/site_driver.ts";
import { findChromium, noChromiumReason } from "./helpers/playwright.ts";
import { runCli } from "../src/cli/main.ts";

const executablePath = findChromium();

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".onnx": "application/octet-stream",
};

/** A static file server for `root` on 127.0.0.1 (onnxruntime-web fetches its WASM, so file:// will not do). */
function serveStatic(root: string): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.split("/").includes("..")) return new Response("bad path", { status: 400 });
    try {
      const file = await Deno.open(join(root, path));
      return new Response(file.readable, {
        headers: { "content-type": MIME[extname(path)] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

/**
 * The CLI in this process (`main.ts`'s own entry, `runCli`): a subprocess per pack, run and export costs
 * seconds each on a loaded machine, and esbuild and onnxruntime-web start once for all of them here.
 */
async function cli(home: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(args, {
    home,
    cwd: ROOT,
    isTerminal: false,
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  return { code, out, err };
}

/** One API call: the page's input (a file path relative to the repository), and the same for `obento run`. */
interface Case extends DriverCall {
  site: string;
  run: string[];
}

const FLOWER = { sepal_length: 6.3, sepal_width: 2.5, petal_length: 4.9, petal_width: 1.5 };
const TWO_FLOWERS = JSON.stringify([
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 7.7, sepal_width: 3.0, petal_length: 6.1, petal_width: 2.3 },
]);
const CASES: Case[] = [
  { site: "iris", api: "predict", via: "fields", input: FLOWER, run: ["--input", JSON.stringify([FLOWER])] },
  { site: "iris", api: "predict_proba", via: "json", input: TWO_FLOWERS, run: ["--input", TWO_FLOWERS] },
  {
    site: "forest",
    api: "predict",
    via: "fields",
    input: FLOWER,
    run: ["--input", JSON.stringify([FLOWER])],
  },
  { site: "forest", api: "predict", via: "json", input: TWO_FLOWERS, run: ["--input", TWO_FLOWERS] },
  { site: "json", api: "classify", via: "fields", input: FLOWER, run: ["--input", JSON.stringify(FLOWER)] },
  {
    site: "text",
    api: "classify",
    via: "text",
    input: "The striker scored twice before half time",
    run: ["--input", JSON.stringify("The striker scored twice before half time")],
  },
  {
    site: "text",
    api: "classify",
    via: "json",
    input: JSON.stringify("Simmer the onions in butter, then add garlic"),
    run: ["--input", JSON.stringify("Simmer the onions in butter, then add garlic")],
  },
  ...["digit_0_2.png", "digit_5_4.jpg"].map((image): Case => ({
    site: "digits",
    api: "classify",
    via: "file",
    input: `bundles/digits_cnn/images/${image}`,
    run: ["--input-file", join(ROOT, "bundles/digits_cnn/images", image)],
  })),
];

Deno.test({
  name: executablePath === undefined
    ? `export web in a browser (skipped: ${noChromiumReason()})`
    : "export web: every example bundle runs in headless Chromium and answers as obento run does",
  ignore: executablePath === undefined,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "obento-web-" });
    const server = serveStatic(home);
    try {
      const bundles: Record<string, [string, string[]]> = {
        iris: ["bundles/iris_classifier/service.ts", ["model=bundles/iris_classifier/iris_lr.onnx"]],
        forest: ["bundles/iris_forest/service.ts", ["model=bundles/iris_forest/iris_rf.onnx"]],
        json: ["bundles/iris_json/service.ts", ["model=bundles/iris_classifier/iris_lr.onnx"]],
        text: [
          "bundles/text_topic/service.ts",
          ["model=bundles/text_topic/text_topic.onnx", "vocab=bundles/text_topic/vocab.json"],
        ],
        digits: ["bundles/digits_cnn/service.ts", ["model=bundles/digits_cnn/digits_cnn.onnx"]],
      };
      const refused = join(home, "reads_files.ts");
      await Deno.writeTextFile(
        refused,
        `import { readFileSync } from "node:fs";
import { defineService, JsonInput } from "${join(ROOT, "mod.ts")}";
export default defineService({ name: "ReadsFiles", env: { permissions: { read: ["data"], env: ["HOME"] } } })
  .api("read", { input: new JsonInput() }, () => readFileSync("data/x.txt", "utf8"));
`,
      );
      // --no-check: the type check is pack's slow part, and tests/cli_e2e_test.ts covers it.
      for (
        const [name, [service, artifacts]] of [
          ...Object.entries(bundles),
          ["refused", [refused, []]] as const,
        ]
      ) {
        const packed = await cli(home, [
          "pack",
          service,
          ...artifacts.flatMap((a) => ["--artifact", a]),
          "--output",
          join(home, "bundles", name),
          "--no-check",
        ]);
        assert.equal(packed.code, 0, packed.err);
      }
      // What obento run prints, on the same WASM build the page runs (--in-process: the sandbox's worker
      // changes nothing in the numbers, and costs a worker start per run).
      const expected: string[] = [];
      for (const c of CASES) {
        const r = await cli(home, [
          "run",
          join(home, "bundles", c.site),
          c.api,
          ...c.run,
          "--device",
          "wasm",
          "--in-process",
          "--quiet",
        ]);
        assert.equal(r.code, 0, `obento run ${c.site} ${c.api}: ${r.err}`);
        expected.push(r.out.trimEnd());
      }

      await Deno.mkdir(join(home, "sites"));
      for (const name of Object.keys(bundles)) {
        const made = await cli(home, [
          "export",
          "web",
          join(home, "bundles", name),
          "--output",
          join(home, "sites", name),
        ]);
        assert.equal(made.code, 0, made.err);
        assert.match(
          made.out,
          /wrote .*: \d+ files, [\d.]+ MB \(onnxruntime-web 14\.3 MB, bundle [\d.]+ MB\)/,
        );
      }
      // No server code: the page, its script, its data, the bundle's module and artifacts, onnxruntime-web.
      const listing = async (dir: string): Promise<string[]> =>
        (await Array.fromAsync(Deno.readDir(dir))).flatMap((e) => e.isDirectory ? [] : [e.name]).sort();
      assert.deepEqual(await listing(join(home, "sites", "text")), ["app.js", "index.html", "site.json"]);
      assert.deepEqual(await listing(join(home, "sites", "text", "bundle", "artifacts")), [
        "model.onnx",
        "vocab.json",
      ]);
      assert.deepEqual(await listing(join(home, "sites", "text", "ort")), [
        "ort-wasm-simd-threaded.mjs",
        "ort-wasm-simd-threaded.wasm",
        "ort.wasm.min.mjs",
      ]);

      // One browser for every page: the cases in order, a page visit per bundle, then bad input.
      const base = `http://127.0.0.1:${server.addr.port}/sites`;
      const visits: DriverPlan["visits"] = [];
      for (const c of CASES) {
        const call: DriverCall = {
          api: c.api,
          via: c.via,
          input: c.via === "file" ? join(ROOT, c.input as string) : c.input,
        };
        const url = `${base}/${c.site}/index.html`;
        if (visits.at(-1)?.url === url) visits.at(-1)!.calls.push(call);
        else visits.push({ url, calls: [call] });
      }
      // Bad input gets the service's own answer, as on the server: a negative measurement is a 422.
      visits.push({
        url: `${base}/json/index.html`,
        calls: [{ api: "classify", via: "json", input: JSON.stringify({ ...FLOWER, petal_width: -1 }) }],
      });
      const result = await driveSites({ executablePath: executablePath!, visits });
      assert.deepEqual(result.pageErrors, []);
      const outputs = result.visits.flatMap((v) => {
        assert.equal(v.state, "ready", v.status);
        assert.match(v.status, /^Ready: \w+ \S+ runs in this browser \(onnxruntime-web, wasm\)\.$/);
        return v.outputs;
      });
      CASES.forEach((c, i) => {
        assert.equal(outputs[i].status, "200", `${c.site} ${c.api} via ${c.via}: ${outputs[i].text}`);
        assert.equal(outputs[i].text, expected[i], `${c.site} ${c.api} via ${c.via}`);
      });
      const bad = outputs[CASES.length];
      assert.equal(bad.status, "422");
      assert.match(bad.text, /"petal_width\\" cannot be negative/);

      // Refusals: every reason at once, exit 65, nothing written.
      const no = await cli(home, [
        "export",
        "web",
        join(home, "bundles", "refused"),
        "--output",
        join(home, "sites", "refused"),
      ]);
      assert.equal(no.code, 65);
      assert.match(no.err, /ReadsFiles:\S+ cannot run in a browser: /);
      assert.match(no.err, /permission read \(data\) in env\.permissions: a web page cannot read files/);
      assert.match(
        no.err,
        /permission env \(HOME\) in env\.permissions: a browser has no environment variables/,
      );
      assert.match(no.err, /its code imports node:fs, which browsers do not have/);
      assert.deepEqual(
        (await Array.fromAsync(Deno.readDir(join(home, "sites")))).map((e) => e.name).sort(),
        [
          ...Object.keys(bundles),
        ].sort(),
      );

      // Usage errors (64), before any work.
      for (
        const [args, message] of [
          [["export"], /obento export: give a target, web \(see `obento export --help`\)/],
          [["export", "pdf", join(home, "bundles", "json")], /give a target, web, not "pdf"/],
          [["export", "web", join(home, "bundles", "json")], /give one bundle and --output DIR/],
        ] as const
      ) {
        const r = await cli(home, [...args]);
        assert.equal(r.code, 64, r.err);
        assert.match(r.err, message);
      }

      // An existing output: refused without --force (73), replaced with it.
      const again = await cli(home, [
        "export",
        "web",
        join(home, "bundles", "json"),
        "--output",
        join(home, "sites", "json"),
      ]);
      assert.equal(again.code, 73);
      assert.match(again.err, /--output .*json already exists; give --force to replace it/);
      const forced = await cli(home, [
        "export",
        "web",
        join(home, "bundles", "json"),
        "--output",
        join(home, "sites", "json"),
        "--force",
      ]);
      assert.equal(forced.code, 0, forced.err);
    } finally {
      await server.shutdown();
      await Deno.remove(home, { recursive: true });
    }
  },
});
