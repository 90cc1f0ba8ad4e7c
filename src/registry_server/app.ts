/**
 * The registry server's HTTP API (Hono), over the same {@link Registry} (index + blob store) as the local
 * registry:
 *
 * | route | scope |
 * | --- | --- |
 * | `GET /healthz` (index and store answer: 200, else 503) | none |
 * | `GET /metrics` (Prometheus text) | none |
 * | `GET /ui/` (the web UI; `/` redirects there) | none (the page asks for a token when reads need one) |
 * | `GET /v1/bundles?name=&labels=&limit=` | read |
 * | `GET /v1/bundles/:name/:version` (`latest` allowed) | read |
 * | `GET /v1/bundles/:name/:version/archive` | read |
 * | `PUT /v1/bundles/:name/:version/archive` | write |
 * | `DELETE /v1/bundles/:name/:version` | admin |
 *
 * Every `/v1` route checks its token before looking anything up, so a refused request never
 * reveals whether a bundle exists. A push is unpacked into a private scratch directory (every entry checked,
 * every digest verified while it streams), then saved with the registry's own crash-safe add (stage,
 * reserve, publish with one rename, commit); anything that fails on the way leaves nothing published.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { join } from "node:path";
import { messageOf, ObentoError } from "../errors.ts";
import { parseBento } from "../bundle/bento_yaml.ts";
import { unpackBundleArchive } from "../registry/archive/bundle_archive.ts";
import { storedBundleArchive } from "../registry/archive/stored_archive.ts";
import type { ArchiveLimits } from "../registry/archive/bundle_archive.ts";
import { makeScratchDir } from "../registry/archive/scratch.ts";
import { formatBundleRef, LATEST, parseBundleRef } from "../registry/bundle_ref.ts";
import type { Registry } from "../registry/registry.ts";
import { diskFullError } from "./disk_full.ts";
import { checkHealth } from "./health.ts";
import { RegistryMetrics } from "./metrics.ts";
import { measureRequests } from "./request_metrics.ts";
import { allows, type Scope, type TokenInfo, type TokenStore, verifyToken } from "./tokens.ts";
import { uiApp } from "./ui_assets.ts";

/** The scratch directories of pushes in progress, under the store's directory. */
export const UPLOAD_PREFIX = ".upload-";

/** Options for {@link registryApp}. */
export interface RegistryAppOptions {
  /** The registry served. */
  registry: Registry;
  /** Where tokens are checked. */
  tokens: TokenStore;
  /** The directory pushes are unpacked in (same file system as the store, so saving is a rename). */
  scratchRoot: string;
  /** Let requests without a token read (list, get, pull). Default false: every request needs a token. */
  publicRead?: boolean;
  /** Limits on pushed archives. */
  limits?: ArchiveLimits;
  /** Called once per request with a one-line log. Default: nothing. */
  log?: (line: string) => void;
  /** The metrics `/metrics` shows. Default: a fresh set with this process's figures. */
  metrics?: RegistryMetrics;
  /** Serve the web UI at `/ui/` (and redirect `/` there). Default true. */
  ui?: boolean;
  /** How long `/healthz` waits for the index and the store, each. Default 5000 ms. */
  healthTimeoutMs?: number;
}

type Env = { Variables: { token?: TokenInfo } };

function errorBody(error: ObentoError): { error: { code: string; message: string } } {
  return { error: { code: error.code, message: error.message } };
}

const ACTIONS: Record<Scope, string> = { read: "reading", write: "pushing", admin: "deleting" };

/** The bundle a route names; `latest` only where `allowLatest`. */
function routeRef(c: Context<Env>, allowLatest: boolean): { name: string; version?: string } {
  const name = c.req.param("name") ?? "";
  const version = c.req.param("version") ?? "";
  const ref = parseBundleRef(`${name}:${version}`);
  if (ref.version === undefined && !allowLatest) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `"${LATEST}" names the newest version; push or delete an exact version`,
    );
  }
  return ref;
}

/**
 * The server's Hono app.
 *
 * @example
 * ```ts
 * import { openBackend } from "./backend.ts";
 * import { registryApp } from "./app.ts";
 * const { registry, tokens } = await openBackend({ db: "/srv/obento/registry.db", store: "/srv/obento/bundles" });
 * const app = registryApp({ registry: registry!, tokens, scratchRoot: "/srv/obento/bundles" });
 * Deno.serve({ port: 50051 }, app.fetch);
 * ```
 */
