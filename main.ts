/**
 * The `obento` command line. Reads the environment once and hands it to the CLI layer.
 *
 * @module
 */
// First: binds glibc's malloc_trim and drops the FFI permission before any other module's code runs.
import { STARTUP_HEAP_TRIMMER } from "./src/startup_heap_trimmer.ts";
import type { CliContext } from "./src/cli/command.ts";
import { runCli } from "./src/cli/main.ts";
import { registryHome } from "./src/registry/home.ts";

/** Writes all of `bytes` (a single write may take only part of them on a pipe). */
function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
}

/** This process's executable, where a native runtime pack may sit beside it; undefined without read access. */
function executable(): string | undefined {
  try {
    return Deno.execPath();
  } catch {
    return undefined;
  }
}

/**
 * The CLI context of this process: `$OBENTO_HOME` (default `~/.obento`), the working directory, and
 * stdout/stderr, `$OBENTO_REGISTRY_URL` and `$OBENTO_TOKEN` (a registry server), `$OBENTO_NATIVE_DIR` (the native runtime pack), `$AWS_*` (an S3 store), `$OBENTO_DEBUG` (`1`: stack traces after error lines), and the heap trimmer (bound when
 * main.ts's first import was evaluated: binding it is the process's one use of the FFI permission, which it
 * then drops). The only place obento reads its environment.
 */
export function processCliContext(cwd: string = Deno.cwd()): CliContext {
  const encoder = new TextEncoder();
  return {
    home: registryHome(Deno.env),
    cwd,
    isTerminal: Deno.stdout.isTerminal(),
    trimHeap: STARTUP_HEAP_TRIMMER,
    debug: ["1", "true", "yes"].includes(Deno.env.get("OBENTO_DEBUG")?.toLowerCase() ?? ""),
    registryUrl: Deno.env.get("OBENTO_REGISTRY_URL") || undefined,
    token: Deno.env.get("OBENTO_TOKEN") || undefined,
    nativeDir: Deno.env.get("OBENTO_NATIVE_DIR") || undefined,
    tmpDir: Deno.env.get("TMPDIR") || undefined,
    execPath: executable(),
    aws: {
      accessKeyId: Deno.env.get("AWS_ACCESS_KEY_ID") || undefined,
      secretAccessKey: Deno.env.get("AWS_SECRET_ACCESS_KEY") || undefined,
      sessionToken: Deno.env.get("AWS_SESSION_TOKEN") || undefined,
      region: Deno.env.get("AWS_REGION") || Deno.env.get("AWS_DEFAULT_REGION") || undefined,
    },
    stderrIsTerminal: Deno.stderr.isTerminal(),
    out: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    err: (text) => writeAll(Deno.stderr, encoder.encode(text)),
  };
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, processCliContext()));
}
