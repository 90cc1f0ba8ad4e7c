/**
 * The onnxruntime-web (WebAssembly) backend. It runs in Deno without native code: ORT's threaded WASM build
 * starts its threads as `node:worker_threads` workers, which Deno supports, so `threads > 1` works.
 *
 * `ort.env` is process-global: the WASM runtime starts once per process, with the thread count of the first
 * session made. This module is the only place in obento that touches `ort.env`.
 *
 * @module
 */
import * as ort from "onnxruntime-web";
import { BadInputError, ObentoError } from "../errors.ts";
import type { Tensor, TensorInfo } from "../sdk/tensor.ts";
import type { BackendSession, InferenceBackend, SessionOptions } from "./backend.ts";
import {
  describeTensorProblem,
  formatShape,
  fromOrtTensor,
  tensorInfoOf,
  toOrtTensor,
} from "./ort_tensor.ts";

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
export function toOrtSessionOptions(options: SessionOptions = {}): ort.InferenceSession.SessionOptions {
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
    const starting = runtime === undefined;
    if (starting) {
      ort.env.wasm.numThreads = threads;
      ort.env.wasm.proxy = false;
      if (this.#wasmPaths !== undefined) ort.env.wasm.wasmPaths = this.#wasmPaths;
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, toOrtSessionOptions(options));
    } catch (error) {
      throw badModel(model, error);
    } finally {
      // ORT writes back 1 when the environment cannot run threads; record what it really started with.
      if (starting && runtime === undefined) {
        runtime = { requested: threads, actual: ort.env.wasm.numThreads ?? threads };
      }
    }
    return new WasmSession(session);
  }
}

/** A session of {@link WasmBackend}; inputs are checked against the model's metadata before ORT sees them. */
class WasmSession implements BackendSession {
  readonly backend = "wasm";
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  #session: ort.InferenceSession | undefined;

  constructor(session: ort.InferenceSession) {
    this.#session = session;
    this.inputs = session.inputMetadata.map(tensorInfoOf);
    this.outputs = session.outputMetadata.map(tensorInfoOf);
  }

  async run(
    feeds: Readonly<Record<string, Tensor>>,
    outputNames?: readonly string[],
  ): Promise<Record<string, Tensor>> {
    const session = this.#session;
    if (session === undefined) {
      throw new ObentoError("UNAVAILABLE", "the model session was closed; load the model again to run it");
    }
    const ortFeeds = checkFeeds(this.inputs, feeds);
    const fetches = checkFetches(this.outputs, outputNames);
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await serialized(() => session.run(ortFeeds, fetches));
    } catch (error) {
      throw runError(error);
    }
    const out: Record<string, Tensor> = {};
    for (const name of fetches) out[name] = fromOrtTensor(name, results[name]);
    return out;
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.release();
  }
}

/** Validates a thread count. */
function checkThreads(threads: number, what: string): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ObentoError("BAD_ARGUMENT", `${what} must be an integer >= 1, got ${threads}`);
  }
  return threads;
}

