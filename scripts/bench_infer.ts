/**
 * Inference benchmark: onnxruntime-web (WASM, through obento's {@link WasmBackend}) against onnxruntime-node
 * (native CPU) on iris LR, the digits CNN and the MLP 784→1024→1024→10 at batch 1, 32 and 256; then
 * onnxruntime-web settings that might close the gap on the MLP at batch 256; then (when `obento run` works)
 * process start → first prediction and peak RSS of `obento run` on one iris row.
 *
 * ORT's WASM thread pool is process-wide and fixed at start, so every configuration runs in its own child
 * process (this script re-runs itself with `--child`). Prints markdown.
 *
 *     deno task bench:infer [--quick] [--startup-bundle REF] [--only-device]
 *
 * `--only-device` runs just the section that compares obento's native device with onnxruntime-node called
 * directly, in one process, alternating the two per round.
 *
 * `--quick` cuts the time budget per case tenfold (a smoke test, not figures to quote).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import * as ortWeb from "onnxruntime-web";
import { WasmBackend } from "../src/backends/ort_web.ts";
import { loadNativeRuntime, NativeBackend } from "../src/backends/ort_node.ts";
import type { BackendSession, SessionOptions } from "../src/sdk/backend.ts";
import { RUN_FLAGS, SCRIPT_PERMISSIONS } from "./obento_flags.ts";

const ROOT = new URL("../", import.meta.url);
const path = (p: string) => fileURLToPath(new URL(p, ROOT));

/** One model under test: its file, input name and per-row shape. */
interface ModelCase {
  readonly id: string;
  readonly label: string;
  readonly file: string;
  readonly input: string;
  readonly row: readonly number[];
}

const MODELS: readonly ModelCase[] = [
  { id: "iris", label: "iris LR", file: "bundles/iris_classifier/iris_lr.onnx", input: "input", row: [4] },
  {
    id: "cnn",
    label: "digits CNN",
    file: "bundles/digits_cnn/digits_cnn.onnx",
    input: "image",
    row: [1, 28, 28],
  },
  {
    id: "mlp",
    label: "MLP 784-1024-1024-10",
    file: "tests/fixtures/mlp_784.onnx",
    input: "input",
    row: [784],
  },
];
const BATCHES = [1, 32, 256] as const;

/** Timing of one case. */
interface Timing {
  p50: number;
  p90: number;
  iterations: number;
  itemsPerSecond: number;
  /** First values of the first output, to check that runtimes agree. */
  sample: number[];
}

/** What a child process reports. */
interface ChildReport {
  ok: boolean;
  threads?: number;
  results: Record<string, Timing>;
  note?: string;
}

/** A runnable session, WASM or native. */
interface Runner {
  run(batch: number): Promise<number[]>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Child side: measure.

/** Deterministic inputs in [0, 1) (xorshift32), the same in every child. */
function inputData(length: number): Float32Array {
  const out = new Float32Array(length);
  let s = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 32;
  }
  return out;
}

/** Times `run` after warm-up: at least `minIterations`, until `budgetMs` or `maxIterations`. */
async function time(run: () => Promise<number[]>, batch: number, budgetMs: number): Promise<Timing> {
  const warmEnd = performance.now() + budgetMs / 5;
  let sample: number[] = [];
  for (let i = 0; i < 3 || performance.now() < warmEnd; i++) {
    sample = await run();
    if (i >= 50) break;
  }
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  while (times.length < 5 || (performance.now() < end && times.length < 2000)) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    p50: at(0.5),
    p90: at(0.9),
    iterations: times.length,
    itemsPerSecond: (batch * 1000) / mean,
    sample,
  };
}

