import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import { writeTestBundle } from "../registry/_testing.ts";
import { exportWebSite } from "./export_site.ts";

Deno.test("export refuses a bundle whose model onnxruntime-web cannot load, and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bundleDir = await writeTestBundle(join(dir, "bundle"));
    await assert.rejects(
      exportWebSite({ bundleDir, output: join(dir, "site"), backend: new WasmBackend() }),
      (error: unknown) =>
        error instanceof ObentoError && error.code === "BAD_BUNDLE" &&
        /^Iris:1 cannot run in a browser: its model "model" does not load in onnxruntime-web, the runtime a browser has: .+\. Serve it with `obento serve` or `obento containerize` instead$/s
          .test(error.message),
    );
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["bundle"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export refuses a bundle changed after packing (MANIFEST) before anything else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bundleDir = await writeTestBundle(join(dir, "bundle"));
    await Deno.writeTextFile(join(bundleDir, "service.js"), "export default { changed: true };\n");
    await assert.rejects(
      exportWebSite({ bundleDir, output: join(dir, "site"), backend: new WasmBackend() }),
      (error: unknown) => error instanceof ObentoError && error.code === "INTEGRITY",
    );
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["bundle"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