export function registryApp(options: RegistryAppOptions): Hono<Env> {
  const { registry, tokens } = options;
  const metrics = options.metrics ?? new RegistryMetrics();
  const app = new Hono<Env>();
  app.use(measureRequests(metrics));

  const need = (scope: Scope) => async (c: Context<Env>, next: () => Promise<void>) => {
    const header = c.req.header("authorization");
    if (header === undefined) {
      if (scope === "read" && options.publicRead) return await next();
      c.header("WWW-Authenticate", 'Bearer realm="obento"');
      throw new ObentoError(
        "UNAUTHORIZED",
        `this registry needs a token for ${ACTIONS[scope]}; set OBENTO_TOKEN (an admin makes one with ` +
          "`obento registry token create`)",
      );
    }
    const m = /^Bearer (\S+)$/i.exec(header);
    const token = m ? await verifyToken(tokens, m[1]) : undefined;
    if (!token) {
      c.header("WWW-Authenticate", 'Bearer realm="obento", error="invalid_token"');
      throw new ObentoError("UNAUTHORIZED", "the token is not valid (unknown, malformed or revoked)");
    }
    if (!allows(token.scope, scope)) {
      throw new ObentoError(
        "FORBIDDEN",
        `token ${token.id} has scope ${token.scope}; ${ACTIONS[scope]} needs ${scope} (or a stronger scope)`,
      );
    }
    c.set("token", token);
    await next();
  };

  app.onError((error, c) => {
    const full = diskFullError(error);
    // The client's message names no server path; the operator's log keeps the original.
    if (full !== undefined) options.log?.(`error: ${c.req.method} ${c.req.path}: ${messageOf(error)}`);
    const known = full ?? (error instanceof ObentoError ? error : new ObentoError(
      "INTERNAL",
      `internal error: ${(error as Error).message ?? String(error)}`,
    ));
    return c.json(errorBody(known), known.status as 400);
  });
  app.notFound((c) =>
    c.json(errorBody(new ObentoError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`)), 404)
  );
  if (options.log) {
    const log = options.log;
    app.use(async (c, next) => {
      const start = performance.now();
      await next();
      log(
        `${c.req.method} ${c.req.path} ${c.res.status} ${(performance.now() - start).toFixed(0)}ms` +
          (c.get("token") ? ` token=${c.get("token")!.id}` : ""),
      );
    });
  }

  app.get("/healthz", async (c) => {
    const report = await checkHealth(registry, { timeoutMs: options.healthTimeoutMs, log: options.log });
    return c.json(report, report.status === "ok" ? 200 : 503);
  });
  app.get(
    "/metrics",
    (c) => c.body(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
  );

  if (options.ui ?? true) app.route("/", uiApp());

  app.get("/v1/bundles", need("read"), async (c) => {
    const limitText = c.req.query("limit");
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new ObentoError("BAD_ARGUMENT", `limit must be a positive integer, got "${limitText}"`);
    }
    const bundles = await registry.list({
      name: c.req.query("name"),
      selector: c.req.query("labels"),
      limit,
    });
    return c.json({ bundles: bundles.map(({ path: _, ...record }) => record) });
  });

  app.get("/v1/bundles/:name/:version", need("read"), async (c) => {
    const { name, version } = routeRef(c, true);
    const details = await registry.get(name, version);
    const summary = await registry.resolve(formatBundleRef(details.name, details.version));
    const { path: _, ...record } = summary;
    return c.json({ bundle: record, document: details.document });
  });

  app.get("/v1/bundles/:name/:version/archive", need("read"), async (c) => {
    const { name, version } = routeRef(c, true);
    const found = await registry.resolve(version === undefined ? name : formatBundleRef(name, version));
    // read through the store (a directory or a bucket); the puller checks digests
    const { stream, size } = await storedBundleArchive(registry.store, found.name, found.version);
    return new Response(stream, {
      headers: {
        "content-type": "application/x-tar",
        "content-length": String(size),
        "x-obento-bundle": formatBundleRef(found.name, found.version),
        "content-disposition": `attachment; filename="${found.name}-${found.version}.tar"`,
      },
    });
  });

  app.put("/v1/bundles/:name/:version/archive", need("write"), async (c) => {
    const { name, version } = routeRef(c, false);
    const ref = formatBundleRef(name, version!);
    if (await registry.index.find(name, version!)) {
      throw new ObentoError("CONFLICT", `${ref} is already in the registry; push another version`);
    }
    const body = c.req.raw.body;
    if (!body) throw new ObentoError("BAD_INPUT", "the push has no body; send the bundle's archive");
    const scratch = await makeScratchDir(options.scratchRoot, UPLOAD_PREFIX);
    try {
      await unpackBundleArchive(body, scratch.path, options.limits);
      const text = await Deno.readTextFile(join(scratch.path, "bento.yaml")).catch((error) => {
        if (error instanceof Deno.errors.NotFound) {
          throw new ObentoError("BAD_INPUT", "the archive has no bento.yaml; push a bundle written by pack");
        }
        throw error;
      });
      const document = parseBento(text, "bento.yaml");
      if (document.name !== name || document.version !== version) {
        throw new ObentoError(
          "BAD_INPUT",
          `the archive holds ${
            formatBundleRef(document.name, document.version)
          }, not ${ref}; push it under its own name`,
        );
      }
      await registry.add(scratch.path, { move: true });
      return c.json({ name, version }, 201);
    } finally {
      await scratch.dispose();
    }
  });

  app.delete("/v1/bundles/:name/:version", need("admin"), async (c) => {
    const { name, version } = routeRef(c, false);
    const found = await registry.resolve(formatBundleRef(name, version!));
    const deleted = await registry.deleteSelected([found]);
    if (deleted.length === 0) {
      throw new ObentoError("NOT_FOUND", `${formatBundleRef(name, version!)} was deleted meanwhile`);
    }
    return c.json({ deleted: deleted.map((b) => ({ name: b.name, version: b.version })) });
  });

  return app;
}
