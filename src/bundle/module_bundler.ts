/**
 * Bundles a service module at pack time: the user's `service.ts`, its relative imports and its npm
 * dependencies become ONE self-contained ESM file, while the obento SDK is left out and read at load time
 * from the host (see `src/bundle/module_loader.ts`). Runs esbuild's WebAssembly build in-process, so the
 * compiled obento binary needs neither the `deno` CLI nor a child process nor the network.
 *
 * Resolution rules (docs/bundling.md has the long form):
 * - the SDK: `obento`, `obento/…`, `@obento/obento`, `jsr:@obento/obento…`, and any import of a `mod.ts`
 *   whose folder holds `src/sdk/service.ts` → a virtual module reading {@link SDK_GLOBAL_KEY};
 * - bare specifiers go through the `imports` of the nearest `deno.json`/`deno.jsonc` above the entry;
 * - relative and absolute paths are taken as written (Deno needs the extension);
 * - `npm:name@range/sub` → the highest satisfying version in Deno's npm cache, or a `node_modules/` above;
 * - `node:` builtins stay external; `jsr:` and `http(s):` imports are refused with a way out.
 *
 * @module
 */
import { builtinModules } from "node:module";
import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type {
  Loader,
  Message,
  OnLoadArgs,
  OnLoadResult,
  OnResolveArgs,
  OnResolveResult,
  Plugin,
} from "esbuild-wasm/esm/browser.js";
import { type ErrorCode, messageOf, ObentoError } from "../errors.ts";
import { WebWorker } from "../web_worker.ts";
import { isFile } from "./_fs.ts";
import { SDK_GLOBAL_KEY, SDK_MISSING_KEY } from "./sdk_global.ts";
import { applyImportMap, findImportMap, type ImportMap } from "./import_map.ts";
import {
  defaultDenoDir,
  findInNodeModules,
  type NpmModuleData,
  resolveFromPackage,
  resolveNpmSpecifier,
} from "./npm_resolver.ts";

export { defaultDenoDir };

/** Options for {@link bundleServiceModule}. */
export interface BundleServiceOptions {
  /**
   * The names `mod.ts` exports at runtime (values, not types), e.g. `Object.keys(await import("mod.ts"))`;
   * the bundle re-exports exactly these (`default` is skipped: the default export is the whole namespace).
   */
  sdkExports: readonly string[];
  /**
   * Deno's cache folder, whose `npm/<registry host>/<name>/<version>/` holds npm packages.
   * Default: {@link defaultDenoDir} of the process environment (`$DENO_DIR`, else the platform default).
   */
  denoDir?: string;
  /**
   * Where `esbuild.wasm` is. Default: resolved from the `esbuild-wasm` npm package next to this module
   * (works under `deno run` and inside a `deno compile`d binary, which embeds the whole package).
   * Only the first bundling of a process reads it.
   */
  wasmUrl?: string | URL;
}

/** A bundled service module. */
export interface BundledServiceModule {
  /** The self-contained ESM code (`service.js` in a bundle). */
  code: string;
  /** Absolute paths of the local source files that went in, sorted (npm package files and the SDK excluded). */
  files: string[];
}

/** esbuild's WebAssembly build, initialised. */
export type Esbuild = typeof import("esbuild-wasm/esm/browser.js");

/** Per-build state of the resolver plugin. */
interface ResolveContext {
  entry: string;
  sdkExports: readonly string[];
  denoDir: string;
  importMap: ImportMap | undefined;
  files: Set<string>;
  needsRequireShim: boolean;
}

const LOADERS: Readonly<Record<string, Loader>> = {
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".tsx": "tsx",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".jsx": "jsx",
  ".json": "json",
  "": "js",
};
const NODE_BUILTINS: ReadonlySet<string> = new Set(builtinModules);
const SDK_NAMESPACE = "obento-sdk";
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The bundling worker's entry; `deno compile` must `--include` it (scripts/compile.ts). */
const BUNDLE_WORKER_URL = new URL("./bundle_worker.ts", import.meta.url);

/**
 * esbuild keeps process-wide state and can be initialised once per process, so the initialised module is
 * kept here (lazily: loading and serving bundles never import esbuild).
 */
let esbuildReady: Promise<Esbuild> | undefined;

