/**
 * `obento run --resume` after SIGKILL: a real subprocess is killed at random moments five times in a row (each
 * run resuming the last), then the same command runs to the end, and its output and errors file must equal an
 * uninterrupted run's byte for byte; resuming the finished run is a no-op. The scenario is the fault script's
 * (tests/helpers/faults/kill_run.ts, `deno task faults --only run` runs it 100 times, one kill a round).
 */
import assert from "node:assert/strict";
import { killRun } from "./helpers/faults/kill_run.ts";

Deno.test("a run killed with SIGKILL at random points resumes to the same bytes as an uninterrupted run", async () => {
  const work = await Deno.makeTempDir({ prefix: "obento-resume-" });
  try {
    const lines: string[] = [];
    // Each kill waits for a fresh checkpoint once its moment has come, so it lands mid-run on a loaded machine
    // too (timed kills alone, at load average 17, once landed before the first checkpoint and then after the
    // end).
    const result = await killRun({
      rounds: 1,
      kills: 5,
      rows: 300_000,
      midRun: true,
      work,
      log: (l) => lines.push(l),
    });
    const what = `${JSON.stringify(result.counts)}\n${lines.join("\n")}`;
    assert.deepEqual(result.failures, [], what);
    assert.equal(result.rounds, 1);
    assert.ok((result.counts["killed after a checkpoint"] ?? 0) > 0, `at least one kill mid-run: ${what}`);
    assert.equal(result.counts["resumed byte-identical"], 1, what);
    assert.equal(result.counts["--resume of the finished run is a no-op"], 1, what);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
