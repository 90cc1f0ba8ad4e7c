/**
 * Request bodies for the MLP 784→1024→1024→10 (tests/fixtures/mlp_784.onnx, input `input`, output `output`),
 * one row of 784 floats each, as `bench:serve` and `scripts/profile_serve.ts` send them: the zero-code
 * `/predict` table, an Open Inference Protocol v2 JSON request, and a v2 request with the binary tensor data
 * extension (JSON header, then the row's 3136 little-endian bytes; the output asked for as bytes too).
 *
 * @module
 */

/** One benchmark request: where it goes, its body and its headers. */
export interface BenchBody {
  /** A short label for tables. */
  label: string;
  /** The path to POST to. */
  path: string;
  /** The body. */
  body: Uint8Array;
  /** Request headers (content type, and the binary extension's header length). */
  headers: Record<string, string>;
}

/** The row every body carries: 784 floats in [0, 1]. */
export const MLP_ROW: readonly number[] = Array.from({ length: 784 }, (_, i) => ((i * 37) % 255) / 255);

/** The three MLP bodies: `/predict` JSON, v2 JSON and v2 binary (input and output as bytes). */
export function mlpBodies(model = "model"): { predict: BenchBody; v2Json: BenchBody; v2Binary: BenchBody } {
  const encoder = new TextEncoder();
  const infer = `/v2/models/${model}/infer`;
  const jsonType = { "content-type": "application/json" };
  const v2Json = {
    inputs: [{ name: "input", shape: [1, 784], datatype: "FP32", data: MLP_ROW }],
  };
  const data = new Float32Array(MLP_ROW);
  // Padded with spaces to a multiple of 8 bytes, so the server reads the floats in place (docs/serving.md).
  const json = JSON.stringify({
    inputs: [{
      name: "input",
      shape: [1, 784],
      datatype: "FP32",
      parameters: { binary_data_size: data.byteLength },
    }],
    parameters: { binary_data_output: true },
  });
  const header = encoder.encode(json.padEnd(Math.ceil(json.length / 8) * 8, " "));
  const body = new Uint8Array(header.length + data.byteLength);
  body.set(header);
  body.set(new Uint8Array(data.buffer), header.length);
  return {
    predict: {
      label: "/predict JSON",
      path: "/predict",
      body: encoder.encode(JSON.stringify([MLP_ROW])),
      headers: jsonType,
    },
    v2Json: {
      label: "v2 JSON",
      path: infer,
      body: encoder.encode(JSON.stringify(v2Json)),
      headers: jsonType,
    },
    v2Binary: {
      label: "v2 binary",
      path: infer,
      body,
      headers: {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(header.length),
      },
    },
  };
}
