/**
 * Fault scenarios: a full disk during a save (`obento pack` into a registry whose home is a small tmpfs,
 * with a random amount of space left) and during `obento run --output` (the output on a small tmpfs). Each
 * failure must be one clear line (exit 69, "no space left on device" or SQLite's "disk is full", and what to
 * do), nothing may be left half-written (no listed bundle, no leftover, no output file), and after freeing
 * space the same command must succeed (`--resume` for the run, byte-identical to a run on a roomy disk).
 * Mounting a tmpfs needs root; without it the scenarios are skipped and say so.
 *
 * @module
 */
import { join } from "node:path";
import { packIris } from "../cli.ts";
import {
  count,
  firstLine,
  newResult,
  PACK_IRIS,
  randomMs,
  runCli,
  type ScenarioOptions,
  type ScenarioResult,
  verifyHome,
} from "./common.ts";

async function sh(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}

/** A tmpfs of `bytes` mounted at a new directory under `work`, or undefined when mounting is not allowed. */
export async function mountTmpfs(work: string, name: string, bytes: number): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  const dir = join(work, name);
  await Deno.mkdir(dir, { recursive: true });
  if (await sh("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", dir])) return dir;
  await Deno.remove(dir);
  return undefined;
}

/** Unmounts a tmpfs from {@link mountTmpfs} and removes its directory. */
export async function unmount(dir: string): Promise<void> {
  await sh("umount", [dir]);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

/** Fills `dir`'s file system until `free` bytes are left (rounded to pages), with `dir/filler`. */
export async function fillTo(dir: string, free: number): Promise<void> {
  const filler = join(dir, "filler");
  await Deno.remove(filler).catch(() => {});
  const df = await new Deno.Command("df", { args: ["-B1", "--output=avail", dir], stdout: "piped" }).output();
  const avail = Number(new TextDecoder().decode(df.stdout).trim().split("\n").pop());
  await Deno.writeFile(filler, new Uint8Array(Math.max(0, avail - free))).catch(() => {});
}

const FULL = /no space left on device|disk is full|disk I\/O error/i;

/** Options for {@link diskFullSave}. */
export interface DiskFullSaveOptions extends ScenarioOptions {
  /** Bytes left free in each round (cycled). Default: random, 0 to 160 KiB. */
  freeBytes?: readonly number[];
}

/** A save into a registry on a full disk, `rounds` times with random space left. */
export async function diskFullSave(options: DiskFullSaveOptions): Promise<ScenarioResult> {
  const result = newResult("disk full during save");
  // Every round keeps its bundle (~30 KB): the disk grows with the rounds, or the saved bundles fill it
  // (a 2 MiB disk was full after 68 rounds, and every later save failed with the disk-full error, rightly).
  const home = await mountTmpfs(options.work, "full-save", 2 * 1024 * 1024 + options.rounds * 64 * 1024);
  if (home === undefined) {
    result.skipped = "mounting a tmpfs needs root";
    return result;
  }
  try {
    for (let round = 0; round < options.rounds; round++) {
      const free = options.freeBytes?.[round % options.freeBytes.length] ?? randomMs(0, 160 * 1024);
      await fillTo(home, free);
      const version = `r${round}`;
      const where = `round ${round} (${free} bytes free)`;
      const run = await runCli({ home }, [...PACK_IRIS, "--no-check", "--version", version]);
      result.rounds++;
      await Deno.remove(join(home, "filler")).catch(() => {});
      if (run.code === 0) count(result, "saved (the space sufficed)");
      else if (run.code === 69 && FULL.test(run.stderr) && /free some space/.test(run.stderr)) {
        count(result, `exit 69: ${/disk is full|disk I\/O error/.test(run.stderr) ? "index" : "files"}`);
      } else {
        result.failures.push(`${where}: exit ${run.code}: ${firstLine(run.stderr)}`);
      }
      const v = await verifyHome(home, where);
      if (v.failure) result.failures.push(v.failure);
      else if (v.report!.leftovers.length > 0) {
        result.failures.push(`${where}: half-written leftovers ${v.report!.leftovers.join(", ")}`);
      }
      if (run.code !== 0) {
        const again = await runCli({ home }, [...PACK_IRIS, "--no-check", "--version", version]);
        if (again.code !== 0) {
          result.failures.push(`${where}: the re-run exited ${again.code}: ${again.stderr}`);
        } else count(result, "re-runs after freeing space succeed");
      }
      options.log?.(`disk full save ${round}: ${free} free → exit ${run.code} ${firstLine(run.stderr)}`);
    }
    const v = await verifyHome(home, "at the end");
    if (v.failure) result.failures.push(v.failure);
    else if (v.report!.checked !== options.rounds) {
      result.failures.push(`at the end: ${v.report!.checked} bundles, expected ${options.rounds}`);
    }
  } finally {
    await sh("umount", [home]);
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
  return result;
}

/** A batch run whose output disk fills up, then `--resume` after freeing space, `rounds` times. */
export async function diskFullRun(options: ScenarioOptions): Promise<ScenarioResult> {
  const result = newResult("disk full during run");
  const disk = await mountTmpfs(options.work, "full-run", 512 * 1024);
  if (disk === undefined) {
    result.skipped = "mounting a tmpfs needs root";
    return result;
  }
  const home = join(options.work, "full-run-home");
  await Deno.mkdir(home, { recursive: true });
  try {
    const bundle = await packIris(home);
    // 40,000 rows → ~340 KB of CSV output: more than the disk holds once the filler takes its share.
    const input = join(home, "in.csv");
    const rows = Array.from({ length: 40_000 }, (_, i) => (i % 2 ? "5.1,3.5,1.4,0.2" : "6.7,3.0,5.2,2.3"));
    await Deno.writeTextFile(
      input,
      ["sepal_length,sepal_width,petal_length,petal_width", ...rows].join("\n") + "\n",
    );
    const reference = join(home, "reference.csv");
    const ok = await runCli({ home }, [
      "run",
      bundle,
      "predict",
      "--input-file",
      input,
      "--output",
      reference,
    ]);
    if (ok.code !== 0) throw new Error(`an uninterrupted run failed: ${ok.stderr}`);
    const expected = await Deno.readFile(reference);
    const output = join(disk, "out.csv");
    const args = ["run", bundle, "predict", "--input-file", input, "--output", output, "--quiet"];
    for (let round = 0; round < options.rounds; round++) {
      const free = randomMs(20 * 1024, 300 * 1024);
      await fillTo(disk, free);
      const where = `round ${round} (${free} bytes free)`;
      const full = await runCli({ home }, args);
      result.rounds++;
      if (
        full.code === 69 &&
        /No space left on device.*free some space and run the same command with --resume/.test(full.stderr)
      ) {
        count(result, "exit 69 with the --resume hint");
      } else result.failures.push(`${where}: exit ${full.code}: ${firstLine(full.stderr)}`);
      if (await Deno.lstat(output).then(() => true, () => false)) {
        result.failures.push(`${where}: ${output} exists after the failed run (half-written)`);
      }
      await Deno.remove(join(disk, "filler"));
      const resumed = await runCli({ home }, [...args, "--resume"]);
      const actual = await Deno.readFile(output).catch(() => new Uint8Array());
      if (resumed.code !== 0) {
        result.failures.push(`${where}: --resume exited ${resumed.code}: ${resumed.stderr}`);
      } else if (actual.length !== expected.length || !actual.every((b, i) => b === expected[i])) {
        result.failures.push(`${where}: the resumed output differs from a run on a roomy disk`);
      } else count(result, "resumed byte-identical");
      const left = [...Deno.readDirSync(disk)].map((e) => e.name).filter((n) => n !== "out.csv");
      if (left.length > 0) result.failures.push(`${where}: left ${left.join(", ")}`);
      await Deno.remove(output).catch(() => {});
      options.log?.(`disk full run ${round}: ${free} free → exit ${full.code}, resume exit ${resumed.code}`);
    }
  } finally {
    await sh("umount", [disk]);
    await Deno.remove(disk, { recursive: true }).catch(() => {});
  }
  return result;
}
