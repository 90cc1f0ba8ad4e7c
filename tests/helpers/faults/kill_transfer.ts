/**
 * Fault scenarios: `obento push` and `obento pull` against a real `obento registry serve`, killed with
 * SIGKILL at a random moment while the bundle streams. After each kill: `registry verify` on the server
 * (push) or the local registry (pull) finds no damage, the bundle is either listed whole or not at all, the
 * push's scratch directory on the server is gone, and running the same command again succeeds.
 *
 * @module
 */
import { join } from "node:path";
import { openRegistry } from "../../../src/registry/registry.ts";
import { writeTestBundle } from "../../../src/registry/_testing.ts";
import {
  count,
  countKill,
  listedRefs,
  newResult,
  randomMs,
  runCli,
  type ScenarioOptions,
  type ScenarioResult,
  verifyHome,
} from "./common.ts";
import { type RegistryServer, startRegistryServer } from "./registry_server.ts";

/** Options for {@link killTransfers}. */
export interface KillTransferOptions extends ScenarioOptions {
  /** The bundle's artifact size in bytes. Default 64 MiB. */
  artifactBytes?: number;
}

const REF = "Big:1";

async function removeLocal(home: string): Promise<void> {
  const registry = await openRegistry({ home });
  try {
    await registry.delete([REF]).catch(() => {});
  } finally {
    registry.close();
  }
}

/** Waits (up to 10 s) until the server has removed the scratch directories of broken pushes. */
async function uploadsGone(server: RegistryServer): Promise<string[]> {
  let left = await server.uploads();
  for (let i = 0; i < 200 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    left = await server.uploads();
  }
  return left;
}

/** Runs both scenarios (see the module doc) against one server; returns [push, pull]. */
export async function killTransfers(options: KillTransferOptions): Promise<ScenarioResult[]> {
  const push = newResult("SIGKILL during push");
  const pull = newResult("SIGKILL during pull");
  const sender = join(options.work, "sender");
  const receiver = join(options.work, "receiver");
  const local = await openRegistry({ home: sender });
  try {
    await local.add(
      await writeTestBundle(join(options.work, "big-src"), {
        name: "Big",
        version: "1",
        artifactBytes: options.artifactBytes ?? 64 * 1024 * 1024,
      }),
      { move: true },
    );
  } finally {
    local.close();
  }
  const server = await startRegistryServer(join(options.work, "server"));
  try {
    const as = (token: string) => ({ OBENTO_REGISTRY_URL: server.url, OBENTO_TOKEN: token });
    const calibrate = await runCli({ home: sender, env: as(server.tokens.write) }, ["push", REF]);
    if (calibrate.code !== 0) throw new Error(`an uninterrupted push failed: ${calibrate.stderr}`);
    const calibratePull = await runCli({ home: receiver, env: as(server.tokens.write) }, ["pull", REF]);
    if (calibratePull.code !== 0) throw new Error(`an uninterrupted pull failed: ${calibratePull.stderr}`);

    // A transfer that finishes before its kill shortens the span kills are drawn from.
    let pushSpan = calibrate.ms;
    let pullSpan = calibratePull.ms;
    for (let round = 0; round < options.rounds; round++) {
      // push: the server starts without the bundle
      await server.remove(REF);
      let delay = randomMs(0, pushSpan);
      let where = `push round ${round} (kill after ${delay} ms)`;
      const killed = await runCli({ home: sender, env: as(server.tokens.write), killAfterMs: delay }, [
        "push",
        REF,
      ]);
      push.rounds++;
      const left = await uploadsGone(server);
      if (left.length > 0) push.failures.push(`${where}: the server kept ${left.join(", ")}`);
      let v = await verifyHome(server.home, where);
      if (v.failure) push.failures.push(v.failure);
      let listed = (await listedRefs(server.home)).includes(REF);
      const pushedAs = listed
        ? "killed after the server published it (whole)"
        : "killed mid-push (nothing published)";
      if (countKill(push, killed, pushedAs)) pushSpan = Math.min(pushSpan, killed.ms);
      let again = await runCli({ home: sender, env: as(server.tokens.write) }, ["push", REF]);
      if (again.code !== (listed ? 73 : 0)) {
        push.failures.push(`${where}: the re-run exited ${again.code}: ${again.stderr}`);
      } else count(push, "re-runs as expected");
      v = await verifyHome(server.home, `${where}, after the re-run`);
      if (v.failure) push.failures.push(v.failure);
      options.log?.(
        `push ${round}: ${killed.signal ?? `exit ${killed.code}`} after ${delay} ms, listed ${listed}`,
      );

      // pull: the receiver starts without the bundle
      await removeLocal(receiver);
      delay = randomMs(0, pullSpan);
      where = `pull round ${round} (kill after ${delay} ms)`;
      const pulled = await runCli(
        { home: receiver, env: as(server.tokens.write), killAfterMs: delay },
        ["pull", REF],
      );
      pull.rounds++;
      v = await verifyHome(receiver, where);
      if (v.failure) pull.failures.push(v.failure);
      listed = (await listedRefs(receiver)).includes(REF);
      const pulledAs = listed ? "killed after the local save (whole)" : "killed mid-pull (nothing saved)";
      if (countKill(pull, pulled, pulledAs)) pullSpan = Math.min(pullSpan, pulled.ms);
      again = await runCli({ home: receiver, env: as(server.tokens.write) }, ["pull", REF, "--json"]);
      if (again.code !== 0) pull.failures.push(`${where}: the re-run exited ${again.code}: ${again.stderr}`);
      else count(pull, "re-runs as expected");
      v = await verifyHome(receiver, `${where}, after the re-run`);
      if (v.failure) pull.failures.push(v.failure);
      else if (v.report!.checked !== 1) {
        pull.failures.push(`${where}: ${v.report!.checked} bundles after re-run`);
      }
      const scratch = [...Deno.readDirSync(receiver)].filter((e) => e.name.startsWith(".pull-"));
      if (scratch.length > 0) pull.failures.push(`${where}: a re-run left ${scratch.map((e) => e.name)}`);
      options.log?.(
        `pull ${round}: ${pulled.signal ?? `exit ${pulled.code}`} after ${delay} ms, listed ${listed}`,
      );
    }
  } finally {
    await server.stop();
  }
  return [push, pull];
}
