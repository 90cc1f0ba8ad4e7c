/**
 * Loads a bundle's service from parts already in memory — its bento.yaml as data, its bundled module's code,
 * its artifact bytes — as the page `obento export web` writes does in a browser. It evaluates the module
 * against the SDK it is given (`bundle/module_loader.ts`), checks each artifact's sha256 against bento.yaml,
 * and loads the artifacts on the given backend. Nothing here touches `Deno` or `node:` modules, so the
 * browser build (src/web/browser_main.ts) bundles it as is.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { OutputAdapter } from "../sdk/adapter.ts";
import type { ArtifactContext, ArtifactSpecs } from "../sdk/artifact.ts";
import type { InferenceBackend, SessionOptions } from "../sdk/backend.ts";
import type { Service } from "../sdk/service.ts";
import type { BentoDocument } from "../bundle/bento_yaml.ts";
import { loadServiceModule } from "../bundle/module_loader.ts";
import { imageCodecsSettled } from "../adapters/image_codecs.ts";
import { checkArtifacts } from "../runtime/check_artifacts.ts";
import type { InvokeContext } from "../runtime/invoke.ts";
import { LoadedService } from "../runtime/loaded_service.ts";

/** What {@link loadSiteService} needs. */
export interface SiteServiceParts {
  /** The bundle's bento.yaml, parsed (the exported site carries it as JSON). */
  readonly document: BentoDocument;
  /** The bundled service module (`service.js`). */
  readonly code: string;
  /** Each artifact's packed bytes, by name. */
  readonly artifacts: Readonly<Record<string, Uint8Array>>;
  /** The SDK namespace the module reads (src/runtime/service_sdk.ts). */
  readonly sdk: Readonly<Record<string, unknown>>;
  /** The backend ONNX artifacts run on. */
  readonly backend: InferenceBackend;
  /** The output adapter of APIs that declare none. */
  readonly defaultOutput: OutputAdapter;
  /** Session options for ONNX artifacts. Default `{ threads: 1 }`. */
  readonly sessionOptions?: SessionOptions;
  /** Names the bundle in errors, e.g. the site's URL. Default: the bundle's `name:version`. */
  readonly where?: string;
}

/**
 * Loads the service (see the module doc).
 *
 * @param parts the bundle's parts and the host's SDK, backend and default output
 * @returns the loaded service; `close()` frees its models
 * @throws {ObentoError} INTEGRITY when an artifact's bytes do not match bento.yaml's sha256; BAD_BUNDLE for a
 *   missing or undeclared artifact; BAD_SERVICE when the module fails to load
 *
 * @example
 * ```ts
 * import { loadSiteService } from "./site_service.ts";
 * import { JsonOutput } from "../adapters/json_output.ts";
 * import { WasmBackend } from "../backends/ort_web.ts";
 * import { parseBento } from "../bundle/bento_yaml.ts";
 * import * as sdk from "../runtime/service_sdk.ts";
 * const document = parseBento(await Deno.readTextFile("./iris-bundle/bento.yaml"), "bento.yaml");
 * const service = await loadSiteService({
 *   document,
 *   code: await Deno.readTextFile("./iris-bundle/service.js"),
 *   artifacts: { model: await Deno.readFile("./iris-bundle/artifacts/model.onnx") },
 *   sdk,
 *   backend: new WasmBackend(),
 *   defaultOutput: new JsonOutput(),
 * });
 * console.log(service.apiNames);
 * ```
 */
export async function loadSiteService(parts: SiteServiceParts): Promise<LoadedService> {
  const { document: doc } = parts;
  const where = parts.where ?? `${doc.name}:${doc.version}`;
  for (const record of doc.artifacts) {
    const bytes = parts.artifacts[record.name];
    if (bytes === undefined) {
      throw new ObentoError("BAD_BUNDLE", `${where}: artifact "${record.name}" (${record.file}) is missing`);
    }
    const digest = await sha256Hex(bytes);
    if (digest !== record.sha256) {
      throw new ObentoError(
        "INTEGRITY",
        `${where}: ${record.file} does not match its sha256 in bento.yaml (got ${digest}); export the bundle again`,
      );
    }
  }
  const service = await loadServiceModule(parts.code, { ...parts.sdk }, {
    filename: `${where} ${doc.service.module}`,
  }) as Service<ArtifactSpecs>;
  // The image decoders, when the service's module started loading them (src/adapters/image_codecs.ts).
  await imageCodecsSettled();
  checkArtifacts(service, doc, where);
  const loaded: { unload?: () => Promise<void> }[] = [];
  const artifacts: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  try {
    for (const record of doc.artifacts) {
      const spec = service.artifacts[record.name];
      const ctx: ArtifactContext = {
        name: record.name,
        metadata: Object.freeze({ ...record.metadata }),
        backend: parts.backend,
        sessionOptions: parts.sessionOptions ?? { threads: 1 },
      };
      const value = await spec.load(parts.artifacts[record.name], ctx);
      loaded.push({ unload: spec.unload ? () => spec.unload!(value) : undefined });
      artifacts[record.name] = value;
      metadata[record.name] = ctx.metadata;
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
    path: undefined,
    document: doc,
    service,
    context: context as InvokeContext,
    defaultOutput: parts.defaultOutput,
    unload: async () => {
      shutdown.abort(new ObentoError("UNAVAILABLE", "service closed"));
      await Promise.allSettled(loaded.map((l) => l.unload?.()));
    },
  });
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
