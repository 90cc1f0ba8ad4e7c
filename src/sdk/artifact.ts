/**
 * The artifact contract: a named file packed into a bundle (a model, a vocabulary, a blob), checked at pack
 * time and turned into a ready value at load time. Implement {@link ArtifactSpec} for a custom artifact.
 *
 * @module
 */
import type { InferenceBackend, SessionOptions } from "./backend.ts";
import type { JsonValue } from "./adapter.ts";

/** What the host gives an artifact when it packs or loads it. */
export interface ArtifactContext {
  /** The artifact's name in the service. */
  readonly name: string;
  /** Immutable metadata recorded at pack time (e.g. `{ precision: 0.876 }`). */
  readonly metadata: Readonly<Record<string, JsonValue>>;
  /** The inference backend the host chose. */
  readonly backend: InferenceBackend;
  /** Session options the host chose (threads etc.); an artifact's own options take precedence. */
  readonly sessionOptions: SessionOptions;
}

/**
 * A declared artifact whose loaded value has type `T`.
 *
 * @example
 * ```ts
 * import type { ArtifactContext, ArtifactSpec } from "./artifact.ts";
 * class CsvLinesArtifact implements ArtifactSpec<string[]> {
 *   readonly type = "CsvLinesArtifact";
 *   readonly extension = ".csv";
 *   inspect(bytes: Uint8Array) {
 *     return Promise.resolve({ lines: new TextDecoder().decode(bytes).split("\n").length });
 *   }
 *   load(bytes: Uint8Array, _ctx: ArtifactContext) {
 *     return Promise.resolve(new TextDecoder().decode(bytes).split("\n"));
 *   }
 * }
 * ```
 */
export interface ArtifactSpec<T> {
  /** Type name recorded in bento.yaml, e.g. "OnnxModelArtifact". */
  readonly type: string;
  /** File extension used in the bundle's `artifacts/` folder, with the dot. */
  readonly extension: string;
  /**
   * Checks a source file at pack time and describes it; throws an {@link ObentoError} when the bytes are not
   * what this artifact holds. The description is recorded in bento.yaml (e.g. an ONNX model's inputs).
   */
  inspect(bytes: Uint8Array, ctx: ArtifactContext): Promise<Record<string, JsonValue>>;
  /** Turns the packed bytes into the value API code uses. */
  load(bytes: Uint8Array, ctx: ArtifactContext): Promise<T>;
  /** Frees what `load` made (sessions etc.). */
  unload?(value: T): Promise<void>;
}

/** A service's artifact declarations, by name. */
export type ArtifactSpecs = Record<string, ArtifactSpec<unknown>>;

/** The loaded values of declared artifacts, by name. */
export type LoadedArtifacts<A extends ArtifactSpecs> = {
  readonly [K in keyof A]: A[K] extends ArtifactSpec<infer T> ? T : never;
};
