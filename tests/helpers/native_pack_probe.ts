/**
 * Loads the native device from the runtime pack in `Deno.args[0]` (src/backends/native_pack.ts), runs the
 * iris model on the rows in `Deno.args[1]` (JSON, 4 floats each), and prints JSON: the outputs as plain
 * arrays, and every mapped file of this process whose name mentions onnxruntime (from /proc/self/maps), so
 * src/backends/native_pack_test.ts can check where the library came from.
 *
 * @module
 */
import { loadNativeRuntime, NativeBackend } from "../../src/backends/ort_node.ts";

const [packDir, rowsJson] = Deno.args;
const rows = JSON.parse(rowsJson) as number[][];
const backend = new NativeBackend(await loadNativeRuntime({ packDir }));
const session = await backend.createSession(await Deno.readFile("bundles/iris_classifier/iris_lr.onnx"));
const out = await session.run({
  input: { type: "float32", dims: [rows.length, 4], data: new Float32Array(rows.flat()) },
});
const outputs = Object.fromEntries(
  Object.entries(out).map(([name, t]) => [name, Array.from(t.data as ArrayLike<number | bigint>, Number)]),
);
const libraries = [
  ...new Set(
    Deno.readTextFileSync("/proc/self/maps").split("\n").map((l) => l.split(/\s+/)[5] ?? "")
      .filter((path) => /onnxruntime/.test(path) && /\.(so|node)/.test(path)),
  ),
];
console.log(JSON.stringify({ outputs, libraries }));
