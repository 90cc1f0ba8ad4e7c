/**
 * `deno run -A scripts/profile_serve.ts [--seconds S] [--in-process | --workers N] [--bundle mlp|iris] [--c N] [--out DIR]`:
 * where a served request's time goes at c = 32. Packs the zero-code MLP 784→1024→1024→10 bundle (or, with
 * `--bundle iris`, the iris classifier), starts `obento serve` with `--inspect`, and for
 * each body (MLP: `/predict` JSON, v2 JSON, v2 binary, scripts/mlp_bodies.ts; iris: one `/predict` row) warms up with wrk, then records a
 * CPU profile of the server's main thread through the inspector (Chrome DevTools Protocol `Profiler`) while
 * wrk runs. Deno 2.9.6 has no `--cpu-prof`, hence the inspector.
 *
 * Each profile's self time is put in phases by the function's source (Deno's HTTP extension, obento's
 * adapters, batcher, v2 codec, the native engine, …) and printed in µs per request, beside the server's
 * CPU split by thread from /proc (main thread, model workers — whose isolates the inspector does not list, so
 * their time is only this total —, V8's helper threads, Deno's I/O threads). The `.cpuprofile` files are written to `--out` (default a temp directory) for Chrome DevTools.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type BenchBody, mlpBodies } from "./mlp_bodies.ts";
import { freePort, obentoCommand, packBenchBundle, startProcess } from "./bench_server.ts";
import { groupDelta, threadCpu } from "./thread_cpu.ts";
import { wrk } from "./wrk_lua.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "5" },
    c: { type: "string", default: "32" },
    out: { type: "string" },
    "in-process": { type: "boolean" },
    workers: { type: "string" },
    bundle: { type: "string", default: "mlp" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.c);
const bundle = values.bundle === "iris" ? "iris" : "mlp";
/** The executor flags the server is started with. */
const executorFlags = values["in-process"]
  ? ["--in-process"]
  : values.workers
  ? ["--workers", values.workers]
  : [];

