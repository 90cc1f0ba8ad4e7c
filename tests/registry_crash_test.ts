/**
 * Crash safety and concurrency of the registry: saving processes killed with SIGKILL at random points never
 * leave a visible half or damage, `gc` removes what they leave; parallel savers lose nothing.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { obento, saveBundles, savedRefs, startSaver } from "./helpers/cli.ts";

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "obento-crash-" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true }).catch(async (error) => {
      // Seen once ("Directory not empty") after every process had exited: say what was still there.
      throw new Error(
        `cannot remove ${home}: ${error}; it still holds: ${(await listTree(home)).join(", ")}`,
      );
    });
  }
}

/** Every path below `dir`, relative to it (best effort). */
async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(dir, prefix))) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      out.push(path);
      if (entry.isDirectory) out.push(...await listTree(dir, path));
    }
  } catch (error) {
    out.push(`(${prefix || "."}: ${error})`);
  }
  return out;
}

/** Starts a saver looping forever, waits until it is ready, kills it after a random delay; returns its saves. */
async function killedSaver(home: string, name: string, maxDelayMs: number): Promise<string[]> {
  const child = startSaver(home, ["--name", name, "--count", "0", "--artifact-bytes", "262144"]);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!output.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`saver exited early: ${output}`);
    output += value;
  }
  setTimeout(() => child.kill("SIGKILL"), Math.random() * maxDelayMs);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    output += value;
  }
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(status.signal, "SIGKILL", output);
  return savedRefs(output);
}

function listed(stdout: string): string[] {
  return (JSON.parse(stdout) as { name: string; version: string }[]).map((b) => `${b.name}:${b.version}`);
}

Deno.test("saves killed with SIGKILL at random points leave no damage, and gc removes the leftovers", async () => {
  await withHome(async (home) => {
    const saved: string[] = [];
    for (let round = 0; round < 5; round++) {
      const refs = await Promise.all([0, 1, 2, 3].map((i) => killedSaver(home, `Crash${i % 2}`, 400)));
      saved.push(...refs.flat());
    }
    const verify = await obento(home, "registry", "verify", "--json");
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const report = JSON.parse(verify.stdout);
    assert.deepEqual(report.problems, []);
    const before = listed((await obento(home, "list", "--json")).stdout);
    for (const ref of saved) assert.ok(before.includes(ref), `${ref} was reported saved but is not listed`);
    const gc = await obento(home, "registry", "gc", "--json");
    assert.equal(gc.code, 0, gc.stderr);
    assert.deepEqual(JSON.parse(gc.stdout).inProgress, []);
    assert.equal(JSON.parse(gc.stdout).removed.length, report.leftovers.length);
    const after = JSON.parse((await obento(home, "registry", "verify", "--json")).stdout);
    assert.deepEqual(after, {
      ok: true,
      checked: before.length,
      problems: [],
      leftovers: [],
      inProgress: [],
    });
    assert.deepEqual(listed((await obento(home, "list", "--json")).stdout), before);
    // On a starved machine every saver can be killed before its store made `bundles/`: nothing to leave then.
    const bundles = join(home, "bundles");
    const top = existsSync(bundles)
      ? [...Deno.readDirSync(bundles)].map((e) => e.name).filter((n) => n.startsWith("."))
      : [];
    assert.deepEqual(top, []);
    console.log(
      `20 kills: ${saved.length} saves reported, ${before.length} listed, ${report.leftovers.length} leftovers`,
    );
  });
});

Deno.test("8 processes saving 10 bundles each in parallel: exactly 80 saved, none damaged", async () => {
  await withHome(async (home) => {
    const runs = await Promise.all(
      Array.from(
        { length: 8 },
        (_, i) => saveBundles(home, ["--name", i % 2 ? "Par" : "Other", "--count", "10"]),
      ),
    );
    const refs = runs.flat();
    assert.equal(refs.length, 80);
    assert.equal(new Set(refs).size, 80);
    const all = listed((await obento(home, "list", "--json")).stdout);
    assert.deepEqual([...all].sort(), [...refs].sort());
    const verify = JSON.parse((await obento(home, "registry", "verify", "--json")).stdout);
    assert.deepEqual(verify, { ok: true, checked: 80, problems: [], leftovers: [], inProgress: [] });
  });
});

Deno.test("parallel saves of the same Name:version: exactly one wins, the others get CONFLICT", async () => {
  await withHome(async (home) => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => startSaver(home, ["--name", "Same", "--version", "1"]).output()),
    );
    assert.equal(results.filter((r) => r.code === 0).length, 1);
    for (const r of results.filter((r) => r.code !== 0)) {
      assert.match(
        new TextDecoder().decode(r.stderr),
        /Same:1 is (already in the registry|being saved by another process)/,
      );
    }
    const verify = JSON.parse((await obento(home, "registry", "verify", "--json")).stdout);
    assert.deepEqual(verify, { ok: true, checked: 1, problems: [], leftovers: [], inProgress: [] });
  });
});

Deno.test("deletes racing saves of the same name: no stack, no crash, every delete says what it did", async () => {
  await withHome(async (home) => {
    const savers = Promise.all([
      saveBundles(home, ["--name", "Race", "--count", "25"]),
      saveBundles(home, ["--name", "Race", "--count", "25"]),
    ]);
    let saving = true;
    void savers.finally(() => (saving = false));
    const deleters = Array.from({ length: 2 }, async () => {
      const runs = [];
      while (saving || runs.length === 0) {
        const run = await obento(home, "delete", "Race", "--yes");
        runs.push(run);
        assert.ok(run.code === 0 || run.code === 66, `exit ${run.code}: ${run.stderr}`);
        assert.doesNotMatch(run.stderr, /\n\s+at /, run.stderr); // no stack trace
        if (run.code === 66) assert.match(run.stderr, /^error: no bundle named Race/);
        assert.ok(run.stderr.trim().split("\n").length <= 1, run.stderr);
      }
      return runs;
    });
    const runs = (await Promise.all(deleters)).flat();
    assert.equal((await savers).flat().length, 50);
    assert.ok(runs.length >= 2);
    const verify = JSON.parse((await obento(home, "registry", "verify", "--json")).stdout);
    assert.equal(verify.ok, true, JSON.stringify(verify));
    assert.deepEqual([verify.problems, verify.leftovers, verify.inProgress], [[], [], []]);
  });
});
