/**
 * `deno task check:arm`: the example bundles, packed on this x86_64 machine, run on linux-aarch64 (Deno's
 * aarch64 build under `qemu-aarch64-static`) and give the same outputs.
 *
 * 1. Checks for qemu and an aarch64 sysroot, and says what to install if one is missing.
 * 2. Gets Deno's linux-aarch64 build from npm (`@deno/linux-arm64-glibc`, --deno-version, default 2.9.5, the
 *    newest there) through `deno cache`, and keeps a copy in `.cache/arm/` (gitignored).
 * 3. Packs every example bundle with this machine's Deno (`obento pack`).
 * 4. Runs `obento run` on each bundle, WASM device then native device, in one process per architecture
 *    (scripts/arm/run_examples.ts): this machine's Deno, then the aarch64 Deno under qemu.
 * 5. Starts `obento serve` of IrisJson under qemu, answers a request, stops it with SIGTERM.
 * 6. WASM outputs must equal x86_64's byte for byte (and the served answer the x86_64 `run`'s);
 *    native outputs within 1e-5 of x86_64's native ones where onnxruntime-node's library loads under qemu.
 *
 * Prints wall time and peak RSS of each emulated process (VmHWM of the qemu process, from /proc: reading
 * another process's /proc files needs --allow-all, which the task grants; --allow-run grants as much anyway). Exit 0 when every
 * check passed, 1 when an output differs or a step failed, 69 when qemu or the sysroot is missing.
 * Takes several minutes (one emulated process spends ~45 s starting); not part of `deno task test`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RUN_FLAGS } from "./obento_flags.ts";
import type { PlannedRun, RunPlan, RunReport } from "./arm/run_examples.ts";
import { compareClose, compareExact, parseOutput } from "./arm/compare.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SYSROOT = "/usr/aarch64-linux-gnu";
const INSTALL =
  "apt-get update && apt-get install -y qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross libstdc++6-arm64-cross";
const NATIVE_TOLERANCE = 1e-5;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "deno-version": { type: "string", default: "2.9.5" },
    keep: { type: "boolean" },
    // Which aarch64 checks to run (default all): wasm, native, serve. The x86_64 side always runs.
    parts: { type: "string", default: "wasm,native,serve" },
  },
});
const denoVersion = values["deno-version"]!;
const parts = new Set(values.parts!.split(","));

function which(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(join(dir, name)).isFile) return join(dir, name);
    } catch { /* not here */ }
  }
  return undefined;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

const qemu = which("qemu-aarch64-static");
const missing = [
  ...(qemu ? [] : ["qemu-aarch64-static (Debian package qemu-user-static)"]),
  ...[
    ["lib/ld-linux-aarch64.so.1", "libc6-arm64-cross"],
    ["lib/libgcc_s.so.1", "libgcc-s1-arm64-cross"],
    ["lib/libstdc++.so.6", "libstdc++6-arm64-cross"],
  ].filter(([file]) => !exists(join(SYSROOT, file))).map(([file, pkg]) => `${SYSROOT}/${file} (${pkg})`),
];
if (missing.length > 0) {
  console.error(`check:arm needs ${missing.join(", ")}.\nOn Debian/Ubuntu, as root: ${INSTALL}`);
  Deno.exit(69);
}

/** Runs this machine's deno with `args`; throws with its stderr when it fails. */
async function deno(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), { args, env, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder();
  if (r.code !== 0) throw new Error(`deno ${args.join(" ")} exited ${r.code}: ${text.decode(r.stderr)}`);
  return text.decode(r.stdout);
}

const denoInfo: { denoDir: string; npmCache: string } = JSON.parse(await deno(["info", "--json"]));
const npmCache = denoInfo.npmCache;

/** The aarch64 deno binary, fetched once with `deno cache` and copied to `.cache/arm/`. */
async function armDeno(): Promise<string> {
  const cached = join(ROOT, ".cache", "arm", `deno-${denoVersion}-aarch64`);
  if (exists(cached)) return cached;
  const spec = `npm:@deno/linux-arm64-glibc@${denoVersion}`;
  console.log(`fetching ${spec} …`);
  await deno(["cache", "--no-config", spec]);
  const fetched = join(npmCache, "registry.npmjs.org", "@deno", "linux-arm64-glibc", denoVersion, "deno");
  await Deno.mkdir(join(ROOT, ".cache", "arm"), { recursive: true });
  await Deno.copyFile(fetched, cached);
  await Deno.chmod(cached, 0o755);
  return cached;
}

/** A child's peak RSS, read from /proc while it runs (qemu-user is one host process). */
function watchPeakRss(pid: number): () => number {
  let peakKb = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch { /* exited */ }
  }, 200);
  return () => {
    clearInterval(timer);
    return Math.round(peakKb / 1024);
  };
}

const armBinary = await armDeno();
const armVersion = (await new Deno.Command(qemu!, { args: ["-L", SYSROOT, armBinary, "--version"] }).output())
  .stdout;
console.log(`aarch64: ${new TextDecoder().decode(armVersion).split("\n")[0]} under ${qemu}`);

