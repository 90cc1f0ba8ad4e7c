/**
 * The ONNX model artifact: a `.onnx` file checked at pack time by opening it, and loaded as an
 * {@link OnnxModel} that runs named tensors on the host's inference backend.
 *
 * @module
 */
import type { BackendSession, GraphOptimizationLevel, SessionOptions } from "../sdk/backend.ts";
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import type { ArtifactContext, ArtifactSpec } from "../sdk/artifact.ts";
import type { Tensor, TensorInfo } from "../sdk/tensor.ts";

/** Options for {@link OnnxModelArtifact}; each overrides the host's `ctx.sessionOptions`. */
export interface OnnxModelArtifactOptions {
  /** Threads for this model. Default: the host's choice. */
  threads?: number;
  /** Graph optimization level. Default: the host's choice (backends default to "all"). */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Any other session options; `threads` and `graphOptimizationLevel` above win over these. Default: none. */
  sessionOptions?: SessionOptions;
}

/**
 * A loaded ONNX model.
 *
 * @example
 * ```ts
 * import { OnnxModel } from "./onnx_model_artifact.ts";
 * import { WasmBackend } from "../backends/ort_web.ts";
 * const bytes = await Deno.readFile("bundles/iris_classifier/iris_lr.onnx");
 * const model = new OnnxModel(await new WasmBackend().createSession(bytes));
 * const out = await model.predict({ type: "float32", dims: [1, 4], data: new Float32Array([5.1, 3.5, 1.4, 0.2]) });
 * console.log(out.label.data); // BigInt64Array(1) [ 0n ]
 * await model.close();
 * ```
 */
export class OnnxModel {
  readonly #session: BackendSession;

  /** Wraps a backend session; prefer loading through {@link OnnxModelArtifact}. */
  constructor(session: BackendSession) {
    this.#session = session;
  }

  /** Model inputs, in the model's order. */
  get inputs(): readonly TensorInfo[] {
    return this.#session.inputs;
  }

  /** Model outputs, in the model's order. */
  get outputs(): readonly TensorInfo[] {
    return this.#session.outputs;
  }

  /** The backend running the model, e.g. "wasm". */
  get backend(): string {
    return this.#session.backend;
  }

  /**
   * Runs the model.
   *
   * @param feeds one tensor per model input, by name
   * @param outputNames outputs to fetch; default all
   * @throws {BadInputError} for a missing or unknown input, or a wrong dtype or shape
   */
  run(
    feeds: Readonly<Record<string, Tensor>>,
    outputNames?: readonly string[],
  ): Promise<Record<string, Tensor>> {
    return this.#session.run(feeds, outputNames);
  }

  /**
   * Runs a single-input model on one tensor.
   *
   * @throws {ObentoError} BAD_SERVICE when the model has more than one input
   */
  predict(tensor: Tensor, outputNames?: readonly string[]): Promise<Record<string, Tensor>> {
    const inputs = this.#session.inputs;
    if (inputs.length !== 1) {
      return Promise.reject(
        new ObentoError(
          "BAD_SERVICE",
          `predict() needs a model with one input, this one has ${inputs.length} ` +
            `(${inputs.map((i) => i.name).join(", ")}); use run({ ${inputs[0]?.name ?? "name"}: …, … })`,
        ),
      );
    }
    return this.#session.run({ [inputs[0].name]: tensor }, outputNames);
  }

  /** Frees the model; later runs fail. */
  close(): Promise<void> {
    return this.#session.close();
  }
}

/**
 * Declares an ONNX model artifact.
 *
 * @example
 * ```ts
 * import { OnnxModelArtifact } from "./onnx_model_artifact.ts";
 * import { WasmBackend } from "../backends/ort_web.ts";
 * const artifact = new OnnxModelArtifact({ graphOptimizationLevel: "all" });
 * const ctx = { name: "model", metadata: {}, backend: new WasmBackend(), sessionOptions: {} };
 * const bytes = await Deno.readFile("bundles/iris_classifier/iris_lr.onnx");
 * console.log(await artifact.inspect(bytes, ctx));
 * // { inputs: [{ name: "input", type: "float32", shape: ["N", 4] }], outputs: [...] }
 * ```
 */
export class OnnxModelArtifact implements ArtifactSpec<OnnxModel> {
  /** Recorded in bento.yaml. */
  readonly type = "OnnxModelArtifact";
  /** File extension in the bundle. */
  readonly extension = ".onnx";
  readonly #options: OnnxModelArtifactOptions;

  /** Declares the artifact; options apply when it is loaded. */
  constructor(options: OnnxModelArtifactOptions = {}) {
    this.#options = { ...options };
  }

  /** The session options used for `ctx`: the host's, overridden by this artifact's. */
  sessionOptionsFor(ctx: ArtifactContext): SessionOptions {
    const { threads, graphOptimizationLevel, sessionOptions } = this.#options;
    const merged: SessionOptions = { ...ctx.sessionOptions, ...sessionOptions };
    if (threads !== undefined) merged.threads = threads;
    if (graphOptimizationLevel !== undefined) merged.graphOptimizationLevel = graphOptimizationLevel;
    return merged;
  }

  /**
   * Opens the model to prove it is one and describes its inputs and outputs.
   *
   * @throws {ObentoError} BAD_MODEL naming the artifact when the bytes are not a loadable ONNX model
   */
  async inspect(bytes: Uint8Array, ctx: ArtifactContext): Promise<Record<string, JsonValue>> {
    const model = await this.load(bytes, ctx);
    try {
      return { inputs: model.inputs.map(infoJson), outputs: model.outputs.map(infoJson) };
    } finally {
      await model.close();
    }
  }

  /**
   * Makes a session on `ctx.backend`.
   *
   * @throws {ObentoError} BAD_MODEL naming the artifact when the bytes are not a loadable ONNX model
   */
  async load(bytes: Uint8Array, ctx: ArtifactContext): Promise<OnnxModel> {
    try {
      return new OnnxModel(await ctx.backend.createSession(bytes, this.sessionOptionsFor(ctx)));
    } catch (error) {
      if (error instanceof ObentoError && error.code === "BAD_MODEL") {
        throw new ObentoError("BAD_MODEL", `artifact "${ctx.name}" (${this.type}): ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** Closes the model's session. */
  unload(value: OnnxModel): Promise<void> {
    return value.close();
  }
}

/** A {@link TensorInfo} as JSON (shape null when the model gives none). */
function infoJson(info: TensorInfo): Record<string, JsonValue> {
  return { name: info.name, type: info.type, shape: info.shape === undefined ? null : [...info.shape] };
}