/** Opens a model on onnxruntime-web through obento's backend. */
async function wasmRunner(
  model: ModelCase,
  threads: number,
  options: SessionOptions = {},
  file = model.file,
): Promise<Runner & { threads: number | undefined }> {
  const backend = new WasmBackend({ threads });
  const session: BackendSession = await backend.createSession(await Deno.readFile(path(file)), options);
  const first = session.outputs[0].name;
  return {
    threads: backend.threads,
    async run(batch) {
      const dims = [batch, ...model.row];
      const data = inputData(dims.reduce((a, b) => a * b, 1));
      const out = await session.run({ [model.input]: { type: "float32", dims, data } }, [first]);
      return Array.from(out[first].data as Float32Array).slice(0, 8).map(Number);
    },
    close: () => session.close(),
  };
}

/** Opens a model on onnxruntime-web directly with the proxy worker on (obento's backend keeps it off). */
async function wasmProxyRunner(model: ModelCase, threads: number): Promise<Runner> {
  ortWeb.env.wasm.numThreads = threads;
  ortWeb.env.wasm.proxy = true;
  const session = await ortWeb.InferenceSession.create(await Deno.readFile(path(model.file)));
  return {
    async run(batch) {
      const dims = [batch, ...model.row];
      const data = inputData(dims.reduce((a, b) => a * b, 1));
      const out = await session.run({ [model.input]: new ortWeb.Tensor("float32", data, dims) });
      return Array.from(out[session.outputNames[0]].data as Float32Array).slice(0, 8);
    },
    close: () => session.release(),
  };
}

/** Opens a model on onnxruntime-node (native CPU). */
async function nativeRunner(model: ModelCase, threads: number, file = model.file): Promise<Runner> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(path(file), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  const first = session.outputNames[0];
  return {
    async run(batch) {
      const dims = [batch, ...model.row];
      const data = inputData(dims.reduce((a, b) => a * b, 1));
      const out = await session.run({ [model.input]: new ort.Tensor("float32", data, dims) }, [first]);
      return Array.from(out[first].data as Float32Array).slice(0, 8).map(Number);
    },
    close: () => session.release(),
  };
}

/** Opens a model on obento's native device (NativeBackend: input checks, tensor wrapping, output copy). */
async function deviceRunner(model: ModelCase, threads: number): Promise<Runner> {
  const backend = new NativeBackend(await loadNativeRuntime(), { threads });
  const session = await backend.createSession(await Deno.readFile(path(model.file)));
  const first = session.outputs[0].name;
  return {
    async run(batch) {
      const dims = [batch, ...model.row];
      const data = inputData(dims.reduce((a, b) => a * b, 1));
      const out = await session.run({ [model.input]: { type: "float32", dims, data } }, [first]);
      return Array.from(out[first].data as Float32Array).slice(0, 8).map(Number);
    },
    close: () => session.close(),
  };
}

/** A tuning variant: MLP batch 256 on onnxruntime-web with some settings. */
interface Variant {
  readonly id: string;
  readonly label: string;
  readonly threads: number;
  readonly options?: SessionOptions;
  readonly proxy?: boolean;
  /** A derived model made by {@link makeVariantModels}; "native" runs it on onnxruntime-node instead. */
  readonly model?: "int8" | "fp16";
  readonly native?: boolean;
}

const VARIANTS: readonly Variant[] = [
  { id: "base1", label: "1 thread, defaults", threads: 1 },
  { id: "base2", label: "2 threads, defaults (all, sequential, arena, mem pattern)", threads: 2 },
  {
    id: "opt-disabled",
    label: "2 threads, graphOptimizationLevel disabled",
    threads: 2,
    options: { graphOptimizationLevel: "disabled" },
  },
  {
    id: "opt-basic",
    label: "2 threads, graphOptimizationLevel basic",
    threads: 2,
    options: { graphOptimizationLevel: "basic" },
  },
  {
    id: "opt-extended",
    label: "2 threads, graphOptimizationLevel extended",
    threads: 2,
    options: { graphOptimizationLevel: "extended" },
  },
  {
    id: "parallel",
    label: "2 threads, executionMode parallel",
    threads: 2,
    options: { parallelExecution: true },
  },
  {
    id: "no-mempattern",
    label: "2 threads, enableMemPattern false",
    threads: 2,
    options: { enableMemPattern: false },
  },
  {
    id: "no-arena",
    label: "2 threads, enableCpuMemArena false",
    threads: 2,
    options: { enableCpuMemArena: false },
  },
  {
    id: "free-dim",
    label: "2 threads, freeDimensionOverrides {N: 256}",
    threads: 2,
    options: { extra: { freeDimensionOverrides: { N: 256 } } },
  },
  {
    id: "proxy",
    label: "2 threads, ort.env.wasm.proxy = true (the node build Deno loads ignores it)",
    threads: 2,
    proxy: true,
  },
  {
    id: "int8",
    label: "2 threads, int8 weights (dynamic quantization, MatMulInteger)",
    threads: 2,
    model: "int8",
  },
  {
    id: "int8-native",
    label: "native 2 threads, int8 model (for the ratio)",
    threads: 2,
    model: "int8",
    native: true,
  },
  { id: "fp16", label: "2 threads, fp16 weights and Gemm (Cast in/out)", threads: 2, model: "fp16" },
];

