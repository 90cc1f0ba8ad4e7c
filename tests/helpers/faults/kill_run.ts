/**
 * Fault scenario: `obento run` of a batch job with `--output`, killed with SIGKILL at a random moment, then
 * the same command with `--resume` run to the end: its output (and errors file) must be byte-identical to
 * an uninterrupted run's, and no partial or checkpoint file may be left.
 *
 * @module
 */
import { join } from "node:path";
import { packIris, ROOT } from "../cli.ts";
import { count, newResult, randomMs, runCli, type ScenarioOptions, type ScenarioResult } from "./common.ts";

/** Options for {@link killRun}. */
export interface KillRunOptions extends ScenarioOptions {
  /** Input rows. Default 100,000. */
  rows?: number;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Runs the scenario (see the module doc). */
export async function killRun(options: KillRunOptions): Promise<ScenarioResult> {
  const result = newResult("SIGKILL during run --output, then --resume");
  const home = join(options.work, "run-home");
  await Deno.mkdir(home, { recursive: true });
  const bundle = await packIris(home);
  const ref: { columns: string[]; inputs: number[][] } = JSON.parse(
    await Deno.readTextFile(join(ROOT, "bundles/iris_classifier/reference.json")),
  );
  const rows = options.rows ?? 100_000;
  const lines = [`id,${ref.columns.join(",")}`];
  for (let i = 0; i < rows; i++) lines.push(`${i},${ref.inputs[(i * 7) % 150].join(",")}`);
  lines[Math.min(1000, rows)] = "999,1,2,3"; // one ragged row: the errors file must resume too
  await Deno.writeTextFile(join(home, "in.csv"), lines.join("\n") + "\n");
  const args = (out: string) => [
    "run",
    bundle,
    "predict_proba",
    "--input-file",
    "in.csv",
    "--keep-columns",
    "id",
    "--output",
    out,
    "--errors",
    `${out}.errors.csv`,
    "--batch-size",
    "500",
    "--checkpoint-seconds",
    "0",
    "--max-errors",
    "1",
    "--quiet",
  ];
  const full = await runCli({ home, cwd: home }, args("full.jsonl"));
  if (full.code !== 0) {
    result.failures.push(`an uninterrupted run failed: ${full.stderr}`);
    return result;
  }
  const expected = await Deno.readFile(join(home, "full.jsonl"));
  const expectedErrors = await Deno.readFile(join(home, "full.jsonl.errors.csv"));
  // Kills land in [10 %, 100 %) of an uninterrupted run's time; a run that finished before its kill shortens
  // that span (the first, uninterrupted run may have been slow on a busy machine).
  let span = full.ms;
  for (let round = 0; round < options.rounds; round++) {
    const delay = randomMs(span * 0.1, span);
    const where = `round ${round} (kill after ${delay} ms)`;
    const killed = await runCli({ home, cwd: home, killAfterMs: delay }, [...args("out.jsonl"), "--resume"]);
    result.rounds++;
    let position = -1;
    try {
      position = JSON.parse(await Deno.readTextFile(join(home, "out.jsonl.obento-resume.json"))).position;
    } catch { /* no checkpoint yet */ }
    if (killed.signal === null) {
      count(result, killed.code === 0 ? "finished before the kill" : "failed");
      span = Math.min(span, killed.ms);
    } else count(result, position > 0 ? "killed after a checkpoint" : "killed before the first checkpoint");
    const resumed = await runCli({ home, cwd: home }, [...args("out.jsonl"), "--resume"]);
    if (resumed.code !== 0) {
      result.failures.push(`${where}: --resume exited ${resumed.code}: ${resumed.stderr}`);
    } else if (!same(await Deno.readFile(join(home, "out.jsonl")), expected)) {
      result.failures.push(`${where}: the resumed output differs from the uninterrupted run's`);
    } else if (!same(await Deno.readFile(join(home, "out.jsonl.errors.csv")), expectedErrors)) {
      result.failures.push(`${where}: the resumed errors file differs`);
    } else count(result, "resumed byte-identical");
    const left = [...Deno.readDirSync(home)].map((e) => e.name).filter((n) => /partial|resume/.test(n));
    if (left.length > 0) result.failures.push(`${where}: left ${left.join(", ")}`);
    options.log?.(
      `run ${round}: ${killed.signal ?? `exit ${killed.code}`} after ${delay} ms at row ${position}`,
    );
    await Deno.remove(join(home, "out.jsonl")).catch(() => {});
    await Deno.remove(join(home, "out.jsonl.errors.csv")).catch(() => {});
  }
  return result;
}
