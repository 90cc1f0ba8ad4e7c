import assert from "node:assert/strict";
import { join } from "node:path";
import { openRegistry } from "../registry/registry.ts";
import { registryApp } from "./app.ts";
import { SqliteTokenStore } from "./sqlite_tokens.ts";
import { loadUiAssets, UI_CSP, uiApp } from "./ui_assets.ts";

Deno.test("the registry serves its web UI at /ui/ with a strict CSP; / and /ui redirect there", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-rsui-" });
  const registry = await openRegistry({ home: dir });
  const tokens = new SqliteTokenStore(join(dir, "registry.db"));
  try {
    const app = registryApp({ registry, tokens, scratchRoot: dir });
    const root = await app.request("/");
    assert.equal(root.status, 302);
    assert.equal(root.headers.get("location"), "/ui/");
    assert.equal((await app.request("/ui")).headers.get("location"), "/ui/");
    const page = await app.request("/ui/");
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(page.headers.get("content-security-policy"), UI_CSP);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    const html = await page.text();
    assert.match(html, /<script src="app.js" defer><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="style.css">/);
    const js = await app.request("/ui/app.js");
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(await js.text(), (await loadUiAssets()).js);
    assert.equal((await app.request("/ui/style.css")).headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal((await app.request("/ui/nope.js")).status, 404);
    // the page reads without a token; the JSON API still needs one
    assert.equal((await app.request("/v1/bundles")).status, 401);

    const headless = registryApp({ registry, tokens, scratchRoot: dir, ui: false });
    assert.equal((await headless.request("/")).status, 404);
    assert.equal((await headless.request("/ui/")).status, 404);
  } finally {
    tokens.close();
    registry.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the UI never turns text into markup (no innerHTML and the like) nor uses cookies", async () => {
  const { js, html } = await loadUiAssets();
  for (
    const sink of [
      "innerHTML",
      "outerHTML",
      "insertAdjacentHTML",
      "document.write",
      "eval(",
      "document.cookie",
    ]
  ) {
    assert.ok(!js.includes(sink), `app.js uses ${sink}`);
  }
  assert.ok(!/<script>|\son[a-z]+=/i.test(html), "index.html has inline script");
});

Deno.test("a UI file that cannot be loaded is a 500 saying so, and the next request tries again", async () => {
  let calls = 0;
  const app = uiApp({
    load: () => {
      calls++;
      return calls === 1
        ? Promise.reject(new Error("gone"))
        : Promise.resolve({ html: "<p>ok</p>", js: "", css: "" });
    },
  });
  const failed = await app.request("/ui/");
  assert.equal(failed.status, 500);
  assert.match((await failed.json()).error.message, /could not load the web UI: gone/);
  assert.equal(await (await app.request("/ui/")).text(), "<p>ok</p>");
});
