/**
 * Fault scenario: `obento run` of a batch job with `--output`, killed with SIGKILL at a random moment (or
 * several times in a row, each run resuming the last), then the same command with `--resume` run to the end:
 * its output (and errors file) must be byte-identical to an uninterrupted run's, and no partial or checkpoint
 * file may be left. After the last round, `--resume` of the finished output must be a no-op that succeeds.
 * `deno task faults --only run` runs it, and so does tests/batch_resume_test.ts (one round of 5 kills).
 *
 * @module
 */
import { join } from "node:path";
import { packIris, ROOT } from "../cli.ts";
import {
  count,
  countKill,
  newResult,
  randomMs,
  runCli,
  type ScenarioOptions,
  type ScenarioResult,
} from "./common.ts";

/** Options for {@link killRun}. */
export interface KillRunOptions extends ScenarioOptions {
  /** Input rows. Default 100,000. */
  rows?: number;
  /** Kills per round before the `--resume` that runs to the end (fewer when a run finishes first). Default 1. */
  kills?: number;
  /**
   * Kills are drawn from the first half of the span only, and each, once its moment has come, waits until
   * the run has written a checkpoint past where it started, so that it lands mid-run even when a loaded
   * machine makes the run's time unpredictable (the test's choice). Default false: a kill lands at its
   * moment, drawn from the whole span: before the first checkpoint, or after the end, too.
   */
  midRun?: boolean;
}

/** The position of the run's checkpoint in `home`, or -1 when there is none (yet). */
async function checkpointAt(home: string): Promise<number> {
  try {
    return JSON.parse(await Deno.readTextFile(join(home, "out.jsonl.obento-resume.json"))).position;
  } catch {
    return -1; // none yet, or being replaced
  }
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
  const written = expected.filter((b) => b === 10).length;
  if (written !== rows - 1) {
    result.failures.push(`the uninterrupted run wrote ${written} rows of ${rows} (one is ragged)`);
  }
  // Kills land in [10 %, 100 %) of an uninterrupted run's time; a run that finished before its kill shortens
  // that span (the first, uninterrupted run may have been slow on a busy machine).
  let span = full.ms;
  for (let round = 0; round < options.rounds; round++) {
    const delays: number[] = [];
    for (let kill = 0; kill < (options.kills ?? 1); kill++) {
      const delay = randomMs(span * 0.1, span * (options.midRun ? 0.5 : 1));
      delays.push(delay);
      const from = await checkpointAt(home);
      const killWhen = options.midRun ? async () => (await checkpointAt(home)) > from : undefined;
      const killed = await runCli(
        { home, cwd: home, killAfterMs: delay, killWhen },
        [...args("out.jsonl"), "--resume"],
      );
      const position = await checkpointAt(home);
      options.log?.(
        `run ${round}.${kill}: ${
          killed.signal ?? `exit ${killed.code}`
        } after ${delay} ms at row ${position}`,
      );
      const killedAs = position > 0 ? "killed after a checkpoint" : "killed before the first checkpoint";
      if (countKill(result, killed, killedAs)) {
        span = Math.min(span, killed.ms);
        break;
      }
    }
    result.rounds++;
    const where = `round ${round} (kills after ${delays.join(", ")} ms)`;
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
    if (round === options.rounds - 1 && resumed.code === 0) {
      // Resuming a finished run is a no-op that succeeds (a scheduler may retry a done shard).
      const loud = args("out.jsonl").filter((a) => a !== "--quiet");
      const again = await runCli({ home, cwd: home }, [...loud, "--resume"]);
      if (again.code !== 0 || !/is complete; nothing to resume/.test(again.stderr)) {
        result.failures.push(`--resume of a finished run exited ${again.code}: ${again.stderr}`);
      } else if (!same(await Deno.readFile(join(home, "out.jsonl")), expected)) {
        result.failures.push("--resume of a finished run changed its output");
      } else count(result, "--resume of the finished run is a no-op");
    }
    await Deno.remove(join(home, "out.jsonl")).catch(() => {});
    await Deno.remove(join(home, "out.jsonl.errors.csv")).catch(() => {});
  }
  return result;
}
