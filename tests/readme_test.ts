/**
 * The README runs as written: its `sh` and `ts` blocks, in order, in a fresh copy of the repository with an
 * empty registry, through `npx -y deno@2.9.6` as a newcomer would (tests/helpers/readme_script.ts says how
 * blocks are marked). A block that fails, or whose output lacks a `# => …` line, fails the test.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { ROOT } from "./helpers/cli.ts";
import { readmeBlocks, readmeScript } from "./helpers/readme_script.ts";

/** The repository's files as a fresh clone would have them (plus uncommitted, not ignored, files). */
async function copyRepository(to: string): Promise<void> {
  const listed = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  assert.equal(listed.code, 0, "git ls-files failed");
  for (const file of new TextDecoder().decode(listed.stdout).split("\0").filter(Boolean)) {
    try {
      await Deno.mkdir(dirname(join(to, file)), { recursive: true });
      await Deno.copyFile(join(ROOT, file), join(to, file));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error; // listed but deleted in the work tree
    }
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("README: the Quick start runs top to bottom as written", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "obento-readme-" });
  const clone = join(tmp, "obento");
  const pidFile = join(tmp, "server.pid");
  try {
    await copyRepository(clone);
    const blocks = readmeBlocks(await Deno.readTextFile(join(ROOT, "README.md")));
    assert.ok(blocks.length >= 8, `expected the README's code blocks, found ${blocks.length}`);
    const script = readmeScript(blocks, {
      port: freePort(),
      backgroundPidFile: pidFile,
      backgroundLog: join(tmp, "server.log"),
    });
    await Deno.writeTextFile(join(tmp, "readme.sh"), script);
    const env = { ...Deno.env.toObject(), OBENTO_HOME: join(tmp, "home"), NO_COLOR: "1" };
    const run = await new Deno.Command("bash", {
      args: [join(tmp, "readme.sh")],
      cwd: clone,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    assert.equal(
      run.code,
      0,
      `the README's commands failed (exit ${run.code})\n--- stdout ---\n${
        text(run.stdout)
      }\n--- stderr ---\n${text(run.stderr)}`,
    );
  } finally {
    try {
      const pgid = Number(await Deno.readTextFile(pidFile));
      Deno.kill(-pgid, "SIGTERM");
    } catch { /* no server was started, or it has stopped */ }
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});
