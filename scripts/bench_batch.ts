/**
 * Batch-run benchmark (`deno task bench:batch`): `obento run` on a 1M-row and a 10M-row iris CSV (rows/s and
 * peak RSS of the process), against a naive read-all-then-predict of the same file in the same run.
 *
 * Options: `--rows N[,M…]` (default 1000000,10000000), `--naive-max N` (largest file the naive run gets,
 * default 1000000: read-all needs memory in proportion), `--batch-size N` (default 4096), `--keep DIR` (leave
 * the files there). Needs GNU time (`/usr/bin/time`, Debian package `time`) for peak RSS.
 *
 * @module
 */
import { join } from "node:path";
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
async function measure(args: string[]): Promise<Measured> {
  const start = performance.now();
  const child = new Deno.Command("/usr/bin/time", {
    args: ["-f", "OBENTO_PEAK_KB=%M", Deno.execPath(), ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const { code, stderr: raw } = await child.output();
  const all = new TextDecoder().decode(raw);
  const peakKiB = Number(/OBENTO_PEAK_KB=(\d+)/.exec(all)?.[1] ?? 0);
  const text = all.replace(/^OBENTO_PEAK_KB=\d+\n?/m, "");
  const seconds = (performance.now() - start) / 1000;
  if (code !== 0) console.error(text);
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

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: {
      rows: { type: "string", default: "1000000,10000000" },
      "naive-max": { type: "string", default: "1000000" },
      "batch-size": { type: "string", default: "4096" },
      keep: { type: "string" },
      naive: { type: "boolean" },
    },
    allowPositionals: true,
  });
  if (values.naive) return await naive(positionals[0], positionals[1], positionals[2]);
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
    console.log(`Deno ${Deno.version.deno}, ${Deno.build.os}/${Deno.build.arch}, ${cpus} CPUs`);
    console.log("| input | run | batch | wall s | rows/s (wall) | rows/s (after load) | peak RSS MiB |");
    console.log("|---|---|---:|---:|---:|---:|---:|");
    /** `deno` arguments of `obento run <bundle> predict` as the binary runs it; input and output follow. */
    const predictArgs = ["run", ...PERMS, join(ROOT, "main.ts"), "run", bundle, "predict"];
    for (const rows of values.rows.split(",").map(Number)) {
      const input = join(dir, `iris_${rows}.csv`);
      await writeCsv(input, rows);
      const size = (await Deno.stat(input)).size / 2 ** 20;
      const label = `${rows / 1e6}M rows (${size.toFixed(0)} MiB)`;
      const out = join(dir, "out.csv");
      const streamed = await measure([
        ...predictArgs,
        "--input-file",
        input,
        "--output",
        out,
        "--overwrite",
        "--batch-size",
        values["batch-size"]!,
      ]);
      const inRun = /done: .*, ([\d.]+[kM]?) rows\/s/.exec(streamed.stderr)?.[1] ?? "?";
      const r = (m: Measured) =>
        m.code === 0 ? `${(rows / m.seconds / 1e3).toFixed(0)}k` : `failed (${m.code})`;
      console.log(
        `| ${label} | obento run (streaming) | ${values["batch-size"]} | ${streamed.seconds.toFixed(2)} | ${
          r(streamed)
        } | ${inRun} | ${streamed.peakMiB.toFixed(0)} |`,
      );
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
          `| ${label} | naive read-all-then-predict | ${rows} | ${naiveRun.seconds.toFixed(2)} | ${
            r(naiveRun)
          } | – | ${naiveRun.peakMiB.toFixed(0)} |`,
        );
        const same = (await Deno.readTextFile(out)) === (await Deno.readTextFile(join(dir, "naive.csv")));
        if (!same) throw new Error("streaming and naive outputs differ");
      }
      await Deno.remove(input);
    }
    const idle = await measure([
      ...predictArgs,
      "--input",
      '{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}',
    ]);
    console.log(
      `| 1 row (--input) | process baseline | 1 | ${idle.seconds.toFixed(2)} | – | – | ${
        idle.peakMiB.toFixed(0)
      } |`,
    );
    console.log(
      "(wall s includes process start and bundle load; 'after load' is the run's own summary line)",
    );
  } finally {
    if (values.keep === undefined) await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
