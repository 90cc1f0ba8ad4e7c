/**
 * `obento get Name[:version] [--labels SELECTOR] [--yaml | --json | --print-location] [--quiet]`: a bundle's
 * summary (or its bento.yaml, or JSON); without a version, its versions.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { stringifyBento } from "../bundle/bento_yaml.ts";
import { matchesSelector, parseBundleRef, parseSelector } from "../registry/mod.ts";
import { parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { openRegistryTarget, REGISTRY_FLAG, REGISTRY_HELP } from "./registry_target.ts";
import { directorySize, formatBundleSummary } from "./bundle_summary.ts";
import { printBundles } from "./list.ts";

/** The `get` command. */
export const getCommand: Command = {
  name: "get",
  summary: "show a saved bundle's summary, bento.yaml or location, or the versions of a name",
  help: `Usage:
  obento get Name[:version|:latest] [--labels SELECTOR] [--yaml | --json | --print-location] [--quiet]

With a version (or :latest), prints a summary of the bundle: when it was packed, its labels, size on
disk and location, its APIs (input adapter and what it takes, batch or not, output), its artifacts (type,
size, sha256) and their metadata. With only a name, lists its versions, newest first.

Options:
  --yaml             print the bundle's full bento.yaml, then its location
  --json             print the bento.yaml as JSON, with "location"
  --print-location   print only the bundle's directory (the newest version when none is given)
  --labels SELECTOR  only versions whose labels match (see \`obento list --help\`)
  -q, --quiet        with --yaml or --print-location: print nothing but the requested value
${REGISTRY_HELP}
  -h, --help         show this help

Examples:
  obento get IrisClassifier:latest                   # summary of the newest version
  obento get IrisClassifier:latest --yaml            # its full bento.yaml
  obento get IrisClassifier --labels stage=prod      # the versions labelled stage=prod
  obento get IrisClassifier:latest --print-location  # where its files are
`,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const parsed = parseFlags("get", args, {
      ...REGISTRY_FLAG,
      labels: { type: "string" },
      "print-location": { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
      json: { type: "boolean" },
      yaml: { type: "boolean" },
    });
    if (parsed.values.yaml === true && parsed.values.json === true) {
      throw new ObentoError("BAD_ARGUMENT", "obento get: give --yaml or --json, not both");
    }
    if (parsed.positionals.length !== 1) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento get: give one bundle, Name or Name:version (see `obento get --help`)",
      );
    }
    const ref = parsed.positionals[0];
    const { name } = parseBundleRef(ref);
    const labels = stringFlag(parsed, "labels");
    const selector = labels === undefined ? undefined : parseSelector(labels);
    const json = parsed.values.json === true;
    const registry = await openRegistryTarget(ctx, parsed);
    try {
      if (!ref.includes(":") && parsed.values["print-location"] !== true) {
        const versions = await registry.list({ name, selector });
        if (versions.length === 0 && !json) {
          await registry.resolve(name); // NOT_FOUND when the name is unknown
          ctx.err(`no version of ${name} matches --labels ${labels}\n`);
          return 0;
        }
        printBundles(ctx, versions, json);
        return 0;
      }
      const found = await registry.resolve(ref);
      if (selector && !matchesSelector(selector, found.labels)) {
        throw new ObentoError(
          "NOT_FOUND",
          `${found.name}:${found.version} does not match --labels ${labels}`,
        );
      }
      const details = await registry.get(found.name, found.version);
      if (parsed.values["print-location"] === true) {
        ctx.out(json ? JSON.stringify({ location: details.path }) + "\n" : `${details.path}\n`);
      } else if (json) {
        ctx.out(JSON.stringify({ ...details.document, location: details.path }, null, 2) + "\n");
      } else if (parsed.values.yaml === true) {
        ctx.out(stringifyBento(details.document));
        if (parsed.values.quiet !== true) ctx.out(`location: ${details.path}\n`);
      } else {
        const size = "url" in registry // a server: its artifacts' sizes (the files are not here to measure)
          ? details.document.artifacts.reduce((n, a) => n + a.size, 0)
          : await directorySize(details.path);
        ctx.out(formatBundleSummary({ document: details.document, location: details.path, size }));
      }
      return 0;
    } finally {
      registry.close();
    }
  },
};
