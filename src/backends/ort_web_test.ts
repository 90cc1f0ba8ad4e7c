import assert from "node:assert/strict";
import { BadInputError, ObentoError } from "../errors.ts";
import type { Tensor } from "../sdk/tensor.ts";
import { toOrtSessionOptions, WasmBackend } from "./ort_web.ts";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readFile(new URL(path, ROOT));

/** A 171-byte model: float32 [N,3] → ZipMap → seq(map(int64, float)). Made with onnx 1.12 `helper`. */
const ZIPMAP_MODEL = Uint8Array.from(
  atob(
    "CAc6kAEKSgoNcHJvYmFiaWxpdGllcxIGemlwcGVkIgZaaXBNYXAqHQoSY2xhc3NsYWJlbHNfaW50NjRzQABAAUACoAEHOgphaS5vbm54Lm1s" +
      "EgZ6aXBtYXBaIAoNcHJvYmFiaWxpdGllcxIPCg0IARIJCgMSAU4KAggDYhgKBnppcHBlZBIOIgwKCioICAcSBAoCCAFCBAoAEA1CDgoKYWku" +
      "b25ueC5tbBAB",
  ),
  (c) => c.charCodeAt(0),
);

const backend = new WasmBackend();

function f32(dims: number[], values: number[]): Tensor {
  return { type: "float32", dims, data: Float32Array.from(values) };
}

Deno.test("reads iris LR metadata as TensorInfo", async () => {
  const s = await backend.createSession(await read("bundles/iris_classifier/iris_lr.onnx"));
  try {
    assert.equal(s.backend, "wasm");
    assert.deepEqual(s.inputs, [{ name: "input", type: "float32", shape: ["N", 4] }]);
    assert.deepEqual(s.outputs, [
      { name: "probabilities", type: "float32", shape: ["N", 3] },
      { name: "label", type: "int64", shape: ["N"] },
    ]);
  } finally {
    await s.close();
  }
});

Deno.test("matches the iris LR reference on all 150 rows", async () => {
  const ref = JSON.parse(await Deno.readTextFile(new URL("bundles/iris_classifier/reference.json", ROOT)));
  const s = await backend.createSession(await read("bundles/iris_classifier/iris_lr.onnx"));
  try {
    const out = await s.run({ input: f32([150, 4], ref.inputs.flat()) });
    assert.deepEqual(Object.keys(out), ["probabilities", "label"]);
    assert.equal(out.label.type, "int64");
    assert.deepEqual(out.label.dims, [150]);
    assert.deepEqual([...out.label.data as BigInt64Array], ref.label.map(BigInt));
    assert.deepEqual(out.probabilities.dims, [150, 3]);
    const probs = out.probabilities.data as Float32Array;
    (ref.probabilities as number[][]).flat().forEach((p, i) => {
      assert.ok(Math.abs(probs[i] - p) <= 1e-5, `probability ${i}: ${probs[i]} vs ${p}`);
    });
  } finally {
    await s.close();
  }
});

Deno.test("runs the ai.onnx.ml tree ensemble and matches its reference", async () => {
  const ref = JSON.parse(await Deno.readTextFile(new URL("bundles/iris_forest/reference.json", ROOT)));
  const s = await backend.createSession(await read("bundles/iris_forest/iris_rf.onnx"));
  try {
    assert.deepEqual(s.outputs.map((o) => [o.name, o.type]), [["label", "int64"], [
      "probabilities",
      "float32",
    ]]);
    const out = await s.run({ input: f32([150, 4], ref.inputs.flat()) });
    assert.deepEqual([...out.label.data as BigInt64Array], ref.label.map(BigInt));
    const probs = out.probabilities.data as Float32Array;
    (ref.probabilities as number[][]).flat().forEach((p, i) => {
      assert.ok(Math.abs(probs[i] - p) <= 1e-5, `probability ${i}: ${probs[i]} vs ${p}`);
    });
  } finally {
    await s.close();
  }
});

