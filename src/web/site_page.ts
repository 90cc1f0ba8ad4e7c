/**
 * The exported site's `index.html`: the bundle, and per API a form built from its input (one field per
 * property or column of the request schema, a text box for a string, a file picker for image and file
 * adapters), a JSON box prefilled with an example body, and an output box. Everything taken from the bundle
 * is HTML-escaped; the script (`app.js`, src/web/browser_main.ts) finds its way through `data-` attributes.
 *
 * @module
 */
import type { ApiRecord, BentoDocument } from "../bundle/bento_yaml.ts";
import { exampleInput } from "../bundle/example_input.ts";
import { escapeHtml } from "../server/pages.ts";
import type { FieldKind } from "./site_data.ts";

/** One field of an API's form. */
export interface FormField {
  /** The property or column name. */
  readonly name: string;
  /** Its JSON type. */
  readonly type: "number" | "integer" | "boolean" | "string";
}

/** An API's form: how it sends its request, and its fields (for `object` and `rows`). */
export interface ApiForm {
  /** See {@link FieldKind}. */
  readonly kind: FieldKind;
  /** The fields, in the schema's order. */
  readonly fields: readonly FormField[];
}

const FILE_TYPES = /^(image\/|application\/octet-stream$)/;

type Schema = Record<string, unknown>;

function primitiveFields(schema: unknown): FormField[] | undefined {
  const s = schema as Schema | undefined;
  if (s?.type !== "object" || s.properties === null || typeof s.properties !== "object") return undefined;
  const fields: FormField[] = [];
  for (const [name, property] of Object.entries(s.properties as Record<string, Schema>)) {
    const type = property?.type;
    if (type === "string" && property.contentEncoding !== undefined) return undefined;
    if (type !== "number" && type !== "integer" && type !== "boolean" && type !== "string") return undefined;
    fields.push({ name, type });
  }
  return fields.length > 0 ? fields : undefined;
}

