/**
 * Loads a bundled service module (made by `src/bundle/module_bundler.ts`) into this process: publishes the
 * host's SDK under the well-known symbol the bundle reads, imports the code from a `data:` URL and returns
 * the service it exports. A bundle imports nothing but `node:` builtins, so a `data:` URL import works the
 * same under `deno run` and in a `deno compile`d binary (see docs/bundling.md).
 *
 * @module
 */
import { messageOf, ObentoError } from "../errors.ts";
import { OBENTO_VERSION } from "../version.ts";
import { SDK_GLOBAL_KEY, SDK_MISSING_KEY } from "./sdk_global.ts";
import { explainRefusal } from "./permission_refusal.ts";

/** The shape obento checks a loaded service against (what `defineService` builds). */
export interface LoadedServiceShape {
  /** Service name. */
  readonly name: string;
  /** Declared APIs by name. */
  readonly apis: ReadonlyMap<string, unknown>;
  /** Declared artifacts by name. */
  readonly artifacts: Readonly<Record<string, unknown>>;
}

/**
 * A bundle imports a name this obento's SDK does not have (it was removed or renamed since the bundle was
 * packed): the load fails, naming it, instead of the service running with `undefined`.
 */
export class SdkNameMissingError extends ObentoError {
  /** The SDK name the bundle imports. */
  readonly sdkName: string;

  /** Makes the error for `sdkName`, imported by the module `filename`. */
  constructor(filename: string, sdkName: string) {
    super(
      "BAD_BUNDLE",
      `${filename} imports "${sdkName}" from obento, which the SDK of obento ${OBENTO_VERSION} ` +
        `(${SDK_GLOBAL_KEY}) does not have; pack the service again with this obento, or load the bundle with ` +
        "the obento version that packed it",
    );
    this.name = "SdkNameMissingError";
    this.sdkName = sdkName;
  }
}

/**
 * `sdk` as a bundle sees it: the same object (its classes, its state), plus the function a bundle calls for a
 * name the SDK lacks (`SDK_MISSING_KEY`, src/bundle/sdk_global.ts).
 */
function publishedSdk(sdk: Record<string, unknown>, filename: string): Record<string, unknown> {
  const missingKey = Symbol.for(SDK_MISSING_KEY);
  const missing = (name: string): never => {
    throw new SdkNameMissingError(filename, name);
  };
  return new Proxy(sdk, {
    get: (target, key, receiver) => key === missingKey ? missing : Reflect.get(target, key, receiver),
  });
}

/** Options for {@link loadServiceModule}. */
export interface LoadServiceModuleOptions {
  /** The name errors give the module, e.g. the bundle's `service.js` path. Default: `service.ts`. */
  filename?: string;
  /** Whose sandbox a refused permission is reported as: a bundle's (default) or pack's. */
  refusal?: "serve" | "pack";
}

/**
 * Imports bundled service code with `sdk` as its SDK and returns the service it exports (its default export,
 * else a named export `service`). Each call evaluates the code afresh.
 *
 * The SDK stays installed on `globalThis[Symbol.for("obento.sdk.v1")]`; a bundle reads it once, while it is
 * evaluated, so load bundles that need different SDK objects one after another, not concurrently.
 *
 * @param code The bundled ESM code.
 * @param sdk The SDK namespace: the host's service SDK (`hostParts().sdk`, src/runtime/host_parts.ts).
 * @param options How errors name the module.
 * @returns The exported service.
 * @throws {SdkNameMissingError} `BAD_BUNDLE` when the code imports a name `sdk` does not have.
 * @throws {ObentoError} `BAD_SERVICE` when the code throws while loading, or exports no service.
 *
 * @example
 * ```ts
 * import { loadServiceModule } from "./module_loader.ts";
 * const sdk = { defineService: (o: { name: string }) => ({ ...o, apis: new Map(), artifacts: {} }) };
 * const code = `const sdk = globalThis[Symbol.for("obento.sdk.v1")];
 * export default sdk.defineService({ name: "Echo" });`;
 * const service = await loadServiceModule(code, sdk, { filename: "bundle/service.js" });
 * console.log(service.name, [...service.apis.keys()]);
 * ```
 */
export async function loadServiceModule(
  code: string,
  sdk: Record<string, unknown>,
  options: LoadServiceModuleOptions = {},
): Promise<LoadedServiceShape> {
  const filename = options.filename ?? "service.ts";
  (globalThis as Record<symbol, unknown>)[Symbol.for(SDK_GLOBAL_KEY)] = publishedSdk(sdk, filename);
  // The nonce makes the URL unique, so the module is evaluated again instead of served from the module map.
  const source = `${code}\n// obento load ${crypto.randomUUID()}\n`;
  let namespace: Record<string, unknown>;
  try {
    namespace = await import(`data:text/javascript;base64,${toBase64(new TextEncoder().encode(source))}`);
  } catch (error) {
    if (error instanceof SdkNameMissingError) throw error;
    throw new ObentoError(
      "BAD_SERVICE",
      `${filename} failed while loading: ${
        explainRefusal(messageOf(error), options.refusal)
      }; fix the service code and pack again`,
      { cause: error },
    );
  }
  const exported = "default" in namespace ? namespace.default : namespace.service;
  if (exported === undefined) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${filename} has no default export; end it with \`export default defineService({...})\``,
    );
  }
  if (!isServiceShape(exported)) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${filename} exports ${describe(exported)}, not a service; ` +
        `end it with \`export default defineService({...})\``,
    );
  }
  return exported;
}

/**
 * Reads a bundled service file and loads it with {@link loadServiceModule}.
 *
 * @param path Path of the bundled module (a bundle's `service.js`).
 * @param sdk The SDK namespace.
 * @throws {ObentoError} `BAD_BUNDLE` when the file is missing; otherwise as {@link loadServiceModule}.
 *
 * @example
 * ```ts
 * import { loadServiceFile } from "./module_loader.ts";
 * import { hostParts } from "../runtime/host_parts.ts";
 * const service = await loadServiceFile("bundles/Echo/1/service.js", hostParts().sdk);
 * console.log(service.name); // Echo
 * ```
 */
export async function loadServiceFile(
  path: string,
  sdk: Record<string, unknown>,
): Promise<LoadedServiceShape> {
  let code: string;
  try {
    code = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ObentoError("BAD_BUNDLE", `${path} is missing; the bundle is incomplete, pack it again`, {
        cause: error,
      });
    }
    throw new ObentoError("BAD_BUNDLE", `cannot read ${path}: ${messageOf(error)}`, { cause: error });
  }
  return await loadServiceModule(code, sdk, { filename: path });
}

function isServiceShape(value: unknown): value is LoadedServiceShape {
  if (value === null || typeof value !== "object") return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.name === "string" && candidate.apis instanceof Map &&
    candidate.artifacts !== null && typeof candidate.artifacts === "object";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return `a function (${value.name || "anonymous"})`;
  if (typeof value === "object") return `an object without name/apis/artifacts`;
  return `a ${typeof value} (${String(value).slice(0, 40)})`;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
