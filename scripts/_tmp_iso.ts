import { WorkerPoolExecutor } from "../src/runtime/worker_pool.ts";
import { InProcessExecutor } from "../src/runtime/executor.ts";
import { load, packModel } from "../mod.ts";
const dir = await Deno.makeTempDir();
const mlp = (await packModel({ model: "tests/fixtures/mlp_784.onnx", name: "Mlp", version: "1", output: dir + "/m" })).path;
const iris = (await packModel({ model: "bundles/iris_classifier/iris_lr.onnx", name: "Iris", version: "1", output: dir + "/i" })).path;
const enc = new TextEncoder();
const big = [{ body: enc.encode(JSON.stringify(Array.from({ length: 256 }, (_, i) => Array.from({ length: 784 }, (_, j) => ((i + j) % 100) / 10)))), contentType: "application/json" }];
const small = Array.from({ length: 32 }, (_, i) => ({ body: enc.encode(JSON.stringify([[5.1, 3.5, 1.4, i / 10]])), contentType: "application/json" }));
async function drive(ex: any, items: any, n: number, label: string) {
  const t = performance.now(); let lat: number[] = [];
  await Promise.all(Array.from({ length: n }, async () => { for (let k = 0; k < 6; k++) { const s = performance.now(); const o = await ex.run("predict", items); lat.push(performance.now() - s); const bad = o.find((x: any) => x.status !== 200); if (bad) console.log("ERR", bad.status, String(bad.body).slice(0, 200)); } }));
  console.log(label, "total", (performance.now() - t).toFixed(0), "lat", lat.map((x) => x.toFixed(0)).join(","));
}
const mode = Deno.args[0];
if (mode === "inproc") {
  const ex = new InProcessExecutor(await load(iris));
  await drive(ex, small, 4, "inproc iris x4");
  await ex.close();
} else {
  const w = Number(Deno.args[1]);
  const ex = await WorkerPoolExecutor.open(mlp, { workers: w });
  await new Promise((r) => setTimeout(r, 8000));
  await drive(ex, big, 1, `pool${w} warm`);
  await drive(ex, big, 2, `pool${w} x2`);
  console.log(ex.stats());
  await ex.close();
}
