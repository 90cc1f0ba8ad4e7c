/**
 * Fuzz target `tensor`: `TensorInput` (several dtypes and shapes, JSON and raw bytes), `OnnxFeedsInput` and
 * `FeatureTableInput`, through `fromBytes`, `fromJson`, `rows` and `merge`.
 *
 * @module
 */
import fc from "fast-check";
import { TensorInput } from "../../src/adapters/tensor_input.ts";
import { OnnxFeedsInput } from "../../src/adapters/onnx_feeds_input.ts";
import { FeatureTableInput } from "../../src/adapters/feature_table_input.ts";
import type { InputAdapter } from "../../src/sdk/adapter.ts";
import { contentType, decodeAndMerge, jsonBody } from "./bodies.ts";
import {
  anyBytes,
  type FuzzRun,
  type FuzzTarget,
  type PropertyReport,
  runProperty,
  textOf,
} from "./property.ts";

const ADAPTERS: readonly InputAdapter<unknown, unknown>[] = [
  new TensorInput(),
  new TensorInput({ dtype: "float32", shape: [4] }),
  new TensorInput({ dtype: "int64", shape: [2, "W"] }),
  new TensorInput({ dtype: "uint8", shape: [null, 2] }),
  new TensorInput({ dtype: "float16", allowNaN: true }),
  new TensorInput({ dtype: "bool", shape: [2] }),
  new TensorInput({ dtype: "string" }),
  new OnnxFeedsInput({ inputs: [{ name: "input", type: "float32", shape: ["N", 4] }] }),
  new OnnxFeedsInput({
    inputs: [
      { name: "x", type: "int32", shape: ["N", 2] },
      { name: "y", type: "string", shape: ["N"] },
    ],
  }),
  new FeatureTableInput({ inputs: [{ name: "input", type: "float32", shape: ["N", 4] }] }),
  new FeatureTableInput({ inputs: [{ name: "input", type: "int64", shape: ["N", 2] }], columns: ["a", "b"] }),
  new FeatureTableInput({ inputs: [{ name: "input", type: "float64", shape: [-1, -1] }] }),
];

const element = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, 1, -1, 255, 256, 65520, 2 ** 53, 1e39, null, true, "1", "9223372036854775808", "a"),
);

/** Nested lists of elements, ragged or not, up to rank 3; also `{name: tensor}` feeds and tables. */
const nested: fc.Arbitrary<unknown> = fc.letrec<{ t: unknown }>((tie) => ({
  t: fc.oneof({ depthSize: "small", withCrossShrink: true }, element, fc.array(tie("t"), { maxLength: 5 })),
})).t;

const shaped = fc.oneof(
  nested,
  fc.dictionary(fc.constantFrom("input", "x", "y", "a", "b", "z"), nested, { maxKeys: 3 }),
  fc.array(fc.dictionary(fc.constantFrom("a", "b", "c"), element, { maxKeys: 3 }), { maxLength: 3 }),
);

/** The tensor target. */
export const tensorTarget: FuzzTarget = {
  name: "tensor",
  async run(options: FuzzRun): Promise<PropertyReport[]> {
    const which = fc.nat(ADAPTERS.length - 1);
    const type = contentType(["application/json", "application/octet-stream", "text/csv"]);
    const body = fc.oneof(
      jsonBody(shaped),
      anyBytes,
      textOf("ab,\n1.-e", 40).map((t) => new TextEncoder().encode(t)),
    );
    // Raw bytes with the dims in the content type (`application/octet-stream; shape=2,4`): sizes that fit one
    // of the dtypes' element sizes, or not, and parameters that are not dims.
    const shapedRaw = fc.tuple(
      fc.array(fc.nat(4), { minLength: 0, maxLength: 4 }),
      fc.constantFrom(1, 2, 4, 8),
      fc.integer({ min: -2, max: 2 }),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.constantFrom("", "x", "1,,2", "-1,4", "1.5", '"2,4"', "1e3", "99999999999999999"),
        },
      ),
    ).map(([dims, size, delta, junk]): [Uint8Array, string] => {
      const length = Math.max(0, dims.reduce((a, b) => a * b, 1) * size + delta);
      return [new Uint8Array(length).fill(0x3c), `application/octet-stream; shape=${junk ?? dims.join(",")}`];
    });
    return [
      await runProperty("fromBytes", fc.tuple(which, body, type), async ([i, bytes, t], o) => {
        const adapter = ADAPTERS[i];
        await decodeAndMerge(adapter, o, () => adapter.fromBytes(bytes, t));
      }, options),
      await runProperty(
        "fromBytes (raw, shape parameter)",
        fc.tuple(which, shapedRaw),
        async ([i, [bytes, t]], o) => {
          const adapter = ADAPTERS[i];
          await decodeAndMerge(adapter, o, () => adapter.fromBytes(bytes, t));
        },
        options,
      ),
      await runProperty("fromJson", fc.tuple(which, fc.oneof(shaped, fc.anything())), async ([i, v], o) => {
        const adapter = ADAPTERS[i];
        await decodeAndMerge(adapter, o, () => adapter.fromJson(v));
      }, options),
    ];
  },
};
