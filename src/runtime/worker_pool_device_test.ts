/**
 * `device: "auto"` in model workers: the server's thread loads no runtime to decide it; each worker opens
 * `auto` itself and the first one ready reports what it got, once (src/cli/device_flag.ts,
 * docs/benchmarks.md "Cold start and idle RSS").
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packModel } from "../../mod.ts";
import { loadNativeRuntime } from "../backends/ort_node.ts";
import { type OpenedDevice, WorkerPoolExecutor } from "./worker_pool.ts";

const IRIS_MODEL = fileURLToPath(new URL("../../bundles/iris_classifier/iris_lr.onnx", import.meta.url));
const NATIVE = await loadNativeRuntime().then(() => true, () => false);
const setosa = { body: new TextEncoder().encode("[[5.1, 3.5, 1.4, 0.2]]"), contentType: "application/json" };

Deno.test("auto in workers: the first worker ready says what it opened, once; where native cannot load in the worker it falls back to wasm with the reason, and answers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-auto-" });
  try {
    const { path } = await packModel({
      model: IRIS_MODEL,
      name: "Iris",
      version: "1",
      output: join(dir, "iris"),
    });
    // A pack folder without its manifest: the worker's load of native fails, as a damaged install would.
    const noPack = join(dir, "obento-native-empty");
    await Deno.mkdir(noPack);
    for (
      const [nativeDir, expected] of [
        [noPack, "wasm"],
        [undefined, NATIVE ? "native" : "wasm"],
      ] as const
    ) {
      const reports: OpenedDevice[] = [];
      const pool = await WorkerPoolExecutor.open(path, {
        workers: 2,
        device: "auto",
        nativeDir,
        onDevice: (opened) => reports.push(opened),
      });
      try {
        assert.equal(reports.length, 1, JSON.stringify(reports));
        assert.equal(reports[0].device, expected);
        if (nativeDir !== undefined) {
          assert.match(
            reports[0].fallback ?? "",
            new RegExp(`^no native runtime pack for \\S+ at ${noPack} `),
          );
        } else if (NATIVE) assert.equal(reports[0].fallback, undefined);
        const [outcome] = await pool.run("predict", [setosa]);
        assert.equal(outcome.status, 200);
        assert.deepEqual(JSON.parse(outcome.body as string).label, [0]);
      } finally {
        await pool.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
