/**
 * `deno task bench:overload [--quick] [--only SUBSTRING] [--soak SECONDS] [--connections N] [--root DIR] [--cpu]`:
 * does `obento serve` keep its goodput under overload (issue #15, item 4; docs/reliability.md "Overload")?
 * `--only` picks configs by label substring; `--root` serves another checkout's main.ts (an older commit,
 * for a before/after comparison); `--connections` is the overload clients' pool (default 256); `--cpu` adds,
 * per config, where the CPU went at capacity and under each overload: cores used by the server's main thread,
 * each model worker, V8's helpers, Deno's I/O threads, and this process (the load generator), from
 * `/proc/<pid>/task/*\/stat` (scripts/thread_cpu.ts): which thread saturates.
 *
 * For each bundle (iris, the MLP 784→1024→1024→10), batching on and off, in-process and with a pool of two
 * workers, against a real `obento serve` on 127.0.0.1:
 *
 * 1. **capacity**: the better of two closed-loop loads (8 and 32 clients back to back): its 2xx/s is C;
 * 2. **overload**, 3 rounds per client kind: 4 × the last capacity figure in arrivals per second, open loop,
 *    for clients that (a) retry a 503 at once and (b) honour `Retry-After`; a request is given up 5 s after
 *    its arrival. Reported: goodput over the mean of the capacity figures just before and after (target
 *    ≥ 0.80), the share of 503s carrying `Retry-After`, admitted (2xx) requests' p99 (client- and
 *    server-side) against the latency budget `--mb-max-latency + 2 · T(max batch)` (T from the server's cost
 *    model after the capacity phase: the bound docs/batching.md gives for an admitted request);
 * 3. **recovery**: the capacity load again after each overload: its 2xx/s over the figure before.
 *
 * The load generator is `scripts/load_gen.ts` (raw keep-alive TCP from this process, open loop with a fixed
 * arrival rate): wrk is closed-loop and cannot make a request wait its `Retry-After`.
 *
 * `--soak SECONDS` (600 for the real run) runs the soak instead: the MLP with a pool, batching on, at a load
 * that alternates between 0.7 × C and 1.5 × C (Retry-After clients) every 20 s; the server's RSS (all its
 * threads) is sampled every 10 s; the growth from the first minute's median to the last minute's is reported
 * (target < 10 %).
 *
 * On the shared 2-core machine the generator, the server's thread and its workers all compete for the same
 * cores, so every figure is a ratio measured within one run.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort, obentoCommand, packBenchBundles, startProcess } from "./bench_server.ts";
import {
  closedLoop,
  type LoadResult,
  openLoop,
  percentile,
  type RetryPolicy,
  type Target,
} from "./load_gen.ts";
import { groupDelta, threadCpu, type ThreadTime } from "./thread_cpu.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    only: { type: "string" },
    soak: { type: "string" },
    root: { type: "string" },
    connections: { type: "string", default: "256" },
    cpu: { type: "boolean" },
  },
});
/** The checkout whose `main.ts` is served: this one, or `--root DIR` (an older commit, for before/after). */
const ROOT = values.root ?? fileURLToPath(new URL("..", import.meta.url));
const quick = values.quick === true;
const CAPACITY_SECONDS = quick ? 2 : 3;
const OVERLOAD_SECONDS = quick ? 3 : 6;
const DRAIN_SECONDS = 1;
/** Overloads per config and client kind, each between two capacity measurements. */
const ROUNDS = quick ? 1 : 3;
const MODERATE_CONNECTIONS = 8;
const OVERLOAD_FACTOR = 4;
/**
 * The clients' connection pool under overload: enough to carry 4 × C at the latencies seen here (C up to
 * ~500/s × ~0.2 s per request or paced refusal); with fewer, the pool and not the server limits the load.
 */
const OVERLOAD_CONNECTIONS = Number(values.connections);
const GIVE_UP_MS = 5000;
const LATENCY_MS = 20;

