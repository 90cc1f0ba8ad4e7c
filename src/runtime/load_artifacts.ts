/**
 * Loads a service's artifacts and makes the context its APIs run with: each artifact is loaded in order by
 * its spec (`spec.load(bytes, ctx)`); if one fails, those already loaded are unloaded before the error goes
 * on; the context holds the artifacts and their metadata, frozen, and a signal aborted when the service is
 * unloaded. First it waits for the image decoders when the service's module started loading them
 * (src/adapters/image_codecs.ts), so `decodeImage` can stay synchronous. One step, shared by `runtime/load.ts` (bundle directories and Deno programs) and
 * `web/site_service.ts` (the exported site in a browser): nothing here touches `Deno` or `node:` modules.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { imageCodecsSettled } from "../adapters/image_codecs.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import type { ArtifactContext, ArtifactSpecs } from "../sdk/artifact.ts";
import type { InferenceBackend, SessionOptions } from "../sdk/backend.ts";
import type { Service } from "../sdk/service.ts";
import type { InvokeContext } from "./invoke.ts";

/** One artifact's packed bytes and metadata, as bento.yaml records it. */
export interface ArtifactEntry {
  /** The artifact's declared name. */
  readonly name: string;
  /** Its packed bytes. */
  readonly bytes: Uint8Array;
  /** Its metadata from pack time. */
  readonly metadata: Readonly<Record<string, JsonValue>>;
}

/** Options for {@link loadArtifacts}. */
export interface LoadArtifactsOptions {
  /** The backend ONNX artifacts run on. */
  backend: InferenceBackend;
  /** Session options for ONNX artifacts (an artifact's own options win). */
  sessionOptions: SessionOptions;
}

/** A service's artifacts, loaded: the context its APIs run with, and how to unload them. */
export interface LoadedContext {
  /** The API context: the artifacts and their metadata by name (frozen), and the shutdown signal. */
  readonly context: InvokeContext;
  /** Aborts the context's signal (UNAVAILABLE, "service closed") and unloads every artifact. */
  unload(): Promise<void>;
}

/**
 * Loads `entries` by `service`'s artifact specs (`checkArtifacts` has matched the two).
 *
 * @throws what an artifact's `load` throws, after unloading those loaded before it
 *
 * @example
 * ```ts ignore
 * import { loadArtifacts } from "./load_artifacts.ts";
 * const loaded = await loadArtifacts(service, [{ name: "model", bytes, metadata: {} }], {
 *   backend,
 *   sessionOptions: { threads: 1 },
 * });
 * console.log(Object.keys(loaded.context.artifacts)); // ["model"]
 * await loaded.unload();
 * ```
 */
export async function loadArtifacts(
  service: Service<ArtifactSpecs>,
  entries: readonly ArtifactEntry[],
  options: LoadArtifactsOptions,
): Promise<LoadedContext> {
  await imageCodecsSettled();
  const unloads: (() => Promise<void>)[] = [];
  const unloadAll = async () => {
    await Promise.allSettled(unloads.map((unload) => unload()));
  };
  const artifacts: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  try {
    for (const entry of entries) {
      const spec = service.artifacts[entry.name];
      const ctx: ArtifactContext = {
        name: entry.name,
        metadata: Object.freeze({ ...entry.metadata }),
        backend: options.backend,
        sessionOptions: options.sessionOptions,
      };
      const value = await spec.load(entry.bytes, ctx);
      if (spec.unload !== undefined) unloads.push(async () => await spec.unload!(value));
      artifacts[entry.name] = value;
      metadata[entry.name] = ctx.metadata;
    }
  } catch (error) {
    await unloadAll();
    throw error;
  }
  const shutdown = new AbortController();
  const context = {
    artifacts: Object.freeze(artifacts),
    metadata: Object.freeze(metadata),
    signal: shutdown.signal,
  };
  return {
    context: context as InvokeContext,
    unload: async () => {
      shutdown.abort(new ObentoError("UNAVAILABLE", "service closed"));
      await unloadAll();
    },
  };
}
