/**
 * `deno task reliability:run [--rounds N]`: how `obento run` survives service code that misbehaves, with
 * figures for docs/reliability.md. Packs tests/fixtures/services/unruly and runs its `choose` API (which
 * busy-loops on "spin", allocates without bound on "hoard" and echoes anything else) over a JSON lines file
 * of N rounds of `"ok"`, `"spin"`, `"ok"`, `"hoard"` and a last `"ok"`, one record per chunk (`--batch-size
 * 1`), with `--timeout 1000` (or `--timeout MS`) and `--worker-memory-limit 64 MiB` (the runs are
 * tests/helpers/unruly_run.ts's, which tests/run_supervision_e2e_test.ts asserts for one round):
 *
 * - tolerant: `--max-errors 2N --errors bad.csv --output out.jsonl` — every good record must be written, every
 *   bad one must fail alone with 504 (timeout) or 500 (memory), and the run exit 0;
 * - strict: the same input with `--max-errors 0` — the run must stop at the first stuck record, exit 75
 *   (TIMEOUT's code) and leave no output.
 *
 * Prints a markdown report.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runUnruly } from "../tests/helpers/unruly_run.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "10" }, timeout: { type: "string", default: "1000" } },
});
const ROUNDS = Number(values.rounds);
const TIMEOUT = values.timeout;

const home = await Deno.makeTempDir({ prefix: "obento-reliability-run-" });
try {
  const { records, good, tolerant, written, bad: badLines, tmpLeft, strict } = await runUnruly({
    home,
    rounds: ROUNDS,
    timeoutMs: Number(TIMEOUT),
  });
  const bad = badLines.slice(1);
  const timeouts = bad.filter((l) => /^\d+,504,.*\(--timeout\)/.test(l)).length;
  const memory = bad.filter((l) => /^\d+,500,.*\(--worker-memory-limit\)/.test(l)).length;
  const warnings = tolerant.stderr.split("\n").filter((l) => l.startsWith("warning: model worker")).length;
  const goodRight = JSON.stringify(written) === JSON.stringify(good);

  console.log(
    `| what (${ROUNDS} rounds: ok, spin, ok, hoard; --batch-size 1 --timeout ${TIMEOUT}) | figure |`,
  );
  console.log("| --- | --- |");
  console.log(
    `| records | ${records.length}: ${good.length} good, ${ROUNDS} spin, ${ROUNDS} hoard |`,
  );
  console.log(
    `| tolerant run (stdin, --max-errors ${2 * ROUNDS}): exit, wall time | ${tolerant.code}, ${
      Math.round(tolerant.ms)
    } ms |`,
  );
  console.log(
    `| good records written, in order | ${written.length} (${goodRight ? "all, in order" : "WRONG"}) |`,
  );
  console.log(
    `| failed with 504 naming --timeout / 500 naming --worker-memory-limit | ${timeouts} / ${memory} |`,
  );
  console.log(`| other failures | ${bad.length - timeouts - memory} |`);
  console.log(`| worker replacements logged | ${warnings} |`);
  console.log(`| copies of stdin left in the tolerant run's TMPDIR | ${tmpLeft.length} |`);
  console.log(
    `| wall time per replacement (whole run / replacements) | ${
      Math.round(tolerant.ms / Math.max(1, warnings))
    } ms |`,
  );
  console.log(
    `| strict run (--max-errors 0): exit, stdout bytes, wall time | ${strict.code}, ${strict.stdout.length}, ${
      Math.round(strict.ms)
    } ms |`,
  );
  // Under heavy load a hoarding chunk may reach the timeout before its heap report passes the limit: it
  // still fails alone, with 504, and is reported as such.
  if (
    tolerant.code !== 0 || !goodRight || timeouts + memory !== 2 * ROUNDS || tmpLeft.length > 0 ||
    strict.code !== 75
  ) {
    console.error(tolerant.stderr.slice(-2000));
    console.error(strict.stderr.slice(-2000));
    Deno.exitCode = 1;
  }
} finally {
  await Deno.remove(home, { recursive: true });
}
