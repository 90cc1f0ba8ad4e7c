/**
 * `deno task faults [--rounds N] [--only a,b]`: faults obento must survive without losing or half-writing
 * anything, N rounds each (default 100), with a markdown report of what happened per scenario for
 * docs/reliability.md ("Faults"). Scenarios (tests/helpers/faults/, one file each; `--only` takes these
 * names):
 *
 * - `save`: SIGKILL at a random moment during `obento pack` saving into the registry; `registry verify`
 *   clean, only whole bundles listed, the re-run succeeds; `registry gc` leaves nothing at the end.
 * - `run`: SIGKILL during `obento run --output`, then `--resume`: byte-identical to an uninterrupted run.
 * - `transfer`: SIGKILL during `obento push` and during `obento pull` against a real `obento registry serve`;
 *   verify clean on the server and locally, nothing half-published, the re-run succeeds.
 * - `sigterm`, `sigterm-bounded`: SIGTERM to `obento serve` (`--transport bounded`) under load; every request
 *   sent before the signal is answered.
 * - `disk-save`, `disk-run`, `disk-registry` (all three: `disk`): a full disk (a small tmpfs: needs root)
 *   during a save, during a run, and under `obento registry serve` during a push; one clear error (507 from
 *   the server), nothing half-written, the re-run (`--resume`) succeeds after freeing space.
 * - `changed`: the bundle directory changed under a running server; the replacement worker refuses it, the
 *   old version keeps serving, then 503 with the reason.
 *
 * Exits 1 when any round broke a promise (each failure is printed).
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { ScenarioOptions, ScenarioResult } from "../tests/helpers/faults/common.ts";
import { killSave } from "../tests/helpers/faults/kill_save.ts";
import { killRun } from "../tests/helpers/faults/kill_run.ts";
import { killTransfers } from "../tests/helpers/faults/kill_transfer.ts";
import { sigtermUnderLoad } from "../tests/helpers/faults/sigterm_load.ts";
import { diskFullRun, diskFullSave } from "../tests/helpers/faults/disk_full.ts";
import { bundleChanged } from "../tests/helpers/faults/bundle_changed.ts";
import { diskFullRegistry } from "../tests/helpers/faults/disk_full_registry.ts";

const SCENARIOS: Record<string, (options: ScenarioOptions) => Promise<ScenarioResult[]>> = {
  save: async (o) => [await killSave(o)],
  run: async (o) => [await killRun(o)],
  transfer: (o) => killTransfers(o),
  sigterm: async (o) => [await sigtermUnderLoad(o)],
  "sigterm-bounded": async (o) => [await sigtermUnderLoad({ ...o, transport: "bounded" })],
  "disk-save": async (o) => [await diskFullSave(o)],
  "disk-run": async (o) => [await diskFullRun(o)],
  "disk-registry": async (o) => [await diskFullRegistry(o)],
  changed: async (o) => [await bundleChanged(o)],
};
/** Names `--only` takes for several scenarios. */
const GROUPS: Record<string, string[]> = { disk: ["disk-save", "disk-run", "disk-registry"] };

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "100" },
    only: { type: "string" },
    verbose: { type: "boolean" },
  },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
}
const names = values.only?.split(",").flatMap((n) => GROUPS[n] ?? [n]) ?? Object.keys(SCENARIOS);
for (const name of names) {
  if (!(name in SCENARIOS)) {
    const known = [...Object.keys(SCENARIOS), ...Object.keys(GROUPS)];
    throw new Error(`unknown scenario ${name}; one of ${known.join(", ")}`);
  }
}

const results: ScenarioResult[] = [];
const started = performance.now();
for (const name of names) {
  const work = await Deno.makeTempDir({ prefix: `obento-faults-${name}-` });
  const t0 = performance.now();
  try {
    const log = values.verbose ? (line: string) => console.error(line) : undefined;
    for (const result of await SCENARIOS[name]({ rounds, work, log })) {
      results.push(result);
      console.error(
        `${result.name}: ${result.rounds} rounds, ${result.failures.length} failures ` +
          `(${((performance.now() - t0) / 1000).toFixed(0)} s so far)${
            result.skipped ? `, skipped: ${result.skipped}` : ""
          }`,
      );
    }
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

console.log(`\n| scenario | rounds | what happened | failures |\n| --- | ---: | --- | ---: |`);
for (const r of results) {
  const what = r.skipped
    ? `skipped: ${r.skipped}`
    : Object.entries(r.counts).map(([k, n]) => `${k}: ${n}`).join("; ");
  console.log(`| ${r.name} | ${r.rounds} | ${what} | ${r.failures.length} |`);
}
console.log(
  `\n${names.length} scenario groups, ${rounds} rounds each, in ${
    ((performance.now() - started) / 60000).toFixed(1)
  } min ` +
    `(load average ${Deno.loadavg().map((n) => n.toFixed(1)).join(" ")})`,
);
const failures = results.flatMap((r) => r.failures.map((f) => `${r.name}: ${f}`));
for (const f of failures) console.log(`FAILURE ${f}`);
if (failures.length > 0) Deno.exit(1);
