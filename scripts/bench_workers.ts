/**
 * Multi-core benchmark: which way of using N cores runs model work fastest under Deno. Packs the MLP
 * 784→1024→1024→10 and iris LR with the zero-code path, then drives each executor the way the server's
 * batcher does — `executor.run("predict", items)` with `inflight` batches at once — and reports rows/s and
 * p50 latency per batch. An MLP batch of B rows is one JSON request of B rows (one ORT call of B rows: the
 * compute-bound case); an iris batch of B rows is B one-row requests (the zero-code `predict` is not a batch
 * API, so that is B decodes, B ORT calls and B encodes: the per-call-overhead case). Configurations:
 *
 * - in-process, ORT threads 1 and 2 (`InProcessExecutor`);
 * - `WorkerPoolExecutor` with 2 workers × 1 thread, 1 × 1 (reference) and 1 × 2 (ORT threads in a worker);
 * - two processes with an in-process executor each, driven at the same time, each with half the batches in
 *   flight: what `Deno.serve({ reusePort: true })` in N processes would give, without the HTTP part.
 *
 * ORT's WASM runtime is process-wide, so each configuration runs in a child process (this script with
 * `--child`); the parent steps all children through the cases in lock-step over stdin/stdout, so the two
 * processes of the last configuration measure the same case at the same time. Prints markdown.
 *
 *     deno run --allow-all scripts/bench_workers.ts [--quick]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
// Imported before any model loads: see the note on `WebWorker` in worker_pool.ts.
import { WorkerPoolExecutor } from "../src/runtime/worker_pool.ts";
import { type Executor, InProcessExecutor, type RawItem } from "../src/runtime/executor.ts";
import { load, packModel } from "../mod.ts";

const ROOT = new URL("../", import.meta.url);
const path = (p: string) => fileURLToPath(new URL(p, ROOT));

/** A model under test. */
interface ModelSpec {
  id: "mlp" | "iris";
  label: string;
  file: string;
  width: number;
  batches: number[];
  /** How a batch of B rows arrives: as one request of B rows, or as B one-row requests. */
  shape: "one request" | "one row per request";
}

const MODELS: ModelSpec[] = [
  {
    id: "mlp",
    label: "MLP 784-1024-1024-10",
    file: "tests/fixtures/mlp_784.onnx",
    width: 784,
    batches: [32, 256],
    shape: "one request",
  },
  {
    id: "iris",
    label: "iris LR",
    file: "bundles/iris_classifier/iris_lr.onnx",
    width: 4,
    batches: [1, 32],
    shape: "one row per request",
  },
];
const INFLIGHT = [2, 4];

/** How a child runs models. */
interface ChildConfig {
  executor: "in-process" | "pool";
  threads: number;
  workers: number;
  bundles: Record<string, string>;
}

/** One configuration row of the table. */
interface Config {
  label: string;
  child: Omit<ChildConfig, "bundles">;
  /** Processes driven at once, each with inflight / processes batches in flight. */
  processes: number;
}

const CONFIGS: Config[] = [
  {
    label: "(a) in-process, ORT threads 1",
    child: { executor: "in-process", threads: 1, workers: 1 },
    processes: 1,
  },
  {
    label: "(b) in-process, ORT threads 2",
    child: { executor: "in-process", threads: 2, workers: 1 },
    processes: 1,
  },
  {
    label: "(c) pool 2 workers × 1 thread",
    child: { executor: "pool", threads: 1, workers: 2 },
    processes: 1,
  },
  {
    label: "(d) pool 1 worker × 1 thread",
    child: { executor: "pool", threads: 1, workers: 1 },
    processes: 1,
  },
  {
    label: "(e) pool 1 worker × 2 threads",
    child: { executor: "pool", threads: 2, workers: 1 },
    processes: 1,
  },
  {
    label: "(f) 2 processes × in-process t1",
    child: { executor: "in-process", threads: 1, workers: 1 },
    processes: 2,
  },
];

/** A case a child is told to measure. */
interface CaseCommand {
  model: "mlp" | "iris";
  batch: number;
  inflight: number;
  warmMs: number;
  measureMs: number;
}

/** What a child answers for a case. */
interface CaseResult {
  /** Rows answered. */
  rows: number;
  elapsedMs: number;
  latencies: number[];
  errors: number;
  /** The first failed outcome's status and body, if any. */
  firstError?: string;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JSON requests (bare nested arrays) for `rows` rows `width` floats wide, `rowsPerItem` rows each. */
function requests(width: number, rows: number, rowsPerItem: number, seed: number): RawItem[] {
  const next = random(seed);
  const encoder = new TextEncoder();
  return Array.from({ length: rows / rowsPerItem }, () => {
    const item = Array.from(
      { length: rowsPerItem },
      () => Array.from({ length: width }, () => Math.round(next() * 8000) / 1000),
    );
    return { body: encoder.encode(JSON.stringify(item)), contentType: "application/json" };
  });
}

/** Runs `inflight` loops of `executor.run` for `ms`; latencies of the batches that started in the window. */
async function drive(
  executor: Executor,
  items: RawItem[],
  batch: number,
  inflight: number,
  ms: number,
): Promise<CaseResult> {
  const latencies: number[] = [];
  const rowsPerItem = batch / items.length;
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + ms;
  let last = start;
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      const outcomes = await executor.run("predict", items);
      last = performance.now();
      latencies.push(last - t);
      done += outcomes.length * rowsPerItem;
      const failed = outcomes.filter((o) => o.status !== 200);
      errors += failed.length;
      if (failed.length > 0 && firstError === undefined) {
        const body = failed[0].body;
        firstError = `${failed[0].status} ${
          typeof body === "string" ? body : new TextDecoder().decode(body)
        }`;
      }
    }
  }));
  return { rows: done, elapsedMs: last - start, latencies, errors, firstError };
}

