/**
 * The `obento` command line. Reads the environment once and hands it to the CLI layer.
 *
 * @module
 */
import { join } from "node:path";
import { runCli } from "./src/cli/main.ts";

if (import.meta.main) {
  const encoder = new TextEncoder();
  const home = Deno.env.get("OBENTO_HOME") ||
    join(Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".", ".obento");
  const code = await runCli(Deno.args, {
    home,
    cwd: Deno.cwd(),
    isTerminal: Deno.stdout.isTerminal(),
    out: (text) => void Deno.stdout.writeSync(encoder.encode(text)),
    err: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
  });
  Deno.exit(code);
}
