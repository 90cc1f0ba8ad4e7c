/**
 * Type-checks a service module before it is packed, in-process with the TypeScript compiler (`npm:typescript`,
 * which the compiled binary embeds like any npm package), in a short-lived Worker (`type_check_worker.ts`), so
 * `obento pack` needs no `deno` CLI and no subprocess. The SDK's types come from this obento's own sources
 * (`mod.ts` and `src/`), so `artifacts.modle` fails exactly as it would under `deno check`.
 *
 * What is checked: the service file and every local file it imports, against the SDK. What is not: npm
 * packages and other remote imports resolve to `any` (their "cannot find module" errors are dropped), and the
 * `Deno` namespace is undeclared here (its "cannot find name 'Deno'" errors are dropped). `deno check
 * service.ts` checks those too.
 *
 * @module
 */
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type ErrorCode, messageOf, ObentoError } from "../errors.ts";
import { WebWorker } from "../web_worker.ts";
import { isFile } from "./_fs.ts";
import { applyImportMap, findImportMap, type ImportMap } from "./import_map.ts";

type TypeScript = typeof import("typescript");
type TsDiagnostic = import("typescript").Diagnostic;
type TsResolved = import("typescript").ResolvedModuleWithFailedLookupLocations;

/** One type error, with a 1-based position. */
export interface TypeDiagnostic {
  /** Absolute path of the file. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** TypeScript's error number, e.g. 2551. */
  code: number;
  /** The message, on one line. */
  message: string;
}

/** What a check found: the checker ran (and found these errors), or no checker was available. */
export type TypeCheckOutcome =
  | { readonly checked: true; readonly checker: string; readonly diagnostics: readonly TypeDiagnostic[] }
  | { readonly checked: false; readonly reason: string };

/** Something that type-checks a service module; `obento pack` takes one (tests inject their own). */
export interface ServiceTypeChecker {
  /** Checks `entry` (an absolute path) and the local files it imports. Never throws for type errors. */
  check(entry: string): Promise<TypeCheckOutcome>;
}

/** Options for {@link typescriptChecker}. */
export interface TypeScriptCheckerOptions {
  /** The SDK's `mod.ts` that `obento` imports resolve to (default: this obento's own). */
  sdkEntry?: string;
  /** Loads the compiler (default: `import("typescript")`); a rejection means "no checker". */
  loadTypeScript?: () => Promise<TypeScript>;
}

const OWN_SDK_ENTRY = new URL("../../mod.ts", import.meta.url);

/** The type-checking worker's entry; `deno compile` must `--include` it (scripts/compile.ts). */
const TYPE_CHECK_WORKER_URL = new URL("./type_check_worker.ts", import.meta.url);

/** Error numbers of "cannot find module" (dropped for npm/remote imports) and "cannot find name/namespace". */
const MISSING_MODULE = new Set([2307, 2792, 7016]);
const MISSING_NAME = new Set([2304, 2503, 2552, 2580, 2582]);

/**
 * The in-process TypeScript checker.
 *
 * @param options Where the SDK is, and how to load the compiler.
 * @returns A checker; its `check` reports `checked: false` with a reason when TypeScript or the SDK's
 *   sources cannot be loaded.
 *
 * @example
 * ```ts
 * import { typescriptChecker } from "./type_check.ts";
 * const outcome = await typescriptChecker().check("/abs/service.ts");
 * if (outcome.checked) console.log(outcome.checker, outcome.diagnostics.length);
 * ```
 */
