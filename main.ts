/**
 * The `obento` command line. Reads the environment once and hands it to the CLI layer.
 *
 * @module
 */
import { join } from "node:path";
import type { CliContext } from "./src/cli/command.ts";
import { runCli } from "./src/cli/main.ts";
import { openHeapTrimmer } from "./src/heap_trim.ts";

/** Writes all of `bytes` (a single write may take only part of them on a pipe). */
function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
}

/**
 * The CLI context of this process: `$OBENTO_HOME` (default `~/.obento`), the working directory, and
 * stdout/stderr, and the heap trimmer (bound now, before any bundle code loads, because binding it is the
 * process's one use of the FFI permission, which it then drops). The only place obento reads its environment.
 */
export function processCliContext(cwd: string = Deno.cwd()): CliContext {
  const encoder = new TextEncoder();
  const home = Deno.env.get("OBENTO_HOME") ||
    join(Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".", ".obento");
  return {
    home,
    cwd,
    isTerminal: Deno.stdout.isTerminal(),
    trimHeap: openHeapTrimmer(),
    out: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    err: (text) => writeAll(Deno.stderr, encoder.encode(text)),
  };
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, processCliContext()));
}
