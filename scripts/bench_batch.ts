/**
 * Batch-run benchmark (`deno task bench:batch`), issue 13's offline-batch target: a CSV of four float columns
 * (the iris features; 300k rows by default) through a DataframeInput batch API (the iris classifier's
 * `predict`) with `obento run <bundle> predict --input-file F --output out.csv`, on each device, as a child
 * process the way `deno task obento` and the binary run (same permissions and V8 flags). For each run it
 * reports rows/s after load (the rate the run prints in its `done:` line: the engine's rate, from the first
 * chunk read to the output renamed into place), rows/s including start-up (the child's wall time, from exec to
 * exit), the start-up itself (wall − run: process start, bundle load, worker spawn, device open, warm-up), and
 * peak RSS (GNU time's maximum resident set size). A 1-row run (`--input`) per device shows start-up alone.
 *
 * Options: `--rows N[,M…]` (default 300000), `--devices D,…` (default native,wasm; a device whose library does
 * not load is reported as failed), `--root DIR[,DIR…]` (other obento checkouts to run in the same benchmark,
 * alternating with this one, for before/after ratios), `--rounds N` (default 2: each configuration runs N
 * times, alternating, and the median is reported), `--naive-max N` (largest file the naive
 * read-all-then-predict baseline gets, default 1000000; 0: none; its output must equal the streamed one),
 * `--batch-size N` (default 4096), `--keep DIR` (leave the files there). Needs GNU time (`/usr/bin/time`,
 * Debian package `time`).
 *
 * @module
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { RUN_FLAGS } from "./obento_flags.ts";

const ROOT = new URL("../", import.meta.url).pathname;
/** As `deno task obento` and the compiled binary run: the same permissions and V8 flags. */
const PERMS = RUN_FLAGS;

/** The naive baseline, run as a child: read the whole file, decode one frame, predict, format, write. */
async function naive(bundle: string, input: string, output: string): Promise<void> {
  const { load } = await import("../mod.ts");
  const svc = await load(bundle);
  const api = svc.api("predict");
  const frame = await api.input.fromBytes(await Deno.readFile(input), "text/csv");
  const [outcome] = await svc.invoke("predict", [frame]);
  if (!outcome.ok) throw new Error(outcome.message);
  const labels = outcome.value as string[];
  await Deno.writeTextFile(output, "result\n" + labels.join("\n") + "\n");
  await svc.close();
}

interface Measured {
  seconds: number;
  stderr: string;
  peakMiB: number;
  code: number;
}

/**
 * Runs a child under GNU time (`/usr/bin/time -f %M`) for its peak RSS: reading /proc/<pid>/status needs
 * --allow-all in Deno, which this benchmark does not ask for.
 */
