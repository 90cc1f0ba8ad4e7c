import { WorkerPoolExecutor } from "../src/runtime/worker_pool.ts";
import { packModel } from "../mod.ts";
const dir = await Deno.makeTempDir();
const mlp = (await packModel({ model: "tests/fixtures/mlp_784.onnx", name: "Mlp", version: "1", output: dir + "/m" })).path;
function cpu() { const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) / 100; }
const ex = await WorkerPoolExecutor.open(mlp, { workers: Number(Deno.args[0]) });
const c0 = cpu(); await new Promise((r) => setTimeout(r, 3000)); console.log("idle cpu s over 3 s:", (cpu() - c0).toFixed(2));
console.log(Deno.readTextFileSync("/proc/self/status").match(/Threads:.*/)?.[0]);
await ex.close();
