/**
 * Fault scenario: `obento pack` saving into the registry, killed with SIGKILL at a random moment. After each
 * kill `obento registry verify` must find no damage, every listed bundle must be whole (verify checks each
 * one's digests), and running the same pack again must succeed (or say the version is already saved, when
 * the kill came after the commit). At the end `registry gc` leaves nothing behind.
 *
 * @module
 */
import { join } from "node:path";
import {
  count,
  countKill,
  listedRefs,
  newResult,
  PACK_IRIS,
  randomMs,
  runCli,
  type ScenarioOptions,
  type ScenarioResult,
  verifyHome,
} from "./common.ts";

/** Runs the scenario (see the module doc). */
export async function killSave(options: ScenarioOptions): Promise<ScenarioResult> {
  const result = newResult("SIGKILL during pack/save");
  const home = join(options.work, "save-home");
  const calibrate = await runCli({ home }, [...PACK_IRIS, "--no-check", "--version", "calibration"]);
  if (calibrate.code !== 0) {
    result.failures.push(`an uninterrupted pack failed: ${calibrate.stderr}`);
    return result;
  }
  let span = calibrate.ms * 1.1; // a pack that finishes before its kill shortens it
  for (let round = 0; round < options.rounds; round++) {
    const version = `r${round}`;
    const delay = randomMs(0, span);
    const killed = await runCli({ home, killAfterMs: delay }, [
      ...PACK_IRIS,
      "--no-check",
      "--version",
      version,
    ]);
    result.rounds++;
    const where = `round ${round} (kill after ${delay} ms)`;
    const v = await verifyHome(home, where);
    if (v.failure) result.failures.push(v.failure);
    if (v.report && v.report.leftovers.length > 0) {
      count(result, "rounds where verify listed gc-able leftovers (kept until gc)");
    }
    const names = await listedRefs(home);
    if (v.report && v.report.checked !== names.length) {
      result.failures.push(`${where}: verify checked ${v.report.checked}, list shows ${names.length}`);
    }
    const saved = names.includes(`IrisClassifier:${version}`);
    const killedAs = saved
      ? "killed after the commit (listed, whole)"
      : "killed before the commit (not listed)";
    if (countKill(result, killed, killedAs)) span = Math.min(span, killed.ms);
    const again = await runCli({ home }, [...PACK_IRIS, "--no-check", "--version", version]);
    const expected = saved ? 73 : 0;
    if (again.code !== expected) {
      result.failures.push(
        `${where}: the re-run exited ${again.code} (expected ${expected}): ${again.stderr}`,
      );
    } else count(result, "re-runs as expected");
    options.log?.(
      `save ${round}: ${killed.signal ?? `exit ${killed.code}`} after ${delay} ms, listed ${saved}`,
    );
  }
  const gc = await runCli({ home }, ["registry", "gc", "--json"]);
  if (gc.code !== 0) result.failures.push(`registry gc exited ${gc.code}: ${gc.stderr}`);
  const final = await verifyHome(home, "after gc");
  if (final.failure) result.failures.push(final.failure);
  else if (final.report!.leftovers.length > 0 || final.report!.inProgress.length > 0) {
    result.failures.push(`after gc: ${JSON.stringify(final.report)}`);
  }
  return result;
}
