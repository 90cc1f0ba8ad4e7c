/**
 * The CLI's entry: dispatches `obento <command> …` to a command and maps any failure to one line on stderr
 * and the error's exit code.
 *
 * @module
 */
import { exitCodeOf, messageOf, ObentoError } from "../errors.ts";
import type { CliContext, Command } from "./command.ts";
import { COMMANDS } from "./commands.ts";
import { OBENTO_VERSION } from "../version.ts";

function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    "obento — pack, store, serve and run ONNX models as versioned bundles",
    "",
    "Usage: obento <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `obento <command> --help` for a command's options.",
    "Environment: OBENTO_HOME (default ~/.obento) holds the registry.",
    "",
  ].join("\n");
}

/**
 * Runs the CLI with `args` (without the program name) and returns the exit code; never throws.
 * @param args command line after `obento`
 * @param ctx environment-derived settings and output sinks
 * @param commands the command table (tests may pass their own)
 */
export async function runCli(
  args: string[],
  ctx: CliContext,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    ctx.out(usage(commands));
    return name === undefined ? 64 : 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    ctx.out(`obento ${OBENTO_VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `unknown command "${name}"; commands are: ${commands.map((c) => c.name).join(", ")}`,
      );
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      ctx.out(command.help.endsWith("\n") ? command.help : command.help + "\n");
      return 0;
    }
    return await command.run(rest, ctx);
  } catch (error) {
    ctx.err(`error: ${messageOf(error)}\n`);
    if (!(error instanceof ObentoError) && error instanceof Error && error.stack) {
      ctx.err(`${error.stack.split("\n").slice(1, 4).join("\n")}\n`);
    }
    return exitCodeOf(error);
  }
}
