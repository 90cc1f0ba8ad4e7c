/**
 * The fault scenarios of `deno task faults` (tests/helpers/faults/), one round each with small inputs: a
 * SIGKILL during pack/save, during `obento push` and during `obento pull` against a real `obento registry
 * serve`; SIGTERM under load; a full disk during a save, during a run and under `obento registry serve`
 * during a push (skipped without root, which mounting a tmpfs needs); the bundle directory changed under a running server. Every scenario must report no
 * failure. `deno task faults` runs 100 rounds of each. The `run` scenario (SIGKILL during `obento run`, then
 * `--resume`) is tests/batch_resume_test.ts, with five kills in a row.
 */
import assert from "node:assert/strict";
import type { ScenarioResult } from "./helpers/faults/common.ts";
import { killSave } from "./helpers/faults/kill_save.ts";
import { killTransfers } from "./helpers/faults/kill_transfer.ts";
import { sigtermUnderLoad } from "./helpers/faults/sigterm_load.ts";
import { diskFullRun, diskFullSave } from "./helpers/faults/disk_full.ts";
import { diskFullRegistry } from "./helpers/faults/disk_full_registry.ts";
import { bundleChanged } from "./helpers/faults/bundle_changed.ts";

async function inWork<T>(fn: (work: string) => Promise<T>): Promise<T> {
  const work = await Deno.makeTempDir({ prefix: "obento-faults-e2e-" });
  try {
    return await fn(work);
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

function assertClean(result: ScenarioResult, rounds = 1): void {
  assert.deepEqual(result.failures, [], `${result.name}: ${JSON.stringify(result.counts)}`);
  assert.equal(result.rounds, rounds, `${result.name} ran ${result.rounds} rounds`);
}

Deno.test("SIGKILL during pack/save: nothing damaged, only whole bundles listed, the re-run works", async () => {
  await inWork(async (work) => {
    const save = await killSave({ rounds: 1, work });
    assertClean(save);
    assert.equal(save.counts["re-runs as expected"], 1);
  });
});

Deno.test("SIGKILL during push and during pull against a real registry server: nothing half-published", async () => {
  await inWork(async (work) => {
    const [push, pull] = await killTransfers({ rounds: 1, work, artifactBytes: 24 * 1024 * 1024 });
    assertClean(push);
    assertClean(pull);
    assert.equal(push.counts["re-runs as expected"], 1);
    assert.equal(pull.counts["re-runs as expected"], 1);
  });
});

Deno.test("SIGTERM under load: every request sent before the signal is answered; the server exits 0", async () => {
  await inWork(async (work) => {
    const result = await sigtermUnderLoad({ rounds: 1, work, clients: 8 });
    assertClean(result);
    assert.ok(result.counts["… answered"] > 0, JSON.stringify(result.counts));
    // The drain: the server kept answering after the signal (src/server/drain.ts).
    assert.ok(result.counts["sent after SIGTERM: answered"] > 0, JSON.stringify(result.counts));
    assert.equal(result.counts["server exits 0"], 1);
  });
});

Deno.test("a full disk during a save, a run and a push to registry serve: one clear error, nothing half-written, re-run works", async (t) => {
  await inWork(async (work) => {
    // 4 KiB: SQLite cannot even open the index; 30 KB: the bundle's files do not fit
    const save = await diskFullSave({ rounds: 2, work, freeBytes: [4096, 30_000] });
    if (save.skipped) {
      t.step({ name: `skipped: ${save.skipped}`, ignore: true, fn() {} });
      return;
    }
    assertClean(save, 2);
    assert.equal(
      (save.counts["exit 69: index"] ?? 0) + (save.counts["exit 69: files"] ?? 0),
      2,
      JSON.stringify(save.counts),
    );
    assert.equal(save.counts["re-runs after freeing space succeed"], 2);
    const run = await diskFullRun({ rounds: 1, work });
    assertClean(run);
    assert.equal(run.counts["exit 69 with the --resume hint"], 1);
    assert.equal(run.counts["resumed byte-identical"], 1);
    // 16 KB: the pushed bundle's files do not fit on the server's disk: 507, nothing stored, the bundle
    // stored before intact, the push after freeing space works
    const push = await diskFullRegistry({ rounds: 1, work, freeBytes: [16_000] });
    assertClean(push);
    assert.equal(push.counts["refused: HTTP 507, exit 69"], 1, JSON.stringify(push.counts));
    assert.equal(push.counts["pushes after freeing space succeed"], 1);
  });
});

Deno.test("the bundle directory changed under a running server: refused on reload, old version serves, then 503", async () => {
  await inWork(async (work) => {
    const result = await bundleChanged({ rounds: 1, work });
    assertClean(result);
    assert.equal(result.counts["detected on the replacement's load (logged)"], 1);
    assert.equal(result.counts["the old version kept serving (20 of 20 echoes)"], 1);
    assert.equal(result.counts["503 with the reason once no old worker is left"], 1);
  });
});
