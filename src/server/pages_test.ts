import assert from "node:assert/strict";
import type { ApiRecord } from "../bundle/bento_yaml.ts";
import { testArtifact, testDocument } from "./_testing.ts";
import { docsPage, escapeHtml, indexPage, swaggerAssets } from "./pages.ts";

function api(
  name: string,
  contentTypes: string[],
  doc: string,
  request: Record<string, unknown> = {},
): ApiRecord {
  return {
    name,
    batch: name === "predict",
    doc,
    input: {
      type: contentTypes.includes("image/png") ? "ImageInput" : "JsonInput",
      config: {},
      content_types: contentTypes,
    },
    output: { type: "JsonOutput", config: {} },
    schema: { request, response: {} },
  };
}

const HOSTILE = `<script>alert("x")</script>`;
const DOC = testDocument({
  name: "Iris",
  doc: `Classifies irises. ${HOSTILE}`,
  labels: { team: "<b>ml</b>" },
  apis: [
    api("predict", ["application/json", "text/csv"], `Predicts.</p><img src=x onerror="alert(1)">`, {
      type: "array",
      items: { type: "number" },
      minItems: 2,
    }),
    api("classify", ["image/png", "image/jpeg", "multipart/form-data"], ""),
  ],
  artifacts: [
    testArtifact("model", "OnnxModelArtifact", "model.onnx", {
      inputs: [{ name: "input", type: "float32", shape: ["N", 4] }],
      outputs: [],
    }),
  ],
});

const scriptsOf = (html: string) => [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);

