/**
 * End-to-end devices: `--device` on `serve` and `run` with the real CLI. Bundle code never gets FFI, whatever
 * the device and executor; native and WASM give the same answers. Where native onnxruntime cannot load, the
 * native cases are skipped (the fallback itself is unit-tested in src/backends/device_test.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { obento, packBundle, packIris, runObento } from "./helpers/cli.ts";
import { startServer } from "./helpers/server.ts";
import { loadNativeRuntime } from "../src/backends/ort_node.ts";
import { nodePlatform } from "../src/backends/native_pack.ts";
import { makeNativePack } from "../scripts/native_pack.ts";
import { findWebGpuAdapter } from "../src/backends/ort_webgpu.ts";

const NATIVE = await loadNativeRuntime().then(() => true, () => false);
/** Checks a probe's answer: FFI not granted, and dlopen refused, both at load and at call. */
function assertSealed(answer: unknown): void {
  const { atLoad, atCall } = answer as Record<string, { ffi: string; dlopen: string }>;
  for (const [when, seen] of Object.entries({ atLoad, atCall })) {
    assert.notEqual(seen.ffi, "granted", when);
    assert.equal(seen.dlopen, "NotCapable", when);
  }
}

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "obento-device-" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

function packProbe(home: string): Promise<string> {
  return packBundle(home, "tests/fixtures/services/ffi_probe/service.ts", [], join(home, "probe"));
}

for (
  const [flags, device] of [
    [[], NATIVE ? "native" : "wasm"],
    [["--in-process"], NATIVE ? "native" : "wasm"],
    [["--workers", "2"], NATIVE ? "native" : "wasm"],
  ] as const
) {
  Deno.test(`serve ${flags.join(" ") || "(no flags)"}: device ${device}, and bundle code cannot dlopen`, async () => {
    await withHome(async (home) => {
      const bundle = await packProbe(home);
      const server = await startServer(home, [bundle, ...flags]);
      try {
        const response = await fetch(`${server.url}/probe`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        assert.equal(response.status, 200);
        assertSealed(await response.json());
        const metadata = await (await fetch(`${server.url}/metadata`)).text();
        assert.match(metadata, new RegExp(`"device":\\{"value":"${device}"`));
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(
          metrics,
          new RegExp(
            `^obento_device_info\\{service="FfiProbe",service_version="[^"]+",device="${device}",` +
              `requested="auto"\\} 1$`,
            "m",
          ),
        );
        // Native in workers: each worker loaded the library with its own FFI grant and dropped it.
        if (flags[0] !== "--in-process") assert.doesNotMatch(server.log(), /in-process/);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });
  });
}

Deno.test({
  name: "serve --device native --workers 2 runs native in sandboxed workers; bundle code cannot dlopen",
  ignore: !NATIVE,
  fn: async () => {
    await withHome(async (home) => {
      const bundle = await packProbe(home);
      const server = await startServer(home, [bundle, "--device", "native", "--workers", "2"]);
      try {
        assert.match(server.log(), /\n {2}device +native +\(flag\)\n {2}workers +2 workers +\(flag\)\n/);
        const response = await fetch(`${server.url}/probe`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        assert.equal(response.status, 200);
        assertSealed(await response.json());
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });
  },
});

Deno.test("run on the default device: bundle code cannot dlopen", async () => {
  await withHome(async (home) => {
    const bundle = await packProbe(home);
    const r = await obento(home, "run", bundle, "probe", "--input", "{}");
    assert.equal(r.code, 0, r.stderr);
    assertSealed(JSON.parse(r.stdout));
  });
});

/**
 * No WebGPU adapter, whatever the machine has: only Vulkan, and no Vulkan driver (Deno reads
 * DENO_WEBGPU_BACKEND; the Vulkan loader reads VK_ICD_FILENAMES).
 */
const NO_ADAPTER = { DENO_WEBGPU_BACKEND: "vulkan", VK_ICD_FILENAMES: "/nonexistent/icd.json" };

Deno.test("run --device webgpu without an adapter, and an unknown device, are refused with what to do", async () => {
  await withHome(async (home) => {
    const bundle = await packIris(home);
    const input = ["predict", "--input", "[[5.1,3.5,1.4,0.2]]"];
    const gpu = await runObento({ home, env: NO_ADAPTER }, ["run", bundle, ...input, "--device", "webgpu"]);
    assert.equal(gpu.code, 69, gpu.stderr); // UNAVAILABLE
    assert.match(
      gpu.stderr,
      /webgpu device needs a WebGPU adapter and this machine \(linux-[^)]+\) has none/,
    );
    assert.match(gpu.stderr, /mesa-vulkan-drivers.*--device wasm or native/);
    const bad = await obento(home, "run", bundle, ...input, "--device", "tpu");
    assert.equal(bad.code, 64, bad.stderr);
    assert.match(bad.stderr, /--device must be one of auto, native, wasm, webgpu, got "tpu"/);
  });
});

const ADAPTER = await findWebGpuAdapter().then((a) => a.info.description, () => undefined);

Deno.test({
  name:
    "serve --device webgpu runs in a model worker, answers like wasm, and says so on /metadata and /metrics",
  ignore: ADAPTER === undefined,
  fn: async () => {
    await withHome(async (home) => {
      const bundle = await packIris(home);
      const server = await startServer(home, [bundle, "--device", "webgpu", "--workers", "1"], 90_000);
      try {
        const response = await fetch(`${server.url}/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "[[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]",
        });
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), ["setosa", "virginica"]);
        const metadata = await (await fetch(`${server.url}/metadata`)).text();
        assert.match(metadata, /"device":\{"value":"webgpu"/);
        assert.match(metadata, /"workers":\{"value":1/);
        assert.ok(metadata.includes(`"device-adapter":{"value":${JSON.stringify(ADAPTER)}`), metadata);
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, /^obento_device_info\{[^}]*device="webgpu",requested="webgpu"\} 1$/m);
        assert.ok(server.log().includes(`device webgpu (adapter: ${ADAPTER})`), server.log());
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });
  },
});

Deno.test({
  name:
    "run gives the same answers on --device native (npm package, runtime pack) and --device wasm (iris CSV)",
  ignore: !NATIVE,
  fn: async () => {
    await withHome(async (home) => {
      const bundle = await packIris(home);
      const pack = await makeNativePack({ platform: nodePlatform(), out: home });
      const answers: string[] = [];
      for (const device of [["native"], ["native", "--native-dir", pack], ["wasm"]]) {
        const r = await obento(
          home,
          "run",
          bundle,
          "predict",
          "--input-file",
          join(Deno.cwd(), "bundles/iris_classifier/iris_sample.csv"),
          "--device",
          ...device,
        );
        assert.equal(r.code, 0, r.stderr);
        answers.push(r.stdout);
      }
      assert.ok(answers[0].includes("setosa"), answers[0]);
      assert.equal(answers[0], answers[2]);
      assert.equal(answers[1], answers[2]);
      // --device native without a pack where one is named: exit 69, naming the platform and what to do.
      const missing = await obento(
        home,
        "run",
        bundle,
        "predict",
        "--input",
        "[[5.1, 3.5, 1.4, 0.2]]",
        "--device",
        "native",
        "--native-dir",
        join(home, "none"),
      );
      assert.equal(missing.code, 69, missing.stderr);
      assert.match(
        missing.stderr,
        new RegExp(`no native runtime pack for ${nodePlatform()} at .*--native-dir`),
      );
    });
  },
});
