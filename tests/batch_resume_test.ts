/**
 * `obento run --resume` after SIGKILL: a real subprocess is killed at random moments several times, then the
 * same command runs to the end, and its output must equal an uninterrupted run's byte for byte.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cleanEnv, obentoArgs, packIris, ROOT } from "./helpers/cli.ts";

const ROWS = 300_000;

function command(home: string, args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      ...obentoArgs(),
      ...args,
    ],
    cwd: home,
    env: cleanEnv(home),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  });
}

Deno.test("a run killed with SIGKILL at random points resumes to the same bytes as an uninterrupted run", async () => {
  const home = await Deno.makeTempDir();
  try {
    await packIris(home);
    const ref: { columns: string[]; inputs: number[][] } = JSON.parse(
      await Deno.readTextFile(join(ROOT, "bundles/iris_classifier/reference.json")),
    );
    const lines = [`id,${ref.columns.join(",")}`];
    for (let i = 0; i < ROWS; i++) lines.push(`${i},${ref.inputs[(i * 7) % 150].join(",")}`);
    lines[1000] = "999,1,2,3"; // one ragged row: the errors file must resume too
    await Deno.writeTextFile(join(home, "in.csv"), lines.join("\n") + "\n");

    const args = (out: string) => [
      "run",
      join(home, "iris"),
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
    ];
    const started = performance.now();
    const full = await command(home, args("full.jsonl")).output();
    assert.equal(full.code, 0, new TextDecoder().decode(full.stderr));
    // Kills land between 30 % and 95 % of an uninterrupted run's time, so they fall mid-run on a fast machine
    // and on a loaded one alike (fixed delays all landed before the first checkpoint on a busy machine).
    const fullMs = performance.now() - started;

    const positions: number[] = [];
    const delays: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const delay = Math.floor(fullMs * (0.3 + Math.random() * 0.65));
      delays.push(delay);
      const child = command(home, [...args("out.jsonl"), "--resume"]).spawn();
      const timer = setTimeout(() => child.kill("SIGKILL"), delay);
      const status = await child.status;
      clearTimeout(timer);
      await child.stderr.cancel();
      if (status.success) break; // finished before the kill
      try {
        const cp = JSON.parse(await Deno.readTextFile(join(home, "out.jsonl.obento-resume.json")));
        positions.push(cp.position);
      } catch {
        positions.push(-1); // killed before the first checkpoint
      }
    }
    const last = await command(home, [...args("out.jsonl"), "--resume"]).output();
    assert.equal(last.code, 0, new TextDecoder().decode(last.stderr));
    const what = `kills after ${delays.join(", ")} ms at checkpoint positions ${positions.join(", ")}`;
    assert.ok(positions.some((p) => p > 0 && p < ROWS), `at least one kill mid-run: ${what}`);
    const expected = await Deno.readFile(join(home, "full.jsonl"));
    const actual = await Deno.readFile(join(home, "out.jsonl"));
    assert.equal(actual.length, expected.length, what);
    assert.ok(actual.every((b, i) => b === expected[i]), `same bytes: ${what}`);
    assert.deepEqual(
      await Deno.readTextFile(join(home, "out.jsonl.errors.csv")),
      await Deno.readTextFile(join(home, "full.jsonl.errors.csv")),
    );
    assert.equal(actual.filter((b) => b === 10).length + 1, ROWS, "output rows + 1 failed = input rows");
    const left = [...Deno.readDirSync(home)].map((e) => e.name).filter((n) => /partial|resume/.test(n));
    assert.deepEqual(left, []);

    // Resuming a finished run is a no-op that succeeds (a scheduler may retry a done shard).
    const again = await command(home, [...args("out.jsonl"), "--resume"]).output();
    assert.equal(again.code, 0);
    assert.match(new TextDecoder().decode(again.stderr), /is complete; nothing to resume/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