Deno.test("round-trips int64, bool and string tensors", async () => {
  const s = await backend.createSession(await read("tests/fixtures/add_int64_bool_string.onnx"));
  try {
    assert.deepEqual(s.inputs, [
      { name: "a", type: "int64", shape: ["N", 2] },
      { name: "b", type: "int64", shape: ["N", 2] },
      { name: "flag", type: "bool", shape: ["N"] },
      { name: "s", type: "string", shape: ["N"] },
    ]);
    const out = await s.run({
      a: { type: "int64", dims: [2, 2], data: new BigInt64Array([1n, 2n, 3n, 9007199254740993n]) },
      b: { type: "int64", dims: [2, 2], data: new BigInt64Array([10n, -20n, 30n, 4n]) },
      flag: { type: "bool", dims: [2], data: new Uint8Array([1, 0]) },
      s: { type: "string", dims: [2], data: ["héllo 🍱", ""] },
    });
    assert.deepEqual(out, {
      sum: { type: "int64", dims: [2, 2], data: new BigInt64Array([11n, -18n, 33n, 9007199254740997n]) },
      not_flag: { type: "bool", dims: [2], data: new Uint8Array([0, 1]) },
      s_out: { type: "string", dims: [2], data: ["héllo 🍱", ""] },
    });
    const only = await s.run({
      a: { type: "int64", dims: [0, 2], data: new BigInt64Array(0) },
      b: { type: "int64", dims: [0, 2], data: new BigInt64Array(0) },
      flag: { type: "bool", dims: [0], data: new Uint8Array(0) },
      s: { type: "string", dims: [0], data: [] },
    }, ["not_flag"]);
    assert.deepEqual(only, { not_flag: { type: "bool", dims: [0], data: new Uint8Array(0) } });
  } finally {
    await s.close();
  }
});

Deno.test("matches the MLP reference logits within 1e-4", async () => {
  const ref = JSON.parse(await Deno.readTextFile(new URL("tests/fixtures/mlp_784_reference.json", ROOT)));
  const s = await backend.createSession(await read("tests/fixtures/mlp_784.onnx"));
  try {
    const out = await s.run({ input: f32([2, 784], ref.inputs.flat()) });
    assert.deepEqual(out.logits.dims, [2, 10]);
    const logits = out.logits.data as Float32Array;
    (ref.logits as number[][]).flat().forEach((v, i) => assert.ok(Math.abs(logits[i] - v) <= 1e-4, `${i}`));
  } finally {
    await s.close();
  }
});

Deno.test("names the input and expected vs given dtype/shape for bad feeds", async () => {
  const s = await backend.createSession(await read("bundles/digits_cnn/digits_cnn.onnx"));
  const image = (dims: number[]) => f32(dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(0));
  try {
    assert.deepEqual(s.inputs, [{ name: "image", type: "float32", shape: ["N", 1, 28, 28] }]);
    await assert.rejects(
      s.run({ image: { type: "float64", dims: [1, 1, 28, 28], data: new Float64Array(784) } }),
      new BadInputError('input "image" must be float32 [N,1,28,28], got float64 [1,1,28,28] (wrong dtype)'),
    );
    await assert.rejects(
      s.run({ image: image([1, 28, 28]) }),
      new BadInputError(
        'input "image" must be float32 [N,1,28,28], got float32 [1,28,28] (rank 3, expected 4)',
      ),
    );
    await assert.rejects(
      s.run({ image: image([1, 2, 28, 28]) }),
      new BadInputError(
        'input "image" must be float32 [N,1,28,28], got float32 [1,2,28,28] (dim 1 is 2, expected 1)',
      ),
    );
    await assert.rejects(
      s.run({}),
      new BadInputError('missing input "image"; the model needs image (float32 [N,1,28,28])'),
    );
    await assert.rejects(
      s.run({ image: image([1, 1, 28, 28]), img: image([1]) }),
      new BadInputError('unknown input "img"; the model\'s inputs are image (float32 [N,1,28,28])'),
    );
    await assert.rejects(
      s.run({ image: { type: "float32", dims: [1, 1, 28, 28], data: new Float32Array(3) } }),
      new BadInputError('input "image" has 3 elements but dims [1,1,28,28] need 784'),
    );
    await assert.rejects(
      s.run({ image: { type: "float32", dims: [1, 1, 28, 28], data: new Float64Array(784) } as Tensor }),
      new BadInputError('input "image" float32 data must be a Float32Array, got Float64Array'),
    );
    await assert.rejects(
      s.run({ image: image([1, 1, 28, 28]) }, ["probs"]),
      new BadInputError('unknown output "probs"; the model\'s outputs are logits'),
    );
  } finally {
    await s.close();
  }
});

