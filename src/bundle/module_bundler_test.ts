import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ObentoError } from "../errors.ts";
import { OBENTO_VERSION } from "../version.ts";
import { loadServiceModule, SdkNameMissingError } from "./module_loader.ts";
import { bundleServiceModule, defaultDenoDir } from "./module_bundler.ts";

const FIXTURES = fileURLToPath(new URL("../../tests/fixtures/services/", import.meta.url));
const SDK_EXPORTS = ["defineService", "JsonInput", "FAKE_SDK_MARKER"] as const;

/** A temp folder laid out like a checkout: `<tmp>/mod.ts`, `<tmp>/src/sdk/service.ts`, `<tmp>/<fixture>/`. */
const TMP = await Deno.makeTempDir({ prefix: "obento_bundler_test_" });
await copyTree(join(FIXTURES, "_sdk"), TMP);
/** An empty Deno cache, for tests that must not see the real one. */
const EMPTY_DENO_DIR = join(TMP, "empty_deno_dir");
globalThis.addEventListener("unload", () => Deno.removeSync(TMP, { recursive: true }));

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const target = join(to, entry.name.replace(/\.txt$/, ""));
    if (entry.isDirectory) await copyTree(join(from, entry.name), target);
    else await Deno.copyFile(join(from, entry.name), target);
  }
}

async function fixture(name: string): Promise<string> {
  await copyTree(join(FIXTURES, name), join(TMP, name));
  return join(TMP, name, "service.ts");
}

interface FakeApi {
  input: unknown;
  handler: (item: unknown) => unknown;
}

/** A stand-in for the host SDK: just enough of defineService/JsonInput for the fixtures. */
function fakeSdk() {
  class JsonInput {}
  function defineService(options: { name: string }) {
    const apis = new Map<string, FakeApi>();
    const service = {
      name: options.name,
      apis,
      artifacts: {},
      api(name: string, opts: { input: unknown }, handler: (item: unknown) => unknown) {
        apis.set(name, { input: opts.input, handler });
        return service;
      },
    };
    return service;
  }
  return { defineService, JsonInput, FAKE_SDK_MARKER: "host marker" };
}

async function bundleAndLoad(name: string, denoDir?: string) {
  const entry = await fixture(name);
  const bundled = await bundleServiceModule(entry, { sdkExports: SDK_EXPORTS, denoDir });
  const sdk = fakeSdk();
  const service = await loadServiceModule(bundled.code, sdk) as unknown as {
    name: string;
    apis: Map<string, FakeApi>;
  };
  return { entry, bundled, sdk, service };
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ObentoError, `expected an ObentoError, got ${error}`);
    assert.equal(error.message, message);
    assert.equal(error.code, code);
    return true;
  });
}

Deno.test("bundles a service with a relative helper and leaves the SDK to the host", async () => {
  const { entry, bundled, sdk, service } = await bundleAndLoad("echo");
  assert.deepEqual(bundled.files, [entry, join(dirname(entry), "tokenize.ts")]);
  assert.ok(bundled.code.includes(`Symbol.for("obento.sdk.v1")`));
  assert.ok(bundled.code.includes("function tokenize(text)"));
  assert.ok(!bundled.code.includes("this text must not appear"), "fake mod.ts was inlined");
  assert.ok(!bundled.code.includes("FAKE_SDK_IMPLEMENTATION"), "fake src/sdk/service.ts was inlined");
  assert.ok(!/^import /m.test(bundled.code), "a bundle without node: builtins has no imports");
  assert.equal(service.name, "Echo");
  const api = service.apis.get("tokens");
  assert.ok(api?.input instanceof sdk.JsonInput, "the bundle must use the host's classes");
  assert.deepEqual(api.handler("  tea and  toast "), ["tea", "and", "toast"]);
});

Deno.test("produces the same code when bundling the same sources twice", async () => {
  const entry = await fixture("echo");
  const first = await bundleServiceModule(entry, { sdkExports: SDK_EXPORTS });
  const second = await bundleServiceModule(entry, { sdkExports: SDK_EXPORTS });
  assert.equal(first.code, second.code);
  assert.ok(first.code.includes("// service.ts\n"), "module comments are relative to the service folder");
});

