/**
 * The long fuzz run: every target in tests/fuzz/targets.ts with 100,000 generated inputs per property (the
 * same properties `deno task test` runs 300 times each). Prints, per property, the inputs tried, how many
 * calls returned and how many were refused with a proper ObentoError (a property may call several
 * functions per input), and each target's wall time; exits 1 on the first failure with fast-check's report.
 * A long run does not shrink the failing input (shrinking an image decode can take longer than the run): replay
 * it with `--seed S --path P --shrink` to get a small one.
 *
 * Usage: deno task fuzz [--runs N] [--target NAME[,NAME…]] [--seed S [--path P]] [--shrink]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { LONG_RUNS } from "../tests/fuzz/property.ts";
import { TARGETS } from "../tests/fuzz/targets.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: String(LONG_RUNS) },
    target: { type: "string" },
    seed: { type: "string" },
    path: { type: "string" },
    shrink: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  throw new Error(`--runs must be a positive integer, got ${values.runs}`);
}
const seed = values.seed === undefined ? undefined : Number(values.seed);
const wanted = values.target?.split(",");
const unknown = wanted?.filter((w) => !TARGETS.some((t) => t.name === w)) ?? [];
if (unknown.length > 0) {
  throw new Error(`unknown target ${unknown.join(", ")}; targets: ${TARGETS.map((t) => t.name).join(", ")}`);
}
const targets = TARGETS.filter((t) => wanted === undefined || wanted.includes(t.name));

console.log(`fuzz: ${runs} inputs per property${seed === undefined ? "" : `, seed ${seed}`}`);
console.log(
  "target        property                                        inputs   ok calls  refused calls   wall s",
);
const started = performance.now();
let total = 0;
for (const target of targets) {
  const t0 = performance.now();
  const reports = await target.run({ runs, seed, path: values.path, shrink: values.shrink });
  const seconds = (performance.now() - t0) / 1000;
  for (const r of reports) {
    total += r.runs;
    console.log(
      `${target.name.padEnd(13)} ${r.name.padEnd(46)} ${String(r.runs).padStart(7)} ${
        String(r.accepted).padStart(9)
      } ${String(r.rejected).padStart(14)}`,
    );
  }
  console.log(
    `${target.name.padEnd(13)} ${"(target total)".padEnd(46)} ${" ".repeat(29)} ${
      seconds.toFixed(1).padStart(8)
    }`,
  );
}
console.log(`fuzz: ${total} inputs, 0 failures, ${((performance.now() - started) / 1000).toFixed(1)} s`);
