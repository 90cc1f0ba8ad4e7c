/**
 * `obento registry serve`: runs a team registry server (see docs/registry.md).
 *
 * @module
 */
import { join, resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import { BUNDLES_DIR, INDEX_FILE } from "../registry/registry.ts";
import { isPostgresUrl, isS3Url, type S3Settings } from "../registry_server/backend.ts";
import { serveRegistry } from "../registry_server/serve.ts";
import { type ParsedArgs, parseFlags, stringFlag } from "./args.ts";
import type { CliContext } from "./command.ts";

/** The `serve` part of `obento registry --help`. */
export const REGISTRY_SERVE_HELP =
  `serve   serves a registry to a team over HTTP: list, get, pull (read scope), push (write), delete (admin). Every
request needs a bearer token (\`obento registry token create\`), except reads with --public-read. Put TLS in
front with a reverse proxy (docs/registry.md). Options:
  --db PATH|URL      the index: an SQLite file (default $OBENTO_HOME/registry.db) or a PostgreSQL URL
                     postgres://user:password@host:port/database
  --store DIR|URL    where bundle files live: a directory (default $OBENTO_HOME/bundles) or an S3-compatible
                     bucket s3://bucket/prefix, with credentials from AWS_ACCESS_KEY_ID,
                     AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN) and AWS_REGION (default us-east-1)
  --s3-endpoint URL  the S3-compatible server (MinIO, Ceph…), e.g. http://127.0.0.1:9000 (default: AWS)
  --host HOST        interface to listen on (default 127.0.0.1)
  --port N           port (default 50051; 0 picks a free one)
  --public-read      let requests without a token list, get and pull
  --max-bundle-mb N  refuse pushed bundles larger than N MiB (default 16384)
`;

/** Where a server with an S3 store unpacks pushes before uploading them: `$OBENTO_HOME/registry-uploads`. */
export const UPLOADS_DIR = "registry-uploads";

function dbOf(ctx: CliContext, value: string | undefined): string {
  if (value === undefined) return join(ctx.home, INDEX_FILE);
  if (value === "") throw new ObentoError("BAD_ARGUMENT", "--db needs an SQLite path or a postgres:// URL");
  return isPostgresUrl(value) ? value : resolve(ctx.cwd, value);
}

/** The database `--db` names (default the local registry's), for `registry serve` and `registry token`. */
export function registryDb(ctx: CliContext, value: string | undefined): string {
  return dbOf(ctx, value);
}

/** The flags naming a registry's bundle store, for `registry serve`, `verify` and `gc`. */
export const STORE_FLAGS = {
  store: { type: "string" },
  "s3-endpoint": { type: "string" },
} as const;

/**
 * The store `--store` and `--s3-endpoint` name (default `$OBENTO_HOME/bundles`), with the S3 settings from
 * the `AWS_*` variables main.ts read.
 *
 * @throws {ObentoError} BAD_ARGUMENT for `--s3-endpoint` without an s3:// store, or one that is not a URL
 */
export function registryStore(ctx: CliContext, parsed: ParsedArgs): { store: string; s3: S3Settings } {
  const storeText = stringFlag(parsed, "store");
  const store = storeText !== undefined && isS3Url(storeText)
    ? storeText
    : resolve(ctx.cwd, storeText ?? join(ctx.home, BUNDLES_DIR));
  const endpoint = stringFlag(parsed, "s3-endpoint");
  if (endpoint !== undefined) {
    if (!isS3Url(store)) {
      throw new ObentoError("BAD_ARGUMENT", "--s3-endpoint needs --store s3://bucket/…");
    }
    if (!/^https?:\/\/[^/]+/.test(endpoint) || !URL.canParse(endpoint)) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `--s3-endpoint must be an http:// or https:// URL, got "${endpoint}"`,
      );
    }
  }
  const aws = ctx.aws ?? {};
  return {
    store,
    s3: {
      endpoint,
      region: aws.region,
      credentials: {
        accessKeyId: aws.accessKeyId,
        secretAccessKey: aws.secretAccessKey,
        sessionToken: aws.sessionToken,
      },
    },
  };
}

/** Runs `obento registry serve` until SIGINT or SIGTERM. */
export async function registryServe(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseFlags("registry serve", args, {
    db: { type: "string" },
    ...STORE_FLAGS,
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
  const { store, s3 } = registryStore(ctx, parsed);
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    const server = await serveRegistry({
      db: dbOf(ctx, stringFlag(parsed, "db")),
      store,
      s3,
      scratchRoot: isS3Url(store) ? join(ctx.home, UPLOADS_DIR) : undefined,
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