Deno.test("maps obento, jsr:@obento/obento and a default import onto the host SDK", async () => {
  const { entry, bundled, service } = await bundleAndLoad("bare_obento");
  assert.deepEqual(bundled.files, [entry]);
  assert.equal(service.name, "Bare");
  assert.equal(service.apis.get("same")?.handler(null), true);
});

Deno.test("inlines an npm package from the Deno cache (npm:yaml@2.9.1) and runs it", async () => {
  const { bundled, service } = await bundleAndLoad("yaml_dep");
  assert.deepEqual(service.apis.get("parse")?.handler("a: [1, 2]\nb: text\n"), { a: [1, 2], b: "text" });
  assert.ok(bundled.code.includes("// npm:yaml@2.9.1/dist/index.js"), "package paths are host-independent");
  const cache = defaultDenoDir((name) => Deno.env.get(name), Deno.build.os);
  assert.ok(!bundled.code.includes(cache), "the cache location must not leak into the bundle");
  assert.equal(bundled.files.length, 1);
});

Deno.test("follows deno.jsonc imports, picks the highest cached version in range, and shims require", async () => {
  const denoDir = join(TMP, "fake_deno_dir");
  const registry = join(denoDir, "npm", "registry.npmjs.org");
  const write = async (path: string, text: string) => {
    await Deno.mkdir(dirname(join(registry, path)), { recursive: true });
    await Deno.writeTextFile(join(registry, path), text);
  };
  const fakepkg = (version: string) =>
    JSON.stringify({
      name: "fakepkg",
      version,
      dependencies: { fakedep: "~1.0.0" },
      exports: {
        ".": { types: "./x.d.ts", deno: "./esm/deno.js", import: "./esm/index.js", require: "./index.cjs" },
        "./extra": "./extra.js",
      },
    });
  for (const version of ["1.2.0", "1.3.5", "2.0.0", "1.4.0-beta.1"]) {
    await write(`fakepkg/${version}/package.json`, fakepkg(version));
    await write(
      `fakepkg/${version}/esm/deno.js`,
      `import { dep } from "fakedep";\nexport const version = "${version}-" + dep;\n`,
    );
    await write(`fakepkg/${version}/extra.js`, `export const extra = "extra";\n`);
  }
  for (const version of ["1.0.0", "1.0.1-beta.1", "1.1.0"]) {
    await write(
      `fakedep/${version}/package.json`,
      JSON.stringify({ name: "fakedep", version, main: "lib/main" }),
    );
    await write(
      `fakedep/${version}/lib/main.js`,
      `const path = require("path");\nmodule.exports = { dep: "dep${version}" + path.sep };\n`,
    );
  }
  const { entry, bundled, service } = await bundleAndLoad("import_map", denoDir);
  assert.deepEqual(bundled.files, [join(dirname(entry), "lib", "greet.ts"), entry]);
  assert.equal(service.apis.get("hi")?.handler("ada"), "hello ada 1.3.5-dep1.0.0/ extra /");
  assert.ok(
    bundled.code.startsWith(`import { createRequire as __obentoCreateRequire } from "node:module";\n`),
  );
});

Deno.test("names file:line:column and esbuild's text for a syntax error", async () => {
  const entry = await fixture("syntax_error");
  await rejectsWith(
    bundleServiceModule(entry, { sdkExports: SDK_EXPORTS }),
    "BAD_SERVICE",
    `${entry}:4:25: Expected ")" but found ";"`,
  );
});

Deno.test("names the importer and the path of a missing relative import", async () => {
  const entry = await fixture("missing_import");
  await rejectsWith(
    bundleServiceModule(entry, { sdkExports: SDK_EXPORTS }),
    "BAD_SERVICE",
    `${entry}:2:24: cannot find ./helper.ts imported by ${entry} (looked for ` +
      `${join(dirname(entry), "helper.ts")}); fix the path (Deno imports name the file with its extension, ` +
      `e.g. ./helper.ts)`,
  );
});

