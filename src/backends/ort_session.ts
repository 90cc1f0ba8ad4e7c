/**
 * The session shared by the onnxruntime-backed devices (onnxruntime-web's WASM, onnxruntime-node's native
 * CPU): input checks against the model's metadata, output checks, and the mapping of ORT's errors to
 * {@link ObentoError}s, so every device answers bad input with the same message.
 *
 * @module
 */
import type { InferenceSession, Tensor as OrtTensor, TensorConstructor } from "onnxruntime-web";
import { BadInputError, ObentoError } from "../errors.ts";
import type { Tensor, TensorInfo } from "../sdk/tensor.ts";
import type { BackendSession } from "../sdk/backend.ts";
import { formatShape } from "../sdk/shape.ts";
import { describeTensorProblem, fromOrtTensor, tensorInfoOf, toOrtTensor } from "./ort_tensor.ts";

/** What an {@link OrtSession} needs to know about the runtime that made its session. */
export interface OrtSessionRuntime {
  /** The device name reported as {@link BackendSession.backend}, e.g. "wasm" or "native". */
  readonly device: string;
  /** The runtime's name for messages, e.g. "onnxruntime-web". */
  readonly runtime: string;
  /** The runtime's `Tensor` constructor. */
  readonly Tensor: TensorConstructor;
  /** Runs one model call; WASM chains them (its heap is not safe for overlapping runs). Default: at once. */
  readonly schedule?: <T>(task: () => Promise<T>) => Promise<T>;
}