/** Runs one child job and prints its report as JSON on the last stdout line. */
async function child(
  args: { job: string; runtime: string; threads: number; budgetMs: number; models: string },
) {
  const report: ChildReport = { ok: true, results: {} };
  try {
    if (args.job === "device") {
      // obento's native device and onnxruntime-node directly, same process, alternating rounds so drift in a
      // shared machine's load hits both alike; the best of the rounds' p50s is kept for each.
      for (const model of MODELS) {
        const direct = await nativeRunner(model, args.threads);
        const device = await deviceRunner(model, args.threads);
        for (const batch of BATCHES) {
          const rounds = { direct: [] as Timing[], device: [] as Timing[] };
          for (let round = 0; round < 3; round++) {
            rounds.direct.push(await time(() => direct.run(batch), batch, args.budgetMs / 3));
            rounds.device.push(await time(() => device.run(batch), batch, args.budgetMs / 3));
          }
          const best = (ts: Timing[]) => ts.reduce((a, b) => (b.p50 < a.p50 ? b : a));
          report.results[`${model.id}/${batch}/direct`] = best(rounds.direct);
          report.results[`${model.id}/${batch}/device`] = best(rounds.device);
        }
        await direct.close();
        await device.close();
      }
    } else if (args.job === "cases") {
      for (const model of MODELS) {
        const runner = args.runtime === "wasm"
          ? await wasmRunner(model, args.threads)
          : await nativeRunner(model, args.threads);
        if ("threads" in runner) report.threads = runner.threads as number;
        for (const batch of BATCHES) {
          report.results[`${model.id}/${batch}`] = await time(() => runner.run(batch), batch, args.budgetMs);
        }
        await runner.close();
      }
    } else {
      const variant = VARIANTS.find((v) => v.id === args.job);
      if (variant === undefined) throw new Error(`unknown job ${args.job}`);
      const mlp = MODELS[2];
      const file = variant.model ? `${args.models}/mlp_${variant.model}.onnx` : mlp.file;
      const runner = variant.native
        ? await nativeRunner(mlp, variant.threads, file)
        : variant.proxy
        ? await wasmProxyRunner(mlp, variant.threads)
        : await wasmRunner(mlp, variant.threads, variant.options, file);
      if ("threads" in runner) report.threads = runner.threads as number;
      report.results["mlp/256"] = await time(() => runner.run(256), 256, args.budgetMs * 1.5);
      await runner.close();
    }
  } catch (error) {
    report.ok = false;
    report.note = (error instanceof Error ? error.message : String(error)).split("\n")[0].slice(0, 200);
  }
  console.log(JSON.stringify(report));
  // ORT's worker threads keep the event loop alive; leave explicitly.
  Deno.exit(0);
}

// ---------------------------------------------------------------------------------------------------------
// Parent side: orchestrate and print.