Deno.test("tells to run deno cache when an npm package is not cached", async () => {
  const entry = await fixture("missing_npm");
  await rejectsWith(
    bundleServiceModule(entry, { sdkExports: SDK_EXPORTS, denoDir: EMPTY_DENO_DIR }),
    "BAD_SERVICE",
    `${entry}:2:15: npm:lodash@4.17.21 is not in the local npm cache; run \`deno cache service.ts\` once, ` +
      `then pack again`,
  );
});

Deno.test("refuses a jsr: import and says how to vendor it", async () => {
  const entry = await fixture("jsr_import");
  await rejectsWith(
    bundleServiceModule(entry, { sdkExports: SDK_EXPORTS }),
    "BAD_SERVICE",
    `${entry}:2:22: jsr:@std/path@1 cannot be bundled offline: obento inlines local files and npm packages ` +
      `only; use the package's npm build (e.g. npm:@jsr/scope__name via JSR's npm registry) or copy its files ` +
      `into your project and import them by relative path`,
  );
});

Deno.test("reports a missing entry file as NOT_FOUND", async () => {
  const entry = join(TMP, "nowhere", "service.ts");
  await rejectsWith(
    bundleServiceModule(entry, { sdkExports: SDK_EXPORTS }),
    "NOT_FOUND",
    `service file ${entry} does not exist; check the path`,
  );
});

Deno.test("rejects an SDK export name that is not an identifier", async () => {
  await rejectsWith(
    bundleServiceModule(join(TMP, "any.ts"), { sdkExports: ["define-service"] }),
    "BAD_ARGUMENT",
    `SDK export name "define-service" is not an identifier obento can re-export`,
  );
});

Deno.test("loads a bundle whose service is a named export `service`", async () => {
  const { service } = await bundleAndLoad("named_export");
  assert.equal(service.name, "Named");
});

Deno.test("a bundled service without a default export fails to load with BAD_SERVICE", async () => {
  const entry = await fixture("no_default");
  const { code } = await bundleServiceModule(entry, { sdkExports: SDK_EXPORTS });
  await rejectsWith(
    loadServiceModule(code, fakeSdk()),
    "BAD_SERVICE",
    "service.ts has no default export; end it with `export default defineService({...})`",
  );
});

Deno.test("a bundled service that throws at top level fails to load naming the file", async () => {
  const entry = await fixture("throws");
  const { code } = await bundleServiceModule(entry, { sdkExports: SDK_EXPORTS });
  await rejectsWith(
    loadServiceModule(code, fakeSdk(), { filename: relative(TMP, entry) }),
    "BAD_SERVICE",
    "throws/service.ts failed while loading: threshold is not a number; fix the service code and pack again",
  );
});

Deno.test("a bundle that imports a name the host's SDK no longer has fails at load, naming it", async () => {
  const entry = await fixture("gone_sdk_name");
  const bundled = await bundleServiceModule(entry, { sdkExports: SDK_EXPORTS });
  const { FAKE_SDK_MARKER: _gone, ...newerSdk } = fakeSdk();
  await assert.rejects(
    loadServiceModule(bundled.code, newerSdk, { filename: "Gone/1/service.js" }),
    (error) => {
      assert.ok(error instanceof SdkNameMissingError);
      assert.equal(error.code, "BAD_BUNDLE");
      assert.equal(error.sdkName, "FAKE_SDK_MARKER");
      assert.equal(
        error.message,
        `Gone/1/service.js imports "FAKE_SDK_MARKER" from obento, which the SDK of obento ${OBENTO_VERSION} ` +
          "(obento.sdk.v1) does not have; pack the service again with this obento, or load the bundle with the " +
          "obento version that packed it",
      );
      return true;
    },
  );
  // With the SDK it was packed against, it loads and reads the name.
  const service = await loadServiceModule(bundled.code, fakeSdk()) as unknown as {
    apis: Map<string, FakeApi>;
  };
  assert.equal(service.apis.get("marker")?.handler(null), "host marker");
  // A bundle reads only the names its service imports: echo was packed with FAKE_SDK_MARKER in the SDK too.
  const echo = await bundleServiceModule(await fixture("echo"), { sdkExports: SDK_EXPORTS });
  assert.ok(!echo.code.includes("FAKE_SDK_MARKER"), "an unused SDK name is not read");
  assert.equal((await loadServiceModule(echo.code, newerSdk)).name, "Echo");
});
