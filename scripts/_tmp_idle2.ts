import { WorkerPoolExecutor } from "../src/runtime/worker_pool.ts";
import { packModel } from "../mod.ts";
const dir = await Deno.makeTempDir();
const p = (await packModel({ model: Deno.args[1], name: "Mlp", version: "1", output: dir + "/m" })).path;
function threads() { const out: Record<string, number> = {}; for (const e of Deno.readDirSync("/proc/self/task")) { const s = Deno.readTextFileSync(`/proc/self/task/${e.name}/stat`); const name = s.slice(s.indexOf("(") + 1, s.lastIndexOf(")")); const f = s.split(") ")[1].split(" "); out[e.name + ":" + name] = Number(f[11]) + Number(f[12]); } return out; }
const ex = await WorkerPoolExecutor.open(p, { workers: Number(Deno.args[0]) });
const a = threads(); await new Promise((r) => setTimeout(r, 2000)); const b = threads();
for (const k of Object.keys(b)) if ((b[k] - (a[k] ?? 0)) > 0) console.log(k, b[k] - (a[k] ?? 0));
await ex.close();
