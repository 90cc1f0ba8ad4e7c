/**
 * A full disk during `obento run`: a small tmpfs (needs root to mount; skipped elsewhere) is filled up, the run
 * fails with exit 69 and a hint, nothing is lost, and after freeing space `--resume` finishes with the same
 * output as an uninterrupted run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { packIris, runObento } from "./helpers/cli.ts";

async function sh(cmd: string, args: string[]): Promise<boolean> {
  const { code } = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
  return code === 0;
}

/** Mounts a tmpfs of `size` at a new temp dir, or returns undefined when this machine does not allow it. */
async function mountTmpfs(size: string): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  const dir = await Deno.makeTempDir({ prefix: "obento-tmpfs-" });
  if (await sh("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir])) return dir;
  await Deno.remove(dir);
  return undefined;
}

const probe = await mountTmpfs("64k").catch(() => undefined);
if (probe) {
  await sh("umount", [probe]);
  await Deno.remove(probe);
}

Deno.test({
  name:
    "a full disk stops the run with exit 69 and a hint; --resume after freeing space completes it exactly",
  ignore: probe === undefined,
  async fn() {
    const home = await Deno.makeTempDir();
    const disk = (await mountTmpfs("512k"))!;
    try {
      const bundle = await packIris(home);
      // 40,000 rows → ~340 KB of CSV output: more than the 512 KB disk holds once 300 KB are taken.
      const input = join(home, "in.csv");
      const rows = Array.from({ length: 40_000 }, (_, i) => (i % 2 ? "5.1,3.5,1.4,0.2" : "6.7,3.0,5.2,2.3"));
      await Deno.writeTextFile(
        input,
        ["sepal_length,sepal_width,petal_length,petal_width", ...rows].join("\n") + "\n",
      );
      const reference = join(home, "reference.csv");
      const ok = await runObento({ home }, [
        "run",
        bundle,
        "predict",
        "--input-file",
        input,
        "--output",
        reference,
      ]);
      assert.equal(ok.code, 0, ok.stderr);

      const filler = join(disk, "filler");
      await Deno.writeFile(filler, new Uint8Array(300_000));
      const output = join(disk, "out.csv");
      const args = ["run", bundle, "predict", "--input-file", input, "--output", output, "--quiet"];
      const full = await runObento({ home }, args);
      assert.equal(full.code, 69, full.stderr);
      assert.match(
        full.stderr,
        /No space left on device.*free some space and run the same command with --resume/,
      );
      await assert.rejects(Deno.stat(output), Deno.errors.NotFound);

      await Deno.remove(filler);
      const resumed = await runObento({ home }, [...args, "--resume"]);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.deepEqual(await Deno.readFile(output), await Deno.readFile(reference));
      assert.deepEqual([...Deno.readDirSync(disk)].map((e) => e.name), ["out.csv"]);
    } finally {
      await sh("umount", [disk]);
      await Deno.remove(disk, { recursive: true }).catch(() => {});
      await Deno.remove(home, { recursive: true });
    }
  },
});