Deno.test("escapes text for HTML", () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

Deno.test("the docs page loads Swagger UI from local routes only", () => {
  const html = docsPage("/docs.json", { title: "Iris 1.0.0" });
  assert.ok(html.includes('<link rel="stylesheet" href="/docs/swagger-ui.css">'));
  assert.ok(html.includes('<script src="/docs/swagger-ui-bundle.js"></script>'));
  assert.ok(
    html.includes('SwaggerUIBundle({ url: "/docs.json", dom_id: "#swagger-ui", deepLinking: true })'),
  );
  assert.ok(html.includes("<title>Iris 1.0.0</title>"));
  assert.doesNotMatch(html, /https?:\/\//);
  const other = docsPage("/api/docs.json", { assetsUrl: "/assets/", title: "<x>" });
  assert.ok(other.includes('href="/assets/swagger-ui.css"'));
  assert.ok(other.includes("<title>&lt;x&gt;</title>"));
});

Deno.test("the docs page keeps a hostile spec URL inside its string literal", () => {
  const html = docsPage(`x"</script><script>alert(1)</script>`);
  assert.equal(html.match(/<script/g)?.length, 2);
  assert.ok(
    html.includes(String.raw`url: "x\"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e"`),
  );
});

Deno.test("serves Swagger UI's CSS and JS from the swagger-ui-dist package", async () => {
  const app = swaggerAssets();
  const css = await app.request("/swagger-ui.css");
  assert.equal(css.status, 200);
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(css.headers.get("cache-control"), "public, max-age=86400");
  assert.match(await css.text(), /\.swagger-ui/);
  const js = await app.request("/swagger-ui-bundle.js");
  assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
  const text = await js.text();
  assert.ok(text.length > 1_000_000, `bundle is ${text.length} characters`);
  assert.match(text, /SwaggerUIBundle/);
  assert.equal((await app.request("/favicon.ico")).status, 404);
});

Deno.test("loads the assets once, and again after a failed load", async () => {
  let calls = 0;
  const app = swaggerAssets({
    cacheControl: "no-store",
    load: () => {
      calls++;
      return calls === 1 ? Promise.reject(new Error("boom")) : Promise.resolve({ css: "a{}", js: "x()" });
    },
  });
  const failed = await app.request("/swagger-ui.css");
  assert.equal(failed.status, 500);
  assert.deepEqual(await failed.json(), {
    error: "could not load Swagger UI from swagger-ui-dist: boom",
    status: 500,
  });
  const res = await app.request("/swagger-ui.css");
  assert.equal(await res.text(), "a{}");
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(await (await app.request("/swagger-ui-bundle.js")).text(), "x()");
  assert.equal(calls, 2);
});

Deno.test("the index page escapes everything from the bundle", () => {
  const html = indexPage(DOC);
  assert.ok(!html.includes(HOSTILE));
  assert.ok(!html.includes("<img"));
  assert.ok(!html.includes("<b>ml</b>"));
  assert.ok(html.includes("Classifies irises. &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
  assert.ok(html.includes("Predicts.&lt;/p&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"));
  assert.ok(html.includes("<code>team=&lt;b&gt;ml&lt;/b&gt;</code>"));
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.doesNotMatch(html, /https?:\/\//);
});

Deno.test("the index page lists the bundle, its APIs with try-it forms, and its v2 models", () => {
  const html = indexPage(DOC);
  assert.ok(html.includes("<h1>Iris <small>1.0.0</small></h1>"));
  assert.ok(html.includes('<a href="/docs">API docs</a><a href="/docs.json">OpenAPI</a>'));
  assert.ok(html.includes("<h2><code>POST /predict</code></h2>"));
  assert.ok(html.includes('<form class="try" data-api="predict">'));
  assert.ok(html.includes(`aria-label="request body">[\n  0.5,\n  0.5\n]</textarea>`));
  assert.ok(
    html.includes('<select name="type"><option>application/json</option><option>text/csv</option></select>'),
  );
  const predict = html.slice(html.indexOf('id="api-predict"'), html.indexOf('id="api-classify"'));
  assert.ok(!predict.includes('type="file"'));
  const classify = html.slice(html.indexOf('id="api-classify"'));
  assert.ok(classify.includes('<input type="file" name="file">'));
  assert.ok(!classify.slice(0, classify.indexOf("</section>")).includes("<textarea"));
  assert.ok(html.includes('<a href="/v2/models/model"><code>model</code></a>'));
  assert.ok(html.includes("<code>input FP32 [-1,4]</code>"));
});

interface FakeForm {
  dataset: { api: string };
  elements: Record<string, unknown>;
  out: { textContent: string };
  submit?: (event: { preventDefault(): void }) => Promise<void>;
  querySelector(selector: string): unknown;
  addEventListener(type: string, handler: (event: { preventDefault(): void }) => Promise<void>): void;
}

function fakeForm(api: string, elements: Record<string, unknown>): FakeForm {
  const form: FakeForm = {
    dataset: { api },
    elements,
    out: { textContent: "" },
    querySelector: (selector) => (selector === ".out" ? form.out : null),
    addEventListener: (type, handler) => {
      assert.equal(type, "submit");
      form.submit = handler;
    },
  };
  return form;
}

Deno.test("the try-it script posts the body or the file and shows the response", async () => {
  const [script] = scriptsOf(indexPage(DOC));
  const json = fakeForm("predict", {
    body: { value: "[1, 2]" },
    type: { value: "text/csv" },
    file: { files: [] },
  });
  const image = new Blob([new Uint8Array([1, 2])], { type: "image/png" });
  const file = fakeForm("classify", { file: { files: [image] } });
  const calls: [string, RequestInit][] = [];
  const fetch = (url: string, init: RequestInit) => {
    calls.push([url, init]);
    return Promise.resolve(new Response('{"ok":true}', { status: 200, statusText: "OK" }));
  };
  const document = { querySelectorAll: () => [json, file] };
  const performance = { now: () => 0 };
  new Function("document", "fetch", "performance", script)(document, fetch, performance);
  let prevented = 0;
  const event = { preventDefault: () => void prevented++ };
  await json.submit!(event);
  await file.submit!(event);
  assert.equal(prevented, 2);
  assert.deepEqual(calls, [
    ["predict", { method: "POST", body: "[1, 2]", headers: { "content-type": "text/csv" } }],
    ["classify", { method: "POST", body: image, headers: { "content-type": "image/png" } }],
  ]);
  assert.equal(json.out.textContent, '200 OK (0 ms)\n{\n  "ok": true\n}');
});
