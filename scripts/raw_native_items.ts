/**
 * The raw native engine's throughput: onnxruntime-node called directly (no obento code) on one model at one
 * batch size, back to back for a time budget after a warm-up. `bench:serve` runs it as a child process
 * between its wrk runs, so the served MLP's items/s can be divided by it in the same run.
 *
 *     deno run -A scripts/raw_native_items.ts --model tests/fixtures/mlp_784.onnx --batch 32 --threads 1
 *
 * Prints one JSON line: `{"itemsPerSecond": N, "runs": N, "threads": N, "batch": N}`.
 *
 * @module
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string", default: "tests/fixtures/mlp_784.onnx" },
    batch: { type: "string", default: "32" },
    threads: { type: "string", default: "1" },
    seconds: { type: "string", default: "3" },
  },
});
const batch = Number(values.batch);
const threads = Number(values.threads);
const ort = await import("onnxruntime-node");
const session = await ort.InferenceSession.create(values.model!, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
  executionMode: "sequential",
});
const input = session.inputNames[0];
const width = 784;
const data = Float32Array.from({ length: batch * width }, (_, i) => ((i * 37) % 255) / 255);
const feeds = { [input]: new ort.Tensor("float32", data, [batch, width]) };
const until = (ms: number) => performance.now() + ms;
for (const end = until(500); performance.now() < end;) await session.run(feeds);
let runs = 0;
const t0 = performance.now();
for (const end = until(Number(values.seconds) * 1000); performance.now() < end; runs++) {
  await session.run(feeds);
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ itemsPerSecond: runs * batch / seconds, runs, threads, batch }));
await session.release();