function formFromSchema(schema: unknown): ApiForm | undefined {
  const s = schema as Schema | undefined;
  if (s === undefined || s === null || typeof s !== "object") return undefined;
  const object = primitiveFields(s);
  if (object !== undefined) return { kind: "object", fields: object };
  if (s.type === "array") {
    const rows = primitiveFields(s.items);
    if (rows !== undefined) return { kind: "rows", fields: rows };
  }
  if (s.type === "string" && s.contentEncoding === undefined && s.pattern === undefined) {
    return { kind: "string", fields: [] };
  }
  for (const key of ["oneOf", "anyOf"]) {
    const branches = s[key];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      const found = formFromSchema(branch);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The form of an API: a file picker when its input takes images or raw bytes, else fields from its request
 * schema (an object of numbers, integers, booleans and strings; a list of such records, as a dataframe's
 * `records` orient; a string), else none (the JSON box alone).
 *
 * @param api the API as bento.yaml records it
 * @returns the form, or undefined when the schema gives no fields
 *
 * @example
 * ```ts
 * import { apiForm } from "./site_page.ts";
 * const api = {
 *   name: "classify", batch: false, doc: "",
 *   input: { type: "StringInput", config: {}, content_types: ["text/plain", "application/json"] },
 *   output: { type: "JsonOutput", config: {} },
 *   schema: { request: { type: "string" }, response: {} },
 * };
 * console.log(apiForm(api)); // { kind: "string", fields: [] }
 * ```
 */
export function apiForm(api: ApiRecord): ApiForm | undefined {
  const types = api.input.content_types ?? [];
  if (types.some((t) => FILE_TYPES.test(t))) return { kind: "file", fields: [] };
  return formFromSchema(api.schema?.request);
}

function fieldHtml(api: string, field: FormField): string {
  const id = escapeHtml(`f-${api}-${field.name}`);
  const name = escapeHtml(field.name);
  const input = field.type === "boolean"
    ? `<input id="${id}" type="checkbox" name="${name}" data-type="boolean">`
    : field.type === "string"
    ? `<input id="${id}" type="text" name="${name}" data-type="string">`
    : `<input id="${id}" type="number" step="any" name="${name}" data-type="${field.type}" required>`;
  return `<label for="${id}">${name}</label>${input}`;
}

function formHtml(api: ApiRecord, form: ApiForm): string {
  const name = escapeHtml(api.name);
  const body = form.kind === "file"
    ? `<input type="file" name="file" aria-label="input file" accept="${
      escapeHtml(api.input.content_types.filter((t) => FILE_TYPES.test(t)).join(","))
    }">`
    : form.kind === "string"
    ? `<textarea name="text" rows="3" aria-label="text"></textarea>`
    : `<div class="fields">${form.fields.map((f) => fieldHtml(api.name, f)).join("")}</div>`;
  return `<form class="fields" data-api="${name}" data-kind="${form.kind}">
${body}
<div class="row"><button type="submit" disabled>Run</button></div>
</form>`;
}

function apiSection(api: ApiRecord): string {
  const name = escapeHtml(api.name);
  const form = apiForm(api);
  const types = api.input.content_types ?? [];
  const json = types.includes("application/json")
    ? `<form class="json" data-api="${name}" data-kind="json">
<textarea name="body" rows="5" spellcheck="false" aria-label="request body as JSON">${
      escapeHtml(JSON.stringify(exampleInput(api) ?? {}, null, 2))
    }</textarea>
<div class="row"><button type="submit" disabled>Run JSON</button></div>
</form>`
    : "";
  return `<section id="api-${name}">
<h2><code>${name}</code></h2>
<p class="meta">${escapeHtml(api.input.type)} → ${escapeHtml(api.output?.type ?? "JsonOutput")} · accepts ${
    types.map((t) => `<code>${escapeHtml(t)}</code>`).join(", ")
  }</p>
${api.doc ? `<p class="doc">${escapeHtml(api.doc)}</p>` : ""}
${form === undefined ? "" : formHtml(api, form)}
${json}
<pre class="out" data-out="${name}" aria-live="polite"></pre>
</section>`;
}

const STYLE =
  `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1 small{color:#666;font-weight:normal}section{border-top:1px solid #ddd;padding:.5rem 0 1rem}
.meta{color:#555;font-size:.9em}.doc{white-space:pre-wrap}textarea{width:100%;font:13px monospace}
.fields{display:grid;grid-template-columns:max-content 12rem;gap:.3rem 1rem;align-items:center}
.row{display:flex;gap:1rem;align-items:center;margin:.5rem 0}.out{background:#f6f6f6;padding:.5rem;
white-space:pre-wrap;max-height:20rem;overflow:auto}.out:empty{display:none}
#status[data-state=failed]{color:#a00}`;

/**
 * The site's `index.html` for a bundle.
 *
 * @param doc the bundle's bento.yaml
 * @returns the HTML
 *
 * @example
 * ```ts
 * import { sitePage } from "./site_page.ts";
 * import { parseBento } from "../bundle/bento_yaml.ts";
 * const document = parseBento(await Deno.readTextFile("./iris-bundle/bento.yaml"), "bento.yaml");
 * await Deno.writeTextFile("site/index.html", sitePage(document));
 * ```
 */
export function sitePage(doc: BentoDocument): string {
  const title = escapeHtml(`${doc.name} ${doc.version}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
<script type="module" src="app.js"></script>
</head>
<body>
<h1>${escapeHtml(doc.name)} <small>${escapeHtml(doc.version)}</small></h1>
${doc.service.doc ? `<p class="doc">${escapeHtml(doc.service.doc)}</p>` : ""}
<p id="status" data-state="loading">Loading the model…</p>
${doc.service.apis.map(apiSection).join("\n")}
<p class="meta">Packed with obento ${
    escapeHtml(doc.obento_version)
  }. The service and its models run in this page ` +
    `(onnxruntime-web, WebAssembly); what you enter is not sent anywhere.</p>
</body>
</html>
`;
}
