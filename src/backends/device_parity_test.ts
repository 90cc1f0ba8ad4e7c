/**
 * Same answers on every device: every test model and every example bundle's model runs on each device this
 * machine has (WASM always; native where onnxruntime-node loads; WebGPU where a WebGPU adapter exists, e.g.
 * Mesa's llvmpipe from `mesa-vulkan-drivers`), on the same deterministic inputs, and the outputs must agree:
 * same names, types and shapes; integers, booleans and strings exactly; floats within a per-output tolerance.
 * A model a device cannot run must be refused at load with BAD_MODEL naming the operator (WEBGPU_REFUSES). Models with dynamic dims, int64/bool/string inputs, scalar inputs and several
 * outputs are among them (tests/fixtures/neg_dims_multi.onnx, symbolic_scalar.onnx, add_int64_bool_string.onnx).
 */
import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { allocate, type Tensor, type TensorInfo } from "../sdk/tensor.ts";
import type { BackendSession, InferenceBackend } from "../sdk/backend.ts";
import { loadNativeRuntime, NativeBackend } from "./ort_node.ts";
import { WasmBackend } from "./ort_web.ts";
import { findWebGpuAdapter, WebGpuBackend } from "./ort_webgpu.ts";

/** Float tolerance: |a - b| <= atol + rtol * |b|. */
interface Tolerance {
  atol: number;
  rtol: number;
}

const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-4 };

/** Looser tolerances for outputs whose kernels reorder float sums (GEMM blocking differs per device). */
const TOLERANCES: Readonly<Record<string, Tolerance>> = {
  "mlp_784.onnx:logits": { atol: 1e-4, rtol: 1e-3 },
  "digits_cnn.onnx:logits": { atol: 1e-4, rtol: 1e-3 },
};

/**
 * Models the webgpu device refuses at load, and the operator its message must name: onnxruntime-web's WebGPU
 * build has no ai.onnx.ml operators (the tree ensembles), and its graph partitioner leaves a float64 Cast
 * with no provider. Every other model must load and agree.
 */
const WEBGPU_REFUSES: Readonly<Record<string, RegExp>> = {
  "iris_rf.onnx": /webgpu device cannot run operator TreeEnsembleClassifier/,
  "div_nan_inf.onnx": /webgpu device cannot run operator Cast/,
};

/** Models that are not models: every device must refuse them the same way. */
const NOT_MODELS = new Set(["not_onnx.onnx"]);

async function modelFiles(): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir("tests/fixtures")) {
    if (entry.name.endsWith(".onnx")) files.push(`tests/fixtures/${entry.name}`);
  }
  for await (const bundle of Deno.readDir("bundles")) {
    if (!bundle.isDirectory) continue;
    for await (const entry of Deno.readDir(`bundles/${bundle.name}`)) {
      if (entry.name.endsWith(".onnx")) files.push(`bundles/${bundle.name}/${entry.name}`);
    }
  }
  return files.sort();
}

/** A small deterministic pseudo-random sequence (so inputs differ per element but not per run). */
function* sequence(seed: number): Generator<number> {
  let x = seed >>> 0 || 1;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield (x >>> 0) / 2 ** 32;
  }
}

/** An input for `info`: dynamic dims become 3, values deterministic per input. */
function inputFor(info: TensorInfo, index: number): Tensor {
  const dims = (info.shape ?? [3]).map((d) => (typeof d === "number" && d >= 0 ? d : 3));
  const length = dims.reduce((a, b) => a * b, 1);
  const type = info.type === "unknown" ? "float32" : info.type;
  const random = sequence(index + 7);
  const next = () => random.next().value as number;
  if (type === "string") {
    return { type, dims, data: Array.from({ length }, () => ["a", "bb", "ccc"][Math.floor(next() * 3)]) };
  }
  const data = allocate(type, length);
  for (let i = 0; i < length; i++) {
    const r = next();
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(Math.floor(r * 5));
    else if (type === "bool") data[i] = r < 0.5 ? 0 : 1;
    else if (type === "float32" || type === "float64") data[i] = r * 2 - 1;
    else if (type === "float16") data[i] = 0x3c00; // 1.0
    else data[i] = Math.floor(r * 5);
  }
  return { type, dims, data } as Tensor;
}

