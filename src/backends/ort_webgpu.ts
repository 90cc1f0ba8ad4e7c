/**
 * The WebGPU device: onnxruntime-web's WebGPU build (`onnxruntime-web/webgpu`, its WebGPU execution provider
 * compiled into the asyncify WebAssembly build) on Deno's `navigator.gpu`. WebGPU is stable in Deno 2.9.6:
 * no `--unstable-webgpu` flag and no permission is needed, in the main thread and in Web Workers alike.
 *
 * The module and its 27 MB of WebAssembly load only when the device is opened ({@link loadWebGpuRuntime}), so
 * the other devices pay nothing for it. It is a second onnxruntime-web instance, with its own `ort.env`, WASM
 * heap and run chain, separate from src/backends/ort_web.ts's.
 *
 * Operators the WebGPU execution provider lacks run on onnxruntime's CPU kernels inside the same session (ORT
 * assigns each node to the first provider that has a kernel for it). Those are the WASM device's kernels, so
 * the answers are the WASM device's answers; obento lets ORT do this rather than refuse the model, and tests
 * that outputs agree with WASM (src/backends/webgpu_parity_test.ts). A model neither provider can run is
 * refused at load with an error naming the operator and the device (src/backends/ort_session.ts's
 * `badModel`). docs/serving.md, "Devices", has the decision.
 *
 * @module
 */
import type * as ortTypes from "onnxruntime-web";
import { ObentoError } from "../errors.ts";
import type { BackendSession, InferenceBackend, SessionOptions } from "../sdk/backend.ts";
import { badModel, OrtSession } from "./ort_session.ts";
import { checkThreads } from "./ort_web.ts";

/** The onnxruntime-web WebGPU module, as {@link loadWebGpuRuntime} loads it. */
export type WebGpuOrt = typeof ortTypes;

/** onnxruntime-web's WebGPU build and the adapter it runs on. */
export interface WebGpuRuntime {
  /** The `onnxruntime-web/webgpu` module. */
  readonly ort: WebGpuOrt;
  /** The adapter's description, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  readonly adapter: string;
  /** Whether the adapter is a software (fallback) one, such as Mesa's llvmpipe. */
  readonly software: boolean;
}

/** The part of `navigator.gpu` obento uses (tests pass one without an adapter). */
export interface GpuLike {
  /** Resolves to an adapter, or null where the machine has none (as `navigator.gpu.requestAdapter`). */
  requestAdapter(options?: GPURequestAdapterOptions): Promise<GPUAdapter | null>;
}

/** What to do when this machine has no WebGPU adapter, per OS. */
export function noAdapterAdvice(os: typeof Deno.build.os = Deno.build.os): string {
  const install = os === "linux"
    ? "install a Vulkan driver: your GPU vendor's, or Mesa's software one (Debian/Ubuntu: " +
      "`apt-get install mesa-vulkan-drivers`, which gives the llvmpipe adapter)"
    : os === "darwin"
    ? "WebGPU needs Metal, which this Mac or virtual machine does not offer"
    : os === "windows"
    ? "install or update the GPU driver (WebGPU needs Direct3D 12 or Vulkan)"
    : "install a Vulkan driver";
  return `${install}; or use --device wasm or native`;
}

/**
 * Finds a WebGPU adapter.
 *
 * @param gpu `navigator.gpu`, or a stand-in
 * @throws {ObentoError} UNAVAILABLE naming what to install when there is no WebGPU or no adapter
 * @example
 * ```ts
 * import { findWebGpuAdapter } from "./ort_webgpu.ts";
 * console.log((await findWebGpuAdapter()).info.description); // llvmpipe (LLVM 15.0.6, 256 bits)
 * ```
 */
