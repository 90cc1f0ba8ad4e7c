/**
 * `obento registry serve`: runs a team registry server (see docs/registry.md).
 *
 * @module
 */
import { join, resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import { BUNDLES_DIR, INDEX_FILE } from "../registry/registry.ts";
import { isPostgresUrl } from "../registry_server/backend.ts";
import { serveRegistry } from "../registry_server/serve.ts";
import { parseFlags, stringFlag } from "./args.ts";
import type { CliContext } from "./command.ts";

/** The `serve` part of `obento registry --help`. */
export const REGISTRY_SERVE_HELP =
  `serve   serves a registry to a team over HTTP: list, get, pull (read scope), push (write), delete (admin). Every
request needs a bearer token (\`obento registry token create\`), except reads with --public-read. Put TLS in
front with a reverse proxy (docs/registry.md). Options:
  --db PATH|URL      the index: an SQLite file (default $OBENTO_HOME/registry.db) or a PostgreSQL URL
                     postgres://user:password@host:port/database
  --store DIR        where bundle files live (default $OBENTO_HOME/bundles)
  --host HOST        interface to listen on (default 127.0.0.1)
  --port N           port (default 50051; 0 picks a free one)
  --public-read      let requests without a token list, get and pull
  --max-bundle-mb N  refuse pushed bundles larger than N MiB (default 16384)
`;

function dbOf(ctx: CliContext, value: string | undefined): string {
  if (value === undefined) return join(ctx.home, INDEX_FILE);
  if (value === "") throw new ObentoError("BAD_ARGUMENT", "--db needs an SQLite path or a postgres:// URL");
  return isPostgresUrl(value) ? value : resolve(ctx.cwd, value);
}

/** The database `--db` names (default the local registry's), for `registry serve` and `registry token`. */
export function registryDb(ctx: CliContext, value: string | undefined): string {
  return dbOf(ctx, value);
}

/** Runs `obento registry serve` until SIGINT or SIGTERM. */
export async function registryServe(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseFlags("registry serve", args, {
    db: { type: "string" },
    store: { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
    "public-read": { type: "boolean" },
    "max-bundle-mb": { type: "string" },
  });
  if (parsed.positionals.length > 0) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento registry serve: unexpected ${parsed.positionals.join(" ")}`,
    );
  }
  const portText = stringFlag(parsed, "port") ?? "50051";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento registry serve: --port must be 0..65535, got "${portText}"`,
    );
  }
  const mbText = stringFlag(parsed, "max-bundle-mb");
  const mb = mbText === undefined ? 16384 : Number(mbText);
  if (!Number.isInteger(mb) || mb < 1) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento registry serve: --max-bundle-mb must be a positive integer, got "${mbText}"`,
    );
  }
  const store = resolve(ctx.cwd, stringFlag(parsed, "store") ?? join(ctx.home, BUNDLES_DIR));
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    const server = await serveRegistry({
      db: dbOf(ctx, stringFlag(parsed, "db")),
      store,
      host: stringFlag(parsed, "host"),
      port,
      publicRead: parsed.values["public-read"] === true,
      limits: { maxTotalBytes: mb * 1024 * 1024 },
      log: (line) => ctx.err(`${line}\n`),
      signal: controller.signal,
    });
    await server.finished;
    ctx.err("obento registry stopped\n");
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
  }
}