/** Runs this script as a child with `--child`, with a wall-clock limit (a hung ORT thread pool is reported). */
async function spawnChild(flags: string[], limitMs: number): Promise<ChildReport> {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...SCRIPT_PERMISSIONS,
      fileURLToPath(import.meta.url),
      "--child",
      ...flags,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(limitMs),
  });
  try {
    const { stdout, stderr } = await command.output();
    const lines = new TextDecoder().decode(stdout).trim().split("\n");
    try {
      return JSON.parse(lines[lines.length - 1]) as ChildReport;
    } catch {
      const err = new TextDecoder().decode(stderr).trim().split("\n").filter((l) => /error/i.test(l))[0];
      return { ok: false, results: {}, note: `child failed: ${err ?? "no output"}`.slice(0, 200) };
    }
  } catch (error) {
    if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
      return { ok: false, results: {}, note: `no result within ${limitMs / 1000} s (hung?)` };
    }
    throw error;
  }
}

/** Python that derives int8 (dynamic quantization) and fp16 variants of the MLP; needs python3 + onnx. */
const VARIANT_MODELS_PY = `
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
src, out_dir = sys.argv[1], sys.argv[2]
for mode in ("int8", "fp16"):
    m = onnx.load(src); g = m.graph
    inits = {i.name: i for i in g.initializer}
    nodes, new_inits = [], []
    for n in g.node:
        if n.op_type != "Gemm":
            nodes.append(n); continue
        x, wn, bn = n.input; y = n.output[0]; k = n.name
        W = numpy_helper.to_array(inits[wn]); b = numpy_helper.to_array(inits[bn])
        if mode == "int8":
            ws = (np.abs(W).max(axis=0) / 127.0).astype(np.float32)
            Wq = np.clip(np.round(W / ws), -127, 127).astype(np.int8)
            new_inits += [numpy_helper.from_array(Wq, k + "_Wq"), numpy_helper.from_array(ws, k + "_ws"),
                          numpy_helper.from_array(np.zeros(W.shape[1], np.int8), k + "_wzp"), inits[bn]]
            nodes += [helper.make_node("DynamicQuantizeLinear", [x], [k + "_xq", k + "_xs", k + "_xzp"]),
                      helper.make_node("MatMulInteger", [k + "_xq", k + "_Wq", k + "_xzp", k + "_wzp"], [k + "_acc"]),
                      helper.make_node("Cast", [k + "_acc"], [k + "_accf"], to=TensorProto.FLOAT),
                      helper.make_node("Mul", [k + "_xs", k + "_ws"], [k + "_scale"]),
                      helper.make_node("Mul", [k + "_accf", k + "_scale"], [k + "_mm"]),
                      helper.make_node("Add", [k + "_mm", bn], [y])]
        else:
            new_inits += [numpy_helper.from_array(W.astype(np.float16), k + "_W16"),
                          numpy_helper.from_array(b.astype(np.float16), k + "_b16")]
            nodes += [helper.make_node("Cast", [x], [k + "_x16"], to=TensorProto.FLOAT16),
                      helper.make_node("Gemm", [k + "_x16", k + "_W16", k + "_b16"], [k + "_y16"]),
                      helper.make_node("Cast", [k + "_y16"], [y], to=TensorProto.FLOAT)]
    del g.node[:]; g.node.extend(nodes); del g.initializer[:]; g.initializer.extend(new_inits)
    onnx.checker.check_model(m)
    onnx.save(m, f"{out_dir}/mlp_{mode}.onnx")
`;

/** Writes mlp_int8.onnx and mlp_fp16.onnx into `dir`; returns why not when python3 + onnx are missing. */
async function makeVariantModels(dir: string): Promise<string | undefined> {
  for (const python of ["/usr/bin/python3", "python3"]) {
    try {
      const { code, stderr } = await new Deno.Command(python, {
        args: ["-c", VARIANT_MODELS_PY, path("tests/fixtures/mlp_784.onnx"), dir],
        stdout: "null",
        stderr: "piped",
      }).output();
      if (code === 0) return undefined;
      return `${python} could not make them: ${new TextDecoder().decode(stderr).trim().split("\n").pop()}`;
    } catch {
      // try the next interpreter
    }
  }
  return "no python3 on PATH";
}

