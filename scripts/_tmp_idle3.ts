import { WorkerPoolExecutor } from "../src/runtime/worker_pool.ts";
function cpu() { const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) / 100; }
const ex = await WorkerPoolExecutor.open(Deno.args[1], { workers: Number(Deno.args[0]) });
const line = [];
for (let i = 0; i < 10; i++) { const c0 = cpu(); await new Promise((r) => setTimeout(r, 1000)); line.push((cpu() - c0).toFixed(2)); }
console.log(Deno.args[0], "workers, cpu s per second:", line.join(" "));
await ex.close();