/** A profile node as the `Profiler` domain returns it. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Phase of a function, from its source URL and name. */
function phaseOf(frame: { functionName: string; url: string }): string {
  const { url, functionName: name } = frame;
  if (name === "(idle)") return "idle";
  if (name === "(garbage collector)") return "GC";
  if (name === "(program)") return "(program): V8 and native code outside JS";
  if (
    /^(serialize|deserialize|op_host_post_message|op_host_recv_message|op_serialize|op_deserialize)/.test(
      name,
    )
  ) {
    return "worker message passing (structured clone, postMessage)";
  }
  if (
    /^op_http_|^op_read_all|^op_is_/.test(name) ||
    /ext:deno_http|ext:deno_fetch|ext:deno_web|ext:deno_url|ext:deno_net|ext:core|ext:runtime/.test(url)
  ) {
    return "Deno HTTP, streams and runtime (ext:)";
  }
  if (/node_modules|npm\/|registry\.npmjs/.test(url)) {
    if (/onnxruntime/.test(url)) return "onnxruntime JS API (node binding)";
    if (/hono/.test(url)) return "Hono router";
    return "other npm code";
  }
  if (/\/src\/v2\//.test(url)) return "v2 protocol decode/encode (src/v2)";
  if (/\/src\/adapters\//.test(url)) return "adapters: JSON body → tensor, result → JSON (src/adapters)";
  if (/\/src\/server\/(batcher|cost_model|demand_window|deadline_sweep)/.test(url)) return "batcher";
  if (/\/src\/server\/(metrics|prometheus|process_metrics|access_log|logger)/.test(url)) {
    return "metrics and logs";
  }
  if (/\/src\/server\//.test(url)) return "server: routing, body read, responses (src/server)";
  if (/\/src\/runtime\//.test(url)) return "runtime: executor, worker pool (src/runtime)";
  if (/\/src\/backends\//.test(url)) return "backend wrapper (src/backends)";
  if (/\/src\/sdk\//.test(url)) return "sdk: tensors, service (src/sdk)";
  if (/\/src\//.test(url)) return "other obento code";
  if (/timers\.(mjs|ts)$/.test(url) || /^op_timer|^op_now$|^op_immediate/.test(name)) return "timers";
  if (url === "") {
    if (/^(parse|stringify|JSONParse|JSON)/i.test(name)) return `builtin JSON.${name}`;
    return "other builtins and ops";
  }
  return "other (node: compat, async hooks)";
}

/** Self time in ms per phase and per function (top entries). */
function selfTimes(profile: CpuProfile): { phases: Map<string, number>; functions: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const phases = new Map<string, number>();
  const functions = new Map<string, number>();
  const parentOf = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i])!;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    // onnxruntime-node's run is a native function without a name or URL, called from its backend.js.
    const native = node.callFrame.url === "" && node.callFrame.functionName === "" &&
      /onnxruntime/.test(parentOf.get(node.id)?.callFrame.url ?? "");
    const phase = native ? "model run (onnxruntime native, on this thread)" : phaseOf(node.callFrame);
    phases.set(phase, (phases.get(phase) ?? 0) + ms);
    const fn = `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.replace(/^.*\//, "")}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  return { phases, functions };
}

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
async function inspector(wsUrl: string) {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const pending = new Map<number, (v: unknown) => void>();
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data as string);
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  };
  return {
    send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
      const id = next++;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve) => pending.set(id, resolve));
    },
    close: () => ws.close(),
  };
}

const home = await Deno.makeTempDir({ prefix: "obento-profile-serve-" });
const outDir = values.out ?? await Deno.makeTempDir({ prefix: "obento-profiles-" });
await Deno.mkdir(outDir, { recursive: true });
try {
  await packBenchBundle(ROOT, home, bundle);
  const [port, inspectPort] = [freePort(), freePort()];
  const server = await startProcess(
    [
      ...obentoCommand(ROOT, [`--inspect=127.0.0.1:${inspectPort}`]),
      "serve",
      join(home, bundle),
      "--port",
      String(port),
      "--log-level",
      "error",
      ...executorFlags,
    ],
    { OBENTO_HOME: home },
    { url: `http://127.0.0.1:${port}` },
  );
  const { url } = server;
  // The main thread's target is the first one the inspector lists.
  const targets = await (await fetch(`http://127.0.0.1:${inspectPort}/json`)).json();
  const wsUrl: string | undefined = targets[0]?.webSocketDebuggerUrl;
  if (!wsUrl) throw new Error(`no inspector target: ${JSON.stringify(targets)}`);
  const cdp = await inspector(wsUrl);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  const bodies = mlpBodies();
  const irisBody: BenchBody = {
    label: "iris /predict JSON",
    path: "/predict",
    body: new TextEncoder().encode(
      JSON.stringify([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]),
    ),
    headers: { "content-type": "application/json" },
  };
  console.log(
    `# Where a served ${bundle} request's time goes (c=${connections}, ${seconds} s profiled per body, ` +
      `${executorFlags.length > 0 ? executorFlags.join(" ") : "defaults"})\n`,
  );
  const all = bundle === "iris" ? [irisBody] : [bodies.predict, bodies.v2Json, bodies.v2Binary];
  for (const body of all) {
    await wrk(`${url}${body.path}`, body, connections, 2); // warm-up: JIT
    const cpu0 = await threadCpu(server.pid);
    await cdp.send("Profiler.start");
    const r = await wrk(`${url}${body.path}`, body, connections, seconds);
    const { profile } = await cdp.send("Profiler.stop") as { profile: CpuProfile };
    const cpu1 = await threadCpu(server.pid);
    const file = join(outDir, `${body.label.replace(/\W+/g, "_")}.cpuprofile`);
    await Deno.writeTextFile(file, JSON.stringify(profile));
    const perReq = (cpuSeconds: number) => (cpuSeconds * 1e6 / r.requests).toFixed(0);
    const groups = groupDelta(server.pid, cpu0, cpu1);
    const { phases, functions } = selfTimes(profile);
    const busy = [...phases].filter(([p]) => p !== "idle").reduce((a, [, v]) => a + v, 0);
    console.log(`## ${body.label}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms (profiling on)\n`);
    console.log(
      `Server CPU per request by thread, from /proc: ${
        groups.map(([g, cpu]) => `${g} ${perReq(cpu)} µs`).join(", ")
      }. Profile: ${(busy * 1000 / r.requests).toFixed(0)} µs busy per request on the main thread; ${file}\n`,
    );
    console.log("| phase (main thread, self time) | µs/request | share of busy |");
    console.log("| --- | ---: | ---: |");
    for (const [phase, ms] of [...phases].sort((a, b) => b[1] - a[1])) {
      if (phase === "idle") continue;
      console.log(
        `| ${phase} | ${(ms * 1000 / r.requests).toFixed(1)} | ${(ms / busy * 100).toFixed(1)} % |`,
      );
    }
    console.log();
    console.log(
      "Top functions (self µs/request): " +
        [...functions].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([f, ms]) =>
          `${f.trim()} ${(ms * 1000 / r.requests).toFixed(1)}`
        ).join("; ") + "\n",
    );
  }
  cdp.close();
  await server.stop();
} finally {
  await Deno.remove(home, { recursive: true });
}
