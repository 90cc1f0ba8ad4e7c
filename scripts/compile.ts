/**
 * `deno task compile [--target T]… [--out DIR] [--webgpu]`: builds the single `obento` binary for Linux x86_64/aarch64,
 * macOS x86_64/arm64 and Windows x86_64 with `deno compile`. Needs the network to fetch `denort` for each
 * target once (our CI machines cannot; users can).
 *
 * The binary runs without a `deno` CLI: bundling at pack time uses esbuild-wasm in-process, inference uses
 * onnxruntime-web's WASM, and bundles load from data: URLs. The `--include` flags below embed the WebAssembly
 * files those packages read at run time.
 *
 * Beside each binary it writes the native runtime pack of that target's platform,
 * `obento-native-<platform>.tar.gz` (scripts/native_pack.ts; none for x86_64 macOS, which onnxruntime-node
 * has no build for): the binary leaves the native library out, and finds the unpacked pack beside itself
 * or through `--native-dir` (docs/shipping.md, "The native runtime pack"). `--no-native-pack` skips it.
 *
 * `--webgpu` also embeds onnxruntime-web's WebGPU build (dist/ort.webgpu.bundle.min.mjs, 0.1 MB, and
 * dist/ort-wasm-simd-threaded.asyncify.wasm, 26.8 MB) for `--device webgpu`. Left out by default: the
 * embedded files are 62 MB without it and the binary must stay under 120 MB with denort added; a binary
 * without it answers `--device webgpu` with an error saying so (docs/serving.md, "Devices").
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PERMISSIONS, UNSTABLE_FLAGS, V8_FLAGS } from "./obento_flags.ts";
import { makeNativePack, TARGET_PLATFORMS, tarNativePack } from "./native_pack.ts";

/** Targets `deno compile` supports that obento ships. */
const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  args: Deno.args,
  options: {
    target: { type: "string", multiple: true },
    out: { type: "string", default: join(root, "dist") },
    "dry-run": { type: "boolean" },
    webgpu: { type: "boolean" },
    "no-native-pack": { type: "boolean" },
  },
});
const targets = values.target?.length ? values.target : TARGETS;
for (const target of targets) {
  if (!TARGETS.includes(target)) {
    console.error(`unknown target ${target}; choose from ${TARGETS.join(", ")}`);
    Deno.exit(64);
  }
}

/**
 * The files of `dir` (not recursive) that are not in `keep` and are not licence texts or notices: what
 * `--exclude` leaves out of the binary.
 */
function unusedFiles(dir: string, keep: readonly string[]): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && !keep.includes(e.name) && !/LICEN[CS]E|NOTICE/i.test(e.name))
    .map((e) => join(dir, e.name));
}

// `--exclude` takes file paths (an `npm:` specifier is silently ignored), so the packages' files are listed
// from Deno's npm cache; the dynamic imports make sure both packages are there first.
await import("onnxruntime-web");
await import("typescript");
await import("swagger-ui-dist/swagger-ui.css", { with: { type: "text" } });
await import("@aws-sdk/client-s3");
const require = createRequire(import.meta.url);

/** onnxruntime-web's WebGPU build, read by src/backends/ort_webgpu.ts (`--webgpu` only). */
const WEBGPU_FILES = ["ort.webgpu.bundle.min.mjs", "ort-wasm-simd-threaded.asyncify.wasm"];
/** What `--webgpu` adds to the includes below. */
const INCLUDES_WEBGPU: string[] = [];

/**
 * Package files obento never reads, left out of the binary (~75 MB of ~107): of onnxruntime-web's dist/, all
 * but the Node entry, the plain WASM build it loads and the browser entry of that build (`export web`) (the jsep build for WebGPU/WebNN, the JSPI and asyncify
 * builds, the browser bundles and their source maps; with `--webgpu`, the WebGPU build stays); of
 * swagger-ui-dist, all but the two files /docs serves and the package's entry.
 */
const EXCLUDES = [
  ...unusedFiles(dirname(require.resolve("onnxruntime-web")), [
    "ort.node.min.mjs",
    "ort.node.min.mjs.map",
    "ort.node.min.js",
    "ort.node.min.js.map",
    "ort-wasm-simd-threaded.mjs",
    "ort-wasm-simd-threaded.wasm",
    // `obento export web` copies the browser WASM build's entry into the site (src/web/export_site.ts).
    "ort.wasm.min.mjs",
    ...(values.webgpu ? WEBGPU_FILES : []),
  ]),
  // Of TypeScript's lib/, all but the compiler API (typescript.js) and the lib.*.d.ts files pack's type check
  // reads (tsc, tsserver and their helpers: ~6 MB).
  ...((lib) =>
    unusedFiles(
      lib,
      [...Deno.readDirSync(lib)].map((e) => e.name).filter((n) => /^lib\.(.*\.)?d\.ts$/.test(n)).concat(
        "typescript.js",
      ),
    ))(
      dirname(require.resolve("typescript")),
    ),
  ...unusedFiles(dirname(require.resolve("swagger-ui-dist")), [
    "package.json",
    "index.js",
    "absolute-path.js",
    "swagger-ui.css",
    "swagger-ui-bundle.js",
  ]),
];

