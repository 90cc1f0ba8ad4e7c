/**
 * Packs a service module and its artifact files into a bundle directory. Everything is written into a
 * temporary sibling directory and renamed into place at the end, so a failed pack leaves nothing behind.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import type { InferenceBackend } from "../sdk/backend.ts";
import type { JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import { validateName, validateVersion } from "../sdk/names.ts";
import { type DefinitionSource, inProcessDefinition, type ServiceDefinition } from "./service_definition.ts";
import { type ArtifactRecord, type BentoDocument, BUNDLE_FORMAT, stringifyBento } from "./bento_yaml.ts";
import { renderDockerfile, renderReadme } from "./bundle_docs.ts";
import { sha256Hex, writeManifest } from "./manifest.ts";
import { parsePermissions } from "./permissions.ts";
import { bundleServiceModule } from "./module_bundler.ts";
import { validateLabels } from "./labels.ts";
import { DENO_VERSION, OBENTO_VERSION } from "../version.ts";
import { pathExists } from "../path_exists.ts";

/** The bundled service module's file name inside a bundle. */
export const SERVICE_MODULE_FILE = "service.js";

/** Options for {@link packBundle}. */
export interface PackOptions {
  /** Path to the service module (`.ts`/`.js`) whose default export is a Service. */
  service: string;
  /** Artifact files by declared artifact name. */
  artifacts: Readonly<Record<string, string>>;
  /** Immutable metadata per artifact name. Default none. */
  metadata?: Readonly<Record<string, Readonly<Record<string, JsonValue>>>>;
  /** Labels (BentoML rules). Default none. */
  labels?: Readonly<Record<string, string>>;
  /** Bundle name; default the service's name. */
  name?: string;
  /** Bundle version. */
  version: string;
  /** The directory to create; it must not exist yet. */
  output: string;
  /** The SDK namespace the bundled module imports (what mod.ts exports). */
  sdk: Record<string, unknown>;
  /** Backend used to inspect ONNX artifacts. */
  backend: InferenceBackend;
  /** Output adapter recorded for APIs that declare none. */
  defaultOutput: OutputAdapter;
  /** A folder of web static content (HTML, JS, CSS, images) served under `/static/`. Default none. */
  static?: string;
  /** Creation time. Default now. */
  now?: Date;
}

/** The folder name of web static content inside a bundle. */
export const STATIC_FOLDER = "static";

/** Copies the regular files of `from` into `to`, refusing links and anything else that is not a file. */
async function copyStaticTree(from: string, to: string): Promise<number> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(from);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ObentoError("NOT_FOUND", `static folder ${from} not found`, { option: "static" });
    }
    throw error;
  }
  if (!stat.isDirectory) {
    throw new ObentoError("BAD_ARGUMENT", `static ${from} is not a folder`, { option: "static" });
  }
  await Deno.mkdir(to);
  let count = 0;
  for await (const entry of Deno.readDir(from)) {
    const source = join(from, entry.name);
    if (entry.isDirectory) count += await copyStaticTree(source, join(to, entry.name));
    else if (entry.isFile) {
      await Deno.copyFile(source, join(to, entry.name));
      count++;
    } else {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `static: ${source} is a link or special file; bundles hold plain files`,
        { option: "static" },
      );
    }
  }
  return count;
}

/** What {@link packBundle} made. */
export interface PackResult {
  /** The new bundle directory. */
  path: string;
  /** Its bento.yaml. */
  document: BentoDocument;
}

async function readArtifactFile(name: string, path: string): Promise<Uint8Array> {
  try {
    const stat = await Deno.stat(path);
    if (!stat.isFile) throw new ObentoError("BAD_ARGUMENT", `artifact "${name}": ${path} is not a file`);
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ObentoError("NOT_FOUND", `artifact "${name}": file ${path} not found`);
    }
    throw error;
  }
}

function checkArtifactNames(service: ServiceDefinition, given: Readonly<Record<string, string>>): void {
  const declared = Object.keys(service.artifacts);
  for (const name of declared) {
    if (!(name in given)) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `service ${service.name} declares artifact "${name}" but no file was given for it in artifacts ` +
          `(${name}=./path/to/file)`,
        { option: "artifacts" },
      );
    }
  }
  for (const name of Object.keys(given)) {
    if (!declared.includes(name)) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `artifact "${name}" is not declared by service ${service.name}; it declares: ${
          declared.join(", ") || "(none)"
        }`,
      );
    }
  }
}

