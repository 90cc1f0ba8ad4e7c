/**
 * Loads a bundle directory into a {@link LoadedService}: reads bento.yaml, checks the MANIFEST digests,
 * evaluates the bundled service module against the host SDK, and loads each artifact on the chosen backend.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import type { InferenceBackend, SessionOptions } from "../sdk/backend.ts";
import type { JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import type { ArtifactContext, ArtifactSpecs } from "../sdk/artifact.ts";
import type { ApiSpec, Service } from "../sdk/service.ts";
import { OnnxModel } from "../artifacts/onnx_model_artifact.ts";
import { v2InferApi } from "../v2/infer_api.ts";
import { type BentoDocument, BUNDLE_FORMAT, parseBento } from "../bundle/bento_yaml.ts";
import { DENO_VERSION, OBENTO_VERSION } from "../version.ts";
import { verifyManifest } from "../bundle/manifest.ts";
import { describeNonFile } from "../file_kind.ts";
import { loadServiceModule } from "../bundle/module_loader.ts";
import { checkNotBareDirectory } from "../bundle/bundle_dir.ts";
import { parsePermissions } from "../bundle/permissions.ts";
import { LoadedService } from "./loaded_service.ts";
import type { InvokeContext } from "./invoke.ts";

const BENTO_FILE = "bento.yaml";

/** Options for {@link loadBundle}. */
export interface LoadBundleOptions {
  /** The SDK namespace the bundled module imports (what mod.ts exports). */
  sdk: Record<string, unknown>;
  /** Backend for ONNX artifacts. */
  backend: InferenceBackend;
  /** Session options for ONNX artifacts (an artifact's own options win). Default `{}`. */
  sessionOptions?: SessionOptions;
  /** Check every file against MANIFEST before loading. Default true. */
  verify?: boolean;
  /** Output adapter for APIs that declare none. */
  defaultOutput: OutputAdapter;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ObentoError("NOT_FOUND", `${path} not found: ${what}`);
    }
    throw error;
  }
}

/** Checks that the service's declared artifacts are exactly those bento.yaml lists, with the same types. */
function checkArtifacts(service: Service<ArtifactSpecs>, doc: BentoDocument, where: string): void {
  const declared = Object.keys(service.artifacts);
  const packed = doc.artifacts.map((a) => a.name);
  for (const name of declared) {
    const record = doc.artifacts.find((a) => a.name === name);
    if (!record) {
      throw new ObentoError(
        "BAD_BUNDLE",
        `${where}: the service declares artifact "${name}" but the bundle has none`,
      );
    }
    if (record.type !== service.artifacts[name].type) {
      throw new ObentoError(
        "BAD_BUNDLE",
        `${where}: artifact "${name}" is packed as ${record.type} but the service declares ${
          service.artifacts[name].type
        }`,
      );
    }
  }
  for (const name of packed) {
    if (!declared.includes(name)) {
      throw new ObentoError(
        "BAD_BUNDLE",
        `${where}: bundle artifact "${name}" is not declared by the service`,
      );
    }
  }
}

/**
 * Loads the bundle at `path`.
 * @throws ObentoError NOT_FOUND when there is no such directory, BAD_BUNDLE when it holds no bento.yaml, INTEGRITY when a file changed after packing,
 *   BAD_BUNDLE / BAD_SERVICE / BAD_MODEL when the contents are wrong.
 */
export async function loadBundle(path: string, options: LoadBundleOptions): Promise<LoadedService> {
  const root = resolve(path);
  const yamlPath = join(root, BENTO_FILE);
  await checkNotBareDirectory(root);
  const yamlInfo = await Deno.lstat(yamlPath).catch(() => undefined);
  if (yamlInfo !== undefined && !yamlInfo.isFile) {
    throw new ObentoError("BAD_BUNDLE", `${yamlPath} is ${describeNonFile(yamlInfo)}, not a regular file`);
  }
  const yamlText = await readText(yamlPath, `${root} is not a bundle directory`);
  const doc = parseBento(yamlText, yamlPath);
  // Verifying reads every file once; the module and artifacts are taken from that read, not read again.
  const verified = options.verify === false
    ? new Map<string, Uint8Array>()
    : await verifyManifest(root, [BENTO_FILE, doc.service.module, ...doc.artifacts.map((a) => a.file)]);
  // bento.yaml was read before the check: a bundle replaced in between would pair the old document with
  // the new files. Refuse that instead of loading half of each.
  const checkedYaml = verified.get(BENTO_FILE);
  if (checkedYaml !== undefined && new TextDecoder().decode(checkedYaml) !== yamlText) {
    throw new ObentoError(
      "INTEGRITY",
      `${yamlPath} changed while the bundle was loading (it was replaced under the server?); nothing was ` +
        "loaded from it",
    );
  }
  const modulePath = join(root, doc.service.module);
  const moduleBytes = verified.get(doc.service.module);
  const code = moduleBytes
    ? new TextDecoder().decode(moduleBytes)
    : await readText(modulePath, "the bundle's service module is missing");
  const service = await loadServiceModule(code, options.sdk, { filename: modulePath }) as Service<
    ArtifactSpecs
  >;
  checkArtifacts(service, doc, yamlPath);

  const entries = await Promise.all(doc.artifacts.map(async (record) => ({
    name: record.name,
    bytes: verified.get(record.file) ?? await Deno.readFile(join(root, record.file)),
    metadata: record.metadata,
  })));
  return await instantiate(service, doc, root, entries, options);
}