/**
 * The S3 store's SDK (`registry serve --store s3://…`, src/registry/s3_store.ts) ships three copies of itself:
 * `dist-cjs/` (what Deno loads: every one of its ~100 packages resolves to it, through `main` or the `node`
 * export condition, which Deno matches before `import` — checked by reading each package.json's `exports`),
 * `dist-es/` (for bundlers) and `dist-types/` (declarations, never read at run time). The last two stay out:
 * 72.3 → 68.0 MB with dist-types alone, 70.6 → ~66 MB of payload with both. Every cached version of the SDK's
 * scopes is covered (excluding a path the graph does not reach is a no-op); directories, so one flag each.
 */
function sdkUnusedDirs(): string[] {
  const registry = join(dirname(require.resolve("@aws-sdk/client-s3")), "..", "..", "..", "..");
  const out: string[] = [];
  for (const scope of ["@aws-sdk", "@smithy", "@aws-crypto"]) {
    for (const pkg of Deno.readDirSync(join(registry, scope))) {
      if (!pkg.isDirectory) continue;
      for (const version of Deno.readDirSync(join(registry, scope, pkg.name))) {
        if (!version.isDirectory) continue;
        for (const dist of ["dist-types", "dist-es"]) {
          const dir = join(registry, scope, pkg.name, version.name, dist);
          try {
            if (Deno.statSync(dir).isDirectory) out.push(dir);
          } catch { /* not there */ }
        }
      }
    }
  }
  return out;
}

/**
 * onnxruntime-node's native libraries (287 MB for its five platforms; linux-x64's alone is 46 MB) stay out of
 * the binary: with them it would pass 120 MB, and a `.node` addon whose own library sits beside it in the
 * virtual file system is not known to load from a compiled binary (not verifiable here: denort cannot be
 * downloaded). The library ships as a per-platform runtime pack beside the binary instead (made below; the
 * decision and the sizes are in docs/shipping.md); without one, the binary's `--device auto` falls back to
 * WASM and logs why, and `--device native` is an error naming the platform and where to put the pack. Its
 * JavaScript stays in (a few hundred KB), unused by the binary: the pack brings its own.
 */
function filesUnder(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((e) =>
    e.isDirectory ? filesUnder(join(dir, e.name)) : e.isFile ? [join(dir, e.name)] : []
  );
}
EXCLUDES.push(...filesUnder(join(dirname(require.resolve("onnxruntime-node")), "..", "bin")));
EXCLUDES.push(...sdkUnusedDirs());
// The unit tests beside the sources: `--include src` would embed them, and what they import with them
// (kubernetes-models did once, 5 MB). Nothing reads them at run time.
EXCLUDES.push(...filesUnder(join(root, "src")).filter((f) => f.endsWith("_test.ts")));

/** Files read at run time by path rather than imported, which `deno compile` must embed. */
if (values.webgpu) INCLUDES_WEBGPU.push(...WEBGPU_FILES.map((f) => `npm:onnxruntime-web@1.30.0/dist/${f}`));
const INCLUDES = [
  // The worker pool's entry module (serve's model workers and `obento run`'s) is started with
  // `new Worker(new URL(...))`, which the module graph does not see (docs/multicore.md).
  "src/worker/worker_main.ts",
  // Likewise the pack-time bundling worker (src/bundle/module_bundler.ts).
  "src/bundle/bundle_worker.ts",
  // And the worker pack evaluates the service module in (src/runtime/sandboxed_definition.ts).
  "src/runtime/definition_worker.ts",
  // And the pack-time type-checking worker (src/bundle/type_check.ts), which reads the SDK's own sources
  // (mod.ts and src/) as TypeScript input: without them pack says the service was not type-checked.
  "src/bundle/type_check_worker.ts",
  "mod.ts",
  "src",
  "npm:onnxruntime-web@1.30.0/dist/ort-wasm-simd-threaded.wasm",
  "npm:onnxruntime-web@1.30.0/dist/ort-wasm-simd-threaded.mjs",
  // Copied into the site `obento export web` writes, with the two above (src/web/export_site.ts).
  "npm:onnxruntime-web@1.30.0/dist/ort.wasm.min.mjs",
  "npm:esbuild-wasm@0.28.2/esbuild.wasm",
  ...INCLUDES_WEBGPU,
];

for (const target of targets) {
  const suffix = target.includes("windows") ? ".exe" : "";
  const output = join(values.out!, `obento-${target}${suffix}`);
  const args = [
    "compile",
    V8_FLAGS,
    ...UNSTABLE_FLAGS,
    ...PERMISSIONS,
    // Only the npm packages main.ts's module graph reaches (not the test and benchmark ones in deno.json,
    // such as onnxruntime-node's 290 MB of native builds), minus the package files obento never reads (EXCLUDES): 420 → 44 MB of embedded files.
    "--exclude-unused-npm",
    ...INCLUDES.flatMap((i) => ["--include", i]),
    ...EXCLUDES.flatMap((e) => ["--exclude", e]),
    "--target",
    target,
    "--output",
    output,
    join(root, "main.ts"),
  ];
  console.log(`deno ${args.join(" ")}`);
  const platform = values["no-native-pack"] ? undefined : TARGET_PLATFORMS[target];
  if (platform !== undefined) {
    console.log(`native runtime pack: ${join(values.out!, `obento-native-${platform}.tar.gz`)}`);
  }
  if (values["dry-run"]) continue;
  const { code } = await new Deno.Command(Deno.execPath(), { args, stdout: "inherit", stderr: "inherit" })
    .output();
  if (code !== 0) Deno.exit(code);
  if (platform !== undefined) await tarNativePack(await makeNativePack({ platform, out: values.out! }));
}