/**
 * Bundles a service entry file into one self-contained ESM module, the SDK left for the host to supply.
 *
 * @param entry Path of the service module (`service.ts`).
 * @param options The SDK's export names and where to find npm packages.
 * @returns The code and the local files that went in.
 * @throws {ObentoError} `NOT_FOUND` when `entry` does not exist; `BAD_SERVICE` for a syntax error, a
 * missing import, an npm package not in the cache, or a `jsr:`/`http(s):` import — naming file:line:column.
 *
 * @example
 * ```ts
 * import { bundleServiceModule } from "./module_bundler.ts";
 * const { code, files } = await bundleServiceModule("examples/echo/service.ts", {
 *   sdkExports: ["defineService", "JsonInput"],
 * });
 * await Deno.writeTextFile("bundle/service.js", code);
 * console.log(files); // ["/…/examples/echo/service.ts"]
 * ```
 */
export async function bundleServiceModule(
  entry: string,
  options: BundleServiceOptions,
): Promise<BundledServiceModule> {
  if (WebWorker === undefined) return await bundleInThisThread(entry, options);
  const worker = new WebWorker(BUNDLE_WORKER_URL, { type: "module", name: "obento-bundler" });
  try {
    const reply = await new Promise<BundleReply>((settle, fail) => {
      worker.onmessage = (event: MessageEvent<BundleReply>) => settle(event.data);
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        fail(
          new ObentoError("INTERNAL", `the bundling worker crashed: ${event.message || "uncaught error"}`),
        );
      };
      const request: BundleRequest = {
        entry: resolve(entry),
        options: { ...options, wasmUrl: options.wasmUrl === undefined ? undefined : String(options.wasmUrl) },
      };
      worker.postMessage(request);
    });
    if ("error" in reply) throw new ObentoError(reply.error.code, reply.error.message);
    return reply.result;
  } finally {
    // Ending the worker's isolate also cancels V8's background optimisation of esbuild's WebAssembly (seconds
    // of CPU that would compete with the rest of pack) and frees its memory (~80 MiB).
    worker.terminate();
  }
}

/** What {@link bundleServiceModule} sends its worker (`src/bundle/bundle_worker.ts`). */
export interface BundleRequest {
  /** Absolute path of the entry. */
  entry: string;
  /** The options, `wasmUrl` as a string (a URL object does not cross a worker boundary). */
  options: BundleServiceOptions & { wasmUrl?: string };
}

/** What the worker answers. */
export type BundleReply =
  | { result: BundledServiceModule }
  | { error: { code: ErrorCode; message: string } };

/**
 * {@link bundleServiceModule} in the calling thread: the work of the bundling worker, and the fallback where
 * no Web Worker is available. esbuild stays initialised in the thread afterwards.
 */
export async function bundleInThisThread(
  entry: string,
  options: BundleServiceOptions,
): Promise<BundledServiceModule> {
  const sdkExports = options.sdkExports.filter((name) => name !== "default"); // the namespace is the default
  for (const name of sdkExports) {
    if (!IDENTIFIER.test(name)) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `SDK export name "${name}" is not an identifier obento can re-export`,
      );
    }
  }
  const entryPath = resolve(entry);
  if (!(await isFile(entryPath))) {
    throw new ObentoError("NOT_FOUND", `service file ${entryPath} does not exist; check the path`);
  }
  const esbuild = await loadEsbuild(options.wasmUrl ?? import.meta.resolve("esbuild-wasm/esbuild.wasm"));
  const ctx: ResolveContext = {
    entry: entryPath,
    sdkExports,
    denoDir: options.denoDir ?? defaultDenoDir(envGetter(), Deno.build.os),
    importMap: await findImportMap(dirname(entryPath)),
    files: new Set(),
    needsRequireShim: false,
  };
  const workDir = dirname(entryPath);
  let code: string;
  try {
    const result = await esbuild.build({
      entryPoints: [entryPath],
      absWorkingDir: workDir,
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      charset: "utf8",
      minify: false,
      logLevel: "silent",
      plugins: [resolverPlugin(ctx)],
    });
    code = result.outputFiles[0].text;
  } catch (error) {
    throw toObentoError(error, workDir);
  }
  if (ctx.needsRequireShim) {
    code = `import { createRequire as __obentoCreateRequire } from "node:module";\n` +
      `const require = __obentoCreateRequire("file:///obento/service.js");\n` + code;
  }
  return { code, files: [...ctx.files].sort() };
}

function envGetter(): (name: string) => string | undefined {
  return (name) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no --allow-env: fall back to the platform default
    }
  };
}

