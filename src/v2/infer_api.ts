/**
 * The synthetic batch API `v2:<artifact>` that serves v2 inference for one ONNX model through the same
 * `invokeApi` path as a service's own APIs: requests merged into one model run, every output split back per
 * request.
 *
 * @module
 */
import { httpStatusOf, messageOf } from "../errors.ts";
import type { InputAdapter } from "../sdk/adapter.ts";
import type { ArtifactSpecs } from "../sdk/artifact.ts";
import type { BackendSession } from "../sdk/backend.ts";
import { InferenceError } from "../sdk/inference.ts";
import type { ApiSpec } from "../sdk/service.ts";
import type { Tensor } from "../sdk/tensor.ts";
import { sliceRows } from "../sdk/slice_rows.ts";
import { v2DatatypeOf } from "./protocol.ts";
import type { V2InferResponse, V2OutputTensor } from "./protocol.ts";
import { V2InferInput } from "./infer_input.ts";
import type { V2InferBatch, V2InferItem } from "./infer_input.ts";
import { V2InferOutput } from "./infer_output.ts";

/** Options for {@link v2InferApi}. */
export interface V2InferApiOptions {
  /** `model_version` in responses (the bundle version). Default: left out. */
  version?: string;
}

/**
 * The model as {@link v2InferApi} needs it: a backend session's metadata and run function (an `OnnxModel`
 * fits).
 */
export type V2Model = Pick<BackendSession, "inputs" | "outputs" | "run">;

/**
 * Makes the synthetic batch API `v2:<artifact name>` that serves v2 inference for one ONNX model.
 * Requests are merged into one model run when the model's first dim is dynamic, and every output is split
 * back by rows; a merged run that fails, or returns outputs whose first dim is not the total row count, is
 * redone request by request so one bad request fails alone.
 *
 * @param artifactName the ONNX artifact's name: `model_name` in responses, and the API is `v2:<name>`.
 * @param model the loaded model.
 * @param options the version to report.
 * @returns an API for `invokeApi` / the server's executor.
 *
 * @example
 * ```ts
 * import { v2InferApi } from "./infer_api.ts";
 * import { invokeApi } from "../runtime/invoke.ts";
 * import { OnnxModelArtifact } from "../artifacts/onnx_model_artifact.ts";
 * import { WasmBackend } from "../backends/ort_web.ts";
 * const bytes = await Deno.readFile("bundles/iris_classifier/iris_lr.onnx");
 * const ctx = { name: "model", metadata: {}, backend: new WasmBackend(), sessionOptions: {} };
 * const model = await new OnnxModelArtifact().load(bytes, ctx);
 * const api = v2InferApi("model", model, { version: "1.0" });
 * const item = api.input.fromJson({
 *   inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [5.1, 3.5, 1.4, 0.2] }],
 *   outputs: [{ name: "label" }],
 * });
 * const signal = new AbortController().signal;
 * const [outcome] = await invokeApi(api, [item], { artifacts: {}, metadata: {}, signal });
 * if (outcome.ok) console.log(api.output!.encode(outcome.value).body);
 * // {"model_name":"model","model_version":"1.0","outputs":[{"name":"label","datatype":"INT64","shape":[1],"data":[0]}]}
 * await model.close();
 * ```
 */
export function v2InferApi(
  artifactName: string,
  model: V2Model,
  options: V2InferApiOptions = {},
): ApiSpec<ArtifactSpecs> {
  const input = new V2InferInput({ inputs: model.inputs, outputs: model.outputs });
  const allOutputs = model.outputs.map((o) => o.name);

  const respond = (item: V2InferItem, outputs: Record<string, Tensor>): V2InferResponse => {
    const tensors: V2OutputTensor[] = [];
    for (const name of item.outputs ?? allOutputs) {
      const t = outputs[name];
      if (!t) continue;
      const datatype = v2DatatypeOf(t.type);
      if (!datatype) throw new TypeError(`output "${name}" is not a tensor; v2 serves tensors only`);
      const tensor: V2OutputTensor = { name, datatype, shape: [...t.dims], data: t.data };
      if (item.binaryOutputs?.includes(name)) tensor.binary = true;
      tensors.push(tensor);
    }
    return {
      model_name: artifactName,
      ...(options.version === undefined ? {} : { model_version: options.version }),
      ...(item.id === undefined ? {} : { id: item.id }),
      outputs: tensors,
    };
  };

  const runOne = async (item: V2InferItem): Promise<V2InferResponse | InferenceError> => {
    try {
      return respond(item, await model.run(item.feeds, item.outputs));
    } catch (error) {
      const status = httpStatusOf(error);
      return new InferenceError(status >= 400 && status <= 599 ? status : 500, messageOf(error));
    }
  };

  const runMerged = async (batch: V2InferBatch): Promise<V2InferResponse[] | undefined> => {
    const wanted = batch.items.some((i) => i.outputs === undefined)
      ? undefined
      : [...new Set(batch.items.flatMap((i) => i.outputs ?? []))];
    let outputs: Record<string, Tensor>;
    try {
      outputs = await model.run(batch.feeds!, wanted);
    } catch {
      return undefined;
    }
    const total = batch.rows.reduce((a, b) => a + b, 0);
    if (Object.values(outputs).some((t) => t.dims[0] !== total)) return undefined;
    let start = 0;
    return batch.items.map((item, k) => {
      const count = batch.rows[k];
      const own: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(outputs)) own[name] = sliceRows(t, start, count, "copy");
      start += count;
      return respond(item, own);
    });
  };

  return {
    name: `v2:${artifactName}`,
    batch: true,
    input: input as InputAdapter<unknown, unknown>,
    output: new V2InferOutput(),
    doc: `Open Inference Protocol v2 inference on model "${artifactName}"`,
    handler: async (merged) => {
      const batch = merged as V2InferBatch;
      if (batch.feeds) {
        const responses = await runMerged(batch);
        if (responses) return responses;
      }
      const results: (V2InferResponse | InferenceError)[] = [];
      for (const item of batch.items) results.push(await runOne(item));
      return results;
    },
  };
}

/** What {@link v2Apis} is given: the bundle's version and its loaded ONNX models by artifact name. */
export interface V2ApisContext {
  /** `model_version` in responses. */
  readonly version: string;
  /** The ONNX models to serve, by artifact name. */
  readonly models: ReadonlyMap<string, V2Model>;
}

/**
 * One `v2:<artifact>` API per ONNX model ({@link v2InferApi}): the hook the server and `mod.ts` give the
 * loader (`hostApis` in src/runtime/load.ts) so that the host, not the loader, decides to serve v2.
 *
 * @param context the bundle's version and its loaded ONNX models.
 * @returns the APIs, in the models' order.
 *
 * @example
 * ```ts
 * import { v2Apis } from "./infer_api.ts";
 * const model = { inputs: [], outputs: [], run: () => Promise.resolve({}) };
 * const apis = v2Apis({ version: "1", models: new Map([["model", model]]) });
 * console.log(apis.map((api) => api.name)); // [ "v2:model" ]
 * ```
 */
export function v2Apis(context: V2ApisContext): ApiSpec<ArtifactSpecs>[] {
  return [...context.models].map(([name, model]) => v2InferApi(name, model, { version: context.version }));
}
