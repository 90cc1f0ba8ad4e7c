/**
 * `obento push Name[:version|:latest] [--registry URL] [--json]`: copies a bundle from the local registry to
 * a registry server as a streamed archive.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { openRegistry } from "../registry/mod.ts";
import { progressLine } from "../registry_client/progress.ts";
import { pushBundle } from "../registry_client/transfer.ts";
import { parseFlags } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { REGISTRY_FLAG, REGISTRY_HELP, registryUrlOf, remoteRegistry } from "./registry_target.ts";

/** The `push` command. */
export const pushCommand: Command = {
  name: "push",
  summary: "copy a saved bundle to a registry server",
  help: `Usage:
  obento push Name[:version|:latest] [--registry URL] [--json]

Streams the bundle from the local registry ($OBENTO_HOME) to a registry server (\`obento registry serve\`).
Every file is checked against the bundle's MANIFEST on both ends; the server publishes the bundle only once
all of it arrived intact, so an interrupted push leaves nothing and can be run again. A version the server
already has is refused (exit 73). Needs a token with write scope in $OBENTO_TOKEN.

Options:
${REGISTRY_HELP}
  --json             print {name, version, bytes} as JSON
  -h, --help         show this help

Examples:
  obento push IrisClassifier:latest --registry http://127.0.0.1:50051   # token in $OBENTO_TOKEN
  obento push IrisClassifier:20261127114004_360ECB --json                # server in $OBENTO_REGISTRY_URL
`,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const parsed = parseFlags("push", args, { ...REGISTRY_FLAG, json: { type: "boolean" } });
    if (parsed.positionals.length !== 1) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento push: give one bundle, Name:version (see `obento push --help`)",
      );
    }
    const url = registryUrlOf(ctx, parsed);
    if (url === undefined) {
      throw new ObentoError("BAD_ARGUMENT", "obento push: give --registry URL or set OBENTO_REGISTRY_URL");
    }
    const remote = remoteRegistry(ctx, url);
    const local = await openRegistry({ home: ctx.home });
    try {
      const ref = parsed.positionals[0];
      const progress = progressLine(ctx.err, `push ${ref}`, undefined, ctx.stderrIsTerminal === true);
      const pushed = await pushBundle(remote, local, ref, { onProgress: (n) => progress.update(n) });
      progress.done();
      ctx.out(
        parsed.values.json === true
          ? JSON.stringify(pushed) + "\n"
          : `pushed ${pushed.name}:${pushed.version} to ${remote.url} (${pushed.bytes} bytes)\n`,
      );
      return 0;
    } finally {
      local.close();
    }
  },
};