/** What {@link measured} saw of one child process. */
interface Measured {
  /** Whether it exited 0. */
  ok: boolean;
  /** Its exit code. */
  code: number;
  /** Process start → its first bytes on stdout, ms (undefined when it printed nothing). */
  firstOutputMs?: number;
  /** Process start → exit, ms. */
  wallMs: number;
  /** User + system CPU seconds (GNU time), if measured. */
  cpuSeconds?: number;
  /** Peak resident set size, MiB (GNU time's %M), if measured. */
  peakRssMiB?: number;
  /** Its stderr, without GNU time's line. */
  stderr: string;
}

/** Runs `deno <args>` under GNU time where there is one (`/usr/bin/time`), timing it from spawn. */
async function measured(args: string[], env?: Record<string, string>): Promise<Measured> {
  let gnuTime = false;
  try {
    gnuTime = (await Deno.stat("/usr/bin/time")).isFile;
  } catch {
    // no GNU time: CPU and RSS are not measured
  }
  const [cmd, cmdArgs] = gnuTime
    ? ["/usr/bin/time", ["-f", "OBENTO_TIME=%U %S %M", Deno.execPath(), ...args]]
    : [Deno.execPath(), args];
  const t0 = performance.now();
  const child = new Deno.Command(cmd, { args: cmdArgs, env, stdout: "piped", stderr: "piped" }).spawn();
  let firstOutputMs: number | undefined;
  const reader = child.stdout.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    firstOutputMs ??= performance.now() - t0;
  }
  const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
  const wallMs = performance.now() - t0;
  const time = /OBENTO_TIME=([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  return {
    ok: status.success,
    code: status.code,
    firstOutputMs,
    wallMs,
    cpuSeconds: time ? Number(time[1]) + Number(time[2]) : undefined,
    peakRssMiB: time ? Number(time[3]) / 1024 : undefined,
    stderr: stderr.split("\n").filter((l) => !l.startsWith("OBENTO_TIME=")).join("\n"),
  };
}

/** The first non-empty line of `text`, shortened, for a skip note. */
const firstLine = (text: string) => (text.split("\n").find((l) => l.trim() !== "") ?? "").slice(0, 160);

/**
 * `obento pack` of the example iris service into a temporary directory (no registry), measured: wall time,
 * CPU and peak RSS of the pack process. Returns the bundle's path with the figures.
 */
async function packIrisBundle(): Promise<{ bundle: string; pack: Measured }> {
  const dir = await Deno.makeTempDir({ prefix: "obento-bench-iris-" });
  const bundle = `${dir}/iris`;
  const pack = await measured([
    "run",
    "--quiet",
    ...RUN_FLAGS,
    path("main.ts"),
    "pack",
    path("bundles/iris_classifier/service.ts"),
    "--artifact",
    `model=${path("bundles/iris_classifier/iris_lr.onnx")}`,
    "--output",
    bundle,
  ], { OBENTO_HOME: dir });
  if (!pack.ok) throw new Error(`packing the iris bundle failed: ${pack.stderr}`);
  return { bundle, pack };
}

/**
 * Process start → first prediction of `obento run` on one iris row, and the process's peak RSS with the iris
 * service loaded. Uses `bundle` (a path or NAME:VERSION).
 */
async function measureServiceStartup(bundle: string): Promise<Measured> {
  const row = '[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]';
  return await measured([
    "run",
    "--quiet",
    ...RUN_FLAGS,
    path("main.ts"),
    "run",
    bundle,
    "predict",
    "--input",
    row,
  ]);
}

/** One line for a measured process: `label` then wall time (or first output), CPU and peak RSS. */
function describeRun(label: string, m: Measured, time: number): string {
  const extra = m.cpuSeconds === undefined
    ? " (CPU and RSS not measured: no /usr/bin/time)"
    : `, ${m.cpuSeconds.toFixed(2)} CPU-s, peak RSS ${m.peakRssMiB!.toFixed(0)} MiB`;
  return `${label} ${ms(time)} ms${extra}`;
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const rate = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0));

/** Max |a - b| over paired samples. */
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

