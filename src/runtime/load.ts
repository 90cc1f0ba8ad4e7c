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
import { imageCodecsSettled } from "../adapters/image_codecs.ts";
import type { BentoDocument } from "../bundle/bento_yaml.ts";
import { BUNDLE_FORMAT } from "../bundle/format.ts";
import { DENO_VERSION, OBENTO_VERSION } from "../version.ts";
import { verifyManifest } from "../bundle/manifest.ts";
import { describeNonFile } from "../file_kind.ts";
import { loadServiceModule } from "../bundle/module_loader.ts";
import { checkNotBareDirectory } from "../bundle/bundle_dir.ts";
import { parsePermissions } from "../bundle/permissions.ts";
import { LoadedService } from "./loaded_service.ts";
import { checkArtifacts } from "./check_artifacts.ts";
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
  /**
   * APIs the host serves beside the service's own, made from the loaded models: the server and `mod.ts`
   * pass Open Inference Protocol v2's (`v2Apis` in src/v2/infer_api.ts, one `v2:<model>` API per ONNX
   * model). The loader itself adds none, so it knows no protocol. Default: none.
   */
  hostApis?: HostApis;
  /**
   * The bundle's bento.yaml, already read with {@link readBento} (a model worker gets it from the
   * server's thread, so that the YAML parser, which looks at two environment variables, never runs inside
   * the sandbox). Default: read it here. The file is still checked against MANIFEST with the others, and its
   * text must be what was read (else INTEGRITY: the bundle was replaced in between).
   */
  bento?: ReadBento;
}

/** What a {@link HostApis} hook is given: the bundle's version and its loaded ONNX models by artifact name. */
export interface HostApiContext {
  /** The bundle's version (`source` for {@link loadService}). */
  readonly version: string;
  /** The loaded ONNX models, by artifact name, in the bundle's artifact order. */
  readonly models: ReadonlyMap<string, OnnxModel>;
}

/**
 * Makes the host's extra APIs for one loaded service (see {@link LoadBundleOptions.hostApis}); each API's
 * name must not collide with a service API (the host's names contain a `:`, which service API names cannot).
 */
export type HostApis = (context: HostApiContext) => Iterable<ApiSpec<ArtifactSpecs>>;

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

/**
 * Reads and checks the bento.yaml of the bundle directory `path`.
 *
 * @throws ObentoError NOT_FOUND when there is no such directory, BAD_BUNDLE when it holds no bento.yaml or a
 *   bad one
 */
export async function readBento(path: string): Promise<ReadBento> {
  const root = resolve(path);
  const yamlPath = join(root, BENTO_FILE);
  await checkNotBareDirectory(root);
  const yamlInfo = await Deno.lstat(yamlPath).catch(() => undefined);
  if (yamlInfo !== undefined && !yamlInfo.isFile) {
    throw new ObentoError("BAD_BUNDLE", `${yamlPath} is ${describeNonFile(yamlInfo)}, not a regular file`);
  }
  const text = await readText(yamlPath, `${root} is not a bundle directory`);
  // Imported here: a model worker is handed the parsed document and never loads the YAML parser (a
  // CommonJS package, 0.7 MB of JavaScript, evaluated per worker otherwise).
  const { parseBento } = await import("../bundle/bento_yaml.ts");
  return { document: parseBento(text, yamlPath), text };
}

/** A bundle's bento.yaml as {@link readBento} read it: the parsed document and the text it was parsed from. */
export interface ReadBento {
  /** The parsed document. */
  readonly document: BentoDocument;
  /** The file's text, which the load compares with what MANIFEST verifies. */
  readonly text: string;
}

/**
 * Loads the bundle at `path`.
 * @throws ObentoError NOT_FOUND when there is no such directory, BAD_BUNDLE when it holds no bento.yaml, INTEGRITY when a file changed after packing,
 *   BAD_BUNDLE / BAD_SERVICE / BAD_MODEL when the contents are wrong.
 */
export async function loadBundle(path: string, options: LoadBundleOptions): Promise<LoadedService> {
  const root = resolve(path);
  const yamlPath = join(root, BENTO_FILE);
  const { document: doc, text: yamlText } = options.bento ?? await readBento(root);
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
  // The image decoders, when the service's module started loading them (src/adapters/image_codecs.ts).
  await imageCodecsSettled();
  const loaded: { unload?: () => Promise<void> }[] = [];
  const artifacts: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  const systemApis = new Map<string, ApiSpec<ArtifactSpecs>>();
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
    if (options.hostApis !== undefined) {
      const models = new Map<string, OnnxModel>();
      for (const [name, value] of Object.entries(artifacts)) {
        if (value instanceof OnnxModel) models.set(name, value);
      }
      for (const api of options.hostApis({ version: doc.version, models })) systemApis.set(api.name, api);
    }
  } catch (error) {
    await Promise.allSettled(loaded.map((l) => l.unload?.()));
    throw error;
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