export async function findWebGpuAdapter(gpu: GpuLike | undefined = navigator.gpu): Promise<GPUAdapter> {
  if (gpu === undefined) {
    throw new ObentoError(
      "UNAVAILABLE",
      "the webgpu device needs WebGPU, which this runtime does not have (navigator.gpu is missing); use " +
        "--device wasm or native",
    );
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    throw new ObentoError(
      "UNAVAILABLE",
      `the webgpu device cannot start: WebGPU failed to find an adapter ` +
        `(${error instanceof Error ? error.message : String(error)}); ${noAdapterAdvice()}`,
      { cause: error },
    );
  }
  if (adapter === null) {
    throw new ObentoError(
      "UNAVAILABLE",
      `the webgpu device needs a WebGPU adapter and this machine (${Deno.build.os}-${Deno.build.arch}) has ` +
        `none: ${noAdapterAdvice()}`,
    );
  }
  return adapter;
}

/**
 * Checks a thread count for the webgpu device, which runs with one: the GPU does the work, and operators it
 * lacks run on one CPU thread (the browser build's thread pool is not started; see {@link loadWebGpuRuntime}).
 *
 * @throws {ObentoError} BAD_ARGUMENT for anything but 1
 * @example
 * ```ts
 * import { checkWebGpuThreads } from "./ort_webgpu.ts";
 * console.log(checkWebGpuThreads(1)); // 1
 * ```
 */
export function checkWebGpuThreads(threads: number): number {
  if (checkThreads(threads, "threads") !== 1) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `the webgpu device runs with --threads 1 (the GPU does the work; operators it lacks run on one CPU ` +
        `thread), got ${threads}; leave --threads out, or use --device wasm or native for more threads`,
    );
  }
  return threads;
}

/** Loads a {@link WebGpuRuntime}; tests inject one that fails. */
export type WebGpuRuntimeLoader = () => Promise<WebGpuRuntime>;

/**
 * The process's WebGPU runtime once loaded: onnxruntime-web's `env` is process-global, and the adapter is set
 * on it once, so it is kept at module level on purpose.
 */
let loaded: Promise<WebGpuRuntime> | undefined;

/**
 * Finds an adapter and loads onnxruntime-web's WebGPU build onto it (once per thread).
 *
 * The module is imported from a `blob:` URL of its own text and given its WebAssembly bytes, rather than
 * imported by name: the browser build resolves its own URL against `location.origin`, which Deno sets to
 * "null" in a Web Worker started from a file, and `new URL(href, "null")` throws ("Invalid URL ... with base
 * 'null'"), so a plain import works on the main thread only. From a `blob:` URL it does not look for its
 * files beside itself, and `env.wasm.wasmBinary` hands it the 27 MB asyncify build it would have fetched.
 *
 * @throws {ObentoError} UNAVAILABLE when there is no adapter (see {@link findWebGpuAdapter})
 * @example
 * ```ts
 * import { loadWebGpuRuntime } from "./ort_webgpu.ts";
 * console.log((await loadWebGpuRuntime()).adapter); // llvmpipe (LLVM 15.0.6, 256 bits)
 * ```
 */
