/**
 * `obento registry verify|gc [--json]`: checks the registry's integrity and removes crash leftovers.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { openRegistry } from "../registry/mod.ts";
import { parseFlags } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { didYouMean } from "./suggest.ts";
import {
  REGISTRY_SERVE_HELP,
  registryDb,
  registryServe,
  registryStore,
  STORE_FLAGS,
} from "./registry_serve.ts";
import { openBackend } from "../registry_server/backend.ts";
import type { Registry } from "../registry/registry.ts";
import { REGISTRY_TOKEN_HELP, registryToken } from "./registry_token.ts";

const SUBCOMMANDS = ["verify", "gc", "serve", "token"];

const lines = (title: string, items: readonly string[]) =>
  items.length === 0 ? "" : `${title}:\n${items.map((i) => `  ${i}\n`).join("")}`;

/** The `registry` command (subcommands `verify` and `gc`). */
export const registryCommand: Command = {
  name: "registry",
  summary:
    "check the registry (verify), remove leftovers (gc), serve it to a team (serve), manage tokens (token)",
  help: `Usage:
  obento registry verify [--db PATH|URL --store DIR|s3://… [--s3-endpoint URL]] [--json]
  obento registry gc [--db PATH|URL --store DIR|s3://… [--s3-endpoint URL]] [--json]
  obento registry serve [--db PATH | --db postgres://…] [--store DIR | --store s3://bucket/prefix]
                        [--s3-endpoint URL] [--host 127.0.0.1] [--port 50051] [--public-read]
                        [--max-bundle-mb N]
  obento registry token create --scope read|write|admin [--name TEXT] [--db PATH|URL] [--json]
  obento registry token list [--db PATH|URL] [--json]
  obento registry token revoke ID [--db PATH|URL]

verify  re-checks every saved bundle's digests and bento.yaml, and that the index (registry.db) and the
        bundle files agree; exits 65 when a bundle is damaged. Leftovers of interrupted saves are
        listed but are not damage.
gc      removes leftovers of crashed saves and deletes (temporary and trash directories, unfinished index
        rows, unindexed bundle directories); saves still in progress are left alone.
        Both work on the local registry, or on a team registry's --db and --store (the values given to
        \`registry serve\`; an s3:// store reads AWS_* like serve).
${REGISTRY_SERVE_HELP}${REGISTRY_TOKEN_HELP}
Options:
  --json      print the report as JSON
  -h, --help  show this help

Examples:
  obento registry verify           # exit 0 when every bundle is intact
  obento registry gc --json        # remove leftovers; report what went
  obento registry serve --db postgres://obento@db:5432/obento --store /srv/obento --host 0.0.0.0
  obento registry serve --store s3://models/obento --s3-endpoint http://minio:9000  # AWS_* set
  obento registry token create --scope write --name ci
  obento registry token revoke 3f9c1a2b4d5e
`,
  async run(args: string[], ctx: CliContext): Promise<number> {
    if (args[0] === "serve" || args[0] === "token") {
      return args[0] === "serve"
        ? await registryServe(args.slice(1), ctx)
        : await registryToken(args.slice(1), ctx);
    }
    const parsed = parseFlags("registry", args, {
      json: { type: "boolean" },
      db: { type: "string" },
      ...STORE_FLAGS,
    });
    const [sub, ...extra] = parsed.positionals;
    if ((sub !== "verify" && sub !== "gc") || extra.length > 0) {
      const guess = sub === undefined || extra.length > 0 ? "" : didYouMean(sub, SUBCOMMANDS);
      throw new ObentoError(
        "BAD_ARGUMENT",
        `obento registry: expected "verify", "gc", "serve" or "token"${
          sub === undefined ? "" : `, got "${parsed.positionals.join(" ")}"`
        }${guess} (see \`obento registry --help\`)`,
      );
    }
    const json = parsed.values.json === true;
    const team = ["db", "store", "s3-endpoint"].some((f) => parsed.values[f] !== undefined);
    let registry: Registry;
    let close: () => Promise<void>;
    let where = ctx.home;
    if (team) {
      const { store, s3 } = registryStore(ctx, parsed);
      const backend = await openBackend({
        db: registryDb(ctx, parsed.values.db as string | undefined),
        store,
        s3,
      });
      registry = backend.registry!;
      close = () => backend.close();
      where = `${backend.describe} and ${registry.store.location}`;
    } else {
      const local = await openRegistry({ home: ctx.home });
      registry = local;
      close = () => Promise.resolve(local.close());
    }
    try {
      if (sub === "gc") {
        const report = await registry.gc();
        if (json) ctx.out(JSON.stringify(report, null, 2) + "\n");
        else {
          ctx.out(
            `removed ${report.removed.length} leftover${report.removed.length === 1 ? "" : "s"}\n` +
              lines("removed", report.removed) + lines("kept (in progress)", report.inProgress),
          );
        }
        return 0;
      }
      const report = await registry.verify();
      if (json) ctx.out(JSON.stringify(report, null, 2) + "\n");
      else {
        ctx.out(
          `checked ${report.checked} bundle${report.checked === 1 ? "" : "s"}: ` +
            `${report.ok ? "ok" : `${report.problems.length} damaged`}\n` +
            lines("damaged", report.problems) +
            lines("leftovers (run `obento registry gc`)", report.leftovers) +
            lines("in progress", report.inProgress),
        );
      }
      if (!report.ok) {
        throw new ObentoError(
          "INTEGRITY",
          `${report.problems.length} damaged bundle${report.problems.length === 1 ? "" : "s"} in ${where}; ` +
            "delete them (`obento delete Name:version --yes`) and save them again",
        );
      }
      return 0;
    } finally {
      await close();
    }
  },
};