function assertSame(model: string, name: string, a: Tensor, b: Tensor, devices: string): void {
  const where = `${model} output "${name}" (${devices})`;
  assert.equal(a.type, b.type, `${where}: type`);
  assert.deepEqual([...a.dims], [...b.dims], `${where}: dims`);
  const x = Array.from(a.data as ArrayLike<unknown>);
  const y = Array.from(b.data as ArrayLike<unknown>);
  if (a.type !== "float32" && a.type !== "float64") {
    assert.deepEqual(x, y, `${where}: values`);
    return;
  }
  const { atol, rtol } = TOLERANCES[`${model.split("/").pop()}:${name}`] ?? DEFAULT_TOLERANCE;
  for (let i = 0; i < x.length; i++) {
    const p = x[i] as number;
    const q = y[i] as number;
    if (Number.isNaN(p) && Number.isNaN(q)) continue;
    assert.ok(
      Math.abs(p - q) <= atol + rtol * Math.abs(q),
      `${where}: element ${i} is ${p} vs ${q} (tolerance ${atol} + ${rtol}·|x|)`,
    );
  }
}

/** Devices this machine has, by name. */
async function devices(): Promise<Map<string, InferenceBackend>> {
  const found = new Map<string, InferenceBackend>([["wasm", new WasmBackend()]]);
  const native = await loadNativeRuntime().catch(() => undefined);
  if (native !== undefined) found.set("native", new NativeBackend(native));
  const adapter = await findWebGpuAdapter().catch((error) => {
    console.log(`webgpu not compared: ${error.message}`);
    return undefined;
  });
  if (adapter !== undefined) found.set("webgpu", new WebGpuBackend());
  return found;
}

const AVAILABLE = await devices();

Deno.test({
  name: `every test and example model answers the same on each device (${[...AVAILABLE.keys()].join(", ")})`,
  ignore: AVAILABLE.size < 2,
  fn: async () => {
    const files = await modelFiles();
    assert.ok(files.length >= 8, `found only ${files.join(", ")}`);
    const compared: string[] = [];
    for (const file of files) {
      const bytes = await Deno.readFile(file);
      const name = file.split("/").pop() ?? file;
      const sessions = new Map<string, BackendSession>();
      const refusals = new Map<string, string>();
      for (const [device, backend] of AVAILABLE) {
        try {
          sessions.set(device, await backend.createSession(bytes));
        } catch (error) {
          assert.ok(error instanceof ObentoError, `${file} on ${device}: ${error}`);
          if (device === "webgpu" && WEBGPU_REFUSES[name] !== undefined) {
            assert.equal(error.code, "BAD_MODEL", `${file} on webgpu: ${error.message}`);
            assert.match(error.message, WEBGPU_REFUSES[name], file);
            continue;
          }
          refusals.set(device, error.code);
        }
      }
      if (AVAILABLE.has("webgpu") && WEBGPU_REFUSES[name] !== undefined) {
        assert.ok(
          !sessions.has("webgpu"),
          `${file} now loads on webgpu: compare it (drop it from WEBGPU_REFUSES)`,
        );
      }
      if (NOT_MODELS.has(name)) {
        assert.deepEqual([...refusals.values()], [...AVAILABLE.keys()].map(() => "BAD_MODEL"), file);
        continue;
      }
      assert.equal(refusals.size, 0, `${file} loads on some devices only: ${[...refusals].join("; ")}`);
      const [first, ...others] = [...sessions];
      assert.deepEqual(others.map(([, s]) => s.inputs), others.map(() => first[1].inputs), `${file} inputs`);
      const feeds = Object.fromEntries(first[1].inputs.map((info, i) => [info.name, inputFor(info, i)]));
      const fetch = first[1].outputs.filter((o) => o.type !== "unknown").map((o) => o.name);
      const reference = await first[1].run(feeds, fetch);
      for (const [device, session] of others) {
        const out = await session.run(feeds, fetch);
        assert.deepEqual(Object.keys(out), Object.keys(reference), `${file} output names on ${device}`);
        for (const output of fetch) {
          assertSame(file, output, out[output], reference[output], `${device} vs ${first[0]}`);
        }
      }
      for (const session of sessions.values()) await session.close();
      compared.push(`${name}(${fetch.length} out)`);
    }
    for (const needed of ["neg_dims_multi.onnx", "symbolic_scalar.onnx", "add_int64_bool_string.onnx"]) {
      assert.ok(compared.some((c) => c.startsWith(needed)), `${needed} was not compared: ${compared}`);
    }
  },
});
