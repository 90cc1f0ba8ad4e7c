/**
 * What `pack` needs from a service module, as plain data: its {@link ServiceDefinition} (name, doc, declared
 * artifacts, API records, env), and a way to inspect its artifacts' files. A {@link DefinitionSource} gives
 * both: {@link inProcessDefinition} evaluates the module in this process (the library's `pack`); the CLI uses
 * a sandboxed Worker instead (src/runtime/sandboxed_definition.ts), so that packing someone's service does
 * not run its top-level code with obento's permissions.
 *
 * @module
 */
import type { JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import type { ArtifactContext, ArtifactSpecs } from "../sdk/artifact.ts";
import type { InferenceBackend } from "../sdk/backend.ts";
import type { Service, ServicePermissions } from "../sdk/service.ts";
import type { ApiRecord } from "./bento_yaml.ts";
import { loadServiceModule } from "./module_loader.ts";

/** A service as `pack` records it. */
export interface ServiceDefinition {
  /** The service's name. */
  name: string;
  /** Its description. */
  doc: string;
  /** Declared artifacts by name: type and file extension. */
  artifacts: Record<string, { type: string; extension: string }>;
  /** Its APIs as bento.yaml records them. */
  apis: ApiRecord[];
  /** What it asks of its host, as declared (`pack` checks the permissions). */
  env: { permissions?: ServicePermissions | readonly string[]; dockerBaseImage?: string };
}

/** What an artifact's inspection gave: its info, and its metadata (which `inspect` may add to). */
export interface Inspection {
  /** What `inspect` returned. */
  info: Record<string, JsonValue>;
  /** The metadata after `inspect`. */
  metadata: Record<string, JsonValue>;
}

/** A service module, evaluated somewhere: its definition, and its artifact types' `inspect`. */
export interface DefinitionSource {
  /** The service's definition. */
  readonly definition: ServiceDefinition;
  /** Runs artifact `name`'s `inspect` on `bytes` with `metadata` (a copy is passed). */
  inspect(name: string, bytes: Uint8Array, metadata: Record<string, JsonValue>): Promise<Inspection>;
  /** Frees what evaluating it took (a worker). */
  close(): void;
}

/** The {@link ServiceDefinition} of a service object. */
export function definitionOf(
  service: Service<ArtifactSpecs>,
  defaultOutput: OutputAdapter,
): ServiceDefinition {
  return {
    name: service.name,
    doc: service.doc,
    artifacts: Object.fromEntries(
      Object.entries(service.artifacts).map((
        [name, spec],
      ) => [name, { type: spec.type, extension: spec.extension }]),
    ),
    apis: [...service.apis.values()].map((api) => {
      const output = api.output ?? defaultOutput;
      return {
        name: api.name,
        batch: api.batch,
        doc: api.doc,
        input: {
          type: api.input.type,
          config: api.input.config(),
          content_types: [...api.input.contentTypes],
        },
        output: { type: output.type, config: output.config() },
        schema: { request: api.input.schema(), response: output.schema() },
      };
    }),
    env: { permissions: service.env.permissions, dockerBaseImage: service.env.dockerBaseImage },
  };
}

/** Runs `inspect` of artifact `name` of `service`. */
export async function inspectArtifact(
  service: Service<ArtifactSpecs>,
  backend: InferenceBackend,
  name: string,
  bytes: Uint8Array,
  metadata: Record<string, JsonValue>,
): Promise<Inspection> {
  const ctx: ArtifactContext = { name, metadata, backend, sessionOptions: {} };
  const info = await service.artifacts[name].inspect(bytes, ctx);
  return { info, metadata };
}

/** Options for {@link inProcessDefinition}. */
export interface InProcessDefinitionOptions {
  /** The SDK namespace the bundled module imports. */
  sdk: Record<string, unknown>;
  /** The backend artifacts are inspected with. */
  backend: InferenceBackend;
  /** The output adapter of APIs that declare none. */
  defaultOutput: OutputAdapter;
  /** The module's name in errors. */
  filename: string;
}

/**
 * Evaluates the bundled module `code` in this process, with its permissions.
 *
 * @throws {ObentoError} BAD_SERVICE when the code throws while loading or exports no service
 */
export async function inProcessDefinition(
  code: string,
  options: InProcessDefinitionOptions,
): Promise<DefinitionSource> {
  const service = await loadServiceModule(code, options.sdk, { filename: options.filename }) as Service<
    ArtifactSpecs
  >;
  return {
    definition: definitionOf(service, options.defaultOutput),
    inspect: (name, bytes, metadata) => inspectArtifact(service, options.backend, name, bytes, metadata),
    close: () => {},
  };
}