/** CPU seconds this process has used (Linux /proc), or undefined elsewhere. */
function cpuSeconds(): number | undefined {
  try {
    const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Waits until this process is idle: after a bundle loads, V8 keeps compiling onnxruntime's WASM on background
 * threads for a few seconds per runtime instance (so per worker), which would skew the first cases.
 * Returns the milliseconds waited (at most 15 s; a fixed 3 s where /proc is missing).
 */
async function settle(): Promise<number> {
  const start = performance.now();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  if (cpuSeconds() === undefined) {
    await sleep(3000);
    return performance.now() - start;
  }
  while (performance.now() - start < 15_000) {
    const before = cpuSeconds()!;
    await sleep(500);
    if (cpuSeconds()! - before < 0.05) break;
  }
  return performance.now() - start;
}

/**
 * How many cores a CPU-bound thread can get right now: time for two JS spinners in parallel vs one. Other
 * jobs on the machine lower it; every configuration below is bounded by it.
 */
async function parallelCapacity(): Promise<number> {
  const source =
    `onmessage = (e) => { let x = 0; for (let i = 0; i < e.data; i++) x = (x * 1664525 + 1013904223) % 4294967296; postMessage(x); };`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const spin = async (workers: number) => {
    const all = Array.from({ length: workers }, () => new Worker(url, { type: "module" }));
    const start = performance.now();
    await Promise.all(all.map((w) =>
      new Promise((resolve) => {
        w.onmessage = resolve;
        w.postMessage(30_000_000);
      })
    ));
    const ms = performance.now() - start;
    for (const w of all) w.terminate();
    return ms;
  };
  await spin(1);
  const one = await spin(1);
  const two = await spin(2);
  URL.revokeObjectURL(url);
  return (2 * one) / two;
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}

/** Child mode: open executors, then answer one JSON line per case command read from stdin. */
async function child(config: ChildConfig): Promise<void> {
  const executors: Record<string, Executor> = {};
  const write = (value: unknown) => Deno.stdout.write(new TextEncoder().encode(JSON.stringify(value) + "\n"));
  const started = performance.now();
  try {
    for (const [model, bundle] of Object.entries(config.bundles)) {
      executors[model] = config.executor === "pool"
        ? await WorkerPoolExecutor.open(bundle, { workers: config.workers, threads: config.threads })
        : new InProcessExecutor(await load(bundle, { threads: config.threads }));
    }
  } catch (error) {
    await write({ error: error instanceof Error ? error.message : String(error) });
    return;
  }
  const openMs = performance.now() - started;
  await write({ openMs, settleMs: await settle() });
  const seeds: Record<string, number> = { mlp: 7, iris: 11 };
  for await (const line of readLines(Deno.stdin.readable)) {
    if (line === "quit") break;
    const command = JSON.parse(line) as CaseCommand;
    const model = MODELS.find((m) => m.id === command.model)!;
    const perItem = model.shape === "one request" ? command.batch : 1;
    const items = requests(model.width, command.batch, perItem, seeds[command.model]);
    const executor = executors[command.model];
    await drive(executor, items, command.batch, command.inflight, command.warmMs);
    await write(await drive(executor, items, command.batch, command.inflight, command.measureMs));
  }
  for (const executor of Object.values(executors)) await executor.close();
}

/** Lines of a byte stream. */
async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let at;
    while ((at = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
    }
  }
  if (buffer.length > 0) yield buffer;
}

/** A running child: send a command, read its answer line (or fail after a time limit). */
class Child {
  readonly #process: Deno.ChildProcess;
  readonly #lines: AsyncGenerator<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;

  constructor(config: ChildConfig) {
    this.#process = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", fileURLToPath(import.meta.url), "--child", JSON.stringify(config)],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#lines = readLines(this.#process.stdout);
    this.#stdin = this.#process.stdin.getWriter();
  }

  async read<T>(limitMs: number): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${limitMs} ms (hang?)`)), limitMs);
    });
    try {
      const next = await Promise.race([this.#lines.next(), timeout]);
      if (next.done) throw new Error("the child exited");
      return JSON.parse(next.value) as T;
    } finally {
      clearTimeout(timer);
    }
  }

  async send(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(line + "\n"));
  }

  async stop(): Promise<void> {
    await this.send("quit").catch(() => {});
    await this.#stdin.close().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.#process.status.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), 5000)),
    ]);
    clearTimeout(timer);
    if (!exited) {
      this.#process.kill();
      await this.#process.status;
    }
  }
}

/** One table row. */
interface Row {
  model: string;
  shape: string;
  batch: number;
  inflight: number;
  config: string;
  text: string;
  itemsPerSecond?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
}

function fmt(ms: number): string {
  return ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

async function measureConfig(
  config: Config,
  bundles: Record<string, string>,
  quick: boolean,
  notes: string[],
): Promise<{ rows: Row[]; openMs: number; settleMs: number }> {
  const rows: Row[] = [];
  const children = Array.from({ length: config.processes }, () => new Child({ ...config.child, bundles }));
  try {
    const ready = await Promise.all(
      children.map((c) => c.read<{ openMs?: number; settleMs?: number; error?: string }>(60_000)),
    );
    const openMs = Math.max(...ready.map((r) => r.openMs ?? NaN));
    const settleMs = Math.max(...ready.map((r) => r.settleMs ?? NaN));
    const failed = ready.find((r) => r.error !== undefined);
    for (const model of MODELS) {
      for (const batch of model.batches) {
        for (const inflight of INFLIGHT) {
          const base = { model: model.label, shape: model.shape, batch, inflight, config: config.label };
          if (failed) {
            rows.push({ ...base, text: `fails: ${failed.error}` });
            continue;
          }
          const command: CaseCommand = {
            model: model.id,
            batch,
            inflight: inflight / config.processes,
            warmMs: quick ? 60 : model.id === "mlp" ? 300 : 150,
            measureMs: quick ? 150 : model.id === "mlp" ? 1000 : 600,
          };
          await Promise.all(children.map((c) => c.send(JSON.stringify(command))));
          const results = await Promise.all(children.map((c) => c.read<CaseResult>(60_000)));
          const itemsPerSecond = results.reduce((sum, r) => sum + r.rows / (r.elapsedMs / 1000), 0);
          const p50 = median(results.flatMap((r) => r.latencies));
          const errors = results.reduce((sum, r) => sum + r.errors, 0);
          const batches = results.reduce((sum, r) => sum + r.latencies.length, 0);
          const firstError = results.find((r) => r.firstError !== undefined)?.firstError;
          if (firstError !== undefined) {
            notes.push(
              `${config.label}, ${model.label} ${batch} rows × ${inflight}: ${errors} failed, e.g. ` +
                firstError.slice(0, 300),
            );
          }
          rows.push({
            ...base,
            itemsPerSecond,
            text: `${fmt(itemsPerSecond / 1000)}k | ${fmt(p50)} | ${batches}${
              errors ? ` (${errors} errors)` : ""
            }`,
          });
        }
      }
    }
    return { rows, openMs, settleMs };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { child: { type: "string" }, quick: { type: "boolean" } },
  });
  if (values.child !== undefined) return await child(JSON.parse(values.child) as ChildConfig);

  const t0 = performance.now();
  // Before packing: loading a model replaces globalThis.Worker (see worker_pool.ts).
  const capacity = await parallelCapacity();
  const loadBefore = loadAverage();
  const dir = await Deno.makeTempDir({ prefix: "obento-bench-workers-" });
  try {
    const bundles: Record<string, string> = {};
    for (const model of MODELS) {
      const { path: bundle } = await packModel({
        model: path(model.file),
        name: model.id === "mlp" ? "Mlp" : "Iris",
        version: "1",
        output: join(dir, model.id),
      });
      bundles[model.id] = bundle;
    }
    const rows: Row[] = [];
    const opens: string[] = [];
    const notes: string[] = [];
    for (const config of CONFIGS) {
      console.error(`measuring ${config.label} …`);
      const { rows: got, openMs, settleMs } = await measureConfig(
        config,
        bundles,
        values.quick ?? false,
        notes,
      );
      rows.push(...got);
      opens.push(`${config.label}: ${(openMs / 1000).toFixed(1)} s + ${(settleMs / 1000).toFixed(1)} s`);
    }
    console.log(
      `${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}; ` +
        `rows/s over all batches in flight; p50 = latency of one \`run\` call (ms)\n`,
    );
    console.log(
      "| model | rows per batch | sent as | in flight | configuration | rows/s | p50 ms | batches |",
    );
    console.log("|---|---:|---|---:|---|---:|---:|---:|");
    for (const row of rows) {
      console.log(
        `| ${row.model} | ${row.batch} | ${row.shape} | ${row.inflight} | ${row.config} | ${row.text} |`,
      );
    }
    console.log(`\nOpen both bundles + wait for V8's background compilation to finish: ${opens.join("; ")}`);
    if (notes.length > 0) console.log(`\nFailed outcomes:\n${notes.map((n) => `- ${n}`).join("\n")}`);
    console.log(
      `\nParallel capacity at start (2 JS spinners vs 1): ${capacity.toFixed(2)} cores; ` +
        `load average before ${loadBefore}, after ${loadAverage()}`,
    );
    console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