/** `deno run` arguments that run `script` as obento does (the binary's V8 flags and permissions). */
function runArgs(script: string, ...rest: string[]): string[] {
  return ["run", "--quiet", "--cached-only", ...RUN_FLAGS, join(ROOT, script), ...rest];
}

/**
 * Runs the example plan in one process (`command prefix… deno run run_examples.ts`), timed and measured.
 * @returns its report, or why the process failed (its exit code or signal)
 */
async function runPlanWith(
  work: string,
  env: Record<string, string>,
  label: string,
  command: string,
  prefix: string[],
  runPlan: RunPlan,
): Promise<RunReport | string> {
  const file = label.replaceAll(" ", "-");
  const plan = join(work, `${file}.plan.json`);
  await Deno.writeTextFile(plan, JSON.stringify(runPlan));
  const out = join(work, `${file}.json`);
  const started = performance.now();
  const child = new Deno.Command(command, {
    args: [...prefix, ...runArgs("scripts/arm/run_examples.ts", plan, out)],
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const peak = watchPeakRss(child.pid);
  const { code } = await child.status;
  const rss = peak();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (code !== 0) {
    const why = `the process exited ${code}${code > 128 ? ` (signal ${code - 128})` : ""} after ${seconds} s`;
    console.log(`${label}: ${why}, peak RSS ${rss} MiB`);
    return why;
  }
  console.log(
    `${label}: ${runPlan.runs.length} run(s) in one process, ${seconds} s wall, peak RSS ${rss} MiB`,
  );
  return JSON.parse(await Deno.readTextFile(out));
}

const work = await Deno.makeTempDir({ prefix: "obento-arm-" });
const home = join(work, "home");
// Both Deno builds share this machine's cache (DENO_DIR): the npm packages are there, nothing is downloaded.
const env = {
  OBENTO_HOME: home,
  HOME: work,
  DENO_DIR: denoInfo.denoDir,
  NO_COLOR: "1",
  DENO_NO_UPDATE_CHECK: "1",
};
let failures = 0;
try {
  // Pack on x86_64.
  const bundles: Record<string, { service: string; artifacts: string[] }> = {
    iris_classifier: {
      service: "iris_classifier",
      artifacts: ["model=bundles/iris_classifier/iris_lr.onnx"],
    },
    iris_forest: { service: "iris_forest", artifacts: ["model=bundles/iris_forest/iris_rf.onnx"] },
    iris_json: { service: "iris_json", artifacts: ["model=bundles/iris_classifier/iris_lr.onnx"] },
    digits_cnn: { service: "digits_cnn", artifacts: ["model=bundles/digits_cnn/digits_cnn.onnx"] },
    text_topic: {
      service: "text_topic",
      artifacts: ["model=bundles/text_topic/text_topic.onnx", "vocab=bundles/text_topic/vocab.json"],
    },
  };
  for (const [name, b] of Object.entries(bundles)) {
    await deno([
      ...runArgs("main.ts", "pack", `bundles/${b.service}/service.ts`),
      ...b.artifacts.flatMap((a) => ["--artifact", a]),
      "--output",
      join(work, name),
    ], env);
  }
  console.log(`packed ${Object.keys(bundles).length} bundles on ${Deno.build.target}`);
  const texts: { texts: string[] } = JSON.parse(
    await Deno.readTextFile(join(ROOT, "bundles/text_topic/reference.json")),
  );
  await Deno.writeTextFile(
    join(work, "texts.jsonl"),
    texts.texts.map((t) => JSON.stringify(t)).join("\n") + "\n",
  );

  const inputs: Record<string, string[]> = {
    iris_classifier: ["predict", "--input-file", "bundles/iris_classifier/iris_sample.csv"],
    iris_forest: ["predict", "--input-file", "bundles/iris_classifier/iris_sample.csv"],
    iris_json: ["classify", "--input-file", "bundles/iris_classifier/iris_sample.jsonl", "--format", "jsonl"],
    digits_cnn: ["classify", "--input-file", "bundles/digits_cnn/images/*"],
    text_topic: ["classify", "--input-file", join(work, "texts.jsonl"), "--format", "jsonl"],
  };
  // WASM: every bundle, in one process per architecture. Native: one bundle (the CNN), in a process of its
  // own, as a process can load the native library only once (the first native run drops FFI for good).
  const plannedRun = (name: string, device: string): PlannedRun => ({
    name: `${name} ${device}`,
    args: ["run", join(work, name), ...inputs[name], "--device", device, "--quiet"],
  });
  const wasmRuns = Object.keys(inputs).map((name) => plannedRun(name, "wasm"));
  const nativeRuns = [plannedRun("digits_cnn", "native")];
  const plans = { wasm: wasmRuns, native: nativeRuns };
  const results: Record<string, { x86: RunReport | string; arm: RunReport | string }> = {};
  for (const [device, runs] of Object.entries(plans)) {
    const plan = { home, cwd: ROOT, runs };
    results[device] = {
      x86: await runPlanWith(work, env, `x86_64 ${device}`, Deno.execPath(), [], plan),
      arm: parts.has(device)
        ? await runPlanWith(work, env, `aarch64 ${device}`, qemu!, ["-L", SYSROOT, armBinary], plan)
        : "skipped (--parts)",
    };
  }

  for (const [device, runs] of Object.entries(plans)) {
    const { x86, arm } = results[device];
    if (typeof x86 === "string") {
      failures++;
      console.log(`  x86_64 ${device}: FAILED, ${x86}`);
      continue;
    }
    if (typeof arm === "string") {
      // Native under qemu is reported, not required: qemu-user does not emulate everything a native library
      // may use. WASM must run.
      if (device === "wasm" && parts.has("wasm")) failures++;
      console.log(
        `  aarch64 ${device}: ${
          device === "native" && parts.has("native") ? "native did not run under qemu: " : ""
        }${arm}`,
      );
      continue;
    }
    console.log(`  aarch64 ${device} runtime: ${arm.runtime.target}, deno ${arm.runtime.deno}`);
    for (const [i, run] of runs.entries()) {
      const want = x86.runs[i];
      const got = arm.runs[i];
      const line = (verdict: string) =>
        console.log(`  ${run.name.padEnd(24)} ${verdict} (aarch64 ${got.ms} ms)`);
      if (want.code !== 0) {
        failures++;
        line(`FAILED on x86_64 (exit ${want.code}): ${want.stderr.trim().split("\n")[0]}`);
        continue;
      }
      if (device === "native" && got.code !== 0) {
        line(`native did not run under qemu (exit ${got.code}): ${got.stderr.trim().split("\n")[0]}`);
        continue;
      }
      if (got.code !== 0) {
        failures++;
        line(`FAILED (exit ${got.code}): ${got.stderr.trim()}`);
        continue;
      }
      const diff = device === "wasm"
        ? compareExact(want.stdout, got.stdout)
        : compareClose(parseOutput(want.stdout), parseOutput(got.stdout), NATIVE_TOLERANCE);
      if (diff) failures++;
      const records = (parseOutput(got.stdout) as unknown[]).length;
      line(
        diff
          ? `DIFFERS: ${diff}`
          : `${records} records ${device === "wasm" ? "equal byte for byte" : `within ${NATIVE_TOLERANCE}`}`,
      );
    }
  }

  // Serve on "ARM": IrisJson, one worker, WASM; one request, compared with x86_64's `run` of that record.
  const x86Wasm = results.wasm.x86;
  if (parts.has("serve") && typeof x86Wasm !== "string") {
    const started = performance.now();
    const server = new Deno.Command(qemu!, {
      args: [
        "-L",
        SYSROOT,
        armBinary,
        ...runArgs(
          "main.ts",
          "serve",
          join(work, "iris_json"),
          "--port",
          "0",
          "--workers",
          "1",
          "--device",
          "wasm",
          // Loading takes minutes under emulation (V8 compiling the WASM in the worker), past the 60 s default.
          "--load-timeout",
          "1200000",
        ),
      ],
      env,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const peak = watchPeakRss(server.pid);
    let log = "";
    const reading = (async () => {
      for await (const chunk of server.stderr) log += new TextDecoder().decode(chunk);
    })();
    try {
      const deadline = Date.now() + 1_500_000;
      let url: string | undefined;
      while (Date.now() < deadline) {
        url ??= /listening on (http:\/\/[^\s"]+)/.exec(log)?.[1];
        if (url) {
          const r = await fetch(`${url}/readyz`).catch(() => undefined);
          await r?.body?.cancel();
          if (r?.status === 200) break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      const ready = ((performance.now() - started) / 1000).toFixed(1);
      if (!url) throw new Error(`serve did not listen:\n${log}`);
      const record = (await Deno.readTextFile(join(ROOT, "bundles/iris_classifier/iris_sample.jsonl"))).split(
        "\n",
      )[0];
      const response = await fetch(`${url}/classify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: record,
      });
      const answer = await response.text();
      const expected = (parseOutput(
        x86Wasm.runs[wasmRuns.findIndex((r) => r.name === "iris_json wasm")].stdout,
      ) as unknown[])[0];
      const diff = response.status !== 200
        ? `status ${response.status}: ${answer}`
        : compareClose(expected, JSON.parse(answer), 0);
      server.kill("SIGTERM");
      const { code } = await server.status;
      await reading;
      const rss = peak();
      if (diff || code !== 0) failures++;
      console.log(
        `aarch64 serve (IrisJson, 1 worker, wasm): ready in ${ready} s, peak RSS ${rss} MiB; POST /classify ` +
          `${diff ? `DIFFERS: ${diff}` : "equals x86_64 run bit for bit"}; SIGTERM → exit ${code}`,
      );
    } catch (error) {
      failures++;
      try {
        server.kill("SIGKILL");
      } catch { /* gone */ }
      console.error(`aarch64 serve FAILED: ${(error as Error).message}\n${log}`);
    }
  }
} finally {
  if (values.keep) console.log(`kept ${work}`);
  else await Deno.remove(work, { recursive: true });
}
console.log(failures === 0 ? "check:arm passed" : `check:arm: ${failures} check(s) failed`);
Deno.exit(failures === 0 ? 0 : 1);
