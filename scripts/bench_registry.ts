/**
 * Registry benchmark: fills a temporary registry with 10,000 small bundles (through the BlobStore and
 * BundleIndex interfaces, not full pack) and times list / get / resolve / selector queries.
 *
 * Usage: deno task bench:registry [--bundles N] [--runs R] [--home DIR]
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openRegistry, openSqliteIndex } from "../src/registry/mod.ts";
import type { BundleRecord } from "../src/registry/mod.ts";
import { writeTestBundle } from "../src/registry/_testing.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    bundles: { type: "string", default: "10000" },
    runs: { type: "string", default: "30" },
    home: { type: "string" },
  },
});
const total = Number(values.bundles);
const runs = Number(values.runs);
const home = values.home ?? await Deno.makeTempDir({ prefix: "obento-bench-" });
await Deno.mkdir(join(home, "bundles"), { recursive: true });
// synchronous=OFF only speeds up the fill; the timed operations are reads
const registry = await openRegistry({
  home,
  index: openSqliteIndex(join(home, "registry.db"), { synchronous: "OFF" }),
});
const STAGES = ["dev", "staging", "prod"];
const TEAMS = ["ml", "data", "vision", "nlp"];
const BIG = 2000; // versions of one name

/** The i-th bundle: `Big` for the first 2,000, then 400 names with 20 versions each. */
function bundleAt(i: number): BundleRecord {
  const name = i < BIG ? "Big" : `Model${String((i - BIG) % 400).padStart(3, "0")}`;
  const labels: Record<string, string> = { stage: STAGES[i % 3] };
  if (i % 5 !== 0) labels.team = TEAMS[i % 4];
  if (i % 10 === 0) labels.canary = "true";
  const version = `2024${String(i).padStart(8, "0")}_${
    (i * 2654435761 % 0xffffff).toString(16).toUpperCase()
  }`;
  return {
    name,
    version,
    createdAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    labels,
    apis: ["predict"],
    artifacts: [{ name: "model", type: "OnnxModelArtifact" }],
  };
}

console.error(`filling ${home} with ${total} bundles…`);
const fillStart = performance.now();
const template = await writeTestBundle(join(home, "template"), { name: "Template", version: "1" });
const saveTimes: number[] = [];
for (let i = 0; i < total; i++) {
  const record = bundleAt(i);
  if (i < 200) {
    // the first 200 through the full crash-safe save path (fsyncs included), to time it
    const dir = await writeTestBundle(join(home, "work", String(i)), {
      name: record.name,
      version: record.version,
      labels: { ...record.labels },
      createdAt: record.createdAt,
    });
    const t = performance.now();
    await registry.add(dir, { move: true });
    saveTimes.push(performance.now() - t);
    continue;
  }
  // the rest: copy one template into place (no fsync) and index it through the BundleIndex interface
  const target = registry.store.locate(record.name, record.version);
  await Deno.mkdir(join(target, "artifacts"), { recursive: true });
  for (const file of ["bento.yaml", "MANIFEST", "service.js", "artifacts/model.onnx"]) {
    await Deno.copyFile(join(template, file), join(target, file));
  }
  await registry.index.reserve(record, `bench${i}`);
  await registry.index.commit(record.name, record.version, `bench${i}`);
  if (i % 1000 === 999) console.error(`  ${i + 1}`);
}
console.error(`filled in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`);

async function time(label: string, fn: () => Promise<number>): Promise<[string, string, string, string]> {
  let rows = 0;
  for (let i = 0; i < 3; i++) rows = await fn(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    rows = await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))].toFixed(2);
  return [label, String(rows), pct(0.5), pct(0.95)];
}

const results = [
  await time(
    "list Big (one name, 2,000 versions)",
    async () => (await registry.list({ name: "Big" })).length,
  ),
  await time("list --limit 100", async () => (await registry.list({ limit: 100 })).length),
  await time(
    "list all + JSON.stringify",
    async () => JSON.stringify(await registry.list()).length > 0 ? 10000 : 0,
  ),
  await time("get Name:version (index + reads bento.yaml)", async () => {
    await registry.get("Big", bundleAt(150).version);
    return 1;
  }),
  await time("resolve Big:latest", async () => (await registry.resolve("Big:latest")).version ? 1 : 0),
  await time("selector stage=prod", async () => (await registry.list({ selector: "stage=prod" })).length),
  await time(
    "selector stage=prod, team In (ml, nlp)",
    async () => (await registry.list({ selector: "stage=prod, team In (ml, nlp)" })).length,
  ),
  await time(
    "selector canary Exists, stage!=dev",
    async () => (await registry.list({ selector: "canary Exists, stage!=dev" })).length,
  ),
  await time(
    "selector team DoesNotExist --limit 100",
    async () => (await registry.list({ selector: "team DoesNotExist", limit: 100 })).length,
  ),
  await time(
    "list Big --labels stage=dev",
    async () => (await registry.list({ name: "Big", selector: "stage=dev" })).length,
  ),
];
saveTimes.sort((a, b) => a - b);
const saveRow: [string, string, string, string] = [
  "save (add, full crash-safe path, 200 bundles)",
  "1",
  saveTimes[Math.floor(saveTimes.length / 2)].toFixed(2),
  saveTimes[Math.floor(saveTimes.length * 0.95)].toFixed(2),
];
console.log(
  `\n${total} bundles, ${runs} runs each, ${Deno.build.os}/${Deno.build.arch}, Deno ${Deno.version.deno}\n`,
);
console.log("| operation | rows | median ms | p95 ms |");
console.log("|---|---:|---:|---:|");
for (const r of [...results, saveRow]) console.log(`| ${r.join(" | ")} |`);
registry.close();
if (values.home === undefined) await Deno.remove(home, { recursive: true });
