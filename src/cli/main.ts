/**
 * The CLI's entry: dispatches `obento <command> …` to a command and maps any failure to one line on stderr
 * and the error's exit code.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { CliContext, Command } from "./command.ts";
import { COMMANDS, type LazyCommand } from "./commands.ts";
import { errorReport } from "./error_report.ts";
import { didYouMean } from "./suggest.ts";
import { OBENTO_VERSION } from "../version.ts";

/** A command, or one whose module is loaded when it runs (src/cli/commands.ts). */
export type CommandEntry = Command | LazyCommand;

function usage(commands: readonly CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    "obento — pack, store, serve and run ONNX models as versioned bundles",
    "",
    "Usage: obento <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `obento <command> --help` for a command's options and examples.",
    "",
    "Environment:",
    "  OBENTO_HOME   the registry's directory (default ~/.obento)",
    "  OBENTO_DEBUG  1: print stack traces after an error line",
    "  OBENTO_REGISTRY_URL  a registry server for list/get/delete/retrieve/push/pull (obento registry serve)",
    "  OBENTO_TOKEN  the bearer token sent to that server",
    "  OBENTO_NATIVE_DIR  the native runtime pack's folder for serve and run (default: beside obento)",
    "",
    "Exit status: 0 success, 64 bad usage, 65 bad input data, 66 something named does not exist,",
    "69 a resource is unavailable (a full disk), 70 internal error, 73 would overwrite, 77 no or wrong token,",
    "130 interrupted.",
    "",
    "Examples:",
    "  obento pack service.ts --artifact model=model.onnx             # save a bundle to the registry",
    "  obento list                                                   # what the registry holds",
    "  obento get IrisClassifier:latest                              # one bundle's APIs and artifacts",
    "  obento run IrisClassifier predict --input-file rows.csv --output predictions.csv",
    "  obento serve IrisClassifier:latest --port 3000                # REST API on port 3000",
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
  commands: readonly CommandEntry[] = COMMANDS,
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
  const entry = commands.find((c) => c.name === name);
  try {
    if (!entry) {
      const names = commands.map((c) => c.name);
      throw new ObentoError(
        "BAD_ARGUMENT",
        name.startsWith("-")
          ? `unknown option ${name}; give a command first (see \`obento --help\`)`
          : `unknown command "${name}"${didYouMean(name, names)} (see \`obento --help\`; commands are: ` +
            `${names.join(", ")})`,
      );
    }
    const command = "load" in entry ? await entry.load() : entry;
    if (rest.includes("--help") || rest.includes("-h")) {
      ctx.out(command.help.endsWith("\n") ? command.help : command.help + "\n");
      return 0;
    }
    return await command.run(rest, ctx);
  } catch (error) {
    const report = errorReport(error, ctx.debug === true);
    ctx.err(report.text);
    return report.exitCode;
  }
}
