/**
 * `deno task compile` embeds every file obento reads at run time. `denort` cannot be downloaded here, so the
 * test builds the binary with `DENORT_BIN` set to this `deno` (the output is then plain `deno` with the
 * payload appended, which it ignores) and reads the embedded file tree out of it (scripts/compile_vfs.ts).
 * One compile: 4 s on a quiet machine, ~45 s on this loaded 2-core one.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { embeddedFiles } from "./compile_vfs.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TARGET = "x86_64-unknown-linux-gnu";

function sourceFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((e) =>
    e.isDirectory
      ? sourceFiles(join(dir, e.name))
      : e.isFile && e.name.endsWith(".ts")
      ? [join(dir, e.name)]
      : []
  );
}

/** `npm:name@version` of each import-map entry, by package name. */
const NPM: Record<string, string> = Object.fromEntries(
  Object.values(JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).imports as Record<string, string>)
    .map((spec) => /^npm:((?:@[^/]+\/)?[^@]+)@([^/]+)$/.exec(spec))
    .filter((m) => m !== null)
    .map((m) => [m![1], m![2]]),
);

/** The embedded path of `pkg/sub/path` in the binary's npm folder. */
function npmFile(specifier: string): string {
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const sub = parts.slice(name.split("/").length).join("/");
  assert.ok(NPM[name], `${name} is not in deno.json's imports`);
  return `.deno_compile_node_modules/localhost/${name}/${NPM[name]}/${sub}`;
}

/**
 * Files obento reads at run time by a path or URL rather than through a static import, found in the
 * sources: `new URL("./x.ts", import.meta.url)` (worker entries, the SDK's own mod.ts),
 * `import.meta.resolve("pkg/file")` (esbuild's wasm) and text imports (the Swagger UI assets, the registry's
 * web UI).
 */
function runTimeReads(): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(join(ROOT, "src"))) {
    if (file.endsWith("_test.ts")) continue;
    const code = Deno.readTextFileSync(file);
    for (const m of code.matchAll(/new URL\("(\.{1,2}\/[^"$]+)", import\.meta\.url\)/g)) {
      found.add(relative(ROOT, fileURLToPath(new URL(m[1], `file://${file}`))));
    }
    for (const m of code.matchAll(/import\.meta\.resolve\("([^".][^"]*)"\)/g)) found.add(npmFile(m[1]));
    for (const m of code.matchAll(/import\("([^"]+)", \{ with: \{ type: "(?:text|bytes)" \} \}\)/g)) {
      // a package's file (Swagger UI's) or one of ours (the registry's web UI)
      found.add(
        m[1].startsWith(".") ? relative(ROOT, fileURLToPath(new URL(m[1], `file://${file}`))) : npmFile(m[1]),
      );
    }
  }
  return found;
}

Deno.test("the compiled binary embeds every file obento reads at run time, not the native library, which is packed beside it", async () => {
  const out = await Deno.makeTempDir({ prefix: "obento-compile-" });
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(ROOT, "scripts/compile.ts"), "--target", TARGET, "--out", out],
      env: { DENORT_BIN: Deno.execPath(), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 0, log);
    const files = embeddedFiles(await Deno.readFile(join(out, `obento-${TARGET}`)));
    // Beside it, the native runtime pack of its platform (scripts/native_pack.ts; its loading is tested in
    // src/backends/native_pack_test.ts): only linux-x64's binaries, 17.7 MB packed.
    const manifest = JSON.parse(
      await Deno.readTextFile(join(out, "obento-native-linux-x64", "obento-native.json")),
    );
    assert.equal(manifest.platform, "linux-x64");
    assert.ok((await Deno.stat(join(out, "obento-native-linux-x64.tar.gz"))).size > 10e6);

    const reads = runTimeReads();
    // What the scan must find (so a change in how the sources spell these fails here, not in the binary).
    for (
      const expected of [
        "src/worker/worker_main.ts",
        "src/bundle/bundle_worker.ts",
        "src/bundle/type_check_worker.ts",
        "src/web/browser_main.ts",
        "mod.ts",
        npmFile("esbuild-wasm/esbuild.wasm"),
        npmFile("swagger-ui-dist/swagger-ui.css"),
        npmFile("swagger-ui-dist/swagger-ui-bundle.js"),
        "src/registry_server/ui/index.html",
        "src/registry_server/ui/app.js",
        "src/registry_server/ui/style.css",
      ]
    ) assert.ok(reads.has(expected), `the source scan no longer finds ${expected}`);
    // Read by name from inside packages, invisible to a scan of our sources: onnxruntime-web loads its WASM
    // build beside its entry; pack's type check reads TypeScript's compiler and its lib.*.d.ts files, and
    // the SDK's own sources (every file under src/); `export web` copies onnxruntime-web's browser WASM
    // build into the site and bundles the page's script from src/ and the browser builds of its packages.
    await import("typescript");
    const tsLib = dirname(createRequire(import.meta.url).resolve("typescript"));
    const needed = [
      ...reads,
      npmFile("onnxruntime-web/dist/ort-wasm-simd-threaded.wasm"),
      npmFile("onnxruntime-web/dist/ort-wasm-simd-threaded.mjs"),
      npmFile("onnxruntime-web/dist/ort.wasm.min.mjs"),
      npmFile("fast-png/lib/index.js"),
      npmFile("jpeg-js/index.js"),
      npmFile("typescript/lib/typescript.js"),
      ...[...Deno.readDirSync(tsLib)].filter((e) => /^lib\..*d\.ts$/.test(e.name)).map((e) =>
        npmFile(`typescript/lib/${e.name}`)
      ),
      ...sourceFiles(join(ROOT, "src")).filter((f) => !f.endsWith("_test.ts")).map((f) => relative(ROOT, f)),
    ];
    // fast-png's dependencies, which deno.json does not name (so no version here): their browser entries.
    for (
      const dependency of [/\/fflate\/[^/]+\/esm\/browser\.js$/, /\/iobuffer\/[^/]+\/lib\/iobuffer\.js$/]
    ) {
      assert.ok(
        [...files.keys()].some((f) => dependency.test(f)),
        `no file matching ${dependency} is embedded`,
      );
    }
    const missing = needed.filter((f) => !files.has(f));
    assert.deepEqual(
      missing,
      [],
      `not embedded (add them to INCLUDES in scripts/compile.ts):\n${missing.join("\n")}`,
    );

    // Unit tests stay out (scripts/compile.ts excludes them): nothing reads them, and they pull in test-only
    // packages.
    assert.deepEqual([...files.keys()].filter((f) => f.endsWith("_test.ts")), []);

    // The decision of docs/bundling.md: the native library stays out, its JavaScript in.
    const native = [...files.keys()].filter((f) => /onnxruntime-node\/[^/]+\/bin\//.test(f));
    assert.deepEqual(native, []);
    assert.ok([...files.keys()].some((f) => /onnxruntime-node\/[^/]+\/dist\/index\.js$/.test(f)));

    // A guard on the payload: the binary is denort plus these files, within 120 MB (docs/shipping.md).
    const payload = [...files.values()].reduce((a, b) => a + b, 0);
    // 64.0 MB before the S3 store's SDK (+5.1 MB after scripts/compile.ts leaves its dist-es and dist-types out).
    assert.ok(payload < 70e6, `embedded files grew to ${(payload / 1e6).toFixed(1)} MB (docs/shipping.md)`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