/** Prints obento's native device against onnxruntime-node called directly (target: within 1.1×). */
async function deviceSection(budgetMs: number, limitMs: number): Promise<void> {
  console.log("## obento's native device vs onnxruntime-node called directly\n");
  console.log(
    "Same child process, 2 intra-op threads, rounds alternated; p50 in ms (best of 3 rounds); ratio = device " +
      "p50 / direct p50 (target ≤ 1.10×).\n",
  );
  const r = await spawnChild(
    ["--job", "device", "--runtime", "native", "--threads", "2", "--budget", String(budgetMs * 3)],
    limitMs * 2,
  );
  if (!r.ok) {
    console.log(`n/a: ${r.note}\n`);
    return;
  }
  console.log(
    "| model | batch | direct p50 / p90 | device p50 / p90 | device items/s | ratio | max abs diff |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const model of MODELS) {
    for (const batch of BATCHES) {
      const d = r.results[`${model.id}/${batch}/direct`];
      const o = r.results[`${model.id}/${batch}/device`];
      console.log(
        `| ${model.label} | ${batch} | ${ms(d.p50)} / ${ms(d.p90)} | ${ms(o.p50)} / ${ms(o.p90)} | ` +
          `${rate(o.itemsPerSecond)} | ${(o.p50 / d.p50).toFixed(2)}× | ${
            maxDiff(d.sample, o.sample).toExponential(1)
          } |`,
      );
    }
  }
  console.log();
}

