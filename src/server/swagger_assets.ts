/**
 * Swagger UI's CSS and JS, served from the pinned `swagger-ui-dist` npm package (no CDN), as a Hono sub-app.
 *
 * How the files are read: as **text module imports** (`import(…, { with: { type: "text" } })`), stable
 * without a flag since Deno 2.8. Text imports are part of the module graph, so `deno compile` embeds them in
 * the binary like any module (no `--include` needed), `deno run` reads them from the npm cache, and nothing
 * touches the file system at run time. The imports are dynamic, with literal specifiers (which `deno compile`
 * still follows), so the ~2 MB load on the first `/docs` visit, not at every CLI start. Reading the files
 * with `Deno.readFile(import.meta.resolve(…))` does not work here: for a package no static import pulls in,
 * `import.meta.resolve` answers an `npm:` URL, not a file path.
 *
 * @module
 */
import { Hono } from "hono";
import { messageOf } from "../errors.ts";

/** The Swagger UI files obento serves. */
export interface SwaggerAssets {
  /** `swagger-ui.css`. */
  css: string;
  /** `swagger-ui-bundle.js` (the standalone bundle, with `SwaggerUIBundle` as a global). */
  js: string;
}

/**
 * Loads Swagger UI's CSS and JS from the `swagger-ui-dist` package.
 *
 * @example
 * ```ts
 * import { loadSwaggerAssets } from "./swagger_assets.ts";
 * const { css, js } = await loadSwaggerAssets();
 * console.log(css.length > 0, js.includes("SwaggerUIBundle")); // true true
 * ```
 */
export async function loadSwaggerAssets(): Promise<SwaggerAssets> {
  const [css, js] = await Promise.all([
    import("swagger-ui-dist/swagger-ui.css", { with: { type: "text" } }),
    import("swagger-ui-dist/swagger-ui-bundle.js", { with: { type: "text" } }),
  ]);
  return { css: css.default, js: js.default };
}

/** Options for {@link swaggerAssets}. */
export interface SwaggerAssetsOptions {
  /** `Cache-Control` of the files. Default `public, max-age=86400`. */
  cacheControl?: string;
  /** Where the files come from. Default {@link loadSwaggerAssets} (loaded once, on the first request). */
  load?: () => Promise<SwaggerAssets>;
}

/**
 * A Hono sub-app serving `GET /swagger-ui.css` and `GET /swagger-ui-bundle.js`. Mount it where
 * `docsPage`'s `assetsUrl` (pages.ts) points, e.g. `app.route("/docs", swaggerAssets())`.
 *
 * @example
 * ```ts
 * import { swaggerAssets } from "./swagger_assets.ts";
 * const app = swaggerAssets();
 * const res = await app.request("/swagger-ui.css");
 * console.log(res.headers.get("content-type")); // text/css; charset=utf-8
 * ```
 */
export function swaggerAssets(options: SwaggerAssetsOptions = {}): Hono {
  const { cacheControl = "public, max-age=86400", load = loadSwaggerAssets } = options;
  let assets: Promise<SwaggerAssets> | undefined;
  const get = (): Promise<SwaggerAssets> => {
    assets ??= load().catch((error) => {
      assets = undefined;
      throw error;
    });
    return assets;
  };
  const app = new Hono();
  const serve = (pick: (a: SwaggerAssets) => string, contentType: string) => async () =>
    new Response(pick(await get()), {
      headers: { "content-type": contentType, "cache-control": cacheControl },
    });
  app.onError((error) => {
    const message = `could not load Swagger UI from swagger-ui-dist: ${messageOf(error)}`;
    return Response.json({ error: message, status: 500 }, { status: 500 });
  });
  app.get("/swagger-ui.css", serve((a) => a.css, "text/css; charset=utf-8"));
  app.get("/swagger-ui-bundle.js", serve((a) => a.js, "text/javascript; charset=utf-8"));
  return app;
}
