/**
 * Fuzz target `v2_infer`: the Open Inference Protocol v2 request parser (`V2InferInput`) for a few model
 * signatures, through `fromBytes`, `fromJson`, `rows` and `merge`; and its binary tensor data extension
 * (JSON header + raw bytes, `Inference-Header-Content-Length`), where an unbroken body must decode to the
 * same tensors as the JSON request it was made from.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { tensorBytes } from "../../src/v2/binary.ts";
import { V2InferInput, type V2InferItem } from "../../src/v2/infer_input.ts";
import { v2DatatypeOf } from "../../src/v2/protocol.ts";
import type { TensorInfo } from "../../src/sdk/tensor.ts";
import { contentType, decodeAndMerge, jsonBody } from "./bodies.ts";
import { anyText, type FuzzRun, type FuzzTarget, type PropertyReport, runProperty } from "./property.ts";

const MODELS: readonly { inputs: TensorInfo[]; outputs: TensorInfo[] }[] = [
  {
    inputs: [{ name: "input", type: "float32", shape: ["N", 4] }],
    outputs: [{ name: "label", type: "int64", shape: ["N"] }, {
      name: "probabilities",
      type: "float32",
      shape: ["N", 3],
    }],
  },
  {
    inputs: [{ name: "a", type: "int64", shape: [-1] }, { name: "b", type: "string", shape: [-1] }],
    outputs: [{ name: "y", type: "bool", shape: [-1] }],
  },
  { inputs: [{ name: "x", type: "uint8", shape: [1, 2, 2] }, { name: "f", type: "float16" }], outputs: [] },
];
const ADAPTERS: readonly V2InferInput[] = MODELS.map((m) => new V2InferInput(m));

const DATATYPES = ["BOOL", "UINT8", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES", "fp32", "FP8", ""];
const element = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, 1, 1e39, 2 ** 63, null, true, "x", "12", { b64: "aGk=" }, { b64: "!!" }, { b64: 1 }),
);
const nestedData: fc.Arbitrary<unknown> = fc.letrec<{ d: unknown }>((tie) => ({
  d: fc.oneof({ depthSize: "small" }, element, fc.array(tie("d"), { maxLength: 4 })),
})).d;
const dim = fc.oneof(fc.nat(4), fc.constantFrom(-1, 1.5, 2 ** 31, 1e9, "N", null));

/** Elements a model input of `type` takes. */
function validElement(type: TensorInfo["type"]): fc.Arbitrary<unknown> {
  if (type === "string") return fc.oneof(fc.string({ maxLength: 5 }), fc.constant({ b64: "aGk=" }));
  if (type === "bool") return fc.boolean();
  if (type.startsWith("float")) {
    return fc.float({ noDefaultInfinity: true, noNaN: true, min: -1000, max: 1000 });
  }
  return fc.integer({ min: 0, max: 255 });
}

/** A valid tensor for `info` with `rows` rows (free dims other than the first are 2). */
function validTensor(info: TensorInfo, rows: number): fc.Arbitrary<Record<string, unknown>> {
  const dims = (info.shape ?? [rows]).map((d, a) => typeof d === "number" && d >= 0 ? d : a === 0 ? rows : 2);
  const size = dims.reduce((x, y) => x * y, 1);
  return fc.array(validElement(info.type), { minLength: size, maxLength: size }).map((data) => ({
    name: info.name,
    datatype: v2DatatypeOf(info.type === "unknown" ? "float32" : info.type),
    shape: dims,
    data,
  }));
}

/** A valid request for model `m`, with one field of it (or of its first tensor) sometimes replaced. */
function nearValid(m: number): fc.Arbitrary<unknown> {
  const model = MODELS[m];
  const valid = fc.nat(3).chain((rows) =>
    fc.tuple(...model.inputs.map((info) => validTensor(info, rows))).map((inputs) => ({ inputs }))
  );
  const junk = fc.oneof(fc.anything({ maxDepth: 2 }), dim, nestedData, fc.constantFrom(...DATATYPES));
  const field = fc.constantFrom("name", "datatype", "shape", "data", "id", "outputs", "inputs");
  return fc.tuple(valid, fc.option(fc.tuple(field, junk), { freq: 2 })).map(([request, change]) => {
    if (change === null) return request;
    const [key, value] = change;
    const target: Record<string, unknown> = ["id", "outputs", "inputs"].includes(key)
      ? request
      : request.inputs[0];
    target[key] = value;
    return request;
  });
}

/** How a binary body is broken (none: it must decode exactly as its JSON twin). */
type Break =
  | { kind: "none" }
  | { kind: "size"; input: number; delta: number }
  | { kind: "header-length"; value: string }
  | { kind: "trailing"; bytes: Uint8Array }
  | { kind: "field"; key: string; value: unknown }
  | { kind: "content-type"; value: string };