async function parent(quick: boolean, startupBundle: string | undefined, onlyDevice: boolean) {
  const budgetMs = quick ? 100 : 800;
  const limitMs = quick ? 60_000 : 120_000;
  if (onlyDevice) {
    console.log(`# Inference benchmark: native device overhead\n`);
    console.log(
      `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPU(s), ${Deno.build.os}-${Deno.build.arch}.\n`,
    );
    await deviceSection(budgetMs, limitMs);
    return;
  }
  const started = performance.now();
  const cpus = navigator.hardwareConcurrency;
  console.log(`# Inference benchmark\n`);
  console.log(
    `Deno ${Deno.version.deno}, onnxruntime-web ${ortWeb.env.versions.web}, onnxruntime-node 1.30.0, ` +
      `${cpus} CPU(s), ${Deno.build.os}-${Deno.build.arch}; ${budgetMs} ms timed per case after warm-up` +
      (quick ? " (--quick: smoke test only)" : "") + ".\n",
  );

  const configs = [
    { key: "wasm1", flags: ["--runtime", "wasm", "--threads", "1"] },
    { key: "wasm2", flags: ["--runtime", "wasm", "--threads", "2"] },
    { key: "node1", flags: ["--runtime", "native", "--threads", "1"] },
    { key: "node2", flags: ["--runtime", "native", "--threads", "2"] },
  ];
  const reports: Record<string, ChildReport> = {};
  for (const c of configs) {
    reports[c.key] = await spawnChild(["--job", "cases", "--budget", String(budgetMs), ...c.flags], limitMs);
  }
  const notes: string[] = [];
  for (const [key, r] of Object.entries(reports)) if (!r.ok) notes.push(`${key}: ${r.note}`);
  const w2 = reports.wasm2;
  if (w2.ok && w2.threads !== 2) notes.push(`wasm2: onnxruntime-web fell back to ${w2.threads} thread(s)`);

  console.log("## onnxruntime-web (WASM) vs onnxruntime-node (native CPU)\n");
  console.log(
    "Latency in ms per `run` call (p50 / p90); items/s from the mean; ratio = WASM p50 / native p50.\n",
  );
  console.log(
    "| model | batch | threads | WASM p50 / p90 | WASM items/s | native p50 / p90 | native items/s | ratio | max abs diff |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const model of MODELS) {
    for (const batch of BATCHES) {
      for (const threads of [1, 2]) {
        const w = reports[`wasm${threads}`].results[`${model.id}/${batch}`];
        const n = reports[`node${threads}`].results[`${model.id}/${batch}`];
        const cell = (t?: Timing) => (t ? `${ms(t.p50)} / ${ms(t.p90)}` : "n/a");
        const ratio = w && n ? `${(w.p50 / n.p50).toFixed(2)}×` : "n/a";
        const diff = w && n ? maxDiff(w.sample, n.sample).toExponential(1) : "n/a";
        console.log(
          `| ${model.label} | ${batch} | ${threads} | ${cell(w)} | ${w ? rate(w.itemsPerSecond) : "n/a"} | ` +
            `${cell(n)} | ${n ? rate(n.itemsPerSecond) : "n/a"} | ${ratio} | ${diff} |`,
        );
      }
    }
  }
  if (notes.length > 0) console.log(`\nNotes: ${notes.join("; ")}`);

  console.log();
  await deviceSection(budgetMs, limitMs);
  console.log("## Closing the gap: MLP, batch 256, onnxruntime-web settings\n");
  const dir = await Deno.makeTempDir({ prefix: "obento-bench-" });
  const why = await makeVariantModels(dir);
  const native2 = reports.node2.results["mlp/256"];
  console.log(
    `Native reference (2 threads, fp32): p50 ${native2 ? ms(native2.p50) : "n/a"} ms.` +
      (why ? ` int8/fp16 variants skipped: ${why}.` : "") + "\n",
  );
  console.log("| setting | p50 / p90 ms | items/s | vs native 2t fp32 | max abs diff vs fp32 |");
  console.log("|---|---:|---:|---:|---:|");
  const fp32 = reports.wasm2.results["mlp/256"];
  for (const v of VARIANTS) {
    if (v.model && why) continue;
    const r = await spawnChild(
      ["--job", v.id, "--budget", String(budgetMs), "--models", dir],
      limitMs,
    );
    const t = r.results["mlp/256"];
    if (!t) {
      console.log(`| ${v.label} | failed: ${r.note} | | | |`);
      continue;
    }
    const fell = !v.native && r.threads !== undefined && r.threads !== v.threads
      ? ` (ran ${r.threads}t)`
      : "";
    console.log(
      `| ${v.label}${fell} | ${ms(t.p50)} / ${ms(t.p90)} | ${rate(t.itemsPerSecond)} | ` +
        `${native2 ? (t.p50 / native2.p50).toFixed(2) + "×" : "n/a"} | ` +
        `${fp32 ? maxDiff(t.sample, fp32.sample).toExponential(1) : "n/a"} |`,
    );
  }
  await Deno.remove(dir, { recursive: true });

  console.log("\n## `obento pack` and `obento run`: time, CPU, peak RSS (iris)\n");
  let bundle = startupBundle;
  if (bundle === undefined) {
    const packed = await packIrisBundle();
    bundle = packed.bundle;
    console.log(
      describeRun("- `obento pack` of the iris service: done after", packed.pack, packed.pack.wallMs),
    );
  }
  const startup = await measureServiceStartup(bundle);
  if (startup.ok && startup.firstOutputMs !== undefined) {
    console.log(
      describeRun(
        "- `obento run … predict` on one row: first prediction after",
        startup,
        startup.firstOutputMs,
      ),
    );
  } else {
    console.log(
      `- skipped: \`obento run ${bundle} predict\` exited ${startup.code}: ${firstLine(startup.stderr)}`,
    );
  }
  console.log(`\nWhole bench: ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      child: { type: "boolean", default: false },
      job: { type: "string", default: "cases" },
      runtime: { type: "string", default: "wasm" },
      threads: { type: "string", default: "1" },
      budget: { type: "string", default: "800" },
      models: { type: "string", default: "" },
      quick: { type: "boolean", default: false },
      "startup-bundle": { type: "string" },
      "only-device": { type: "boolean", default: false },
    },
  });
  if (values.child) {
    await child({
      job: values.job,
      runtime: values.runtime,
      threads: Number(values.threads),
      budgetMs: Number(values.budget),
      models: values.models,
    });
  } else {
    await parent(values.quick, values["startup-bundle"], values["only-device"]);
  }
}
