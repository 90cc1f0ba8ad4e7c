/**
 * Shared parts of the fault scenarios (`scripts/faults.ts`, `tests/faults_e2e_test.ts`): a tally of what
 * happened per round, the real CLI as a subprocess that can be killed at a random moment,
 * `obento registry verify` read as JSON, and what a registry lists.
 *
 * @module
 */
import { openRegistry } from "../../../src/registry/registry.ts";
import { cleanEnv, obentoArgs, ROOT } from "../cli.ts";

/** `obento pack` arguments (from the repository root) that save the example iris classifier. */
export const PACK_IRIS: readonly string[] = [
  "pack",
  "bundles/iris_classifier/service.ts",
  "--artifact",
  "model=bundles/iris_classifier/iris_lr.onnx",
];

/** What one scenario did, round by round. */
export interface ScenarioResult {
  /** The scenario's name, as the report shows it. */
  readonly name: string;
  /** Rounds run. */
  rounds: number;
  /** Outcomes counted by kind (e.g. "killed mid-run", "finished before the kill"). */
  readonly counts: Record<string, number>;
  /** Everything that broke a promise (a damaged registry, a different output, a dropped request). */
  readonly failures: string[];
  /** Why the scenario did not run, when it could not (e.g. no root to mount a small disk). */
  skipped?: string;
}

/** Options every scenario takes. */
export interface ScenarioOptions {
  /** How many rounds. */
  rounds: number;
  /** A scratch directory the scenario owns (removed by the caller). */
  work: string;
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
}

/** A fresh result. */
export function newResult(name: string): ScenarioResult {
  return { name, rounds: 0, counts: {}, failures: [] };
}

/** Adds one to `counts[kind]`. */
export function count(result: ScenarioResult, kind: string): void {
  result.counts[kind] = (result.counts[kind] ?? 0) + 1;
}

/** A uniformly random whole number of milliseconds in [lo, hi). */
export function randomMs(lo: number, hi: number): number {
  return Math.floor(lo + Math.random() * Math.max(0, hi - lo));
}

/** What a finished subprocess did. */
export interface Outcome {
  /** Exit code (137 style codes are not used: see `signal`). */
  readonly code: number;
  /** The signal that ended it, if one did. */
  readonly signal: Deno.Signal | null;
  /** Its standard output. */
  readonly stdout: string;
  /** Its standard error. */
  readonly stderr: string;
  /** Wall time, ms. */
  readonly ms: number;
}

/**
 * Counts how a command that was to be killed ended: `finished before the kill` (or `failed`) when no signal
 * ended it, else `killedAs`. Returns true when it ended on its own: its time then shortens the span kills
 * are drawn from (a first, uninterrupted run may have been slow on a busy machine).
 */
export function countKill(result: ScenarioResult, outcome: Outcome, killedAs: string): boolean {
  if (outcome.signal !== null) {
    count(result, killedAs);
    return false;
  }
  count(result, outcome.code === 0 ? "finished before the kill" : "failed");
  return true;
}

/** Options for {@link runCli}. */
export interface RunCliOptions {
  /** OBENTO_HOME (and HOME). */
  home: string;
  /** Extra environment. */
  env?: Readonly<Record<string, string>>;
  /** Working directory. Default: the repository root. */
  cwd?: string;
  /** Send SIGKILL after this many ms (if still running). Default: never. */
  killAfterMs?: number;
  /** With `killAfterMs`: from then on, send it only once this answers true (asked every 10 ms). */
  killWhen?: () => Promise<boolean>;
}

/** Runs `obento ...args` as a subprocess (the real CLI, no deno on PATH), optionally killing it. */
export async function runCli(options: RunCliOptions, args: readonly string[]): Promise<Outcome> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [...obentoArgs(), ...args],
    cwd: options.cwd ?? ROOT,
    env: { ...cleanEnv(options.home), ...options.env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let exited = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = async () => {
    if (options.killWhen !== undefined && !(await options.killWhen())) {
      if (!exited) timer = setTimeout(fire, 10);
      return;
    }
    try {
      if (!exited) child.kill("SIGKILL");
    } catch { /* already gone */ }
  };
  if (options.killAfterMs !== undefined) timer = setTimeout(fire, options.killAfterMs);
  const { code, signal, stdout, stderr } = await child.output();
  exited = true;
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return {
    code,
    signal,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
    ms: performance.now() - started,
  };
}

/** `obento registry verify --json`'s report. */
export interface VerifyJson {
  ok: boolean;
  checked: number;
  problems: string[];
  leftovers: string[];
  inProgress: string[];
}

/**
 * Runs `obento registry verify --json` on `home`; returns the report, or a failure line when it did not run
 * or found problems (leftovers are allowed: `gc` removes them, and `list` never shows them).
 */
export async function verifyHome(
  home: string,
  where: string,
): Promise<{ report?: VerifyJson; failure?: string }> {
  const run = await runCli({ home }, ["registry", "verify", "--json"]);
  let report: VerifyJson;
  try {
    report = JSON.parse(run.stdout) as VerifyJson;
  } catch {
    return { failure: `${where}: registry verify exited ${run.code}: ${run.stderr.trim()}` };
  }
  if (!report.ok || report.problems.length > 0) {
    return { report, failure: `${where}: registry verify found ${report.problems.join("; ")}` };
  }
  return { report };
}

/** The first line of a text, for reports. */
export function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

/** The `Name:version` of every bundle the registry at `home` lists. */
export async function listedRefs(home: string): Promise<string[]> {
  const registry = await openRegistry({ home });
  try {
    return (await registry.list()).map((b) => `${b.name}:${b.version}`);
  } finally {
    registry.close();
  }
}