interface Server {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function serve(home: string, bundle: string, flags: string[]): Promise<Server> {
  const port = freePort();
  const server = await startProcess(
    [
      ...obentoCommand(ROOT),
      "serve",
      join(home, bundle),
      "--port",
      String(port),
      "--log-level",
      "error",
      "--device",
      "wasm",
      "--mb-max-latency",
      String(LATENCY_MS),
      ...flags,
    ],
    { OBENTO_HOME: home },
    { url: `http://127.0.0.1:${port}`, timeoutMs: 90_000 },
  );
  return { port, pid: server.pid, stop: server.stop };
}

/** Resident set size of `pid` in MiB, from `ps`. */
async function rssMiB(pid: number): Promise<number> {
  const { stdout } = await new Deno.Command("ps", {
    args: ["-o", "rss=", "-p", String(pid)],
    stdout: "piped",
  })
    .output();
  return Number(new TextDecoder().decode(stdout).trim()) / 1024;
}

async function loadAverage(): Promise<string> {
  // Deno reads /proc only with --allow-all: `cat` it.
  const { stdout } = await new Deno.Command("cat", { args: ["/proc/loadavg"], stdout: "piped" }).output()
    .catch(() => ({ stdout: new Uint8Array() }));
  return new TextDecoder().decode(stdout).split(" ").slice(0, 3).join(" ") || "?";
}

/** A metric's value for `api` from the server's /metrics (NaN when absent). */
async function metric(port: number, name: string, api = "predict"): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^${name}\\{[^}]*\\bapi="${api}"[^}]*\\} (\\S+)$`, "m").exec(text);
  return Number(m?.[1] ?? NaN);
}

/** The cumulative buckets (upper bound in ms → count) of 2xx request durations for `api`, from /metrics. */
async function okDurations(port: number, api = "predict"): Promise<Map<number, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets = new Map<number, number>();
  const re = /^obento_request_duration_seconds_bucket\{([^}]*)\} (\S+)$/gm;
  for (const m of text.matchAll(re)) {
    if (!m[1].includes(`api="${api}"`) || !/status="2\d\d"/.test(m[1])) continue;
    const le = /le="([^"]+)"/.exec(m[1])?.[1] ?? "+Inf";
    const bound = le === "+Inf" ? Infinity : Number(le) * 1000;
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(m[2]));
  }
  return buckets;
}

/**
 * The server-side p99 of 2xx answers between two {@link okDurations} snapshots, as the upper bound of its
 * histogram bucket (ms); NaN when none.
 */
function serverP99(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((x, y) => x - y);
  const delta = (b: number) => (after.get(b) ?? 0) - (before.get(b) ?? 0);
  const total = delta(Infinity);
  if (!(total > 0)) return NaN;
  for (const b of bounds) if (delta(b) >= 0.99 * total) return b;
  return Infinity;
}

/** Shed counts by reason from /metrics. */
async function sheds(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^obento_shed_total\{[^}]*\breason="(\w+)"[^}]*\} (\S+)$/gm)) {
    out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}

const bodies: Record<string, string> = {
  iris: JSON.stringify([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]),
  mlp: JSON.stringify([Array.from({ length: 784 }, (_, i) => ((i * 37) % 255) / 255)]),
};
const target = (port: number, bundle: string): Target => ({
  hostname: "127.0.0.1",
  port,
  path: "/predict",
  body: bodies[bundle],
});

/**
 * With `--cpu`, the CPU the server's threads and this process (the generator) use per phase, by thread group
 * (each model worker on its own); without it, {@link CpuMeter.measure} only runs what it is given.
 */
class CpuMeter {
  readonly #pid: number;
  readonly #phases = new Map<string, { wall: number; cpu: Map<string, number> }>();

  constructor(pid: number) {
    this.#pid = pid;
  }

  /** Runs `load`, adding the CPU each thread group used meanwhile to `phase`. */
  async measure<T>(phase: string, load: () => Promise<T>): Promise<T> {
    if (!values.cpu) return await load();
    const snapshot = () => Promise.all([threadCpu(this.#pid), threadCpu(Deno.pid)]);
    const [server0, self0] = await snapshot();
    const t0 = performance.now();
    const result = await load();
    const wall = (performance.now() - t0) / 1000;
    const [server1, self1] = await snapshot();
    const sum = (m: Map<number, ThreadTime>) => [...m.values()].reduce((a, t) => a + t.seconds, 0);
    const groups: [string, number][] = [
      ...groupDelta(this.#pid, server0, server1, true),
      ["gen", sum(self1) - sum(self0)],
    ];
    const it = this.#phases.get(phase) ?? { wall: 0, cpu: new Map<string, number>() };
    it.wall += wall;
    for (const [group, seconds] of groups) it.cpu.set(group, (it.cpu.get(group) ?? 0) + seconds);
    this.#phases.set(phase, it);
    return result;
  }

  /** One line: per phase, the cores each group used (groups under 0.01 core left out). */
  report(): string {
    return [...this.#phases].map(([phase, { wall, cpu }]) =>
      `${phase}: ` +
      [...cpu].filter(([, s]) => s / wall >= 0.01).sort((a, b) => b[1] - a[1])
        .map(([g, s]) => `${g.startsWith("other") ? g : g.replace(/ \(.*\)$/, "")} ${(s / wall).toFixed(2)}`)
        .join(", ")
    ).join("; ");
  }
}

const home = await Deno.makeTempDir({ prefix: "obento-bench-overload-" });
const lines: string[] = [];
const out = (line = "") => {
  console.log(line);
  lines.push(line);
};

try {
  await packBenchBundles(ROOT, home);
  out(
    `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPU(s), load average at start ` +
      `${await loadAverage()}; obento from ${ROOT}; --device wasm --mb-max-latency ${LATENCY_MS}; generator: scripts/load_gen.ts ` +
      `(raw TCP keep-alive, this process)`,
  );
  out();

  if (values.soak !== undefined) {
    await soak(Number(values.soak));
  } else {
    await overload();
  }
  out(`load average at end ${await loadAverage()}`);
} finally {
  await Deno.remove(home, { recursive: true });
}

async function overload(): Promise<void> {
  const configs: { bundle: string; label: string; flags: string[]; maxBatch: number }[] = [];
  for (const bundle of ["mlp", "iris"]) {
    for (
      const [batching, batchFlags, maxBatch] of [["on", [], 64], [
        "off",
        ["--mb-max-batch-size", "1"],
        1,
      ]] as const
    ) {
      for (
        const [executor, flags] of [["in-process", ["--in-process"]], ["pool", ["--workers", "2"]]] as const
      ) {
        configs.push({
          bundle,
          label: `${bundle} batching ${batching} ${executor}`,
          flags: [...batchFlags, ...flags],
          maxBatch,
        });
      }
    }
  }
  out(
    `Capacity C: the better of ${MODERATE_CONNECTIONS} and ${
      4 * MODERATE_CONNECTIONS
    } closed-loop clients, ` +
      `${CAPACITY_SECONDS} s each. Then, per client kind, ${ROUNDS} round(s) of: ${OVERLOAD_FACTOR} × the last ` +
      `capacity figure in arrivals/s for ${OVERLOAD_SECONDS} s (open loop, at most ${OVERLOAD_CONNECTIONS} ` +
      `connections, a request given up ${
        GIVE_UP_MS / 1000
      } s after its arrival), ${DRAIN_SECONDS} s pause, ` +
      `the capacity load again (${CAPACITY_SECONDS} s). goodput/C: the overload's 2xx/s over the mean of the ` +
      `capacity figures just before and after it; recovery/C: after over before. Median of the rounds, each ` +
      `round in brackets. p99: admitted (2xx) requests, median of the rounds, client-side (attempt sent → ` +
      `answer) / server-side (arrival → response, the upper bound of its /metrics histogram bucket); budget: ` +
      `--mb-max-latency + 2 · T(max batch) from the cost model after the capacity phase; at C: the ` +
      `client-side p99 of the capacity load itself.`,
  );
  out();
  out(
    "| config | C 2xx/s | clients | goodput/C | 503 | with Retry-After | given up | other | p99 ms client / server (budget; at C) | " +
      "recovery/C | sheds by reason |",
  );
  out("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  const cpuLines: string[] = [];
  for (const config of configs) {
    if (values.only !== undefined && !config.label.includes(values.only)) continue;
    const server = await serve(home, config.bundle, config.flags);
    try {
      const t = target(server.port, config.bundle);
      await sleep(2000); // V8 compiles the WASM runtime in the background for a while after start
      await closedLoop(t, MODERATE_CONNECTIONS, 3); // warm-up: JIT, the cost model
      // Capacity: the better of a moderate and a busier closed loop (batching needs the busier one to form
      // batches; batching off may shed a little at the busier one).
      const cpu = new CpuMeter(server.pid);
      const moderate = await cpu.measure(
        `C c=${MODERATE_CONNECTIONS}`,
        () => closedLoop(t, MODERATE_CONNECTIONS, CAPACITY_SECONDS),
      );
      const busier = await cpu.measure(
        `C c=${4 * MODERATE_CONNECTIONS}`,
        () => closedLoop(t, 4 * MODERATE_CONNECTIONS, CAPACITY_SECONDS),
      );
      const capacity = moderate.goodput >= busier.goodput ? moderate : busier;
      const a = await metric(server.port, "obento_cost_model_a_ms");
      const b = await metric(server.port, "obento_cost_model_b_ms");
      const budget = LATENCY_MS + 2 * (a * config.maxBatch + b);
      const c = capacity === moderate ? MODERATE_CONNECTIONS : 4 * MODERATE_CONNECTIONS;
      let current = capacity.goodput;
      for (const retry of ["immediate", "retry-after"] as RetryPolicy[]) {
        const shed0 = await sheds(server.port);
        const rounds: Round[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          const durations0 = await okDurations(server.port);
          const over = await cpu.measure(`4 × C, ${retry}`, () =>
            openLoop(t, {
              rate: OVERLOAD_FACTOR * current,
              seconds: OVERLOAD_SECONDS,
              retry,
              connections: OVERLOAD_CONNECTIONS,
              giveUpMs: GIVE_UP_MS,
            }));
          await sleep(DRAIN_SECONDS * 1000);
          const serverP99Ms = serverP99(durations0, await okDurations(server.port));
          const after = (await closedLoop(t, c, CAPACITY_SECONDS)).goodput;
          rounds.push({ before: current, over, after, serverP99Ms });
          current = after;
        }
        const shed1 = await sheds(server.port);
        const reasons = Object.entries(shed1).map(([k, v]) => [k, v - (shed0[k] ?? 0)] as const)
          .filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(", ");
        out(row(`${config.label}`, capacity, c, retry, rounds, budget, reasons));
      }
      if (values.cpu) cpuLines.push(`- ${config.label}: ${cpu.report()}`);
    } finally {
      await server.stop();
    }
  }
  out();
  if (cpuLines.length > 0) {
    out(
      "CPU in cores (CPU seconds over wall seconds, summed over the phase's runs) by thread: the server's " +
        "main thread, each model worker, V8's helpers, Deno's I/O threads; gen: this process (the load " +
        "generator), all its threads. /proc/<pid>/task/*/stat, scripts/thread_cpu.ts.",
    );
    out();
    for (const line of cpuLines) out(line);
    out();
  }
}

