/**
 * Builds the exported site's `app.js` at export time: `browser_main.ts` with the service SDK, the adapters,
 * the runtime's request path and their npm dependencies (fast-png, jpeg-js and theirs, resolved with the
 * `browser` export condition) in one minified ES module, by esbuild's WebAssembly build in this process —
 * no network and no `deno` CLI, so the compiled binary exports too (it embeds `src/` and the packages).
 * onnxruntime-web stays out: the site carries its browser WASM build in `ort/`, and `app.js` imports it from
 * there ({@link ORT_ENTRY}).
 *
 * @module
 */
import { createRequire } from "node:module";
import { dirname, extname, isAbsolute, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type {
  Loader,
  OnLoadResult,
  OnResolveArgs,
  OnResolveResult,
  Plugin,
} from "esbuild-wasm/esm/browser.js";
import { messageOf, ObentoError } from "../errors.ts";
import { loadEsbuild } from "../bundle/module_bundler.ts";
import { resolveExportsMap, resolveNodeFile } from "../bundle/npm_resolver.ts";
import { compareVersions, parseRange, parseVersion, satisfies, type Version } from "../bundle/npm_semver.ts";
// Imported here only to make sure Deno has the packages the page's code needs before they are looked up.
import "fast-png";
import "jpeg-js";

/** The page's script, bundled into `app.js`. */
const ENTRY = new URL("./browser_main.ts", import.meta.url);

/** Where `app.js` imports onnxruntime-web from, relative to itself: the WASM-only browser build. */
export const ORT_ENTRY = "./ort/ort.wasm.min.mjs";

/** The export conditions of a browser build, in order. */
const CONDITIONS = ["browser", "import", "module", "default"] as const;

const LOADERS: Readonly<Record<string, Loader>> = {
  ".ts": "ts",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".json": "json",
};

/**
 * The script, once built in this process: it depends only on obento's own sources and packages, which do not
 * change while it runs, and a build takes seconds (esbuild's WebAssembly build over ~90 files).
 */
let built: Promise<string> | undefined;

/** A package found on disk. */
interface Package {
  readonly name: string;
  readonly root: string;
  readonly manifest: Record<string, unknown>;
}

/**
 * Bundles the page's script (see the module doc), once per process.
 *
 * @returns the code of `app.js`
 * @throws {ObentoError} INTERNAL when a file of obento or of a package it uses cannot be found or bundled
 *   (a broken installation, not a user error)
 *
 * @example
 * ```ts
 * import { bundlePageScript } from "./browser_bundler.ts";
 * await Deno.writeTextFile("site/app.js", await bundlePageScript());
 * ```
 */
export function bundlePageScript(): Promise<string> {
  built ??= build();
  built.catch(() => (built = undefined)); // a later call may retry
  return built;
}

async function build(): Promise<string> {
  const esbuild = await loadEsbuild();
  const entry = fileURLToPath(ENTRY);
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: dirname(entry),
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      charset: "utf8",
      legalComments: "none",
      logLevel: "silent",
      plugins: [pagePlugin()],
    });
    return result.outputFiles[0].text;
  } catch (error) {
    const messages = (error as { errors?: { text: string }[] }).errors;
    throw new ObentoError(
      "INTERNAL",
      `could not build the page's script: ${
        Array.isArray(messages) && messages.length > 0
          ? messages.slice(0, 3).map((m) => m.text).join("; ")
          : messageOf(error)
      }`,
      { cause: error },
    );
  }
}

function pagePlugin(): Plugin {
  return {
    name: "obento-web",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        try {
          return await resolveImport(args);
        } catch (error) {
          return { errors: [{ text: messageOf(error) }] };
        }
      });
      build.onLoad({ filter: /.*/ }, async (args): Promise<OnLoadResult> => ({
        contents: await Deno.readFile(args.path),
        loader: LOADERS[extname(args.path)] ?? "js",
        resolveDir: dirname(args.path),
        pluginData: args.pluginData,
      }));
    },
  };
}