/** Checks feeds against the model inputs and wraps them as ORT tensors. */
function checkFeeds(
  inputs: readonly TensorInfo[],
  feeds: Readonly<Record<string, Tensor>>,
): Record<string, ort.Tensor> {
  const describe = () => inputs.map((i) => `${i.name} (${i.type} ${formatShape(i.shape)})`).join(", ");
  if (feeds === null || typeof feeds !== "object") {
    throw new BadInputError(
      `model inputs must be an object of tensors by name; the model needs ${describe()}`,
    );
  }
  for (const name of Object.keys(feeds)) {
    if (!inputs.some((i) => i.name === name)) {
      throw new BadInputError(`unknown input "${name}"; the model's inputs are ${describe()}`);
    }
  }
  const symbols = new Map<string, { input: string; value: number }>();
  const out: Record<string, ort.Tensor> = {};
  for (const info of inputs) {
    const tensor = feeds[info.name];
    if (tensor === undefined) {
      throw new BadInputError(`missing input "${info.name}"; the model needs ${describe()}`);
    }
    const problem = describeTensorProblem(tensor);
    if (problem !== undefined) throw new BadInputError(`input "${info.name}" ${problem}`);
    const expected = `${info.type} ${formatShape(info.shape)}`;
    const given = `${tensor.type} ${formatShape(tensor.dims)}`;
    if (info.type !== "unknown" && tensor.type !== info.type) {
      throw new BadInputError(`input "${info.name}" must be ${expected}, got ${given} (wrong dtype)`);
    }
    if (info.shape !== undefined) {
      if (tensor.dims.length !== info.shape.length) {
        throw new BadInputError(
          `input "${info.name}" must be ${expected}, got ${given} (rank ${tensor.dims.length}, expected ` +
            `${info.shape.length})`,
        );
      }
      info.shape.forEach((want, axis) => {
        const got = tensor.dims[axis];
        if (typeof want === "number" && got !== want) {
          throw new BadInputError(
            `input "${info.name}" must be ${expected}, got ${given} (dim ${axis} is ${got}, expected ${want})`,
          );
        }
        if (typeof want === "string") {
          const seen = symbols.get(want);
          if (seen === undefined) symbols.set(want, { input: info.name, value: got });
          else if (seen.value !== got) {
            throw new BadInputError(
              `input "${info.name}" has ${want}=${got} (dim ${axis} of ${given}) but input "${seen.input}" has ` +
                `${want}=${seen.value}; inputs sharing the dim ${want} must agree`,
            );
          }
        }
      });
    }
    out[info.name] = toOrtTensor(tensor, ort.Tensor);
  }
  return out;
}

/** Checks requested output names; non-tensor outputs are refused with advice. */
function checkFetches(outputs: readonly TensorInfo[], outputNames: readonly string[] | undefined): string[] {
  const names = outputNames === undefined ? outputs.map((o) => o.name) : [...outputNames];
  for (const name of names) {
    const info = outputs.find((o) => o.name === name);
    if (info === undefined) {
      throw new BadInputError(
        `unknown output "${name}"; the model's outputs are ${outputs.map((o) => o.name).join(", ")}`,
      );
    }
    if (info.type === "unknown") {
      throw new ObentoError(
        "BAD_MODEL",
        `output "${name}" is not a tensor (a map or a sequence, e.g. from ZipMap), which onnxruntime-web cannot ` +
          `return; re-export the model without ZipMap (skl2onnx: options={"zipmap": False}) or fetch only ` +
          `tensor outputs`,
      );
    }
  }
  return names;
}

/** The first line of an ORT error, without its "Can't create a session." style prefix. */
function ortMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const match = /ERROR_MESSAGE: ([^]*)$/.exec(text);
  return (match ? match[1] : text).replace(/\s+/g, " ").trim();
}

/** Maps a session-creation failure to BAD_MODEL. */
function badModel(model: Uint8Array, error: unknown): ObentoError {
  const message = ortMessage(error);
  if (/protobuf parsing failed|No graph was found/i.test(message)) {
    return new ObentoError(
      "BAD_MODEL",
      `${model.byteLength} bytes given are not an ONNX model (protobuf parsing failed)`,
      { cause: error },
    );
  }
  return new ObentoError("BAD_MODEL", `onnxruntime-web cannot load the model: ${message}`, { cause: error });
}

/** Maps a run failure: ORT's INVALID_ARGUMENT (code 2) is the caller's input, anything else is ours. */
function runError(error: unknown): ObentoError {
  const text = error instanceof Error ? error.message : String(error);
  if (/ERROR_CODE: 2\b/.test(text)) {
    return new BadInputError(`the model rejected the input: ${ortMessage(error)}`, { cause: error });
  }
  return new ObentoError("INTERNAL", `onnxruntime-web failed to run the model: ${ortMessage(error)}`, {
    cause: error,
  });
}
