/**
 * `deno task bench:start [--runs N] [--settle S] [--native-dir DIR]`: cold start and idle RSS of `obento
 * serve`, against a bare `Deno.serve` script started the same way, in one run (issue #13's targets: iris with
 * defaults, where native loads, ≤ 300 ms and ≤ 2.5× the bare script; idle RSS ≤ 100 MiB settled).
 *
 * Cold start = exec of `deno run …` → the first 200 on `/readyz` (the bare script: on `/`), polled every
 * 2 ms on a port chosen beforehand, so both sides pay the same process start and polling. The configs run
 * in rotating order, `--runs` times each (default 7); the table gives the median, min and max, and the
 * median's ratio to the bare script's; and the CPU time (user + system, every thread, from /proc) each process
 * had used when it answered, which a machine shared with other jobs disturbs far less than wall time. Then each obento config is started once more and left idle
 * `--settle` seconds (default 12, the footprint section's settle time) before its RSS is read from /proc.
 * `--baseline DIR` adds "no flags" served by another checkout's main.ts (e.g. `git archive <commit> | tar -x
 * -C DIR`), so a change is measured against what it changed in the same run.
 * `--native-dir` passes a native runtime pack (src/backends/native_pack.ts) to the native configs.
 * `--floors` adds what obento's start cannot go below, started the same way: a script that creates an
 * onnxruntime-node session for iris (and runs it once) before `Deno.serve`, the same with the session in one
 * Web Worker, and `obento serve --workers 1` (one supervised model worker instead of one per core).
 *
 * Runs with `-A`: Deno reads another process's /proc/PID/status only with every permission.
 *
 * Prints a markdown report; copy it into docs/benchmarks.md ("Devices").
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { RUN_FLAGS } from "./obento_flags.ts";
import { freePort, packBenchBundle } from "./bench_server.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "7" },
    settle: { type: "string", default: "12" },
    "native-dir": { type: "string" },
    baseline: { type: "string" },
    floors: { type: "boolean", default: false },
  },
});
const RUNS = Number(values.runs);
const SETTLE_S = Number(values.settle);

const BARE =
  `Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.args[0]) }, () => Response.json({ ok: true }));\n`;

/** The floor with native onnxruntime: one session for iris, run once, then the bare server. */
const ORT_SESSION = `import * as ort from "npm:onnxruntime-node@1.30.0";
const session = await ort.InferenceSession.create(Deno.args[1]);
await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", new Float32Array(4), [1, 4]) });
Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.args[0]) }, () => Response.json({ ok: true }));
`;

/** The same session made in one module Worker (what each of obento's model workers does at least). */
const ORT_WORKER =
  `const worker = new Worker(new URL("./ort_worker_body.ts", import.meta.url), { type: "module" });
worker.postMessage(Deno.args[1]);
await new Promise((resolve) => (worker.onmessage = resolve));
Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.args[0]) }, () => Response.json({ ok: true }));
`;
const ORT_WORKER_BODY = `import * as ort from "npm:onnxruntime-node@1.30.0";
self.onmessage = async (event) => {
  const session = await ort.InferenceSession.create(event.data);
  await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", new Float32Array(4), [1, 4]) });
  self.postMessage("ready");
};
`;

