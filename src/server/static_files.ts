/**
 * Serves a bundle's web static content (`obento pack --static DIR`) under `/static/`, read-only, with path
 * traversal refused and content types by extension.
 *
 * @module
 */
import { Hono } from "hono";
import { extname, join, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

function notFound(path: string): Response {
  return Response.json({ error: `no static file ${path}`, status: 404 }, { status: 404 });
}

/**
 * A sub-app serving the files under `root` at `/*` (mount it at `/static`); `/` serves `index.html`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { staticFiles } from "./static_files.ts";
 * const app = new Hono();
 * app.route("/static", staticFiles("/srv/bundle/static"));
 * ```
 */
export function staticFiles(root: string): Hono {
  const base = resolve(root);
  const app = new Hono();
  app.get("/*", async (c) => {
    const rel = decodeURIComponent(new URL(c.req.url).pathname).replace(/^\/static\/?/, "") || "index.html";
    const path = resolve(join(base, rel));
    if (path !== base && !path.startsWith(base + sep)) return notFound(rel);
    try {
      const file = await Deno.open(path, { read: true });
      const stat = await file.stat();
      if (!stat.isFile) {
        file.close();
        return notFound(rel);
      }
      return new Response(file.readable, {
        headers: {
          "content-type": TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
          "content-length": String(stat.size),
        },
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
        return notFound(rel);
      }
      throw error;
    }
  });
  return app;
}