/** The parts of an onnxruntime `InferenceSession` (web or node) that {@link OrtSession} uses. */
export interface OrtInferenceSession {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
  run(feeds: Record<string, OrtTensor>, fetches: string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/**
 * A session of an onnxruntime-backed device; inputs are checked against the model's metadata before ORT sees
 * them, so every device gives the same errors for the same bad input.
 *
 * @example
 * ```ts
 * import * as ort from "onnxruntime-web";
 * import { OrtSession } from "./ort_session.ts";
 * const bytes = await Deno.readFile("bundles/iris_classifier/iris_lr.onnx");
 * const raw = await ort.InferenceSession.create(bytes);
 * const session = new OrtSession(raw, { device: "wasm", runtime: "onnxruntime-web", Tensor: ort.Tensor });
 * console.log(session.inputs[0].name); // input
 * await session.close();
 * ```
 */
export class OrtSession implements BackendSession {
  /** The device that made this session. */
  readonly backend: string;
  /** Model inputs, in the model's order. */
  readonly inputs: readonly TensorInfo[];
  /** Model outputs, in the model's order. */
  readonly outputs: readonly TensorInfo[];
  #session: OrtInferenceSession | undefined;
  readonly #runtime: OrtSessionRuntime;
  #allOutputs: string[] | undefined;

  /** Wraps `session`, made by `runtime`. */
  constructor(session: OrtInferenceSession, runtime: OrtSessionRuntime) {
    this.#session = session;
    this.#runtime = runtime;
    this.backend = runtime.device;
    this.inputs = session.inputMetadata.map(tensorInfoOf);
    this.outputs = session.outputMetadata.map(tensorInfoOf);
  }

  /** Runs the model (see {@link BackendSession.run}). */
  async run(
    feeds: Readonly<Record<string, Tensor>>,
    outputNames?: readonly string[],
  ): Promise<Record<string, Tensor>> {
    const session = this.#session;
    if (session === undefined) {
      throw new ObentoError("UNAVAILABLE", "the model session was closed; load the model again to run it");
    }
    const ortFeeds = checkFeeds(this.inputs, feeds, this.#runtime.Tensor);
    // The default fetch list is checked once and reused (ORT does not keep or change it).
    const fetches = outputNames === undefined
      ? this.#allOutputs ??= checkFetches(this.outputs, undefined)
      : checkFetches(this.outputs, outputNames);
    const schedule = this.#runtime.schedule;
    let results: Record<string, OrtTensor>;
    try {
      // No wrapper where none is needed: at batch 1 on native, each extra promise is a visible share.
      results = await (schedule === undefined
        ? session.run(ortFeeds, fetches)
        : schedule(() =>
          session.run(ortFeeds, fetches)
        ));
    } catch (error) {
      throw runError(error, this.#runtime.runtime);
    }
    const out: Record<string, Tensor> = {};
    for (const name of fetches) out[name] = fromOrtTensor(name, results[name]);
    return out;
  }

  /** Frees the session. */
  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.release();
  }
}

/** Checks feeds against the model inputs and wraps them as ORT tensors. */
function checkFeeds(
  inputs: readonly TensorInfo[],
  feeds: Readonly<Record<string, Tensor>>,
  TensorClass: TensorConstructor,
): Record<string, OrtTensor> {
  const describe = () => inputs.map((i) => `${i.name} (${i.type} ${formatShape(i.shape)})`).join(", ");
  if (feeds === null || typeof feeds !== "object") {
    throw new BadInputError(
      `model inputs must be an object of tensors by name; the model needs ${describe()}`,
    );
  }
  for (const name in feeds) {
    if (!Object.hasOwn(feeds, name)) continue;
    let known = false;
    for (const info of inputs) known ||= info.name === name;
    if (!known) throw new BadInputError(`unknown input "${name}"; the model's inputs are ${describe()}`);
  }
  let symbols: Map<string, { input: string; value: number }> | undefined;
  const out: Record<string, OrtTensor> = {};
  for (const info of inputs) {
    const tensor = feeds[info.name];
    if (tensor === undefined) {
      throw new BadInputError(`missing input "${info.name}"; the model needs ${describe()}`);
    }
    const problem = describeTensorProblem(tensor);
    if (problem !== undefined) throw new BadInputError(`input "${info.name}" ${problem}`);
    // The messages are built only on failure: at batch 1 on the native device this check is a visible share
    // of the call (docs/benchmarks.md, "obento's native device vs onnxruntime-node called directly").
    const mismatch = (why: string) =>
      new BadInputError(
        `input "${info.name}" must be ${info.type} ${formatShape(info.shape)}, got ${tensor.type} ` +
          `${formatShape(tensor.dims)} (${why})`,
      );
    if (info.type !== "unknown" && tensor.type !== info.type) throw mismatch("wrong dtype");
    const shape = info.shape;
    if (shape !== undefined) {
      const dims = tensor.dims;
      if (dims.length !== shape.length) {
        throw mismatch(`rank ${dims.length}, expected ${shape.length}`);
      }
      for (let axis = 0; axis < shape.length; axis++) {
        const want = shape[axis];
        const got = dims[axis];
        if (typeof want === "number") {
          if (got !== want) throw mismatch(`dim ${axis} is ${got}, expected ${want}`);
        } else if (typeof want === "string") {
          symbols ??= new Map();
          const seen = symbols.get(want);
          if (seen === undefined) symbols.set(want, { input: info.name, value: got });
          else if (seen.value !== got) {
            throw new BadInputError(
              `input "${info.name}" has ${want}=${got} (dim ${axis} of ${tensor.type} ${
                formatShape(dims)
              }) ` +
                `but input "${seen.input}" has ${want}=${seen.value}; inputs sharing the dim ${want} must agree`,
            );
          }
        }
      }
    }
    out[info.name] = toOrtTensor(tensor, TensorClass);
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
        `output "${name}" is not a tensor (a map or a sequence, e.g. from ZipMap), which obento cannot ` +
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

/**
 * Maps a session-creation failure to BAD_MODEL, naming the runtime (e.g. "onnxruntime-web") and the device.
 *
 * @example
 * ```ts
 * import { badModel } from "./ort_session.ts";
 * const e = badModel(new Uint8Array(3), new Error("protobuf parsing failed"), "onnxruntime-web", "wasm");
 * console.log(e.code, e.message); // BAD_MODEL 3 bytes given are not an ONNX model (protobuf parsing failed)
 * ```
 */
export function badModel(model: Uint8Array, error: unknown, runtime: string, device: string): ObentoError {
  const message = ortMessage(error);
  if (/protobuf parsing failed|No graph was found/i.test(message)) {
    return new ObentoError(
      "BAD_MODEL",
      `${model.byteLength} bytes given are not an ONNX model (protobuf parsing failed)`,
      { cause: error },
    );
  }
  const operator = missingOperator(message);
  if (operator !== undefined) {
    return new ObentoError(
      "BAD_MODEL",
      `the ${device} device cannot run operator ${operator} of this model (${runtime}: ${message}); run it ` +
        `with --device wasm${
          device === "native" ? "" : " or native"
        }, or export the model without that operator`,
      { cause: error },
    );
  }
  return new ObentoError(
    "BAD_MODEL",
    `${runtime} cannot load the model on the ${device} device: ${message}` +
      (/not implemented|could not find an implementation|unsupported/i.test(message)
        ? ` (an operator this device lacks: run it with --device wasm, or export the model at another opset)`
        : ""),
    { cause: error },
  );
}

/**
 * The operator an ORT load error says no provider can run, e.g. "TreeEnsembleClassifier (domain version 3)"
 * from "No Op registered for TreeEnsembleClassifier with domain_version of 3", or "Cast (node x64)" from the
 * WebGPU build's "Provider type for Cast node with name 'x64' is not set" (no provider claimed the node).
 *
 * @example
 * ```ts
 * import { missingOperator } from "./ort_session.ts";
 * console.log(missingOperator("No Op registered for TreeEnsembleClassifier with domain_version of 3"));
 * // TreeEnsembleClassifier (domain version 3)
 * ```
 */
export function missingOperator(message: string): string | undefined {
  const registered = /No Op registered for (\S+) with domain_version of (\d+)/.exec(message);
  if (registered) return `${registered[1]} (domain version ${registered[2]})`;
  const unclaimed = /Provider type for (\S+) node with name '([^']*)' is not set/.exec(message);
  if (unclaimed) return `${unclaimed[1]} (node ${unclaimed[2]})`;
  const kernel = /Could not find an implementation for (\S+)\((\d+)\) node with name '([^']*)'/.exec(message);
  if (kernel) return `${kernel[1]} (opset ${kernel[2]}, node ${kernel[3]})`;
  return undefined;
}

/** Maps a run failure: ORT's INVALID_ARGUMENT (code 2) is the caller's input, anything else is ours. */
function runError(error: unknown, runtime: string): ObentoError {
  const text = error instanceof Error ? error.message : String(error);
  if (/ERROR_CODE: 2\b|INVALID_ARGUMENT|Invalid argument/i.test(text)) {
    return new BadInputError(`the model rejected the input: ${ortMessage(error)}`, { cause: error });
  }
  return new ObentoError("INTERNAL", `${runtime} failed to run the model: ${ortMessage(error)}`, {
    cause: error,
  });
}