export function loadWebGpuRuntime(): Promise<WebGpuRuntime> {
  loaded ??= (async () => {
    const adapter = await findWebGpuAdapter();
    const moduleUrl = new URL(import.meta.resolve(WEBGPU_MODULE));
    const [text, wasm] = await Promise.all([
      readBuildFile(() => Deno.readTextFile(moduleUrl)),
      readBuildFile(() => Deno.readFile(new URL(WEBGPU_WASM, moduleUrl))),
    ]);
    const blobUrl = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
    let ort: WebGpuOrt;
    try {
      ort = await import(blobUrl);
    } finally {
      URL.revokeObjectURL(blobUrl);
    }
    ort.env.wasm.wasmBinary = wasm;
    ort.env.webgpu.adapter = adapter;
    // CPU-fallback nodes run on one thread: the browser build's thread pool would start Web Workers from
    // its own module URL, which a blob: import does not have.
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = "error";
    return {
      ort,
      adapter: adapter.info.description || `vendor ${adapter.info.vendor}`,
      software: adapter.info.isFallbackAdapter,
    };
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

/**
 * Reads a file of onnxruntime-web's WebGPU build; a binary built without it (scripts/compile.ts leaves it out
 * unless given `--webgpu`) says so.
 */
async function readBuildFile<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new ObentoError(
      "UNAVAILABLE",
      "this obento was built without the webgpu device (onnxruntime-web's 27 MB WebGPU build is not " +
        "embedded: `deno task compile --webgpu` embeds it); use --device wasm or native, or run obento " +
        "from source",
      { cause: error },
    );
  }
}

/** onnxruntime-web's WebGPU entry (resolves to dist/ort.webgpu.bundle.min.mjs: the module, its glue inlined). */
const WEBGPU_MODULE = "onnxruntime-web/webgpu";

/** The WebAssembly build that module runs (its WebGPU execution provider; beside it in dist/). */
const WEBGPU_WASM = "ort-wasm-simd-threaded.asyncify.wasm";

/** The tail of this thread's chain of WebGPU runs: like WASM's, the instance's heap is not safe for overlap. */
let runChain: Promise<unknown> = Promise.resolve();

/** Runs `task` after every WebGPU run started before it has settled. */
function serialized<T>(task: () => Promise<T>): Promise<T> {
  const result = runChain.then(task, task);
  runChain = result.catch(() => {});
  return result;
}

/**
 * Runs ONNX models on onnxruntime-web's WebGPU execution provider. The runtime loads at the first session, so
 * a backend made on a thread whose models run in workers costs nothing.
 *
 * @example
 * ```ts
 * import { WebGpuBackend } from "./ort_webgpu.ts";
 * const backend = new WebGpuBackend();
 * const session = await backend.createSession(await Deno.readFile("bundles/iris_classifier/iris_lr.onnx"));
 * const out = await session.run({
 *   input: { type: "float32", dims: [1, 4], data: new Float32Array([5.1, 3.5, 1.4, 0.2]) },
 * });
 * console.log(out.label.data); // BigInt64Array(1) [ 0n ]
 * await session.close();
 * ```
 */
export class WebGpuBackend implements InferenceBackend {
  /** Always "webgpu". */
  readonly name = "webgpu";
  readonly #load: WebGpuRuntimeLoader;

  /** Makes a backend; `load` (default {@link loadWebGpuRuntime}) runs at the first session. */
  constructor(load: WebGpuRuntimeLoader = loadWebGpuRuntime) {
    this.#load = load;
  }

  /**
   * Parses `model` and makes a session on the GPU.
   *
   * @throws {ObentoError} BAD_MODEL when the bytes are not an ONNX model or no provider can run an operator
   *   (naming it); BAD_ARGUMENT for `threads` other than 1; UNAVAILABLE when there is no adapter
   */
  async createSession(model: Uint8Array, options: SessionOptions = {}): Promise<BackendSession> {
    checkWebGpuThreads(options.threads ?? 1);
    const { ort } = await this.#load();
    let session: ortTypes.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, {
        executionProviders: ["webgpu"],
        graphOptimizationLevel: options.graphOptimizationLevel ?? "all",
        executionMode: options.parallelExecution ? "parallel" : "sequential",
        enableCpuMemArena: options.enableCpuMemArena ?? true,
        enableMemPattern: options.enableMemPattern ?? true,
        // Errors only: ORT warns on stdout whenever a node runs on the CPU provider (which is correct, and
        // the rule here), and `obento run` prints results on stdout.
        logSeverityLevel: 3,
        ...options.extra,
      });
    } catch (error) {
      throw badModel(model, error, "onnxruntime-web", "webgpu");
    }
    return new OrtSession(session, {
      device: "webgpu",
      runtime: "onnxruntime-web (webgpu)",
      Tensor: ort.Tensor,
      schedule: serialized,
    });
  }
}
