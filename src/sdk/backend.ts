/**
 * The inference seam: model bytes → a session with input/output metadata → run named tensors. onnxruntime-web
 * (WASM) sits behind it now; a native backend (onnxruntime-node) or WebGPU can be added by implementing
 * {@link InferenceBackend} without touching artifacts, adapters or bundles.
 *
 * @module
 */
import type { Tensor, TensorInfo } from "./tensor.ts";

/** Graph optimization levels, as onnxruntime names them. */
export type GraphOptimizationLevel = "disabled" | "basic" | "extended" | "all";

/** Options for creating a session; every field has a backend-chosen default. */
export interface SessionOptions {
  /** Intra-op threads (WASM: `ort.env.wasm.numThreads`, process-wide). Default 1. */
  threads?: number;
  /** Graph optimization level. Default "all". */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Run graph nodes in parallel where the backend can. Default false (sequential). */
  parallelExecution?: boolean;
  /** Enable the CPU memory arena. Default true. */
  enableCpuMemArena?: boolean;
  /** Enable memory pattern optimisation. Default true. */
  enableMemPattern?: boolean;
  /** Backend-specific extra session options, passed through unchanged. */
  extra?: Record<string, unknown>;
}

/** A model ready to run. */
export interface BackendSession {
  /** Which backend made this session (e.g. "wasm"). */
  readonly backend: string;
  /** Model inputs, in the model's order. */
  readonly inputs: readonly TensorInfo[];
  /** Model outputs, in the model's order. */
  readonly outputs: readonly TensorInfo[];
  /**
   * Runs the model.
   * @param feeds one tensor per model input, keyed by input name
   * @param outputNames which outputs to fetch (default: all)
   * @returns the fetched outputs keyed by name
   */
  run(
    feeds: Readonly<Record<string, Tensor>>,
    outputNames?: readonly string[],
  ): Promise<Record<string, Tensor>>;
  /** Frees the session. */
  close(): Promise<void>;
}

/** A way to run ONNX models. */
export interface InferenceBackend {
  /** Short name, e.g. "wasm", "node", "webgpu". */
  readonly name: string;
  /** Parses `model` and makes a session; throws a BAD_MODEL {@link ObentoError} for bytes that are not a model. */
  createSession(model: Uint8Array, options?: SessionOptions): Promise<BackendSession>;
}
