/**
 * Encodes v2 inference responses: JSON with INT64/UINT64 as exact number literals and NaN/±Infinity as null, or
 * outputs as raw bytes after the JSON header when the request asked for binary data.
 *
 * @module
 */
import { tensorBytes } from "./binary.ts";
import type { EncodedOutput, JsonSchema, JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import type { DType, TensorData } from "../sdk/tensor.ts";
import { flatDataToJson, toJsonValue } from "../adapters/json_value.ts";
import { dtypeOfV2, isRecord, type V2InferResponse } from "./protocol.ts";
import { v2ResponseSchema } from "./schema.ts";

/** The elements of a tensor as JSON list text: 64-bit integers as exact number literals, NaN/±Infinity as null. */
function jsonElements(data: TensorData, type: DType): string {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return `[${data.join(",")}]`;
  return JSON.stringify(flatDataToJson(data, type));
}

/** The JSON text of a response up to its outputs, then the given output texts. */
function responseJson(response: V2InferResponse, outputs: readonly string[]): string {
  let head = `{"model_name":${JSON.stringify(response.model_name)}`;
  if (response.model_version !== undefined) {
    head += `,"model_version":${JSON.stringify(response.model_version)}`;
  }
  if (response.id !== undefined) head += `,"id":${JSON.stringify(response.id)}`;
  return `${head},"outputs":[${outputs.join(",")}]}`;
}

/**
 * Encodes v2 inference responses. Without binary outputs the body is JSON (`application/json`), written by
 * hand so INT64/UINT64 elements are exact number literals however large (`JSON.stringify` cannot write a
 * BigInt, and a double loses digits past 2^53); FP16/FP32/FP64 NaN and ±Infinity, which JSON has no literal
 * for, are `null`. With binary outputs (binary tensor data extension) the body is the JSON header, in which each
 * binary output has `parameters.binary_data_size` instead of `data`, then the outputs' raw little-endian bytes
 * in output order; the content type is `application/octet-stream` and header `Inference-Header-Content-Length`
 * gives the JSON header's byte length.
 *
 * @example
 * ```ts
 * import { V2InferOutput } from "./infer_output.ts";
 * const out = new V2InferOutput().encode({
 *   model_name: "m",
 *   outputs: [{ name: "y", datatype: "INT64", shape: [1], data: new BigInt64Array([2n ** 60n]) }],
 * });
 * console.log(out.body); // {"model_name":"m","outputs":[{"name":"y","datatype":"INT64","shape":[1],"data":[1152921504606846976]}]}
 * ```
 */
export class V2InferOutput implements OutputAdapter {
  /** Adapter name. */
  readonly type = "V2InferOutput";

  /** Settings: none. */
  config(): Record<string, JsonValue> {
    return {};
  }

  /**
   * The JSON-safe form of a response, for callers that need a value rather than a body: INT64/UINT64 beyond
   * 2^53 become decimal strings here (a JS number cannot hold them); {@link encode} writes them exactly.
   */
  toJson(value: unknown): JsonValue {
    const response = value as V2InferResponse;
    if (!isRecord(response) || !Array.isArray(response.outputs)) return toJsonValue(value);
    return toJsonValue({
      ...response,
      outputs: response.outputs.map(({ binary, data, ...t }) => {
        const type = dtypeOfV2(t.datatype);
        return binary
          ? { ...t, parameters: { binary_data_size: tensorBytes(data, type).length } }
          : { ...t, data: flatDataToJson(data, type) };
      }),
    });
  }

  /** The response body: JSON, or the JSON header and raw bytes when some output is binary. */
  encode(value: unknown, _accept?: string): EncodedOutput {
    const response = value as V2InferResponse;
    const chunks: Uint8Array[] = [];
    const outputs = response.outputs.map((t) => {
      const type = dtypeOfV2(t.datatype);
      const head = `{"name":${JSON.stringify(t.name)},"datatype":"${t.datatype}","shape":${
        JSON.stringify(t.shape)
      }`;
      if (!t.binary) return `${head},"data":${jsonElements(t.data, type)}}`;
      const bytes = tensorBytes(t.data, type);
      chunks.push(bytes);
      return `${head},"parameters":{"binary_data_size":${bytes.length}}}`;
    });
    const json = responseJson(response, outputs);
    if (chunks.length === 0) return { body: json, contentType: "application/json" };
    const header = new TextEncoder().encode(json);
    const body = new Uint8Array(header.length + chunks.reduce((n, c) => n + c.length, 0));
    body.set(header, 0);
    let offset = header.length;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    return {
      body,
      contentType: "application/octet-stream",
      headers: { "inference-header-content-length": String(header.length) },
    };
  }

  /** JSON Schema of a v2 inference response. */
  schema(): JsonSchema {
    return v2ResponseSchema();
  }
}