Deno.test("refuses inputs that disagree on a shared symbolic dim", async () => {
  const s = await backend.createSession(await read("tests/fixtures/add_int64_bool_string.onnx"));
  try {
    await assert.rejects(
      s.run({
        a: { type: "int64", dims: [1, 2], data: new BigInt64Array(2) },
        b: { type: "int64", dims: [2, 2], data: new BigInt64Array(4) },
        flag: { type: "bool", dims: [1], data: new Uint8Array(1) },
        s: { type: "string", dims: [1], data: [""] },
      }),
      new BadInputError(
        'input "b" has N=2 (dim 0 of int64 [2,2]) but input "a" has N=1; inputs sharing the dim N must agree',
      ),
    );
  } finally {
    await s.close();
  }
});

Deno.test("a model whose batch dims are stored as -1 takes any batch size", async () => {
  const s = await backend.createSession(await read("tests/fixtures/neg_dims_multi.onnx"));
  try {
    assert.deepEqual(s.inputs, [
      { name: "x", type: "float32", shape: [null, 3] },
      { name: "ids", type: "int64", shape: [null, 2] },
      { name: "mask", type: "bool", shape: [null] },
    ]);
    assert.deepEqual(s.outputs.map((o) => o.shape), [[null, 3], [null], [null]]);
    const out = await s.run({
      x: f32([2, 3], [1, 2, 3, 4, 5, 6]),
      ids: { type: "int64", dims: [2, 2], data: new BigInt64Array([1n, 2n, -7n, 5n]) },
      mask: { type: "bool", dims: [2], data: new Uint8Array([1, 0]) },
    });
    assert.deepEqual(out, {
      y: f32([2, 3], [2, 4, 6, 8, 10, 12]),
      total: { type: "int64", dims: [2], data: new BigInt64Array([3n, -2n]) },
      flipped: { type: "bool", dims: [2], data: new Uint8Array([0, 1]) },
    });
    await assert.rejects(
      s.run({
        x: f32([1, 2], [1, 2]),
        ids: { type: "int64", dims: [1, 2], data: new BigInt64Array(2) },
        mask: { type: "bool", dims: [1], data: new Uint8Array(1) },
      }),
      new BadInputError('input "x" must be float32 [?,3], got float32 [1,2] (dim 1 is 2, expected 3)'),
    );
  } finally {
    await s.close();
  }
});

Deno.test("a scalar input and symbolic dims: the scalar takes dims [], symbolic dims any size", async () => {
  const s = await backend.createSession(await read("tests/fixtures/symbolic_scalar.onnx"));
  try {
    assert.deepEqual(s.inputs, [
      { name: "x", type: "float32", shape: ["batch", "features"] },
      { name: "scale", type: "float32", shape: [] },
    ]);
    const out = await s.run({ x: f32([2, 2], [1, 2, 3, 4]), scale: f32([], [0.5]) });
    assert.deepEqual(out, { y: f32([2, 2], [0.5, 1, 1.5, 2]), total: f32([], [5]) });
    await assert.rejects(
      s.run({ x: f32([1, 1], [1]), scale: f32([1], [2]) }),
      new BadInputError('input "scale" must be float32 [], got float32 [1] (rank 1, expected 0)'),
    );
  } finally {
    await s.close();
  }
});

Deno.test("throws BAD_MODEL for bytes that are not an ONNX model", async () => {
  const bytes = await read("tests/fixtures/not_onnx.onnx");
  await assert.rejects(
    backend.createSession(bytes),
    new ObentoError(
      "BAD_MODEL",
      `${bytes.byteLength} bytes given are not an ONNX model (protobuf parsing failed)`,
    ),
  );
  await assert.rejects(
    backend.createSession(new Uint8Array(0)),
    new ObentoError("BAD_MODEL", "0 bytes given are not an ONNX model (protobuf parsing failed)"),
  );
});

