/**
 * The script of the page `obento export web` writes (bundled into the site's `app.js` by
 * `browser_bundler.ts`; it runs in a browser, never in Deno). It fetches the site's `site.json`, the bundle's
 * `service.js` and artifacts, loads the service against the browser build of the service SDK with
 * onnxruntime-web's WASM build from the site's `ort/` folder, and answers each API's forms exactly as
 * `POST /<api>` would on `obento serve`: the body is decoded by the API's input adapter, run, and encoded by
 * its output adapter (`runtime/executor.ts`'s `runRawItems`, the server's own path).
 *
 * The page's markup (`site_page.ts`) marks what the script needs with `data-` attributes: `#status`
 * (`data-state` loading → ready | failed), each form's `data-api` and `data-kind`, each field's `name` and
 * `data-type`, and the output `<pre data-api>` (`data-state` running → done, `data-status` the HTTP-style
 * status).
 *
 * @module
 */
import * as serviceSdk from "../runtime/service_sdk.ts";
import { JsonOutput } from "../adapters/json_output.ts";
import { sdkLoadingImageCodecs } from "../adapters/image_codecs.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import { messageOf } from "../errors.ts";
import { runRawItems } from "../runtime/executor.ts";
import type { LoadedService } from "../runtime/loaded_service.ts";
import { loadSiteService } from "./site_service.ts";
import type { FieldKind, SiteData } from "./site_data.ts";

/** The parts of a DOM element this script uses (the page's markup is ours, see site_page.ts). */
interface PageElement {
  textContent: string | null;
  readonly dataset: Record<string, string | undefined>;
  readonly value?: string;
  readonly checked?: boolean;
  readonly name?: string;
  readonly type?: string;
  readonly files?: ArrayLike<Blob>;
  disabled?: boolean;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  addEventListener(type: "submit", listener: (event: { preventDefault(): void }) => void): void;
}

/** What the script needs from the browser, passed in rather than read from globals below this point. */
interface PageEnv {
  readonly document: PageElement;
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
}

async function fetchOk(env: PageEnv, path: string): Promise<Response> {
  const response = await env.fetch(new URL(path, env.baseUrl));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}; the exported site is incomplete`);
  return response;
}

async function loadSite(env: PageEnv): Promise<LoadedService> {
  if (globalThis.crypto?.subtle === undefined) {
    throw new Error(
      "this page needs a secure context (https, or http on localhost) to check the bundle's digests",
    );
  }
  const site = await (await fetchOk(env, "site.json")).json() as SiteData;
  const code = await (await fetchOk(env, site.module)).text();
  const artifacts: Record<string, Uint8Array> = {};
  await Promise.all(
    Object.entries(site.artifacts).map(async ([name, path]) => {
      artifacts[name] = new Uint8Array(await (await fetchOk(env, path)).arrayBuffer());
    }),
  );
  return await loadSiteService({
    document: site.document,
    code,
    artifacts,
    sdk: sdkLoadingImageCodecs(serviceSdk) as unknown as Record<string, unknown>,
    backend: new WasmBackend({ threads: 1, wasmPaths: new URL(site.ort, env.baseUrl).href }),
    defaultOutput: new JsonOutput(),
    where: env.baseUrl,
  });
}

/** The request body a form gives: a JSON value built from its fields, the JSON box's text, or a file. */
async function bodyOf(form: PageElement): Promise<{ body: Uint8Array; contentType: string }> {
  const kind = form.dataset.kind as FieldKind | "json";
  const json = (value: unknown) => ({
    body: new TextEncoder().encode(JSON.stringify(value)),
    contentType: "application/json",
  });
  if (kind === "json") {
    const text = form.querySelector("textarea")?.value ?? "";
    return { body: new TextEncoder().encode(text), contentType: "application/json" };
  }
  if (kind === "file") {
    const file = form.querySelector("input[type=file]")?.files?.[0];
    if (file === undefined) throw new Error("choose a file first");
    return {
      body: new Uint8Array(await file.arrayBuffer()),
      contentType: file.type || "application/octet-stream",
    };
  }
  if (kind === "string") return json(form.querySelector("textarea")?.value ?? "");
  const record: Record<string, unknown> = {};
  const fields = form.querySelectorAll("[data-type]");
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    const raw = field.value ?? "";
    const type = field.dataset.type;
    if (type === "boolean") record[field.name!] = field.checked === true;
    else if (type === "number" || type === "integer") {
      record[field.name!] = raw.trim() === "" ? null : Number(raw);
    } else record[field.name!] = raw;
  }
  return json(kind === "rows" ? [record] : record);
}

function wire(env: PageEnv, service: LoadedService): void {
  const forms = env.document.querySelectorAll("form[data-api]");
  for (let i = 0; i < forms.length; i++) {
    const form = forms[i];
    const api = form.dataset.api!;
    const out = env.document.querySelector(`pre[data-out="${quoteSelector(api)}"]`);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (out === null) return;
      out.dataset.state = "running";
      out.textContent = "…";
      let status = 0;
      let text: string;
      try {
        const { body, contentType } = await bodyOf(form);
        const [outcome] = await runRawItems(service, api, [{ body, contentType }]);
        status = outcome.status;
        text = typeof outcome.body === "string" ? outcome.body : new TextDecoder().decode(outcome.body);
      } catch (error) {
        text = messageOf(error);
      }
      out.dataset.status = String(status);
      out.textContent = text;
      out.dataset.state = "done";
    });
  }
}

/** API names are obento names (letters, digits, `_`, `-`, `.`), but quote anything else anyway. */
function quoteSelector(value: string): string {
  return value.replace(/["\\]/g, "\\$&");
}

async function start(env: PageEnv): Promise<void> {
  const status = env.document.querySelector("#status");
  try {
    const service = await loadSite(env);
    wire(env, service);
    const buttons = env.document.querySelectorAll("button");
    for (let i = 0; i < buttons.length; i++) buttons[i].disabled = false;
    if (status !== null) {
      status.textContent =
        `Ready: ${service.name} ${service.version} runs in this browser (onnxruntime-web, wasm).`;
      status.dataset.state = "ready";
    }
  } catch (error) {
    if (status !== null) {
      status.textContent = `Could not load the bundle: ${messageOf(error)}`;
      status.dataset.state = "failed";
    }
  }
}

const page = globalThis as unknown as { document?: PageElement; location?: { href: string } };
if (page.document !== undefined && page.location !== undefined) {
  start({ document: page.document, baseUrl: page.location.href, fetch: globalThis.fetch.bind(globalThis) });
}
