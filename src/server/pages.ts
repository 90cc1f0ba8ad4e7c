/**
 * The server's HTML pages: `GET /docs` (Swagger UI over `/docs.json`, its files served locally by
 * `swagger_assets.ts`) and `GET /` (the bundle, its APIs with docs, and a try-it form per API). Pages load
 * nothing from other origins. Everything taken from the bundle (names, docs, examples) is HTML-escaped, and
 * the page scripts are static text that reads the API name from `data-` attributes, so a bundle's docs cannot
 * inject markup or script.
 *
 * @module
 */
import type { ApiRecord, BentoDocument } from "../bundle/bento_yaml.ts";
import { exampleInput } from "../bundle/example_input.ts";
import { v2ModelsFromBundle } from "../v2/models.ts";

export { loadSwaggerAssets, swaggerAssets } from "./swagger_assets.ts";
export type { SwaggerAssets, SwaggerAssetsOptions } from "./swagger_assets.ts";

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./pages.ts";
 * console.log(escapeHtml(`<a href="x">'&'</a>`)); // &lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** A value as a JavaScript literal that is safe inside a `<script>` element. */
function scriptLiteral(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Options for {@link docsPage}. */
export interface DocsPageOptions {
  /**
   * Where `swagger-ui.css` and `swagger-ui-bundle.js` are served (where `swaggerAssets()` is mounted).
   * Default `/docs`.
   */
  assetsUrl?: string;
  /** The page title. Default `API docs`. */
  title?: string;
}

/** The doctype, `<html>` and `<head>` of a page: `title` (escaped here) and `extra` (trusted markup). */
function pageHead(title: string, extra: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
${extra}
</head>`;
}

/**
 * The Swagger UI page for an OpenAPI document.
 *
 * @param specUrl where the OpenAPI document is, e.g. `/docs.json`.
 * @param options where the Swagger UI files are served and the title.
 * @returns the HTML.
 *
 * @example
 * ```ts
 * import { docsPage } from "./pages.ts";
 * const html = docsPage("/docs.json", { title: "IrisClassifier 1.0.0" });
 * console.log(html.includes('src="/docs/swagger-ui-bundle.js"')); // true
 * ```
 */
export function docsPage(specUrl: string, options: DocsPageOptions = {}): string {
  const { assetsUrl = "/docs", title = "API docs" } = options;
  const base = assetsUrl.replace(/\/+$/, "");
  return `${pageHead(title, `<link rel="stylesheet" href="${escapeHtml(`${base}/swagger-ui.css`)}">`)}
<body>
<div id="swagger-ui"></div>
<script src="${escapeHtml(`${base}/swagger-ui-bundle.js`)}"></script>
<script>
window.ui = SwaggerUIBundle({ url: ${scriptLiteral(specUrl)}, dom_id: "#swagger-ui", deepLinking: true });
</script>
</body>
</html>
`;
}

/** Options for {@link indexPage}. */
export interface IndexPageOptions {
  /** Link to the Swagger UI page. Default `/docs`. */
  docsUrl?: string;
  /** Link to the OpenAPI document. Default `/docs.json`. */
  specUrl?: string;
}

const FILE_TYPES = /^(image\/|application\/octet-stream$|multipart\/form-data$|\*\/\*$)/;
const TEXT_TYPES = /^(application\/json|text\/)/;

function apiSection(api: ApiRecord): string {
  const types = api.input.content_types ?? ["application/json"];
  const textTypes = types.filter((t) => TEXT_TYPES.test(t));
  const takesFile = types.some((t) => FILE_TYPES.test(t));
  const example = textTypes.includes("application/json")
    ? JSON.stringify(exampleInput(api) ?? {}, null, 2)
    : "";
  const name = escapeHtml(api.name);
  const id = `api-${name}`;
  const typeSelect = textTypes.length === 0
    ? ""
    : `<label>Body as <select name="type">${
      textTypes.map((t) => `<option>${escapeHtml(t)}</option>`).join("")
    }</select></label>`;
  const textArea = textTypes.length === 0 ? "" : `<textarea name="body" rows="6" spellcheck="false" ` +
    `aria-label="request body">${escapeHtml(example)}</textarea>`;
  const fileInput = takesFile ? `<label>or a file <input type="file" name="file"></label>` : "";
  return `<section id="${id}">
<h2><code>POST /${name}</code></h2>
<p class="meta">${escapeHtml(api.input.type)} → ${escapeHtml(api.output?.type ?? "JsonOutput")}${
    api.batch ? " · micro-batched" : ""
  } · accepts ${types.map((t) => `<code>${escapeHtml(t)}</code>`).join(", ")}</p>
${api.doc ? `<p class="doc">${escapeHtml(api.doc)}</p>` : ""}
<form class="try" data-api="${name}">
${textArea}
<div class="row">${typeSelect}${fileInput}<button type="submit">Send</button></div>
<pre class="out" aria-live="polite"></pre>
</form>
</section>`;
}

const STYLE =
  `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1 small{color:#666;font-weight:normal}section{border-top:1px solid #ddd;padding:.5rem 0 1rem}
.meta{color:#555;font-size:.9em}.doc{white-space:pre-wrap}textarea{width:100%;font:13px monospace}
.row{display:flex;gap:1rem;align-items:center;margin:.5rem 0}.out{background:#f6f6f6;padding:.5rem;
white-space:pre-wrap;max-height:20rem;overflow:auto}.out:empty{display:none}nav a{margin-right:1rem}`;

const SCRIPT = `for (const form of document.querySelectorAll("form.try")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = form.querySelector(".out");
    const file = form.elements.file && form.elements.file.files[0];
    const type = form.elements.type ? form.elements.type.value : "application/json";
    const body = file || (form.elements.body ? form.elements.body.value : "");
    const contentType = file ? file.type || "application/octet-stream" : type;
    const init = { method: "POST", body, headers: { "content-type": contentType } };
    out.textContent = "…";
    try {
      const started = performance.now();
      const res = await fetch(encodeURIComponent(form.dataset.api), init);
      const text = await res.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
      const ms = Math.round(performance.now() - started);
      out.textContent = res.status + " " + res.statusText + " (" + ms + " ms)\\n" + shown;
    } catch (error) {
      out.textContent = String(error);
    }
  });
}`;

/**
 * The index page of a served bundle: name, version, description, links to the docs, metadata and metrics,
 * the v2 models, and every API with its docs and a try-it form (a JSON body prefilled from the request
 * schema, a file input for image and file adapters, the response shown below).
 *
 * @param doc the bundle's bento.yaml.
 * @param options links to the docs.
 * @returns the HTML.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { parseBento } from "../bundle/bento_yaml.ts";
 * import { indexPage } from "./pages.ts";
 * const doc = parseBento(await Deno.readTextFile("./iris-bundle/bento.yaml"), "bento.yaml");
 * const app = new Hono();
 * app.get("/", (c) => c.html(indexPage(doc)));
 * ```
 */
export function indexPage(doc: BentoDocument, options: IndexPageOptions = {}): string {
  const { docsUrl = "/docs", specUrl = "/docs.json" } = options;
  const title = `${doc.name} ${doc.version}`;
  const models = v2ModelsFromBundle(doc);
  const v2 = models.length === 0 ? "" : `<section>
<h2>Open Inference Protocol v2</h2>
<ul>${
    models.map((m) => {
      const path = `/v2/models/${encodeURIComponent(m.name)}`;
      return `<li><a href="${escapeHtml(path)}"><code>${escapeHtml(m.name)}</code></a> · <code>POST ${
        escapeHtml(path)
      }/infer</code> · inputs ${
        m.inputs.map((i) => `<code>${escapeHtml(`${i.name} ${i.datatype} [${i.shape.join(",")}]`)}</code>`)
          .join(", ")
      }</li>`;
    }).join("\n")
  }</ul>
</section>`;
  const labels = Object.entries(doc.labels ?? {});
  return `${pageHead(title, `<style>${STYLE}</style>`)}
<body>
<h1>${escapeHtml(doc.name)} <small>${escapeHtml(doc.version)}</small></h1>
${doc.service.doc ? `<p class="doc">${escapeHtml(doc.service.doc)}</p>` : ""}
<p class="meta">Created ${escapeHtml(doc.created_at)} · obento ${escapeHtml(doc.obento_version)}${
    labels.length
      ? ` · labels ${labels.map(([k, v]) => `<code>${escapeHtml(`${k}=${v}`)}</code>`).join(" ")}`
      : ""
  }</p>
<nav><a href="${escapeHtml(docsUrl)}">API docs</a><a href="${escapeHtml(specUrl)}">OpenAPI</a>` +
    `<a href="/metadata">metadata</a><a href="/metrics">metrics</a><a href="/readyz">readiness</a></nav>
${doc.service.apis.map(apiSection).join("\n")}
${v2}
<script>
${SCRIPT}
</script>
</body>
</html>
`;
}