const breaks: fc.Arbitrary<Break> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "none" } as Break) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("size" as const),
      input: fc.nat(1),
      delta: fc.integer({ min: -9, max: 9 }).filter((d) => d !== 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("header-length" as const),
      value: fc.oneof(
        fc.integer({ min: -3, max: 3 }).map(String),
        fc.constantFrom("", "x", "1e2", "0x10", "99999999999999999999", " 7", "-0", "1.5", "NaN"),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("trailing" as const),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("field" as const),
      key: fc.constantFrom(
        "binary_data_size",
        "data",
        "shape",
        "datatype",
        "parameters",
        "binary_data_output",
      ),
      value: fc.oneof(fc.anything({ maxDepth: 1 }), fc.integer({ min: -1, max: 40 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("content-type" as const),
      value: fc.constantFrom("", "application/json", "text/plain", "multipart/form-data; boundary=x"),
    }),
  },
);

/**
 * A binary-extension body for model `m`: a valid JSON request decoded, each input's elements moved to the
 * binary section (`binary_data_size` in the header), then maybe broken as `brk` says. Returns the body, its
 * content type (with the header length as the server passes it), the break, and the JSON request's decode.
 */
function binaryBody(m: number): fc.Arbitrary<[Uint8Array, string, Break, V2InferItem | undefined]> {
  const model = MODELS[m];
  const valid = fc.nat(3).chain((rows) =>
    fc.tuple(...model.inputs.map((info) => validTensor(info, rows))).map((inputs) => ({ inputs }))
  );
  return fc.tuple(valid, breaks, fc.nat(3)).map(([request, brk, pad]) => {
    let twin: V2InferItem | undefined;
    try {
      twin = ADAPTERS[m].fromJson(request);
    } catch {
      twin = undefined; // e.g. a {b64} BYTES element that is not text: the header keeps its data
    }
    const chunks: Uint8Array[] = [];
    const inputs = request.inputs.map((raw, i) => {
      const feed = twin?.feeds[raw.name as string];
      if (!feed) return raw;
      let bytes = tensorBytes(feed.data, feed.type);
      if (brk.kind === "size" && brk.input === i) {
        bytes = brk.delta < 0 ? bytes.subarray(0, Math.max(0, bytes.length + brk.delta)) : new Uint8Array([
          ...bytes,
          ...new Uint8Array(brk.delta),
        ]);
      }
      chunks.push(bytes);
      const { data: _data, ...rest } = raw;
      return { ...rest, parameters: { binary_data_size: bytes.length } };
    });
    const header: Record<string, unknown> = { inputs };
    if (brk.kind === "field") {
      if (brk.key === "binary_data_output") header.parameters = { binary_data_output: brk.value };
      else {
        const first = inputs[0] as Record<string, unknown>;
        if (brk.key === "binary_data_size") first.parameters = { binary_data_size: brk.value };
        else first[brk.key] = brk.value;
      }
    }
    // Padding after the JSON header (spaces are JSON whitespace) moves the binary section's alignment.
    const headerBytes = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(pad));
    const tail = brk.kind === "trailing" ? [brk.bytes] : [];
    const parts = [headerBytes, ...chunks, ...tail];
    const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      body.set(part, offset);
      offset += part.length;
    }
    const length = brk.kind === "header-length" ? brk.value : String(headerBytes.length);
    const type = brk.kind === "content-type" ? brk.value : "application/octet-stream";
    return [body, `${type}; inference-header-content-length=${length}`, brk, twin];
  });
}

const tensor = fc.record(
  {
    name: fc.oneof(
      fc.constantFrom("input", "a", "b", "x", "f", "label", "constructor", "__proto__"),
      anyText,
    ),
    shape: fc.oneof(fc.array(dim, { maxLength: 3 }), fc.anything()),
    datatype: fc.oneof(fc.constantFrom(...DATATYPES), fc.anything()),
    data: fc.oneof(fc.array(nestedData, { maxLength: 9 }), nestedData),
    parameters: fc.anything(),
  },
  { requiredKeys: [] },
);

const request = fc.record(
  {
    id: fc.oneof(fc.string(), fc.anything()),
    inputs: fc.oneof(fc.array(tensor, { maxLength: 3 }), fc.anything()),
    outputs: fc.oneof(
      fc.array(fc.record({ name: fc.constantFrom("label", "probabilities", "y", "nope") }), { maxLength: 3 }),
      fc.anything(),
    ),
    parameters: fc.anything(),
  },
  { requiredKeys: ["inputs"] },
);

/** The v2 target. */
export const v2InferTarget: FuzzTarget = {
  name: "v2_infer",
  async run(options: FuzzRun): Promise<PropertyReport[]> {
    const which = fc.nat(ADAPTERS.length - 1);
    const body = (m: number) =>
      fc.oneof({ weight: 3, arbitrary: nearValid(m) }, { weight: 1, arbitrary: request });
    return [
      await runProperty(
        "fromBytes",
        which.chain((m) => fc.tuple(fc.constant(m), jsonBody(body(m)), contentType(["application/json"]))),
        async ([i, bytes, t], o) => {
          const adapter = ADAPTERS[i];
          await decodeAndMerge(adapter, o, () => adapter.fromBytes(bytes, t));
        },
        options,
      ),
      await runProperty(
        "fromBytes (binary tensor data)",
        which.chain((m) => fc.tuple(fc.constant(m), binaryBody(m))),
        async ([i, [bytes, t, brk, twin]], o) => {
          const adapter = ADAPTERS[i];
          if (brk.kind !== "none" || twin === undefined) {
            await decodeAndMerge(adapter, o, () => adapter.fromBytes(bytes, t));
            return;
          }
          // Unbroken: accepted, and the same tensors as the JSON request (views or copies alike).
          const item = adapter.fromBytes(bytes, t);
          for (const [name, feed] of Object.entries(twin.feeds)) {
            assert.deepEqual(item.feeds[name].dims, feed.dims, name);
            assert.deepEqual(
              Array.from(item.feeds[name].data as ArrayLike<unknown>),
              Array.from(feed.data as ArrayLike<unknown>),
              name,
            );
          }
          await decodeAndMerge(adapter, o, () => item);
        },
        options,
      ),
      await runProperty(
        "fromJson",
        which.chain((m) => fc.tuple(fc.constant(m), fc.oneof(body(m), fc.anything()))),
        async ([i, v], o) => {
          const adapter = ADAPTERS[i];
          await decodeAndMerge(adapter, o, () => adapter.fromJson(v));
        },
        options,
      ),
    ];
  },
};
