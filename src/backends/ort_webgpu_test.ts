/**
 * The webgpu device where this machine has a WebGPU adapter (Mesa's llvmpipe from `mesa-vulkan-drivers` on our
 * machines; .ci/run installs it): sessions run and answer like WASM, operators it lacks are refused at load
 * naming the operator, and bad input gets the same errors as on the other devices. Without an adapter the
 * cases are skipped and the reason is logged; the no-adapter error itself is tested in device_test.ts.
 * Output agreement for every model is src/backends/device_parity_test.ts.
 */
import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { describeDevice, openDevice } from "./device.ts";
import { missingOperator } from "./ort_session.ts";
import { WasmBackend } from "./ort_web.ts";
import { findWebGpuAdapter, noAdapterAdvice, WebGpuBackend } from "./ort_webgpu.ts";

const ADAPTER = await findWebGpuAdapter().then((a) => a.info.description, (error) => {
  console.log(`webgpu cases skipped: ${error.message}`);
  return undefined;
});

Deno.test("missingOperator names the operator in ORT's load errors", () => {
  assert.equal(
    missingOperator("No Op registered for TreeEnsembleClassifier with domain_version of 3"),
    "TreeEnsembleClassifier (domain version 3)",
  );
  assert.equal(
    missingOperator("x.cc:254 ... Provider type for Cast node with name 'x64' is not set."),
    "Cast (node x64)",
  );
  assert.equal(
    missingOperator("Could not find an implementation for Foo(13) node with name 'f1'"),
    "Foo (opset 13, node f1)",
  );
  assert.equal(missingOperator("protobuf parsing failed"), undefined);
});

Deno.test("noAdapterAdvice says what to install per OS", () => {
  assert.match(noAdapterAdvice("linux"), /apt-get install mesa-vulkan-drivers/);
  assert.match(noAdapterAdvice("windows"), /Direct3D 12 or Vulkan/);
  assert.match(noAdapterAdvice("darwin"), /Metal/);
});

Deno.test({
  name: `webgpu opens on this machine's adapter and answers iris like wasm (${ADAPTER ?? "no adapter"})`,
  ignore: ADAPTER === undefined,
  fn: async () => {
    const choice = await openDevice("webgpu");
    assert.equal(choice.device, "webgpu");
    assert.equal(choice.adapter, ADAPTER);
    assert.ok(choice.backend instanceof WebGpuBackend);
    assert.equal(describeDevice(choice), `device webgpu (adapter: ${ADAPTER})`);
    const bytes = await Deno.readFile("bundles/iris_classifier/iris_lr.onnx");
    const gpu = await choice.backend.createSession(bytes);
    const cpu = await new WasmBackend().createSession(bytes);
    assert.equal(gpu.backend, "webgpu");
    const input = {
      input: {
        type: "float32" as const,
        dims: [3, 4],
        data: new Float32Array([5.1, 3.5, 1.4, 0.2, 6.0, 2.7, 4.1, 1.0, 6.7, 3.0, 5.2, 2.3]),
      },
    };
    const [a, b] = [await gpu.run(input), await cpu.run(input)];
    assert.deepEqual(Array.from(a.label.data as BigInt64Array), [0n, 1n, 2n]);
    assert.deepEqual(a.label, b.label);
    const p = a.probabilities.data as Float32Array;
    const q = b.probabilities.data as Float32Array;
    p.forEach((x, i) =>
      assert.ok(Math.abs(x - q[i]) <= 1e-5 + 1e-4 * Math.abs(q[i]), `${i}: ${x} vs ${q[i]}`)
    );
    await assert.rejects(
      gpu.run({ input: { type: "float32", dims: [1, 3], data: new Float32Array(3) } }),
      /input "input" must be float32 \[.*,4\], got float32 \[1,3\]/,
    );
    await assert.rejects(
      choice.backend.createSession(bytes, { threads: 2 }),
      (e: unknown) => e instanceof ObentoError && e.code === "BAD_ARGUMENT",
    );
    await gpu.close();
    await cpu.close();
  },
});

Deno.test({
  name: "webgpu refuses a model with an operator it lacks at load, naming the operator and the device",
  ignore: ADAPTER === undefined,
  fn: async () => {
    const backend = new WebGpuBackend();
    await assert.rejects(
      backend.createSession(await Deno.readFile("bundles/iris_forest/iris_rf.onnx")),
      (e: unknown) =>
        e instanceof ObentoError && e.code === "BAD_MODEL" &&
        /^the webgpu device cannot run operator TreeEnsembleClassifier \(domain version 3\).*--device wasm or native/
          .test(e.message),
    );
    await assert.rejects(
      backend.createSession(await Deno.readFile("tests/fixtures/not_onnx.onnx")),
      (e: unknown) =>
        e instanceof ObentoError && e.code === "BAD_MODEL" && /not an ONNX model/.test(e.message),
    );
  },
});