async function resolveImport(args: OnResolveArgs): Promise<OnResolveResult> {
  const specifier = args.path;
  if (args.kind === "entry-point") return { path: specifier, namespace: "file" };
  if (specifier === "onnxruntime-web") return { path: ORT_ENTRY, external: true };
  if (specifier.startsWith("node:")) {
    throw new Error(`${args.importer} imports ${specifier}, which a browser does not have`);
  }
  const from = args.pluginData as Package | undefined;
  if (specifier.startsWith(".") || isAbsolute(specifier)) {
    const file = await resolveNodeFile(resolve(args.resolveDir, specifier));
    if (file === undefined) throw new Error(`cannot find ${specifier} imported by ${args.importer}`);
    return { path: file, namespace: "file", pluginData: from };
  }
  const match = /^(@[^/]+\/[^/]+|[^/]+)(\/.*)?$/.exec(specifier);
  if (match === null) throw new Error(`cannot resolve "${specifier}" imported by ${args.importer}`);
  const [, name, subpath = ""] = match;
  const pkg = from === undefined ? await topLevelPackage(name) : await dependencyOf(from, name);
  const file = await entryOf(pkg, "." + subpath);
  return { path: file, namespace: "file", pluginData: pkg };
}

/** A package obento itself imports (through deno.json's imports), found where Deno put it. */
async function topLevelPackage(name: string): Promise<Package> {
  const file = createRequire(import.meta.url).resolve(name);
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = await readManifest(dir);
    if (manifest?.name === name) return { name, root: dir, manifest };
  }
  throw new Error(`cannot find the package folder of ${name} (from ${file})`);
}

/**
 * A dependency of `from`: beside it in a `node_modules/` layout, else the highest version satisfying
 * `from`'s range in the `<name>/<version>/` layout Deno's npm cache and a compiled binary's embedded packages
 * share.
 */
async function dependencyOf(from: Package, name: string): Promise<Package> {
  const deps = (from.manifest.dependencies ?? {}) as Record<string, string>;
  const range = parseRange(deps[name] ?? "*");
  if (range === undefined) throw new Error(`${from.name}: cannot read the range "${deps[name]}" of ${name}`);
  const depth = from.name.split("/").length;
  let base = from.root;
  for (let i = 0; i < depth; i++) base = dirname(base);
  const sibling = join(base, ...name.split("/"));
  const siblingManifest = await readManifest(sibling);
  if (siblingManifest?.name === name) return { name, root: sibling, manifest: siblingManifest };
  const cache = join(dirname(base), ...name.split("/"));
  let best: { version: Version; root: string; manifest: Record<string, unknown> } | undefined;
  for (const entry of await listDir(cache)) {
    const version = parseVersion(entry);
    if (version === undefined || !satisfies(version, range)) continue;
    if (best !== undefined && compareVersions(version, best.version) <= 0) continue;
    const manifest = await readManifest(join(cache, entry));
    if (manifest !== undefined) best = { version, root: join(cache, entry), manifest };
  }
  if (best === undefined) throw new Error(`${name}@${deps[name]} (needed by ${from.name}) is not installed`);
  return { name, root: best.root, manifest: best.manifest };
}

/** The file `pkg`'s `subpath` names for a browser: `exports` under {@link CONDITIONS}, else `browser`/`module`/`main`. */
async function entryOf(pkg: Package, subpath: string): Promise<string> {
  const m = pkg.manifest;
  let target: string | undefined;
  if (m.exports !== undefined && m.exports !== null) {
    target = resolveExportsMap(m.exports, subpath, CONDITIONS);
  } else if (subpath === ".") {
    target = [m.browser, m.module, m.main, "index.js"].find((f): f is string => typeof f === "string");
  } else target = subpath;
  const file = target === undefined ? undefined : await resolveNodeFile(join(pkg.root, target));
  if (file === undefined || !(file + sep).startsWith(pkg.root + sep)) {
    throw new Error(`${pkg.name} has no browser entry for "${subpath}"`);
  }
  return file;
}

async function readManifest(dir: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, "package.json")));
  } catch {
    return undefined;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
  } catch {
    return [];
  }
}