async function measure(args: string[], cwd = ROOT): Promise<Measured> {
  const start = performance.now();
  const child = new Deno.Command("/usr/bin/time", {
    args: ["-f", "OBENTO_PEAK_KB=%M", Deno.execPath(), ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const { code, stderr: raw } = await child.output();
  const all = new TextDecoder().decode(raw);
  const peakKiB = Number(/OBENTO_PEAK_KB=(\d+)/.exec(all)?.[1] ?? 0);
  const text = all.replace(/^OBENTO_PEAK_KB=\d+\n?/m, "");
  const seconds = (performance.now() - start) / 1000;
  return { seconds, peakMiB: peakKiB / 1024, code, stderr: text };
}

async function writeCsv(path: string, rows: number): Promise<void> {
  const ref: { columns: string[]; inputs: number[][] } = JSON.parse(
    await Deno.readTextFile(join(ROOT, "bundles/iris_classifier/reference.json")),
  );
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  const lines = ref.inputs.map((r) => r.join(","));
  await file.write(encoder.encode(ref.columns.join(",") + "\n"));
  for (let i = 0; i < rows; i += 100_000) {
    let text = "";
    for (let j = i; j < Math.min(rows, i + 100_000); j++) text += lines[j % 150] + "\n";
    const bytes = encoder.encode(text);
    for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
  }
  file.close();
}

/** The run's own figures from its `done:` line: seconds after load. */
function runSeconds(stderr: string): number | undefined {
  const m = /done: .*, ([\d.]+) s, [\d.]+[kM]? rows\/s/.exec(stderr);
  return m === null ? undefined : Number(m[1]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function rate(rows: number, seconds: number): string {
  const r = rows / seconds;
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)}M` : `${(r / 1e3).toFixed(0)}k`;
}

/** The commit of a checkout, for the table (the checkout's directory name when git cannot say). */
async function commitOf(root: string): Promise<string> {
  try {
    const out = await new Deno.Command("git", { args: ["-C", root, "rev-parse", "--short", "HEAD"] })
      .output();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (out.code === 0 && text !== "") return `${text}${root === ROOT ? "" : ` (${root})`}`;
  } catch {
    // no git: the directory names it
  }
  return root;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: {
      rows: { type: "string", default: "300000" },
      devices: { type: "string", default: "native,wasm" },
      root: { type: "string" },
      rounds: { type: "string", default: "2" },
      "naive-max": { type: "string", default: "1000000" },
      "batch-size": { type: "string", default: "4096" },
      keep: { type: "string" },
      naive: { type: "boolean" },
    },
    allowPositionals: true,
  });
  if (values.naive) return await naive(positionals[0], positionals[1], positionals[2]);
  const roots = [
    ROOT,
    ...(values.root?.split(",").filter((r) => r !== "").map((r) => resolve(r) + "/") ?? []),
  ];
  const devices = values.devices!.split(",");
  const rounds = Math.max(1, Number(values.rounds));
  const dir = values.keep ?? await Deno.makeTempDir({ prefix: "obento-bench-batch-" });
  await Deno.mkdir(dir, { recursive: true });
  try {
    const bundle = join(dir, "iris");
    const packed = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...PERMS,
        join(ROOT, "main.ts"),
        "pack",
        join(ROOT, "bundles/iris_classifier/service.ts"),
        "--artifact",
        `model=${join(ROOT, "bundles/iris_classifier/iris_lr.onnx")}`,
        "--output",
        bundle,
      ],
      env: { OBENTO_HOME: dir },
    }).output();
    if (packed.code !== 0) throw new Error(new TextDecoder().decode(packed.stderr));
    const cpus = navigator.hardwareConcurrency;
    const load = Deno.loadavg();
    console.log(
      `Deno ${Deno.version.deno}, ${Deno.build.os}/${Deno.build.arch}, ${cpus} CPUs, load average ` +
        `${load.map((l) => l.toFixed(1)).join(" ")} at start; median of ${rounds} alternating rounds`,
    );
    const names = new Map<string, string>();
    for (const root of roots) names.set(root, await commitOf(root));
    console.log(
      "| checkout | device | input | wall s | rows/s (with start-up) | rows/s (after load) | start-up s | " +
        "peak RSS MiB |",
    );
    console.log("|---|---|---|---:|---:|---:|---:|---:|");
    /** `deno` arguments of `obento run <bundle> predict` of a checkout; input and output follow. */
    const predictArgs = (root: string, device: string) => [
      "run",
      ...PERMS,
      join(root, "main.ts"),
      "run",
      bundle,
      "predict",
      "--device",
      device,
    ];
    const outputs = new Map<string, string>();
    for (const rows of values.rows!.split(",").map(Number)) {
      const input = join(dir, `iris_${rows}.csv`);
      await writeCsv(input, rows);
      const size = (await Deno.stat(input)).size / 2 ** 20;
      const label = `${rows >= 1e6 ? `${rows / 1e6}M` : `${rows / 1e3}k`} rows (${size.toFixed(1)} MiB)`;
      const runs = new Map<string, Measured[]>();
      for (let round = 0; round < rounds; round++) {
        for (const device of devices) {
          for (const root of roots) {
            const out = join(dir, `out_${roots.indexOf(root)}_${device}.csv`);
            const m = await measure([
              ...predictArgs(root, device),
              "--input-file",
              input,
              "--output",
              out,
              "--overwrite",
              "--batch-size",
              values["batch-size"]!,
            ], root);
            if (m.code !== 0) console.error(`${names.get(root)} ${device}: exit ${m.code}\n${m.stderr}`);
            else outputs.set(`${rows} ${root} ${device}`, await Deno.readTextFile(out));
            const key = `${root}\n${device}`;
            runs.set(key, [...(runs.get(key) ?? []), m]);
          }
        }
      }
      for (const device of devices) {
        for (const root of roots) {
          const ms = runs.get(`${root}\n${device}`)!.filter((m) => m.code === 0);
          if (ms.length === 0) {
            console.log(`| ${names.get(root)} | ${device} | ${label} | failed | | | | |`);
            continue;
          }
          const wall = median(ms.map((m) => m.seconds));
          const run = median(ms.map((m) => runSeconds(m.stderr) ?? NaN));
          const startUp = median(ms.map((m) => m.seconds - (runSeconds(m.stderr) ?? NaN)));
          const peak = median(ms.map((m) => m.peakMiB));
          console.log(
            `| ${names.get(root)} | ${device} | ${label} | ${wall.toFixed(2)} | ${rate(rows, wall)} | ${
              rate(rows, run)
            } | ${startUp.toFixed(2)} | ${peak.toFixed(0)} |`,
          );
        }
      }
      const first = [...outputs.entries()].filter(([k]) => k.startsWith(`${rows} `));
      if (first.some(([, text]) => text !== first[0][1])) throw new Error("the runs' outputs differ");
      if (rows <= Number(values["naive-max"])) {
        const naiveRun = await measure([
          "run",
          ...PERMS,
          import.meta.filename!,
          "--naive",
          bundle,
          input,
          join(dir, "naive.csv"),
        ]);
        console.log(
          `| naive read-all-then-predict (this checkout) | auto | ${label} | ${
            naiveRun.seconds.toFixed(2)
          } | ${rate(rows, naiveRun.seconds)} | – | – | ${naiveRun.peakMiB.toFixed(0)} |`,
        );
        if (first.length > 0 && (await Deno.readTextFile(join(dir, "naive.csv"))) !== first[0][1]) {
          throw new Error("streaming and naive outputs differ");
        }
      }
      await Deno.remove(input);
    }
    for (const device of devices) {
      for (const root of roots) {
        const ms: Measured[] = [];
        for (let round = 0; round < rounds; round++) {
          ms.push(
            await measure([
              ...predictArgs(root, device),
              "--input",
              '{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}',
            ], root),
          );
        }
        const ok = ms.filter((m) => m.code === 0);
        console.log(
          `| ${names.get(root)} | ${device} | 1 row (--input): start-up alone | ${
            ok.length === 0 ? "failed" : median(ok.map((m) => m.seconds)).toFixed(2)
          } | – | – | – | ${ok.length === 0 ? "" : median(ok.map((m) => m.peakMiB)).toFixed(0)} |`,
        );
      }
    }
    console.log(
      "(wall: exec → exit of the child; after load: the run's own `done:` line; start-up: wall − run; " +
        "the machine may be shared: compare checkouts within one run)",
    );
  } finally {
    if (values.keep === undefined) await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