export function typescriptChecker(options: TypeScriptCheckerOptions = {}): ServiceTypeChecker {
  return {
    async check(entry) {
      // A custom loader cannot cross into a worker; without Web Workers, check here.
      if (options.loadTypeScript !== undefined || WebWorker === undefined) {
        return await checkInThisThread(entry, options);
      }
      const worker = new WebWorker(TYPE_CHECK_WORKER_URL, { type: "module", name: "obento-type-check" });
      try {
        const reply = await new Promise<TypeCheckReply>((settle, fail) => {
          worker.onmessage = (event: MessageEvent<TypeCheckReply>) => settle(event.data);
          worker.onerror = (event: ErrorEvent) => {
            event.preventDefault();
            fail(
              new ObentoError(
                "INTERNAL",
                `the type-checking worker crashed: ${event.message || "uncaught error"}`,
              ),
            );
          };
          const request: TypeCheckRequest = { entry: resolve(entry), sdkEntry: options.sdkEntry };
          worker.postMessage(request);
        });
        if ("error" in reply) throw new ObentoError(reply.error.code, reply.error.message);
        return reply.outcome;
      } finally {
        worker.terminate();
      }
    },
  };
}

/** What {@link typescriptChecker} sends its worker (`src/bundle/type_check_worker.ts`). */
export interface TypeCheckRequest {
  /** Absolute path of the service module. */
  entry: string;
  /** The SDK's mod.ts, when not this obento's own. */
  sdkEntry?: string;
}

/** What the worker answers. */
export type TypeCheckReply =
  | { outcome: TypeCheckOutcome }
  | { error: { code: ErrorCode; message: string } };

/**
 * {@link typescriptChecker}'s check in the calling thread: the work of the type-checking worker, and the
 * fallback where no Web Worker is available or a custom TypeScript loader is given.
 */
export async function checkInThisThread(
  entry: string,
  options: TypeScriptCheckerOptions = {},
): Promise<TypeCheckOutcome> {
  const load = options.loadTypeScript ?? (async () => (await import("typescript")).default);
  const sdkEntry = options.sdkEntry ??
    (OWN_SDK_ENTRY.protocol === "file:" ? fileURLToPath(OWN_SDK_ENTRY) : undefined);
  if (sdkEntry === undefined || !(await isSdkModFile(sdkEntry))) {
    return { checked: false, reason: "this obento carries no SDK sources to check against" };
  }
  let ts: TypeScript;
  try {
    ts = await load();
  } catch (error) {
    return { checked: false, reason: `TypeScript could not be loaded (${messageOf(error)})` };
  }
  const importMap = await findImportMap(dirname(entry));
  const diagnostics = checkWith(ts, resolve(entry), resolve(sdkEntry), importMap);
  return { checked: true, checker: `TypeScript ${ts.version}`, diagnostics };
}

/**
 * One diagnostic as `file:line:column: message (TSnnnn)`, the file relative to `cwd`.
 *
 * @example
 * ```ts
 * import { formatDiagnostic } from "./type_check.ts";
 * const d = { file: "/p/service.ts", line: 3, column: 7, code: 2551, message: "Property 'modle' does not exist" };
 * console.log(formatDiagnostic(d, "/p")); // "service.ts:3:7: Property 'modle' does not exist (TS2551)"
 * ```
 */
export function formatDiagnostic(d: TypeDiagnostic, cwd: string): string {
  const rel = relative(cwd, d.file);
  const file = rel.startsWith("..") ? d.file : rel;
  return `${file}:${d.line}:${d.column}: ${d.message} (TS${d.code})`;
}

async function isSdkModFile(path: string): Promise<boolean> {
  return basename(path) === "mod.ts" && await isFile(path) &&
    await isFile(join(dirname(path), "src", "sdk", "service.ts"));
}

function isSdkSpecifier(specifier: string): boolean {
  return specifier === "obento" || specifier.startsWith("obento/") || specifier === "@obento/obento" ||
    /^jsr:\/?@obento\/obento(@[^/]*)?(\/.*)?$/.test(specifier);
}

function hasScheme(specifier: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(specifier) && !/^[a-z]:[\\/]/i.test(specifier);
}

function extensionOf(ts: TypeScript, file: string): import("typescript").Extension {
  const E = ts.Extension;
  const table: [string, import("typescript").Extension][] = [
    [".d.ts", E.Dts],
    [".d.mts", E.Dmts],
    [".d.cts", E.Dcts],
    [".mts", E.Mts],
    [".cts", E.Cts],
    [".tsx", E.Tsx],
    [".ts", E.Ts],
    [".mjs", E.Mjs],
    [".cjs", E.Cjs],
    [".jsx", E.Jsx],
    [".json", E.Json],
  ];
  return table.find(([suffix]) => file.endsWith(suffix))?.[1] ?? E.Js;
}