interface Started {
  ms: number;
  /** CPU time (user + system, all threads) the process had used when it answered 200. */
  cpuMs: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `deno <args>` and polls `path` on `port` until it answers 200. */
async function start(
  args: string[],
  port: number,
  path: string,
  env: Record<string, string>,
): Promise<Started> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), { args, env, stdout: "null", stderr: "piped" }).spawn();
  let log = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) log += decoder.decode(chunk, { stream: true });
  })();
  for (;;) {
    const r = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
    await r?.body?.cancel();
    if (r?.status === 200) break;
    if (performance.now() - t0 > 60_000) throw new Error(`not ready after 60 s:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const ms = performance.now() - t0;
  return {
    ms,
    cpuMs: cpuMs(child.pid),
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await reading;
    },
  };
}

/** utime + stime of `pid` from /proc/PID/stat, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const home = await Deno.makeTempDir({ prefix: "obento-bench-start-" });
try {
  await packBenchBundle(ROOT, home, "iris");
  const bareFile = join(home, "bare.ts");
  await Deno.writeTextFile(bareFile, BARE);
  const irisModel = join(ROOT, "bundles", "iris_classifier", "iris_lr.onnx");
  const floors: { name: string; start(port: number): Promise<Started> }[] = [];
  if (values.floors) {
    for (const [file, code] of [["ort_session.ts", ORT_SESSION], ["ort_worker.ts", ORT_WORKER]]) {
      await Deno.writeTextFile(join(home, file), code);
    }
    await Deno.writeTextFile(join(home, "ort_worker_body.ts"), ORT_WORKER_BODY);
    for (
      const [name, file] of [
        ["floor: Deno.serve + onnxruntime-node session", "ort_session.ts"],
        ["floor: Deno.serve + the session in 1 worker", "ort_worker.ts"],
      ]
    ) {
      floors.push({
        name,
        start: (port) =>
          start(["run", "--quiet", "-A", join(home, file), String(port), irisModel], port, "/", env),
      });
    }
  }
  const env = { OBENTO_HOME: home };
  const native = values["native-dir"] === undefined ? [] : ["--native-dir", values["native-dir"]];
  const configs: { name: string; start(port: number): Promise<Started> }[] = [
    {
      name: "bare Deno.serve",
      start: (port) => start(["run", "--quiet", "--allow-net", bareFile, String(port)], port, "/", env),
    },
    ...[
      ["no flags", native],
      ["--in-process", ["--in-process", ...native]],
      ["--device wasm", ["--device", "wasm"]],
      ...(values.floors ? [["--workers 1", ["--workers", "1", ...native]]] : []),
      ...(values.baseline === undefined ? [] : [[`no flags (${values.baseline})`, [], values.baseline]]),
    ].map(([name, flags, root]) => ({
      name: `obento serve iris ${name}`,
      start: (port: number) =>
        start(
          [
            "run",
            "--quiet",
            ...RUN_FLAGS,
            join((root as string | undefined) ?? ROOT, "main.ts"),
            "serve",
            join(home, "iris"),
            "--port",
            String(port),
            "--log-level",
            "error",
            ...(flags as string[]),
          ],
          port,
          "/readyz",
          env,
        ),
    })),
    ...floors,
  ];
  const times = new Map<string, number[]>(configs.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(configs.map((c) => [c.name, []]));
  for (let round = 0; round < RUNS; round++) {
    for (let i = 0; i < configs.length; i++) {
      const config = configs[(i + round) % configs.length];
      const started = await config.start(freePort());
      times.get(config.name)!.push(started.ms);
      cpu.get(config.name)!.push(started.cpuMs);
      await started.stop();
    }
  }
  const rss = new Map<string, number>();
  for (const config of configs) {
    const started = await config.start(freePort());
    await new Promise((resolve) => setTimeout(resolve, SETTLE_S * 1000));
    rss.set(config.name, rssMiB(started.pid));
    await started.stop();
  }
  const bare = median(times.get("bare Deno.serve")!);
  const load = Deno.loadavg().map((l) => l.toFixed(1)).join(", ");
  console.log(
    `### Cold start and idle RSS (\`deno task bench:start --runs ${RUNS} --settle ${SETTLE_S}\`)\n`,
  );
  console.log(
    `${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores, load average ${load} at the end.\n`,
  );
  const bareCpu = median(cpu.get("bare Deno.serve")!);
  console.log(
    "| config | cold start median ms | min | max | × bare | CPU ms to ready (median) | CPU × bare | idle RSS MiB (settled) |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const config of configs) {
    const ms = times.get(config.name)!;
    console.log(
      `| ${config.name} | ${median(ms).toFixed(0)} | ${Math.min(...ms).toFixed(0)} | ${
        Math.max(...ms).toFixed(0)
      } | ` +
        `${(median(ms) / bare).toFixed(2)} | ${median(cpu.get(config.name)!).toFixed(0)} | ` +
        `${(median(cpu.get(config.name)!) / bareCpu).toFixed(2)} | ${rss.get(config.name)!.toFixed(0)} |`,
    );
  }
} finally {
  await Deno.remove(home, { recursive: true });
}