/**
 * esbuild's WebAssembly build, initialised in this thread on first use (esbuild can be initialised once per
 * thread, so every bundling in a thread shares it: pack's service modules, `obento export web`'s page script).
 *
 * @param wasmUrl where `esbuild.wasm` is; default beside the `esbuild-wasm` npm package (see
 *   {@link BundleServiceOptions.wasmUrl}). Only the first call of a thread reads it.
 * @returns the initialised module
 *
 * @example
 * ```ts
 * import { loadEsbuild } from "./module_bundler.ts";
 * const esbuild = await loadEsbuild();
 * console.log((await esbuild.transform("let x: number = 1", { loader: "ts" })).code); // let x = 1;
 * ```
 */
export function loadEsbuild(
  wasmUrl: string | URL = import.meta.resolve("esbuild-wasm/esbuild.wasm"),
): Promise<Esbuild> {
  esbuildReady ??= (async () => {
    // The browser build runs in-process (`worker: false`); the node build would spawn a child process.
    const esbuild = await import("esbuild-wasm/esm/browser.js");
    const wasmPath = typeof wasmUrl === "string" && wasmUrl.startsWith("file:") ? new URL(wasmUrl) : wasmUrl;
    const wasmModule = await WebAssembly.compile(await Deno.readFile(wasmPath));
    await esbuild.initialize({ wasmModule, worker: false });
    return esbuild;
  })();
  esbuildReady.catch(() => (esbuildReady = undefined)); // let a later call retry after a failure
  return esbuildReady;
}

// ---------------------------------------------------------------------------------------------------------
// The esbuild plugin

function resolverPlugin(ctx: ResolveContext): Plugin {
  return {
    name: "obento",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => guard(() => resolveImport(ctx, args)));
      build.onLoad({ filter: /.*/, namespace: SDK_NAMESPACE }, () => ({
        contents: sdkModuleSource(ctx.sdkExports),
        loader: "js",
      }));
      build.onLoad({ filter: /.*/, namespace: "file" }, (args) => guard(() => loadLocalFile(ctx, args)));
      build.onLoad({ filter: /.*/, namespace: "npm" }, (args) => guard(() => loadNpmFile(args)));
    },
  };
}

/** Turns a thrown error into an esbuild message, so esbuild adds the import's location to it. */
async function guard<T extends OnResolveResult | OnLoadResult>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    return { errors: [{ text: messageOf(error), detail: error }] } as T;
  }
}

/**
 * The virtual `obento` module: each SDK name read through `need`, which asks the host (its
 * {@link SDK_MISSING_KEY} function) to fail the load when the name is gone. The reads are pure calls, so
 * esbuild drops those of names the service does not import: only the names it uses are read and checked.
 */
function sdkModuleSource(names: readonly string[]): string {
  const lines = [
    `const sdk = globalThis[Symbol.for(${JSON.stringify(SDK_GLOBAL_KEY)})];`,
    `if (!sdk) throw new Error("this bundle must be loaded by obento");`,
    `const missing = sdk[Symbol.for(${JSON.stringify(SDK_MISSING_KEY)})] ?? ((name) => {`,
    "  throw new Error(`this bundle imports ${name}, which this obento's SDK does not have; load it with a newer obento`);",
    "});",
    "const need = (name) => (name in sdk ? sdk[name] : missing(name));",
  ];
  for (const name of names) {
    lines.push(`export const ${name} = /* @__PURE__ */ need(${JSON.stringify(name)});`);
  }
  lines.push("export default sdk;");
  return lines.join("\n") + "\n";
}

const SDK_RESULT: OnResolveResult = { path: "obento", namespace: SDK_NAMESPACE };

async function resolveImport(ctx: ResolveContext, args: OnResolveArgs): Promise<OnResolveResult> {
  if (args.kind === "entry-point") return { path: ctx.entry, namespace: "file" };
  const builtin = nodeBuiltin(args.path);
  if (builtin) {
    if (args.kind === "require-call") ctx.needsRequireShim = true;
    return { path: builtin, external: true };
  }
  if (args.namespace === "npm") return await resolveFromPackage(ctx, args, args.pluginData as NpmModuleData);
  return await resolveFromLocal(ctx, args);
}

function nodeBuiltin(specifier: string): string | undefined {
  if (specifier.startsWith("node:")) return specifier;
  const name = specifier.split("/")[0];
  return NODE_BUILTINS.has(name) && !name.startsWith("_") ? `node:${specifier}` : undefined;
}

function isSdkSpecifier(specifier: string): boolean {
  return specifier === "obento" || specifier.startsWith("obento/") || specifier === "@obento/obento" ||
    /^jsr:\/?@obento\/obento(@[^/]*)?(\/.*)?$/.test(specifier);
}