Deno.test("explains that onnxruntime-web cannot return a ZipMap output", async () => {
  const s = await backend.createSession(ZIPMAP_MODEL);
  try {
    assert.deepEqual(s.outputs, [{ name: "zipped", type: "unknown" }]);
    await assert.rejects(
      s.run({ probabilities: f32([1, 3], [0.2, 0.3, 0.5]) }),
      new ObentoError(
        "BAD_MODEL",
        'output "zipped" is not a tensor (a map or a sequence, e.g. from ZipMap), which obento cannot ' +
          'return; re-export the model without ZipMap (skl2onnx: options={"zipmap": False}) or fetch only ' +
          "tensor outputs",
      ),
    );
  } finally {
    await s.close();
  }
});

Deno.test("fails a run after close with UNAVAILABLE", async () => {
  const s = await backend.createSession(await read("bundles/iris_classifier/iris_lr.onnx"));
  await s.close();
  await s.close();
  await assert.rejects(
    s.run({ input: f32([1, 4], [1, 2, 3, 4]) }),
    new ObentoError("UNAVAILABLE", "the model session was closed; load the model again to run it"),
  );
});

Deno.test("runs concurrent calls on one session and returns each its own result", async () => {
  const s = await backend.createSession(await read("bundles/iris_classifier/iris_lr.onnx"));
  try {
    const rows = [[5.1, 3.5, 1.4, 0.2], [6.0, 2.2, 4.0, 1.0], [7.7, 3.0, 6.1, 2.3]];
    const outs = await Promise.all(rows.map((r) => s.run({ input: f32([1, 4], r) }, ["label"])));
    assert.deepEqual(outs.map((o) => (o.label.data as BigInt64Array)[0]), [0n, 1n, 2n]);
  } finally {
    await s.close();
  }
});

Deno.test("refuses a thread count other than the one the runtime started with", async () => {
  const s = await backend.createSession(await read("bundles/iris_classifier/iris_lr.onnx"));
  await s.close();
  const threads = backend.threads!;
  await assert.rejects(
    backend.createSession(await read("bundles/iris_classifier/iris_lr.onnx"), { threads: threads + 1 }),
    new ObentoError(
      "BAD_ARGUMENT",
      `onnxruntime-web threads are process-wide: the runtime already runs ${threads} thread(s) and cannot ` +
        `switch to ${threads + 1}; give every model the same thread count (or leave it unset)`,
    ),
  );
  assert.throws(
    () => new WasmBackend({ threads: 0 }),
    new ObentoError("BAD_ARGUMENT", "WasmBackend threads must be an integer >= 1, got 0"),
  );
});

Deno.test("runs with 2 threads under Deno (worker_threads)", async () => {
  const script = `
    import { WasmBackend } from ${JSON.stringify(new URL("./ort_web.ts", import.meta.url).href)};
    const b = new WasmBackend({ threads: 2 });
    const s = await b.createSession(await Deno.readFile(${
    JSON.stringify(new URL("bundles/iris_classifier/iris_lr.onnx", ROOT).pathname)
  }));
    const out = await s.run({ input: { type: "float32", dims: [1, 4], data: new Float32Array([7.7, 3, 6.1, 2.3]) } });
    console.log(JSON.stringify({ threads: b.threads, label: Number(out.label.data[0]) }));
    await s.close();
    Deno.exit(0);
  `;
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    cwd: new URL(".", ROOT).pathname,
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout).trim()), { threads: 2, label: 2 });
});

Deno.test("maps SessionOptions to onnxruntime's, extra last", () => {
  assert.deepEqual(toOrtSessionOptions(), {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    enableCpuMemArena: true,
    enableMemPattern: true,
  });
  assert.deepEqual(
    toOrtSessionOptions({
      threads: 2,
      graphOptimizationLevel: "basic",
      parallelExecution: true,
      enableCpuMemArena: false,
      enableMemPattern: false,
      extra: { freeDimensionOverrides: { N: 8 }, enableMemPattern: true },
    }),
    {
      executionProviders: ["wasm"],
      graphOptimizationLevel: "basic",
      executionMode: "parallel",
      enableCpuMemArena: false,
      enableMemPattern: true,
      freeDimensionOverrides: { N: 8 },
    },
  );
});