/**
 * Evaluates a bundled service module and returns its definition: where `pack` runs the service's code.
 * The CLI passes `sandboxedDefinition` (src/runtime/sandboxed_definition.ts): a Worker that may only read the
 * service's folder, whose artifacts are inspected there with onnxruntime-web (needs
 * `--unstable-worker-options`).
 */
export type ServiceDefiner = (
  code: string,
  where: { root: string; filename: string },
) => Promise<DefinitionSource>;

/**
 * Packs a bundle into `options.output`. `define` evaluates the service's code: by default in this process,
 * with its permissions ({@link inProcessDefinition}); see {@link ServiceDefiner}.
 * @throws ObentoError CONFLICT when the output exists; BAD_SERVICE for service code problems; BAD_ARGUMENT /
 *   NOT_FOUND for missing or extra artifact files; BAD_MODEL for a file that is not a model.
 */
export async function packBundle(options: PackOptions, define?: ServiceDefiner): Promise<PackResult> {
  const output = resolve(options.output);
  const version = validateVersion(options.version);
  const labels = validateLabels(options.labels ?? {});
  if (await pathExists(output)) {
    throw new ObentoError("CONFLICT", `${output} already exists; choose another output or remove it first`, {
      option: "output",
    });
  }
  await Deno.mkdir(dirname(output), { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: dirname(output), prefix: `.tmp-pack-${basename(output)}-` });
  let source: DefinitionSource | undefined;
  try {
    const servicePath = resolve(options.service);
    const { code } = await bundleServiceModule(servicePath, { sdkExports: Object.keys(options.sdk) });
    source = define !== undefined
      ? await define(code, { root: dirname(servicePath), filename: servicePath })
      : await inProcessDefinition(code, { ...options, filename: servicePath });
    const service = source.definition;
    const name = validateName(options.name ?? service.name, "bundle name");
    checkArtifactNames(service, options.artifacts);
    for (const artifactName of Object.keys(options.metadata ?? {})) {
      if (!(artifactName in service.artifacts)) {
        throw new ObentoError("BAD_ARGUMENT", `metadata given for unknown artifact "${artifactName}"`);
      }
    }
    await Deno.writeTextFile(join(tmp, SERVICE_MODULE_FILE), code);
    await Deno.mkdir(join(tmp, "artifacts"));
    const artifacts: ArtifactRecord[] = [];
    for (const [artifactName, spec] of Object.entries(service.artifacts)) {
      const bytes = await readArtifactFile(artifactName, resolve(options.artifacts[artifactName]));
      const given = structuredClone({ ...(options.metadata?.[artifactName] ?? {}) });
      const { info, metadata } = await source.inspect(artifactName, bytes, given);
      const file = `artifacts/${artifactName}${spec.extension}`;
      await Deno.writeFile(join(tmp, file), bytes);
      artifacts.push({
        name: artifactName,
        type: spec.type,
        file,
        sha256: await sha256Hex(bytes),
        size: bytes.length,
        metadata,
        info,
      });
    }
    const hasStatic = options.static !== undefined;
    if (hasStatic) await copyStaticTree(resolve(options.static!), join(tmp, STATIC_FOLDER));
    const document: BentoDocument = {
      bundle_format: BUNDLE_FORMAT,
      obento_version: OBENTO_VERSION,
      name,
      version,
      created_at: (options.now ?? new Date()).toISOString(),
      labels,
      service: {
        name: service.name,
        doc: service.doc,
        module: SERVICE_MODULE_FILE,
        apis: service.apis,
      },
      artifacts,
      web_static_content: hasStatic ? STATIC_FOLDER : null,
      env: {
        permissions: parsePermissions(
          service.env.permissions,
          `service ${service.name}: env.permissions`,
          "BAD_SERVICE",
        ),
        docker_base_image: service.env.dockerBaseImage ?? "debian:bookworm-slim",
        deno_version: DENO_VERSION,
      },
    };
    await Deno.writeTextFile(join(tmp, "bento.yaml"), stringifyBento(document));
    await Deno.writeTextFile(join(tmp, "README.md"), renderReadme(document));
    await Deno.writeTextFile(join(tmp, "Dockerfile"), renderDockerfile(document));
    await writeManifest(tmp);
    await Deno.rename(tmp, output);
    return { path: output, document };
  } catch (error) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw error;
  } finally {
    source?.close();
  }
}