function checkWith(
  ts: TypeScript,
  entry: string,
  sdkEntry: string,
  importMap: ImportMap | undefined,
): TypeDiagnostic[] {
  const options: import("typescript").CompilerOptions = {
    target: ts.ScriptTarget.ESNext,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    allowJs: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: [],
    lib: ["lib.esnext.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts", "lib.dom.asynciterable.d.ts"],
  };
  // The SDK's files: each root's mod.ts and everything under its src/ (not its examples or tests).
  const sdkRoots = new Set([dirname(sdkEntry)]);
  const inSdk = (file: string) =>
    [...sdkRoots].some((root) => file === join(root, "mod.ts") || file.startsWith(join(root, "src") + sep));
  const external = new Set<string>();
  const resolved = (file: string): TsResolved => ({
    resolvedModule: {
      resolvedFileName: file,
      extension: extensionOf(ts, file),
      isExternalLibraryImport: false,
    },
  });
  const unresolved: TsResolved = { resolvedModule: undefined };

  const resolveOne = (specifier: string, containing: string): TsResolved => {
    const fromSdk = inSdk(containing);
    let target = specifier;
    if (!fromSdk) {
      if (isSdkSpecifier(target)) return resolved(sdkEntry);
      if (importMap && !target.startsWith(".") && !target.startsWith("/") && !hasScheme(target)) {
        const mapped = applyImportMap(importMap, target);
        if (mapped !== undefined) {
          if (isSdkSpecifier(mapped)) return resolved(sdkEntry);
          target = mapped;
        }
      }
      if (target.startsWith("file:")) target = fileURLToPath(target);
    }
    if (hasScheme(target) || (!target.startsWith(".") && !target.startsWith("/"))) {
      // npm:, node:, jsr:, https: and bare package names: not checked here (they become `any`).
      if (!fromSdk) external.add(specifier);
      return unresolved;
    }
    const path = resolve(dirname(containing), target);
    if (!ts.sys.fileExists(path)) return unresolved; // a missing local file keeps its error
    if (
      !fromSdk && basename(path) === "mod.ts" && ts.sys.fileExists(join(dirname(path), "src/sdk/service.ts"))
    ) {
      sdkRoots.add(dirname(path)); // another checkout's mod.ts, imported by path: an SDK too
    }
    return resolved(path);
  };

  const host = ts.createCompilerHost(options);
  host.resolveModuleNameLiterals = (literals, containing) =>
    literals.map((literal) => resolveOne(literal.text, containing));
  const program = ts.createProgram([entry], options, host);
  const userFiles = program.getSourceFiles().filter((f) =>
    !f.isDeclarationFile && !inSdk(resolve(f.fileName)) && !program.isSourceFileDefaultLibrary(f)
  );
  const found: TsDiagnostic[] = [
    ...program.getOptionsDiagnostics(),
    ...userFiles.flatMap((
      f,
    ) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ];
  const quotedExternal = [...external].map((s) => `'${s}'`);
  const out: TypeDiagnostic[] = [];
  for (const d of found) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ").replace(/\s+/g, " ");
    if (MISSING_MODULE.has(d.code) && quotedExternal.some((q) => message.includes(q))) continue;
    if (MISSING_NAME.has(d.code) && /'Deno'/.test(message)) continue;
    if (d.file === undefined || d.start === undefined) {
      out.push({ file: entry, line: 1, column: 1, code: d.code, message });
      continue;
    }
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    out.push({
      file: resolve(d.file.fileName),
      line: line + 1,
      column: character + 1,
      code: d.code,
      message,
    });
  }
  // The entry's errors first, then by file and position.
  const rank = (d: TypeDiagnostic) => (d.file === entry ? "" : d.file);
  return out.sort((a, b) => rank(a).localeCompare(rank(b)) || a.line - b.line || a.column - b.column);
}