async function resolveFromLocal(ctx: ResolveContext, args: OnResolveArgs): Promise<OnResolveResult> {
  const importer = args.importer;
  let specifier = args.path;
  if (isSdkSpecifier(specifier)) return SDK_RESULT;
  if (isBare(specifier) && ctx.importMap) {
    const mapped = applyImportMap(ctx.importMap, specifier);
    if (mapped !== undefined) {
      if (isSdkSpecifier(mapped)) return SDK_RESULT;
      specifier = mapped;
    }
  }
  if (specifier.startsWith("file:")) specifier = fileURLToPath(specifier);
  if (specifier.startsWith("npm:")) return await resolveNpmSpecifier(ctx, specifier, args);
  if (/^jsr:/.test(specifier)) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${specifier} cannot be bundled offline: obento inlines local files and npm packages only; ` +
        `use the package's npm build (e.g. npm:@jsr/scope__name via JSR's npm registry) or copy its files ` +
        `into your project and import them by relative path`,
    );
  }
  if (/^https?:/.test(specifier)) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${specifier} cannot be bundled offline: obento inlines local files and npm packages only; ` +
        `download the module into your project and import it by relative path, or use an npm: package`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier) && !/^[a-z]:[\\/]/i.test(specifier)) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${specifier} uses a scheme obento cannot bundle; use a path or npm:`,
    );
  }
  if (isBare(specifier)) {
    const found = await findInNodeModules(args.resolveDir, specifier);
    if (found) return found;
    throw new ObentoError(
      "BAD_SERVICE",
      `cannot resolve "${specifier}" imported by ${importer}: add it to the "imports" of your deno.json ` +
        `(e.g. "${specifier}": "npm:${specifier}@^1") or import it as npm:${specifier}`,
    );
  }
  const path = resolve(args.resolveDir, specifier);
  if (await isSdkModFile(path)) return SDK_RESULT;
  if (!(await isFile(path))) {
    throw new ObentoError(
      "BAD_SERVICE",
      `cannot find ${args.path} imported by ${importer} (looked for ${path}); fix the path ` +
        `(Deno imports name the file with its extension, e.g. ./helper.ts)`,
    );
  }
  return { path, namespace: "file" };
}

async function isSdkModFile(path: string): Promise<boolean> {
  return basename(path) === "mod.ts" && await isFile(join(dirname(path), "src", "sdk", "service.ts"));
}

function isBare(specifier: string): boolean {
  return !specifier.startsWith(".") && !isAbsolute(specifier) && !/^[a-z][a-z0-9+.-]*:/i.test(specifier);
}

async function loadLocalFile(ctx: ResolveContext, args: OnLoadArgs): Promise<OnLoadResult> {
  ctx.files.add(args.path);
  return {
    contents: await Deno.readFile(args.path),
    loader: loaderFor(args.path),
    resolveDir: dirname(args.path),
  };
}

async function loadNpmFile(args: OnLoadArgs): Promise<OnLoadResult> {
  const data = args.pluginData as NpmModuleData;
  return {
    contents: await Deno.readFile(data.file),
    loader: loaderFor(data.file),
    resolveDir: dirname(data.file),
    pluginData: data,
  };
}

function loaderFor(path: string): Loader {
  const loader = LOADERS[extname(path).toLowerCase()];
  if (!loader) {
    throw new ObentoError(
      "BAD_SERVICE",
      `cannot bundle ${path}: obento bundles .ts, .tsx, .js, .mjs, .cjs, .jsx and .json files only`,
    );
  }
  return loader;
}

// ---------------------------------------------------------------------------------------------------------
// errors

function toObentoError(error: unknown, workDir: string): ObentoError {
  const messages = (error as { errors?: Message[] }).errors;
  if (!Array.isArray(messages) || messages.length === 0) {
    return new ObentoError("INTERNAL", `esbuild failed: ${messageOf(error)}`, { cause: error });
  }
  const lines = messages.slice(0, 5).map((m) => `${locationOf(m, workDir)}${m.text}`);
  if (messages.length > 5) lines.push(`(and ${messages.length - 5} more errors)`);
  const first = messages[0].detail;
  const code = first instanceof ObentoError && messages.length === 1 ? first.code : "BAD_SERVICE";
  return new ObentoError(code, lines.join("\n"), { cause: error });
}

function locationOf(message: Message, workDir: string): string {
  const loc = message.location;
  if (!loc) return "";
  const file = loc.namespace === "file" || loc.namespace === "" ? resolve(workDir, loc.file) : loc.file;
  return `${file}:${loc.line}:${loc.column + 1}: `;
}