/** One overload between two capacity measurements (2xx/s). */
interface Round {
  before: number;
  over: LoadResult;
  after: number;
  /** The server's own p99 of 2xx answers (arrival → response), as a histogram bucket's upper bound. */
  serverP99Ms: number;
}

function median(xs: number[]): number {
  return [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
}

function row(
  label: string,
  capacity: LoadResult,
  connections: number,
  retry: RetryPolicy,
  rounds: Round[],
  budget: number,
  reasons: string,
): string {
  const sum = (f: (r: Round) => number) => rounds.reduce((acc, r) => acc + f(r), 0);
  const refused = sum((r) => r.over.refused);
  const withRetryAfter = sum((r) => r.over.refusedWithRetryAfter);
  const share = refused === 0 ? "–" : `${(100 * withRetryAfter / refused).toFixed(0)} %`;
  const other: Record<string, number> = {};
  for (const r of rounds) {
    for (const [s, n] of Object.entries(r.over.otherStatuses)) other[s] = (other[s] ?? 0) + n;
  }
  const others = Object.entries(other).map(([s, n]) => `${s}: ${n}`).join(", ") || "0";
  const goodput = rounds.map((r) => r.over.goodput / ((r.before + r.after) / 2));
  const recovery = rounds.map((r) => r.after / r.before);
  const p99 = rounds.map((r) => percentile(r.over.latencies, 99));
  const serverSide = median(rounds.map((r) => r.serverP99Ms));
  const list = (xs: number[]) => xs.length === 1 ? "" : ` (${xs.map((x) => x.toFixed(2)).join(", ")})`;
  return `| ${label} | ${capacity.goodput.toFixed(0)} (c=${connections}) | ${retry} | **${
    median(goodput).toFixed(2)
  }**` +
    `${list(goodput)} | ${refused} | ${share} | ${sum((r) => r.over.givenUp)} | ${others} | ` +
    `${median(p99).toFixed(1)} / ≤ ${serverSide} (${budget.toFixed(1)}; ` +
    `${percentile(capacity.latencies, 99).toFixed(1)}) | ${median(recovery).toFixed(2)}${list(recovery)} | ` +
    `${reasons || "–"} |`;
}

async function soak(seconds: number): Promise<void> {
  if (!(seconds >= 60)) throw new Error(`--soak wants at least 60 seconds, got ${values.soak}`);
  const server = await serve(home, "mlp", ["--workers", "2"]);
  try {
    const t = target(server.port, "mlp");
    await sleep(2000);
    await closedLoop(t, MODERATE_CONNECTIONS, 3);
    const capacity = await closedLoop(t, MODERATE_CONNECTIONS, CAPACITY_SECONDS);
    out(
      `Soak: MLP, --workers 2, batching on; ${seconds} s alternating 20 s at 0.7 × C and 20 s at 1.5 × C ` +
        `(C = ${capacity.goodput.toFixed(0)} 2xx/s), Retry-After clients; RSS sampled every 10 s.`,
    );
    out();
    const samples: { at: number; rss: number }[] = [];
    const start = performance.now();
    let ok = 0, refused = 0, errors = 0;
    let phase = 0;
    const sampler = setInterval(async () => {
      samples.push({ at: (performance.now() - start) / 1000, rss: await rssMiB(server.pid) });
    }, 10_000);
    try {
      while (performance.now() - start < seconds * 1000) {
        const left = seconds - (performance.now() - start) / 1000;
        const r = await openLoop(t, {
          rate: (phase++ % 2 === 0 ? 0.7 : 1.5) * capacity.goodput,
          seconds: Math.min(20, Math.max(1, left)),
          retry: "retry-after",
          connections: OVERLOAD_CONNECTIONS,
          giveUpMs: GIVE_UP_MS,
        });
        ok += r.ok;
        refused += r.refused;
        errors += r.errors;
      }
    } finally {
      clearInterval(sampler);
    }
    await sleep(1000);
    const first = median(samples.filter((s) => s.at <= 60).map((s) => s.rss));
    const last = median(samples.filter((s) => s.at >= samples.at(-1)!.at - 60).map((s) => s.rss));
    out(
      `- ${samples.length} RSS samples: ${samples.map((s) => s.rss.toFixed(0)).join(", ")} MiB`,
    );
    out(
      `- RSS first minute (median) ${first.toFixed(1)} MiB, last minute ${last.toFixed(1)} MiB: growth ` +
        `${(100 * (last - first) / first).toFixed(1)} % (target < 10 %)`,
    );
    out(
      `- answered 2xx ${ok}, 503 ${refused}, other errors ${errors}; goodput ${(ok / seconds).toFixed(0)}/s`,
    );
    out();
  } finally {
    await server.stop();
  }
}
