/**
 * `obento delete [Name:version…] [--labels SELECTOR] [--yes] [--json]`: removes bundles from the registry.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { openRegistryTarget, REGISTRY_FLAG, REGISTRY_HELP } from "./registry_target.ts";

function confirmInteractively(ctx: CliContext, question: string): boolean {
  if (!ctx.isTerminal || !Deno.stdin.isTerminal()) return false;
  return confirm(question);
}

/**
 * What to say when no bundle was deleted: which names (if any) matched nothing under which selector.
 *
 * @example
 * ```ts
 * import { nothingMatched } from "./delete.ts";
 * console.log(nothingMatched(["Iris"], "stage=qa")); // no version of Iris matches --labels stage=qa
 * ```
 */
export function nothingMatched(names: readonly string[], selector: string | undefined): string {
  const labels = selector === undefined ? "" : ` --labels ${selector}`;
  if (names.length === 0) return `no bundle matches${labels}`;
  if (names.length === 1) {
    return names[0].includes(":")
      ? `${names[0]} does not match${labels}`
      : `no version of ${names[0]} matches${labels}`;
  }
  return `none of ${names.join(", ")} matches${labels}`;
}

/** The `delete` command. */
export const deleteCommand: Command = {
  name: "delete",
  summary: "delete saved bundles, by name, version or labels",
  help: `Usage:
  obento delete [Name:version | Name:latest | Name]... [--labels SELECTOR] [--yes] [--json]

Deletes bundles from the registry. Name alone means every version of Name. With --labels, only the
named bundles whose labels match are deleted (with no names: every matching bundle). Every name is
resolved before anything is deleted: a name that does not exist fails the command (exit 66) and
deletes nothing. A --labels selector that matches nothing says so on stderr, deletes nothing and
exits 0, so a clean-up script can run it again.

Options:
  --labels SELECTOR  e.g. "stage=dev" (see \`obento list --help\`)
  -y, --yes          do not ask; required when stdin is not a terminal
  --json             print the deleted bundles as JSON ([] when none)
${REGISTRY_HELP}
  -h, --help         show this help

Examples:
  obento delete IrisClassifier:20261127114004_360ECB --yes   # one version
  obento delete IrisClassifier --labels stage=dev --yes       # its versions labelled stage=dev
  obento delete --labels 'stage In (dev, test)' --yes         # every bundle labelled so
`,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const parsed = parseFlags("delete", args, {
      ...REGISTRY_FLAG,
      labels: { type: "string" },
      yes: { type: "boolean", short: "y" },
      json: { type: "boolean" },
    });
    const selector = stringFlag(parsed, "labels");
    if (parsed.positionals.length === 0 && selector === undefined) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento delete: name bundles (Name:version) or give --labels SELECTOR (see `obento delete --help`)",
      );
    }
    const registry = await openRegistryTarget(ctx, parsed);
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
      // Chosen bundles that another process deletes meanwhile are skipped (not reported missing).
      const deleted = await registry.deleteSelected(targets);
      if (parsed.values.json === true) {
        ctx.out(JSON.stringify(deleted.map(({ name, version }) => ({ name, version }))) + "\n");
      } else if (deleted.length === 0 && targets.length > 0) {
        ctx.err(
          `${refs.join(", ")} ${refs.length === 1 ? "was" : "were"} deleted meanwhile by another process\n`,
        );
      } else if (deleted.length === 0) {
        ctx.err(`${nothingMatched(parsed.positionals, selector)}; nothing deleted\n`);
      } else {
        for (const b of deleted) ctx.out(`deleted ${b.name}:${b.version}\n`);
      }
      return 0;
    } finally {
      registry.close();
    }
  },
};
