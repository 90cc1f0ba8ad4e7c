import assert from "node:assert/strict";
import type { ApiRecord } from "../bundle/bento_yaml.ts";
import { testBento } from "../registry/_testing.ts";
import { apiForm, sitePage } from "./site_page.ts";

function api(input: Partial<ApiRecord["input"]>, request: Record<string, unknown>): ApiRecord {
  return {
    name: "predict",
    batch: false,
    doc: "",
    input: { type: "JsonInput", config: {}, content_types: ["application/json"], ...input },
    output: { type: "JsonOutput", config: {} },
    schema: { request, response: {} },
  };
}

Deno.test("apiForm: one field per property of an object, per column of a records list, a text box for a string", () => {
  const record = {
    type: "object",
    properties: {
      a: { type: "number" },
      n: { type: "integer" },
      ok: { type: "boolean" },
      s: { type: "string" },
    },
  };
  const fields = [
    { name: "a", type: "number" },
    { name: "n", type: "integer" },
    { name: "ok", type: "boolean" },
    { name: "s", type: "string" },
  ];
  assert.deepEqual(apiForm(api({}, record)), { kind: "object", fields });
  // A DataframeInput's request schema: records first, then columns and values.
  assert.deepEqual(
    apiForm(api({}, { oneOf: [{ title: "records", type: "array", items: record }, { type: "object" }] })),
    { kind: "rows", fields },
  );
  assert.deepEqual(apiForm(api({}, { type: "string" })), { kind: "string", fields: [] });
});

Deno.test("apiForm: a file picker for image and byte inputs; nothing for schemas without simple fields", () => {
  const image = {
    content_types: ["image/png", "image/jpeg", "application/octet-stream", "multipart/form-data"],
  };
  assert.deepEqual(apiForm(api(image, { type: "object", properties: { b64: { type: "string" } } })), {
    kind: "file",
    fields: [],
  });
  assert.equal(apiForm(api({}, {})), undefined);
  assert.equal(apiForm(api({}, { type: "object", properties: { x: { type: "array" } } })), undefined);
  assert.equal(
    apiForm(api({}, { type: "object", properties: { b64: { type: "string", contentEncoding: "base64" } } })),
    undefined,
  );
});

Deno.test("sitePage: a form per API and a JSON box for JSON inputs, the bundle's text escaped, the script a module", () => {
  const doc = testBento({ name: "Iris" });
  doc.service.doc = `<img src=x onerror=alert(1)>`;
  doc.service.apis = [
    api({}, { type: "object", properties: { a: { type: "number" } } }),
    { ...api({ content_types: ["image/png"] }, {}), name: "see" },
  ];
  const html = sitePage(doc);
  assert.ok(!html.includes("<img"));
  assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;"));
  assert.ok(html.includes(`<script type="module" src="app.js"></script>`));
  assert.match(html, /<form class="fields" data-api="predict" data-kind="object">/);
  assert.match(
    html,
    /<input id="f-predict-a" type="number" step="any" name="a" data-type="number" required>/,
  );
  assert.match(html, /<form class="json" data-api="predict" data-kind="json">/);
  assert.match(html, /<form class="fields" data-api="see" data-kind="file">\n<input type="file" name="file"/);
  assert.ok(
    !/data-api="see" data-kind="json"/.test(html),
    "no JSON box for an input without application/json",
  );
  assert.equal((html.match(/<pre class="out" data-out="/g) ?? []).length, 2);
});
