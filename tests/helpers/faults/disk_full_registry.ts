/**
 * Fault scenario: the disk of a running `obento registry serve` fills up (its home, with the SQLite index,
 * the bundle store and the push scratch directories, on a small tmpfs) while a client pushes a bundle.
 * Each round leaves a random amount of space (0–160 KiB; the pushed bundle is ~96 KiB). A push that does
 * not fit must be refused with HTTP 507 and one clear message saying the registry server's disk is full
 * (the client exits 69 with it, and no server path in it); nothing may be half-stored (`registry verify` on
 * the server clean, no `.upload-*` left, the bundle stored before still whole); and once space is freed the
 * same push must succeed. Mounting a tmpfs needs root; without it the scenario is skipped and says so.
 *
 * @module
 */
import { join } from "node:path";
import { openRegistry } from "../../../src/registry/registry.ts";
import { writeTestBundle } from "../../../src/registry/_testing.ts";
import { count, firstLine, newResult, randomMs, runCli, type ScenarioResult, verifyHome } from "./common.ts";
import { type DiskFullSaveOptions, fillTo, mountTmpfs, unmount } from "./disk_full.ts";
import { startRegistryServer } from "./registry_server.ts";

/** The server's 507 answers so far (its log has a line per request: `PUT /v1/… 507 12ms`). */
const refusals = (log: string) => log.match(/^PUT \S+ 507 /gm)?.length ?? 0;

const KEPT = "Kept:1";
const PUSHED = "Pushed:1";

/** Runs the scenario (see the module doc). */
export async function diskFullRegistry(options: DiskFullSaveOptions): Promise<ScenarioResult> {
  const result = newResult("disk full under registry serve (push)");
  // 16 MiB: the index's SQLite WAL grows to ~4 MB (its checkpoint comes at 1000 pages and does not shrink the
  // file); on a 4 MiB disk it took the whole disk after 75 rounds, and every later push was refused, rightly.
  const disk = await mountTmpfs(options.work, "full-registry", 16 * 1024 * 1024);
  if (disk === undefined) {
    result.skipped = "mounting a tmpfs needs root";
    return result;
  }
  const sender = join(options.work, "full-registry-sender");
  const local = await openRegistry({ home: sender });
  try {
    for (const [ref, bytes] of [[KEPT, 32 * 1024], [PUSHED, 96 * 1024]] as const) {
      const [name, version] = ref.split(":");
      const dir = await writeTestBundle(join(options.work, `src-${name}`), {
        name,
        version,
        artifactBytes: bytes,
      });
      await local.add(dir, { move: true });
    }
  } finally {
    local.close();
  }
  const server = await startRegistryServer(join(disk, "home"));
  try {
    const as = { OBENTO_REGISTRY_URL: server.url, OBENTO_TOKEN: server.tokens.write };
    const push = (ref: string) => runCli({ home: sender, env: as }, ["push", ref]);
    const first = await push(KEPT);
    if (first.code !== 0) throw new Error(`pushing ${KEPT} to a roomy disk failed: ${first.stderr}`);
    for (let round = 0; round < options.rounds; round++) {
      const free = options.freeBytes?.[round % options.freeBytes.length] ?? randomMs(0, 160 * 1024);
      await fillTo(disk, free);
      const where = `round ${round} (${free} bytes free)`;
      const refusedBefore = refusals(server.log());
      const run = await push(PUSHED);
      result.rounds++;
      await Deno.remove(join(disk, "filler")).catch(() => {});
      const refused = run.code === 69 &&
        /registry server's disk is full .*nothing was stored/.test(run.stderr) && !run.stderr.includes(disk);
      if (run.code === 0) count(result, "pushed (the space sufficed)");
      else if (refused && refusals(server.log()) > refusedBefore) count(result, "refused: HTTP 507, exit 69");
      else result.failures.push(`${where}: exit ${run.code}: ${firstLine(run.stderr)}`);
      for (let i = 0; i < 100 && (await server.uploads()).length > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const left = await server.uploads();
      if (left.length > 0) result.failures.push(`${where}: the server kept ${left.join(", ")}`);
      const v = await verifyHome(server.home, where);
      if (v.failure) result.failures.push(v.failure);
      else if (v.report!.leftovers.length > 0) {
        result.failures.push(`${where}: half-written leftovers ${v.report!.leftovers.join(", ")}`);
      }
      if (run.code !== 0) {
        const again = await push(PUSHED);
        if (again.code !== 0) {
          result.failures.push(
            `${where}: the push after freeing space exited ${again.code}: ${again.stderr}`,
          );
        } else count(result, "pushes after freeing space succeed");
      }
      if (!(await server.remove(PUSHED))) result.failures.push(`${where}: ${PUSHED} was not stored`);
      const wal = await Deno.stat(join(server.home, "registry.db-wal")).then((st) => st.size, () => 0);
      options.log?.(
        `disk full registry ${round}: ${free} free → exit ${run.code} ${
          firstLine(run.stderr)
        } (WAL ${wal} bytes)`,
      );
    }
    const v = await verifyHome(server.home, "at the end");
    if (v.failure) result.failures.push(v.failure);
    else if (v.report!.checked !== 1) {
      result.failures.push(`at the end: ${v.report!.checked} bundles, expected ${KEPT} alone`);
    }
  } finally {
    await server.stop();
    await unmount(disk);
  }
  return result;
}
