/**
 * Runs a list of `obento` command lines in this one process (through `runCli`, the CLI's own entry) and
 * prints what each wrote, as JSON: `{ runtime, runs: [{ name, code, stdout, stderr, ms }] }`.
 *
 * `scripts/check_arm.ts` runs it twice with the same plan, once with this machine's Deno and once with
 * Deno's linux-aarch64 build under qemu, and compares the outputs. One process for all runs, because an
 * emulated process pays ~45 s to start (V8 compiling onnxruntime's WebAssembly); the runs after the first
 * reuse the compiled module.
 *
 * Usage: deno run -A scripts/arm/run_examples.ts PLAN.json OUT.json
 * (PLAN.json: `{ "home": DIR, "cwd": DIR, "runs": [{ "name": "...", "args": ["run", ...] }] }`)
 *
 * @module
 */
import { runCli } from "../../src/cli/main.ts";

/** One command line to run. */
export interface PlannedRun {
  /** A label for the report. */
  readonly name: string;
  /** The arguments after `obento`. */
  readonly args: readonly string[];
}

/** What {@link PlannedRun} gave. */
export interface RunResult {
  readonly name: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of this run in this process, ms. */
  readonly ms: number;
}

/** The runner's input file. */
export interface RunPlan {
  /** OBENTO_HOME for the runs. */
  readonly home: string;
  /** Working directory relative paths resolve against. */
  readonly cwd: string;
  readonly runs: readonly PlannedRun[];
}

/** The runner's output file. */
export interface RunReport {
  /** `Deno.build.target` and `Deno.version.deno` of the process that ran the plan. */
  readonly runtime: { readonly target: string; readonly deno: string };
  readonly runs: readonly RunResult[];
}

/** Runs every command of `plan` in order, in this process. */
export async function runPlan(plan: RunPlan): Promise<RunReport> {
  const runs: RunResult[] = [];
  for (const run of plan.runs) {
    let stdout = "";
    let stderr = "";
    const started = performance.now();
    const code = await runCli([...run.args], {
      home: plan.home,
      cwd: plan.cwd,
      isTerminal: false,
      out: (text) => (stdout += text),
      err: (text) => (stderr += text),
    });
    runs.push({ name: run.name, code, stdout, stderr, ms: Math.round(performance.now() - started) });
  }
  return { runtime: { target: Deno.build.target, deno: Deno.version.deno }, runs };
}

if (import.meta.main) {
  const [planPath, outPath] = Deno.args;
  if (!planPath || !outPath) {
    console.error("usage: run_examples.ts PLAN.json OUT.json");
    Deno.exit(64);
  }
  const plan = JSON.parse(await Deno.readTextFile(planPath)) as RunPlan;
  await Deno.writeTextFile(outPath, JSON.stringify(await runPlan(plan), null, 1));
}
