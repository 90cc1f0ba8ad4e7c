/**
 * The registry's web UI end to end in real headless Chromium (Debian's `chromium`, driven by npm
 * `playwright-core` under Deno): a real registry server (`serveRegistry`, SQLite + directory) with pushed
 * bundles; sign-in with a token (a wrong one refused), a label-selector filter (a bad one explained), the
 * search box, a bundle page (APIs, schemas, artifacts, labels, versions, created time) and the archive
 * download; bundle-supplied text (docs, metadata, a label no push could carry) shown as text; sign-out; and
 * the same pages without a token on a `--public-read` server. One browser; the screenshot of the list is
 * checked to be a real rendering (and written to `$OBENTO_UI_SCREENSHOT` when set: docs/img/registry-ui.png
 * was made that way).
 *
 * Skipped, saying why, only when no Chromium is found (`$OBENTO_CHROMIUM`, else the usual paths); `.ci/run`
 * installs Debian's `chromium`, so CI never skips.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { decode as decodePng } from "fast-png";
import type { Browser, Page } from "playwright-core";
import { type BentoDocument, stringifyBento } from "../src/bundle/bento_yaml.ts";
import { writeManifest } from "../src/bundle/manifest.ts";
import { openRegistry, type Registry } from "../src/registry/registry.ts";
import { openSqliteIndex } from "../src/registry/sqlite_index.ts";
import { testBento, writeTestBundle } from "../src/registry/_testing.ts";
import { RemoteRegistry } from "../src/registry_client/remote_registry.ts";
import { pushBundle } from "../src/registry_client/transfer.ts";
import { serveRegistry } from "../src/registry_server/serve.ts";
import { SqliteTokenStore } from "../src/registry_server/sqlite_tokens.ts";
import { createToken } from "../src/registry_server/tokens.ts";
import { findChromium, loadPlaywright, noChromiumReason } from "./helpers/playwright.ts";

/** Text no bundle page may turn into markup. */
const HOSTILE_LABEL = "<img src=x onerror=window.__pwned=1>";
const HOSTILE_DOC = "Irises <script>window.__pwned=2</script><img src=x onerror=window.__pwned=3> & more";

/** A bundle with `doc` as its bento.yaml (artifact files of the sizes it gives), saved in `local`. */
async function saveBundle(local: Registry, dir: string, doc: BentoDocument): Promise<void> {
  const path = await writeTestBundle(dir, { name: doc.name, version: doc.version });
  await Deno.remove(join(path, "artifacts"), { recursive: true });
  await Deno.mkdir(join(path, "artifacts"));
  for (const a of doc.artifacts) {
    await Deno.writeFile(join(path, a.file), new Uint8Array(a.size).map((_, i) => (i * 7) & 0xff));
  }
  await Deno.writeTextFile(join(path, "bento.yaml"), stringifyBento(doc));
  await Deno.remove(join(path, "MANIFEST"));
  await writeManifest(path);
  await local.add(path);
}

function iris2(): BentoDocument {
  const doc = testBento({
    name: "Iris",
    version: "2",
    createdAt: "2026-11-20T09:30:00.000Z",
    labels: { stage: "prod", team: "ml" },
  });
  doc.service.doc = HOSTILE_DOC;
  doc.service.apis = [
    {
      name: "predict",
      batch: true,
      doc: "Classifies iris flowers from four measurements.",
      input: { type: "JsonInput", config: {}, content_types: ["application/json"] },
      output: { type: "JsonOutput", config: { cors: "*" } },
      schema: {
        request: { type: "object", properties: { features: { type: "array", items: { type: "number" } } } },
        response: { type: "object", properties: { species: { type: "string" } } },
      },
    },
    {
      name: "explain",
      batch: false,
      doc: "",
      input: { type: "DataframeInput", config: { orient: "records" }, content_types: ["text/csv"] },
      output: { type: "JsonOutput", config: {} },
      schema: { request: {}, response: {} },
    },
  ];
  doc.artifacts = [
    {
      name: "model",
      type: "OnnxModelArtifact",
      file: "artifacts/model.onnx",
      sha256: "ab".repeat(32),
      size: 200_000,
      metadata: { accuracy: 0.97, "<b>trained by</b>": HOSTILE_LABEL },
      info: { inputs: [{ name: "float_input", shape: [null, 4] }] },
    },
    {
      name: "classes",
      type: "JsonArtifact",
      file: "artifacts/classes.json",
      sha256: "cd".repeat(32),
      size: 1_536,
      metadata: {},
      info: {},
    },
  ];
  return doc;
}

