/**
 * `obento delete [Name:version…] [--labels SELECTOR] [--yes] [--json]`: removes bundles from the registry.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { openRegistry } from "../registry/mod.ts";
import { parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";

function confirmInteractively(ctx: CliContext, question: string): boolean {
  if (!ctx.isTerminal || !Deno.stdin.isTerminal()) return false;
  return confirm(question);
}

/** The `delete` command. */
export const deleteCommand: Command = {
  name: "delete",
  summary: "Delete saved bundles",
  help: `Usage: obento delete [Name:version | Name:latest | Name]... [--labels SELECTOR] [--yes] [--json]

Deletes bundles from the registry. \`Name\` alone means every version of Name. With --labels, only bundles
whose labels match are deleted (with no names: every matching bundle). Every name is resolved before
anything is deleted.

Options:
  --labels SELECTOR  e.g. "stage=dev" (see \`obento list --help\`)
  --yes, -y          do not ask; required when stdin is not a terminal
  --json             print the deleted bundles as JSON
`,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const parsed = parseFlags("delete", args, {
      labels: { type: "string" },
      yes: { type: "boolean", short: "y" },
      json: { type: "boolean" },
    });
    const selector = stringFlag(parsed, "labels");
    if (parsed.positionals.length === 0 && selector === undefined) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento delete: name bundles (Name:version) or give --labels SELECTOR",
      );
    }
    const registry = await openRegistry({ home: ctx.home });
    try {
      const targets = await registry.select(parsed.positionals, { selector });
      const refs = targets.map((b) => `${b.name}:${b.version}`);
      if (targets.length > 0 && parsed.values.yes !== true) {
        const question = `Delete ${refs.length} bundle${refs.length === 1 ? "" : "s"} (${refs.join(", ")})?`;
        if (!confirmInteractively(ctx, question)) {
          throw new ObentoError(
            "BAD_ARGUMENT",
            `obento delete: not deleting ${refs.join(", ")} without confirmation; add --yes`,
          );
        }
      }
      const deleted = await registry.delete(targets.map((b) => `${b.name}:${b.version}`));
      if (parsed.values.json === true) {
        ctx.out(JSON.stringify(deleted.map(({ name, version }) => ({ name, version }))) + "\n");
      } else if (deleted.length === 0) {
        ctx.err("no bundles matched; nothing deleted\n");
      } else {
        for (const b of deleted) ctx.out(`deleted ${b.name}:${b.version}\n`);
      }
      return 0;
    } finally {
      registry.close();
    }
  },
};