/** One artifact's packed bytes and metadata. */
interface ArtifactEntry {
  name: string;
  bytes: Uint8Array;
  metadata: Readonly<Record<string, JsonValue>>;
}

async function instantiate(
  service: Service<ArtifactSpecs>,
  doc: BentoDocument,
  path: string | undefined,
  entries: readonly ArtifactEntry[],
  options: Omit<LoadBundleOptions, "sdk" | "verify">,
): Promise<LoadedService> {
  const loaded: { unload?: () => Promise<void> }[] = [];
  const artifacts: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  try {
    for (const entry of entries) {
      const spec = service.artifacts[entry.name];
      const ctx: ArtifactContext = {
        name: entry.name,
        metadata: Object.freeze({ ...entry.metadata }),
        backend: options.backend,
        sessionOptions: options.sessionOptions ?? {},
      };
      const value = await spec.load(entry.bytes, ctx);
      loaded.push({ unload: spec.unload ? () => spec.unload!(value) : undefined });
      artifacts[entry.name] = value;
      metadata[entry.name] = ctx.metadata;
    }
  } catch (error) {
    await Promise.allSettled(loaded.map((l) => l.unload?.()));
    throw error;
  }
  const systemApis = new Map<string, ApiSpec<ArtifactSpecs>>();
  for (const [name, value] of Object.entries(artifacts)) {
    if (value instanceof OnnxModel) {
      const api = v2InferApi(name, value, { version: doc.version });
      systemApis.set(api.name, api as unknown as ApiSpec<ArtifactSpecs>);
    }
  }
  const shutdown = new AbortController();
  const context = {
    artifacts: Object.freeze(artifacts),
    metadata: Object.freeze(metadata),
    signal: shutdown.signal,
  };
  return new LoadedService({
    path,
    document: doc,
    service,
    context: context as InvokeContext,
    defaultOutput: options.defaultOutput,
    systemApis,
    unload: async () => {
      shutdown.abort(new ObentoError("UNAVAILABLE", "service closed"));
      await Promise.allSettled(loaded.map((l) => l.unload?.()));
    },
  });
}

/** Options for {@link loadService}. */
export interface LoadServiceOptions extends Omit<LoadBundleOptions, "sdk" | "verify"> {
  /** Artifact files (paths) or bytes, by declared name. */
  artifacts: Readonly<Record<string, string | Uint8Array>>;
  /** Metadata per artifact name. */
  metadata?: Readonly<Record<string, Readonly<Record<string, JsonValue>>>>;
}

/**
 * Loads a service definition straight from source with artifact files, without packing: what a developer
 * calls while writing a service, and the "before saving" half of pack/load round-trip tests.
 */
export async function loadService(
  service: Service<ArtifactSpecs>,
  options: LoadServiceOptions,
): Promise<LoadedService> {
  const declared = Object.keys(service.artifacts);
  for (const name of declared) {
    if (!(name in options.artifacts)) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `service ${service.name} declares artifact "${name}" but none was given`,
      );
    }
  }
  for (const name of Object.keys(options.artifacts)) {
    if (!declared.includes(name)) {
      throw new ObentoError("BAD_ARGUMENT", `artifact "${name}" is not declared by service ${service.name}`);
    }
  }
  const entries = await Promise.all(declared.map(async (name) => {
    const source = options.artifacts[name];
    return {
      name,
      bytes: typeof source === "string" ? await Deno.readFile(source) : source,
      metadata: options.metadata?.[name] ?? {},
    };
  }));
  const doc: BentoDocument = {
    bundle_format: BUNDLE_FORMAT,
    obento_version: OBENTO_VERSION,
    name: service.name,
    version: "source",
    created_at: new Date().toISOString(),
    labels: {},
    service: { name: service.name, doc: service.doc, module: "", apis: [] },
    artifacts: [],
    env: {
      permissions: parsePermissions(service.env.permissions, `service ${service.name}: env.permissions`),
      docker_base_image: "",
      deno_version: DENO_VERSION,
    },
  };
  return await instantiate(service, doc, undefined, entries, options);
}
