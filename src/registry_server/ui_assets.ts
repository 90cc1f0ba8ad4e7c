/**
 * The registry's web UI (`ui/index.html`, `ui/app.js`, `ui/style.css`: plain files, no build step), served
 * at `/ui/` by a Hono sub-app. The files are read as **text module imports**, like Swagger UI's
 * (`src/server/swagger_assets.ts`): part of the module graph, so `deno compile` embeds them in the binary
 * and nothing reads the file system at run time; loaded on the first `/ui/` request.
 *
 * Every answer carries a strict Content-Security-Policy (scripts and styles from this origin only, no
 * inline code, no framing): the page builds its DOM with text nodes only, and the policy is the second
 * line of defence should bundle-supplied text ever reach markup.
 *
 * @module
 */
import { Hono } from "hono";
import { messageOf } from "../errors.ts";

/** The UI's files. */
export interface UiAssets {
  /** `index.html`. */
  html: string;
  /** `app.js`. */
  js: string;
  /** `style.css`. */
  css: string;
}

/**
 * Loads the UI's files (text imports, embedded by `deno compile`).
 *
 * @example
 * ```ts
 * import { loadUiAssets } from "./ui_assets.ts";
 * const { html } = await loadUiAssets();
 * console.log(html.includes("app.js")); // true
 * ```
 */
export async function loadUiAssets(): Promise<UiAssets> {
  const [html, js, css] = await Promise.all([
    import("./ui/index.html", { with: { type: "text" } }),
    import("./ui/app.js", { with: { type: "text" } }),
    import("./ui/style.css", { with: { type: "text" } }),
  ]);
  return { html: html.default, js: js.default, css: css.default };
}

/** The Content-Security-Policy of the UI's answers. */
export const UI_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Options for {@link uiApp}. */
export interface UiAppOptions {
  /** Where the files come from. Default {@link loadUiAssets} (loaded once, on the first request). */
  load?: () => Promise<UiAssets>;
}

/**
 * A sub-app serving `GET /ui/` (the page), `/ui/app.js` and `/ui/style.css`, and redirecting `/` and `/ui`
 * to `/ui/` (so the page's relative links resolve under `/ui/`); mount it at `/`.
 *
 * @example
 * ```ts
 * import { uiApp } from "./ui_assets.ts";
 * const res = await uiApp().request("/ui/style.css");
 * console.log(res.headers.get("content-type")); // text/css; charset=utf-8
 * ```
 */
export function uiApp(options: UiAppOptions = {}): Hono {
  const { load = loadUiAssets } = options;
  let assets: Promise<UiAssets> | undefined;
  const get = (): Promise<UiAssets> => {
    assets ??= load().catch((error) => {
      assets = undefined;
      throw error;
    });
    return assets;
  };
  const app = new Hono();
  const serve = (pick: (a: UiAssets) => string, contentType: string) => async () =>
    new Response(pick(await get()), {
      headers: {
        "content-type": contentType,
        "cache-control": "no-cache",
        "content-security-policy": UI_CSP,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
      },
    });
  app.onError((error) =>
    Response.json(
      { error: { code: "INTERNAL", message: `could not load the web UI: ${messageOf(error)}` } },
      { status: 500 },
    )
  );
  app.get("/", (c) => c.redirect("/ui/", 302));
  app.get("/ui", (c) => c.redirect("/ui/", 301));
  app.get("/ui/", serve((a) => a.html, "text/html; charset=utf-8"));
  app.get("/ui/app.js", serve((a) => a.js, "text/javascript; charset=utf-8"));
  app.get("/ui/style.css", serve((a) => a.css, "text/css; charset=utf-8"));
  return app;
}
