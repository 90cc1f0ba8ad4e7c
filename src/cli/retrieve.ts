/**
 * `obento retrieve Name[:version] --target-dir DIR [--json]`: copies a bundle out of the registry.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import { parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { openRegistryTarget, REGISTRY_FLAG, REGISTRY_HELP } from "./registry_target.ts";

/**
 * Checks that `target` can be created: its nearest existing ancestor is a directory.
 *
 * @throws {ObentoError} NOT_FOUND naming the ancestor that is a file
 */
async function checkTargetParent(target: string): Promise<void> {
  let dir = dirname(target);
  while (true) {
    try {
      const info = await Deno.stat(dir);
      if (info.isDirectory) return;
      throw new ObentoError("NOT_FOUND", `--target-dir ${target}: ${dir} is not a directory`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound) && !(error instanceof Deno.errors.NotADirectory)) {
        throw error;
      }
    }
    if (dirname(dir) === dir) return;
    dir = dirname(dir);
  }
}

/** The `retrieve` command. */
export const retrieveCommand: Command = {
  name: "retrieve",
  summary: "copy a saved bundle out of the registry into a new directory",
  help: `Usage:
  obento retrieve Name[:version|:latest] --target-dir DIR [--json]

Checks the bundle's digests and copies it into DIR, which must not exist yet (its parent directories
are created).

Options:
  --target-dir DIR  where to copy the bundle (created; never overwritten)
  --json            print {name, version, path} as JSON
${REGISTRY_HELP}
  -h, --help        show this help

Examples:
  obento retrieve IrisClassifier:latest --target-dir ./iris-bundle
  obento retrieve IrisClassifier:20261127114004_360ECB --target-dir /srv/bundles/iris --json
`,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const parsed = parseFlags("retrieve", args, {
      ...REGISTRY_FLAG,
      "target-dir": { type: "string" },
      json: { type: "boolean" },
    });
    const target = stringFlag(parsed, "target-dir");
    if (parsed.positionals.length !== 1 || target === undefined || target === "") {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento retrieve: give one bundle and --target-dir DIR (see `obento retrieve --help`)",
      );
    }
    const registry = await openRegistryTarget(ctx, parsed);
    try {
      await checkTargetParent(resolve(ctx.cwd, target));
      const saved = await registry.retrieve(parsed.positionals[0], resolve(ctx.cwd, target));
      ctx.out(
        parsed.values.json === true
          ? JSON.stringify(saved) + "\n"
          : `copied ${saved.name}:${saved.version} to ${saved.path}\n`,
      );
      return 0;
    } finally {
      registry.close();
    }
  },
};
