/**
 * The table of `obento` commands, in the order `obento --help` lists them.
 *
 * @module
 */
import type { Command } from "./command.ts";
import { initCommand } from "./init.ts";
import { packCommand } from "./pack.ts";
import { runCommand } from "./run.ts";
import { serveCommand } from "./serve.ts";
import { listCommand } from "./list.ts";
import { getCommand } from "./get.ts";
import { deleteCommand } from "./delete.ts";
import { retrieveCommand } from "./retrieve.ts";
import { registryCommand } from "./registry_cmd.ts";
import { pushCommand } from "./push.ts";
import { pullCommand } from "./pull.ts";
import { containerizeCommand } from "./containerize.ts";
import { healthcheckCommand } from "./healthcheck.ts";
import { deployCommand } from "./deploy.ts";
import { exportCommand } from "./export.ts";

/** Every command, by name. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  packCommand,
  runCommand,
  serveCommand,
  listCommand,
  getCommand,
  deleteCommand,
  retrieveCommand,
  pushCommand,
  pullCommand,
  registryCommand,
  containerizeCommand,
  deployCommand,
  exportCommand,
  healthcheckCommand,
];
