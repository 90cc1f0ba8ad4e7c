/**
 * Runs the real `obento` CLI as a subprocess the way the compiled binary runs: no `deno` on PATH, a temporary
 * OBENTO_HOME, no network use. Tests call {@link obento} and assert on exit code and output.
 *
 * @module
 */
import { fromFileUrl, join } from "node:path";

/** The project root. */
export const ROOT = fromFileUrl(new URL("../..", import.meta.url));

/** What a CLI run produced. */
export interface CliRun {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Options for {@link obento}. */
export interface CliOptions {
  /** OBENTO_HOME for the run. */
  home: string;
  /** Working directory (default: the project root). */
  cwd?: string;
  /** Bytes for standard input. */
  stdin?: Uint8Array;
}

const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-net", "--allow-sys"];

/** The named variables of this process's environment that are set (Deno needs HOME/DENO_DIR to find its cache). */
function passThrough(names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = Deno.env.get(name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Runs `obento <args>` and collects its output. */
export async function obento(args: string[], options: CliOptions): Promise<CliRun> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...PERMISSIONS, join(ROOT, "main.ts"), ...args],
    cwd: options.cwd ?? ROOT,
    clearEnv: true,
    env: {
      OBENTO_HOME: options.home,
      PATH: "",
      NO_COLOR: "1",
      ...passThrough(["HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]),
    },
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  if (options.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}
