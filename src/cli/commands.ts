/**
 * The table of `obento` commands, in the order `obento --help` lists them.
 *
 * @module
 */
import type { Command } from "./command.ts";
import { packCommand } from "./pack.ts";
import { runCommand } from "./run.ts";

/** Every command, by name. */
export const COMMANDS: readonly Command[] = [
  packCommand,
  runCommand,
];
