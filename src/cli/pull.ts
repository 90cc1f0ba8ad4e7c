/**
 * `obento pull Name[:version|:latest] [--registry URL] [--json]`: copies a bundle from a registry server into
 * the local registry as a streamed archive.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { openRegistry } from "../registry/mod.ts";
import { progressLine } from "../registry_client/progress.ts";
import { pullBundle } from "../registry_client/transfer.ts";
import { parseFlags } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { REGISTRY_FLAG, REGISTRY_HELP, registryUrlOf, remoteRegistry } from "./registry_target.ts";

/** The `pull` command. */
export const pullCommand: Command = {
  name: "pull",
  summary: "copy a bundle from a registry server into the local registry",
  help: `Usage:
  obento pull Name[:version|:latest] [--registry URL] [--json]

Streams the bundle from a registry server into the local registry ($OBENTO_HOME), checking every file
against its MANIFEST as it arrives; it is saved only once whole, so an interrupted pull leaves nothing
and can be run again. A version the local registry already has is not downloaded again. Needs a token
with read scope in $OBENTO_TOKEN unless the server allows public reads.

Options:
${REGISTRY_HELP}
  --json             print {name, version, bytes} as JSON (bytes 0: it was there already)
  -h, --help         show this help

Examples:
  obento pull IrisClassifier:latest --registry http://127.0.0.1:50051
  obento pull IrisClassifier:20261127114004_360ECB --json                # server in $OBENTO_REGISTRY_URL
`,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const parsed = parseFlags("pull", args, { ...REGISTRY_FLAG, json: { type: "boolean" } });
    if (parsed.positionals.length !== 1) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento pull: give one bundle, Name:version (see `obento pull --help`)",
      );
    }
    const url = registryUrlOf(ctx, parsed);
    if (url === undefined) {
      throw new ObentoError("BAD_ARGUMENT", "obento pull: give --registry URL or set OBENTO_REGISTRY_URL");
    }
    const remote = remoteRegistry(ctx, url);
    const local = await openRegistry({ home: ctx.home });
    try {
      const ref = parsed.positionals[0];
      const progress = progressLine(ctx.err, `pull ${ref}`, undefined, ctx.stderrIsTerminal === true);
      const pulled = await pullBundle(remote, local, ctx.home, ref, {
        onProgress: (n) => progress.update(n),
      });
      if (pulled.bytes > 0) progress.done();
      ctx.out(
        parsed.values.json === true
          ? JSON.stringify(pulled) + "\n"
          : pulled.bytes === 0
          ? `${pulled.name}:${pulled.version} is already in the local registry; nothing pulled\n`
          : `pulled ${pulled.name}:${pulled.version} from ${remote.url} (${pulled.bytes} bytes)\n`,
      );
      return 0;
    } finally {
      local.close();
    }
  },
};
