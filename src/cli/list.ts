/**
 * `obento list [Name] [--labels SELECTOR] [--limit N] [--json]`: the registry's bundles, newest first.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { BundleSummary } from "../registry/mod.ts";
import { intFlag, parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { openRegistryTarget, REGISTRY_FLAG, REGISTRY_HELP } from "./registry_target.ts";
import { formatAge, formatTable } from "./table.ts";

/** The JSON shape of one bundle in `list --json` and `get Name --json`. */
export function bundleJson(b: BundleSummary): Record<string, unknown> {
  return {
    name: b.name,
    version: b.version,
    created_at: b.createdAt,
    labels: b.labels,
    apis: b.apis,
    artifacts: b.artifacts,
    location: b.path,
  };
}

/** The readable table of bundles (BUNDLE, AGE, APIS, ARTIFACTS, LABELS). */
export function bundleTable(bundles: readonly BundleSummary[], now: Date = new Date()): string {
  return formatTable(
    ["BUNDLE", "AGE", "APIS", "ARTIFACTS", "LABELS"],
    bundles.map((b) => [
      `${b.name}:${b.version}`,
      formatAge(b.createdAt, now),
      b.apis.join(", "),
      b.artifacts.map((a) => `${a.name}<${a.type}>`).join(", "),
      Object.entries(b.labels).map(([k, v]) => `${k}=${v}`).join(", "),
    ]),
  );
}

/** Writes bundles as JSON or a table (a note on stderr when there are none). */
export function printBundles(ctx: CliContext, bundles: readonly BundleSummary[], json: boolean): void {
  if (json) ctx.out(JSON.stringify(bundles.map(bundleJson), null, 2) + "\n");
  else if (bundles.length === 0) ctx.err("no bundles found\n");
  else ctx.out(bundleTable(bundles));
}

/** The `list` command. */
export const listCommand: Command = {
  name: "list",
  summary: "list saved bundles, newest first",
  help: `Usage:
  obento list [Name] [--labels SELECTOR] [--limit N] [--json]

Lists the bundles in the registry ($OBENTO_HOME), newest first: BUNDLE, AGE, APIS, ARTIFACTS, LABELS.

Options:
  --labels SELECTOR  only bundles whose labels match, e.g. "stage=prod, team In (ml, data)";
                     operators: =, !=, In (...), NotIn (...), Exists, DoesNotExist; comma = AND
  --limit N          at most N bundles
  --json             print JSON instead of a table
${REGISTRY_HELP}
  -h, --help         show this help

Examples:
  obento list                                  # every bundle, newest first
  obento list IrisClassifier --limit 5         # the 5 newest versions of IrisClassifier
  obento list --labels 'stage=prod, team Exists' --json
`,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const parsed = parseFlags("list", args, {
      ...REGISTRY_FLAG,
      labels: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean" },
    });
    if (parsed.positionals.length > 1) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento list: give at most one bundle name (see `obento list --help`)",
      );
    }
    const limit = parsed.values.limit === undefined ? undefined : intFlag("list", parsed, "limit", 1);
    const registry = await openRegistryTarget(ctx, parsed);
    try {
      const bundles = await registry.list({
        name: parsed.positionals[0],
        selector: stringFlag(parsed, "labels"),
        limit,
      });
      printBundles(ctx, bundles, parsed.values.json === true);
      return 0;
    } finally {
      registry.close();
    }
  },
};
