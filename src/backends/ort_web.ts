/**
 * The onnxruntime-web (WebAssembly) backend. It runs in Deno without native code: ORT's threaded WASM build
 * starts its threads as `node:worker_threads` workers, which Deno supports, so `threads > 1` works.
 *
 * `ort.env` is process-global: the WASM runtime starts once per process, with the thread count of the first
 * session made. This module is the only place in obento that touches `ort.env`.
 *
 * @module
 */
import type * as OrtWeb from "onnxruntime-web";
import { ObentoError } from "../errors.ts";
import type { BackendSession, InferenceBackend, SessionOptions } from "../sdk/backend.ts";
import { badModel, OrtSession } from "./ort_session.ts";

/** Options for {@link WasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Threads for the WASM runtime when a session does not say (`SessionOptions.threads`). Default 1. ORT's
   * thread pool is process-wide and fixed when the first session starts the runtime.
   */
  threads?: number;
  /** Where ORT finds its `.wasm`/`.mjs` files (`ort.env.wasm.wasmPaths`). Default: beside onnxruntime-web. */
  wasmPaths?: string;
}

/**
 * The thread count the process's WASM runtime was asked for and the count it started with (ORT falls back to
 * 1 where threads cannot run), or undefined before the first session. Mirrors ORT's own process-global state,
 * which cannot change once set, so it lives at module level on purpose.
 */
let runtime: { requested: number; actual: number } | undefined;

/**
 * The tail of the chain of model runs in this thread. onnxruntime-web's WASM runtime is one instance per
 * thread and is not safe for overlapping `run` calls: overlapping runs can corrupt its heap ("memory access out
 * of bounds", then every later call fails). Every run waits for the one before it, whichever session it is on.
 * Module level for the same reason as `runtime`: it mirrors ORT's per-thread state.
 */
let runChain: Promise<unknown> = Promise.resolve();

/** Runs `task` after every run started before it has settled. */
function serialized<T>(task: () => Promise<T>): Promise<T> {
  const result = runChain.then(task, task);
  runChain = result.catch(() => {});
  return result;
}

/**
 * Maps obento's {@link SessionOptions} to onnxruntime's; `extra` is spread last and wins.
 *
 * @example
 * ```ts
 * import { toOrtSessionOptions } from "./ort_web.ts";
 * const o = toOrtSessionOptions({ parallelExecution: true, extra: { freeDimensionOverrides: { N: 1 } } });
 * console.log(o.executionMode, o.freeDimensionOverrides); // parallel { N: 1 }
 * ```
 */
export function toOrtSessionOptions(options: SessionOptions = {}): OrtWeb.InferenceSession.SessionOptions {
  return {
    executionProviders: ["wasm"],
    graphOptimizationLevel: options.graphOptimizationLevel ?? "all",
    executionMode: options.parallelExecution ? "parallel" : "sequential",
    enableCpuMemArena: options.enableCpuMemArena ?? true,
    enableMemPattern: options.enableMemPattern ?? true,
    ...options.extra,
  };
}

/**
 * Runs ONNX models on onnxruntime-web's CPU WebAssembly execution provider.
 *
 * @example
 * ```ts
 * import { WasmBackend } from "./ort_web.ts";
 * const backend = new WasmBackend({ threads: 1 });
 * const session = await backend.createSession(await Deno.readFile("bundles/iris_classifier/iris_lr.onnx"));
 * const out = await session.run({
 *   input: { type: "float32", dims: [1, 4], data: new Float32Array([5.1, 3.5, 1.4, 0.2]) },
 * });
 * console.log(out.label.data); // BigInt64Array(1) [ 0n ]
 * await session.close();
 * ```
 */
export class WasmBackend implements InferenceBackend {
  /** Always "wasm". */
  readonly name = "wasm";
  readonly #threads: number;
  readonly #wasmPaths: string | undefined;

  /** Makes a backend; nothing starts until the first {@link createSession}. */
  constructor(options: WasmBackendOptions = {}) {
    this.#threads = checkThreads(options.threads ?? 1, "WasmBackend threads");
    this.#wasmPaths = options.wasmPaths;
  }

  /** Threads the process's WASM runtime runs with; undefined until the first session starts it. */
  get threads(): number | undefined {
    return runtime?.actual;
  }

  /**
   * Parses `model` and makes a session.
   *
   * @throws {ObentoError} BAD_MODEL when the bytes are not an ONNX model or ORT cannot load it; BAD_ARGUMENT
   *   when `options.threads` differs from the thread count the runtime already started with
   */
  async createSession(model: Uint8Array, options: SessionOptions = {}): Promise<BackendSession> {
    const threads = checkThreads(options.threads ?? runtime?.requested ?? this.#threads, "threads");
    if (runtime !== undefined && threads !== runtime.requested && threads !== runtime.actual) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `onnxruntime-web threads are process-wide: the runtime already runs ${runtime.actual} thread(s) and ` +
          `cannot switch to ${threads}; give every model the same thread count (or leave it unset)`,
      );
    }
    // Imported here, not at the top: a process whose models run on the native device never evaluates
    // onnxruntime-web's JavaScript (~120 ms of start-up and its heap; docs/benchmarks.md, "Devices").
    const ort = await import("onnxruntime-web");
    const starting = runtime === undefined;
    if (starting) {
      ort.env.wasm.numThreads = threads;
      ort.env.wasm.proxy = false;
      if (this.#wasmPaths !== undefined) ort.env.wasm.wasmPaths = this.#wasmPaths;
    }
    let session: OrtWeb.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, toOrtSessionOptions(options));
    } catch (error) {
      throw badModel(model, error, "onnxruntime-web", "wasm");
    } finally {
      // ORT writes back 1 when the environment cannot run threads; record what it really started with.
      if (starting && runtime === undefined) {
        runtime = { requested: threads, actual: ort.env.wasm.numThreads ?? threads };
      }
    }
    return new OrtSession(session, {
      device: "wasm",
      runtime: "onnxruntime-web",
      Tensor: ort.Tensor,
      schedule: serialized,
    });
  }
}

/**
 * Validates a thread count.
 *
 * @example
 * ```ts
 * import { checkThreads } from "./ort_web.ts";
 * console.log(checkThreads(2, "threads")); // 2
 * ```
 */
export function checkThreads(threads: number, what: string): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ObentoError("BAD_ARGUMENT", `${what} must be an integer >= 1, got ${threads}`);
  }
  return threads;
}
