/**
 * Test helper: runs the real CLI (`main.ts`) as a subprocess with a clean environment (no `deno` on PATH,
 * HOME and OBENTO_HOME pointing at a temp directory), as the compiled binary would run, and runs the
 * `save_bundles.ts` helper process.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RUN_FLAGS } from "../../scripts/obento_flags.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

const DENO_DIR = Deno.env.get("DENO_DIR") ??
  join(Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? "/root", ".cache"), "deno");

/** Environment for subprocesses: only what Deno needs to find its cache, plus the registry home. */
export function cleanEnv(home: string): Record<string, string> {
  return { OBENTO_HOME: home, HOME: home, PATH: "", DENO_DIR, NO_COLOR: "1" };
}

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `deno` arguments that run the obento CLI from source, as the binary would run (add the command after): the
 * V8 flags and permissions `deno task obento` and the compiled binary run with (scripts/obento_flags.ts): no
 * --allow-run; --allow-ffi, which main.ts uses at start (and serve/run to load the native device) and revokes
 * before bundle code loads.
 */
export function obentoArgs(): string[] {
  return ["run", "--quiet", ...RUN_FLAGS, join(ROOT, "main.ts")];
}

/** Options for {@link runObento}. */
export interface RunObentoOptions {
  /** OBENTO_HOME (and HOME) for the run. */
  home: string;
  /** Working directory (default: `home`). */
  cwd?: string;
  /** Bytes for standard input (default: none). */
  stdin?: Uint8Array;
  /** Extra environment variables, added to the clean environment (default: none). */
  env?: Readonly<Record<string, string>>;
}

/** Runs `obento ...args` with `options` and collects its output. */
export async function runObento(options: RunObentoOptions, args: readonly string[]): Promise<CliRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...obentoArgs(),
      ...args,
    ],
    cwd: options.cwd ?? options.home,
    env: { ...cleanEnv(options.home), ...options.env },
    clearEnv: true,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Runs `obento ...args` against the registry at `home`, in `home`. */
export function obento(home: string, ...args: string[]): Promise<CliRun> {
  return runObento({ home }, args);
}

/**
 * Packs `service` (a path relative to the repository root) with `artifacts` (`name=path` each) into the
 * directory `output` with the real CLI; fails the test with pack's stderr if it does not exit 0.
 *
 * With `--no-check`: the tests that pack through here prove serving and running, and the type check costs
 * ~3.5 s of CPU a pack (6.6 s with it, 2.9 s without, measured on the iris classifier), which a suite of a
 * few dozen packs on 2 cores feels. Pack's type check is proven by src/cli/pack_test.ts,
 * tests/init_e2e_test.ts and the packs tests/cli_e2e_test.ts makes itself.
 * @returns `output`
 */
export async function packBundle(
  home: string,
  service: string,
  artifacts: readonly string[],
  output: string,
): Promise<string> {
  const r = await runObento(
    { home, cwd: ROOT },
    ["pack", service, ...artifacts.flatMap((a) => ["--artifact", a]), "--output", output, "--no-check"],
  );
  if (r.code !== 0) throw new Error(`obento pack ${service} exited ${r.code}: ${r.stderr}`);
  return output;
}

/** Packs the example iris classifier into `<home>/<name>` (see {@link packBundle}). */
export function packIris(home: string, name = "iris"): Promise<string> {
  return packBundle(
    home,
    "bundles/iris_classifier/service.ts",
    ["model=bundles/iris_classifier/iris_lr.onnx"],
    join(home, name),
  );
}

/** Starts `save_bundles.ts` with `args` (see that file) against `home`. */
export function startSaver(home: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "tests", "helpers", "save_bundles.ts"), "--home", home, ...args],
    env: cleanEnv(home),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs `save_bundles.ts` to completion; returns the `Name:version` refs it saved. */
export async function saveBundles(home: string, args: string[]): Promise<string[]> {
  const { code, stdout, stderr } = await startSaver(home, args).output();
  const decoder = new TextDecoder();
  if (code !== 0) throw new Error(`save_bundles failed (${code}): ${decoder.decode(stderr)}`);
  return savedRefs(decoder.decode(stdout));
}

/** The refs in `saved Name:version` lines. */
export function savedRefs(output: string): string[] {
  return output.split("\n").filter((l) => l.startsWith("saved ")).map((l) => l.slice(6));
}