/** The rows of the bundle table, as `Name:version`. */
async function rows(page: Page): Promise<string[]> {
  return await page.locator("#bundles tbody tr").evaluateAll((trs) =>
    trs.map((tr) => tr.getAttribute("data-bundle") ?? "")
  );
}

/** Waits until the table shows `expected` (it is redrawn after each answer). */
async function expectRows(page: Page, expected: string[]): Promise<void> {
  let got: string[] = [];
  for (let i = 0; i < 100; i++) {
    got = await rows(page);
    if (JSON.stringify(got) === JSON.stringify(expected)) return;
    await page.waitForTimeout(50);
  }
  assert.deepEqual(got, expected);
}

/** Nothing bundle-supplied became markup or ran. */
async function expectNothingInjected(page: Page): Promise<void> {
  assert.equal(await page.locator("img, script:not([src])").count(), 0, "bundle text became elements");
  assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
}

const chromiumPath = findChromium();

Deno.test({
  name: chromiumPath === undefined
    ? `registry web UI in headless Chromium (skipped: ${noChromiumReason()})`
    : "registry web UI in headless Chromium: sign-in, selector, search, bundle page, download, public reads",
  ignore: chromiumPath === undefined,
  // Playwright keeps its pipe to the browser and its timers between steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "obento-ui-" });
    const db = join(dir, "server", "registry.db");
    const store = join(dir, "server", "bundles");
    const stop = new AbortController();
    const finished: Promise<void>[] = [];
    let browser: Browser | undefined;
    try {
      await Deno.mkdir(join(dir, "server"), { recursive: true });
      const log: string[] = [];
      const server = await serveRegistry({
        db,
        store,
        port: 0,
        log: (l) => log.push(l),
        signal: stop.signal,
      });
      const open = await serveRegistry({
        db,
        store,
        port: 0,
        publicRead: true,
        log: () => {},
        signal: stop.signal,
      });
      finished.push(server.finished, open.finished);
      const tokenStore = new SqliteTokenStore(db); // the index made the database first
      const read = await createToken(tokenStore, "read", "ui");
      const write = (await createToken(tokenStore, "write", "ci")).token;
      tokenStore.close();

      // Bundles: Iris:1 (dev), Iris:2 (prod, two APIs, two artifacts, hostile doc and metadata), Fraud:1,
      // pushed for real; and Sketchy:1, written into the index directly with a label that no push could
      // carry (labels are checked on save), to prove the page escapes labels too.
      const local = await openRegistry({ home: join(dir, "local") });
      const d = (n: string) => join(dir, "src", n);
      await local.add(
        await writeTestBundle(d("iris1"), {
          name: "Iris",
          version: "1",
          createdAt: "2026-11-01T08:00:00.000Z",
          labels: { stage: "dev", team: "ml" },
          artifactBytes: 150_000,
        }),
      );
      await saveBundle(local, d("iris2"), iris2());
      await local.add(
        await writeTestBundle(d("fraud1"), {
          name: "Fraud",
          version: "1",
          createdAt: "2026-11-10T12:00:00.000Z",
          labels: { stage: "prod", team: "risk" },
        }),
      );
      const writer = new RemoteRegistry({ url: server.url, token: write });
      for (const ref of ["Iris:1", "Iris:2", "Fraud:1"]) await pushBundle(writer, local, ref);
      local.close();
      const index = openSqliteIndex(db);
      const sketchy = {
        name: "Sketchy",
        version: "1",
        createdAt: "2026-10-01T00:00:00.000Z",
        labels: { note: HOSTILE_LABEL },
        apis: ["predict"],
        artifacts: [{ name: "model", type: "OnnxModelArtifact" }],
      };
      await index.reserve(sketchy, "t0");
      await index.commit("Sketchy", "1", "t0");
      index.close();
      const all = ["Iris:2", "Fraud:1", "Iris:1", "Sketchy:1"];

      const { chromium } = await loadPlaywright();
      browser = await chromium.launch({ executablePath: chromiumPath });
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        acceptDownloads: true,
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (m) => {
        // the 401s of the sign-in flow and the 400 of the bad selector are expected; anything else (a CSP
        // violation, a script error, a missing file) is not
        if (m.type() === "error" && !/status of (401|400)/.test(m.text())) {
          problems.push(`console: ${m.text()}`);
        }
      });

      // 1. / redirects to the UI, which asks for a token (reads need one on this server)
      await page.goto(`${server.url}/`);
      assert.equal(page.url(), `${server.url}/ui/`);
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      assert.match(await page.locator("#login-reason").innerText(), /needs a token/);

      // 2. a wrong token is refused and not kept
      await page.getByLabel("Access token").fill("obt_000000000000_wrong");
      await page.getByRole("button", { name: "Sign in", exact: true }).last().click();
      await page.locator("#login-error .error").waitFor();
      assert.match(await page.locator("#login-error").innerText(), /token is not valid/);
      assert.equal(await page.evaluate(() => sessionStorage.getItem("obento.registry.token")), null);

      // 3. the read token: the list, newest first
      await page.getByLabel("Access token").fill(read.token);
      await page.locator("#sign-in-submit").click();
      await page.getByRole("heading", { name: "Bundles" }).waitFor();
      await expectRows(page, all);
      assert.equal(await page.evaluate(() => sessionStorage.getItem("obento.registry.token")), read.token);
      assert.equal(await page.locator("#signed-in code").innerText(), `obt_${read.info.id}`);
      assert.deepEqual(await context.cookies(), []);
      assert.equal(
        await page.locator('[data-bundle="Sketchy:1"] .chip').innerText(),
        `note=${HOSTILE_LABEL}`,
      );
      await expectNothingInjected(page);

      // 4. the screenshot of the rendered list: a real image, not a blank page
      const png = await page.screenshot({ fullPage: true });
      await Deno.writeFile(join(dir, "registry-ui.png"), png);
      const copy = Deno.env.get("OBENTO_UI_SCREENSHOT");
      if (copy) await Deno.writeFile(copy, png);
      const image = decodePng(png);
      assert.equal(image.width, 1280);
      assert.ok(image.height >= 400, `height ${image.height}`);
      const colours = new Set<number>();
      const px = image.data;
      for (let i = 0; i + 2 < px.length; i += image.channels) {
        colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      }
      assert.ok(png.length > 20_000, `the screenshot is only ${png.length} bytes`);
      assert.ok(colours.size > 50, `the screenshot has ${colours.size} colours: nothing rendered?`);

      // 5. a bad selector is explained; a good one filters on the server
      await page.getByLabel("Label selector").fill("stage In (");
      await page.locator("#apply").click();
      await page.locator("#list-error .error").waitFor();
      assert.match(await page.locator("#list-error").innerText(), /selector: .*column/);
      await page.getByLabel("Label selector").fill("stage=prod");
      await page.locator("#apply").click();
      await expectRows(page, ["Iris:2", "Fraud:1"]);
      assert.match(page.url(), /#\/\?labels=stage%3Dprod$/);
      assert.equal(await page.locator("#list-status").innerText(), "2 bundles matching stage=prod");

      // 6. the search box narrows what the selector found, as one types
      await page.getByLabel("Search").fill("iris");
      await expectRows(page, ["Iris:2"]);
      assert.equal(await page.locator("#list-status").innerText(), "1 of 2 bundles matching stage=prod");
      assert.match(page.url(), /labels=stage%3Dprod&q=iris$/);
      await page.getByLabel("Search").fill("jsonartifact"); // artifact types are searched too
      await expectRows(page, ["Iris:2"]);
      await page.getByLabel("Search").fill("no-such-thing");
      await expectRows(page, []);
      assert.equal(await page.locator("#results").innerText(), "No bundles to show.");
      await page.getByLabel("Search").fill("risk");
      await expectRows(page, ["Fraud:1"]);
      await page.getByLabel("Search").fill("");
      await expectRows(page, ["Iris:2", "Fraud:1"]);

      // 7. the bundle page
      await page.getByRole("link", { name: "Iris:2" }).click();
      await page.getByRole("heading", { name: "Iris:2" }).waitFor();
      await page.locator("#apis").waitFor();
      assert.equal(await page.locator("#service-doc").innerText(), HOSTILE_DOC);
      assert.equal(await page.locator("#created time").getAttribute("datetime"), "2026-11-20T09:30:00.000Z");
      assert.equal(await page.locator("#created").innerText(), "2026-11-20 09:30 UTC");
      assert.deepEqual(await page.locator("#labels-list .chip").allInnerTexts(), ["stage=prod", "team=ml"]);
      const predict = page.locator('[data-api="predict"]');
      assert.equal(await predict.locator(".input-type").innerText(), "JsonInput (application/json)");
      assert.equal(await predict.locator(".output-type").innerText(), "JsonOutput");
      await predict.getByText("Request schema").click();
      const schema = JSON.parse(await predict.locator(".schema-request pre").innerText());
      assert.deepEqual(schema.properties.features, { type: "array", items: { type: "number" } });
      assert.equal(
        await page.locator('[data-api="explain"] .input-type').innerText(),
        "DataframeInput (text/csv)",
      );
      const model = page.locator('[data-artifact="model"]');
      assert.equal(await model.locator(".size").innerText(), "195.3 KiB");
      assert.equal(await model.locator(".size").getAttribute("title"), "200000 bytes");
      const metadata = JSON.parse(await model.locator(".metadata > pre").innerText());
      assert.deepEqual(metadata, { accuracy: 0.97, "<b>trained by</b>": HOSTILE_LABEL });
      assert.equal(await page.locator('[data-artifact="classes"] .size').innerText(), "1.50 KiB");
      const versions = await page.locator("#versions li").allInnerTexts();
      assert.equal(versions.length, 2);
      assert.match(versions[0], /^2 · 2026-11-20 09:30 UTC$/);
      assert.equal(await page.locator('#versions li[aria-current="page"] a').innerText(), "2");
      await expectNothingInjected(page);
      if (copy) {
        await Deno.writeFile(
          copy.replace(/\.png$/, "-bundle.png"),
          await page.screenshot({ fullPage: true }),
        );
      }

      // 8. the download sends the token and saves the archive (MANIFEST first, as `obento pull` reads it)
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.locator("#download").click(),
      ]);
      assert.equal(download.suggestedFilename(), "Iris-2.tar");
      const tar = await Deno.readFile((await download.path())!);
      const archive = await fetch(`${server.url}/v1/bundles/Iris/2/archive`, {
        headers: { authorization: `Bearer ${read.token}` },
      });
      assert.equal(tar.length, (await archive.arrayBuffer()).byteLength);
      assert.equal(new TextDecoder().decode(tar.subarray(0, 8)), "MANIFEST");

      // 9. another version through the versions list, then sign out: the token is gone
      await page.locator("#versions").getByRole("link", { name: "1" }).click();
      await page.getByRole("heading", { name: "Iris:1" }).waitFor();
      await page.locator("#sign-out").click();
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      assert.equal(await page.evaluate(() => sessionStorage.getItem("obento.registry.token")), null);

      // 10. a --public-read server: no sign-in needed to read; the plain download link works
      await page.goto(`${open.url}/ui/`);
      await expectRows(page, all);
      await page.locator("#sign-in").waitFor(); // offered, not required
      await page.getByRole("link", { name: "Fraud:1" }).click();
      await page.getByRole("heading", { name: "Fraud:1" }).waitFor();
      await page.locator("#apis").waitFor();
      const [plain] = await Promise.all([page.waitForEvent("download"), page.locator("#download").click()]);
      assert.equal(plain.suggestedFilename(), "Fraud-1.tar");

      assert.deepEqual(problems, []);

      // 11. what the browser did shows in the server's metrics (a pull is counted once its last byte is read)
      let metrics = "";
      for (let i = 0; i < 40 && !/_pull_duration_seconds_count\{outcome="ok"\} 2$/m.test(metrics); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 50));
        metrics = await (await fetch(`${server.url}/metrics`)).text();
      }
      assert.match(
        metrics,
        /^obento_registry_requests_total\{route="\/ui\/",method="GET",status="200"\} [1-9]/m,
      );
      assert.match(
        metrics,
        /^obento_registry_requests_total\{route="\/v1\/bundles",method="GET",status="401"\} [1-9]/m,
      );
      assert.match(metrics, /^obento_registry_pull_duration_seconds_count\{outcome="ok"\} 2$/m);
      assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), {
        status: "ok",
        index: "ok",
        store: "ok",
      });
    } finally {
      await browser?.close();
      stop.abort();
      await Promise.all(finished);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
