import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { describeDevice, openDevice, parseDevice, planWorkerDevice } from "./device.ts";
import { NATIVE_PLATFORMS, platformName } from "./ort_node.ts";
import { loadNativeRuntime, NativeBackend } from "./ort_node.ts";
import { WasmBackend } from "./ort_web.ts";

const failing = () =>
  Promise.reject(new ObentoError("UNAVAILABLE", "native onnxruntime cannot load on testos"));

Deno.test("auto falls back to wasm when the native library cannot load, and says why", async () => {
  const choice = await openDevice("auto", { loadNative: failing });
  assert.equal(choice.device, "wasm");
  assert.ok(choice.backend instanceof WasmBackend);
  assert.equal(choice.fallback, "native onnxruntime cannot load on testos");
  assert.match(describeDevice(choice), /^device wasm \(auto: native unavailable: native onnxruntime cannot/);
});

Deno.test("native where the library cannot load is the loader's error, not a fallback", async () => {
  await assert.rejects(
    openDevice("native", { loadNative: failing }),
    (e: unknown) => e instanceof ObentoError && e.code === "UNAVAILABLE" && /testos/.test(e.message),
  );
});

Deno.test("wasm never loads the native library", async () => {
  let loaded = false;
  const choice = await openDevice("wasm", {
    loadNative: () => {
      loaded = true;
      return failing();
    },
  });
  assert.equal(choice.device, "wasm");
  assert.equal(loaded, false);
  assert.equal(choice.fallback, undefined);
});

const noAdapter = { requestAdapter: () => Promise.resolve(null) };

Deno.test("webgpu without an adapter is UNAVAILABLE naming the platform and what to install", async () => {
  await assert.rejects(
    openDevice("webgpu", { gpu: noAdapter }),
    (e: unknown) =>
      e instanceof ObentoError && e.code === "UNAVAILABLE" &&
      e.message.includes(`has none`) && e.message.includes(`${Deno.build.os}-${Deno.build.arch}`) &&
      /--device wasm or native/.test(e.message) &&
      (Deno.build.os !== "linux" || /mesa-vulkan-drivers/.test(e.message)),
  );
});

Deno.test("webgpu when the adapter request fails says why and what to do", async () => {
  await assert.rejects(
    openDevice("webgpu", { gpu: { requestAdapter: () => Promise.reject(new Error("driver exploded")) } }),
    /webgpu device cannot start: WebGPU failed to find an adapter \(driver exploded\).*--device wasm/,
  );
});

Deno.test("webgpu with more than one thread is a bad argument, before any adapter is looked for", async () => {
  await assert.rejects(
    openDevice("webgpu", { threads: 2, gpu: noAdapter }),
    (e: unknown) =>
      e instanceof ObentoError && e.code === "BAD_ARGUMENT" && /--threads 1.*got 2/.test(e.message),
  );
});

Deno.test("auto never opens webgpu", async () => {
  const choice = await openDevice("auto", {
    loadNative: failing,
    gpu: { requestAdapter: () => Promise.reject(new Error("auto must not ask")) },
  });
  assert.equal(choice.device, "wasm");
});

Deno.test("parseDevice takes the four names and refuses others", () => {
  assert.equal(parseDevice("AUTO"), "auto");
  assert.throws(() => parseDevice("cuda"), /--device must be one of auto, native, wasm, webgpu, got "cuda"/);
});

Deno.test("without the FFI permission the native loader names the platform and the flag", {
  permissions: { read: true, env: true, sys: true, ffi: false },
}, async () => {
  await assert.rejects(
    loadNativeRuntime(),
    (e: unknown) =>
      e instanceof ObentoError && e.code === "UNAVAILABLE" &&
      e.message.includes(`${Deno.build.os}-${Deno.build.arch}`) && /--allow-ffi/.test(e.message),
  );
});

const native = await loadNativeRuntime().then(() => true, () => false);

Deno.test({
  name: "auto picks native where its library loads, and its sessions run",
  ignore: !native,
  fn: async () => {
    const choice = await openDevice("auto", { threads: 2 });
    assert.equal(choice.device, "native");
    assert.ok(choice.backend instanceof NativeBackend);
    const session = await choice.backend.createSession(
      await Deno.readFile("bundles/iris_classifier/iris_lr.onnx"),
    );
    assert.equal(session.backend, "native");
    const out = await session.run({
      input: { type: "float32", dims: [1, 4], data: new Float32Array([5.1, 3.5, 1.4, 0.2]) },
    });
    assert.deepEqual(Array.from(out.label.data as BigInt64Array), [0n]);
    await assert.rejects(
      session.run({ input: { type: "float32", dims: [1, 3], data: new Float32Array(3) } }),
      /input "input" must be float32 \[.*,4\], got float32 \[1,3\]/,
    );
    await session.close();
  },
});

Deno.test({
  name: "native refuses bytes that are not a model as BAD_MODEL naming the device",
  ignore: !native,
  fn: async () => {
    const choice = await openDevice("native");
    await assert.rejects(
      choice.backend.createSession(await Deno.readFile("tests/fixtures/not_onnx.onnx")),
      (e: unknown) => e instanceof ObentoError && e.code === "BAD_MODEL",
    );
  },
});

Deno.test("planning the workers' device loads nothing: auto is left to the workers, a missing pack is a fallback for auto and an error for native", async () => {
  const missing = await Deno.makeTempDir({ prefix: "obento-no-pack-" });
  try {
    const fallback = await planWorkerDevice("auto", { nativeDir: missing });
    assert.equal(fallback.device, "wasm");
    assert.equal(fallback.backend, undefined);
    assert.match(fallback.fallback ?? "", new RegExp(`^no native runtime pack for \\S+ at ${missing} `));
    await assert.rejects(
      planWorkerDevice("native", { nativeDir: missing }),
      (e: unknown) => e instanceof ObentoError && e.code === "UNAVAILABLE" && e.message === fallback.fallback,
    );
  } finally {
    await Deno.remove(missing);
  }
  // Where native has a build and this thread has FFI (the test task grants it), only a worker's load tells.
  if (NATIVE_PLATFORMS.includes(platformName())) {
    assert.deepEqual(await planWorkerDevice("auto"), { requested: "auto", device: "auto" });
    assert.deepEqual(await planWorkerDevice("native"), { requested: "native", device: "native" });
  }
  const wasm = await planWorkerDevice("wasm");
  assert.equal(wasm.device, "wasm");
  assert.equal(wasm.fallback, undefined);
});
