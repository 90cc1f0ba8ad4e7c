import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { loadServiceFile, loadServiceModule } from "./module_loader.ts";

const READ_SDK = `const sdk = globalThis[Symbol.for("obento.sdk.v1")];\n`;
const SERVICE = `{ name: sdk.prefix + "Svc", apis: new Map([["predict", 1]]), artifacts: {} }`;

async function rejectsWith(promise: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ObentoError, `expected an ObentoError, got ${error}`);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    assert.equal(error.code, code);
    return true;
  });
}

Deno.test("returns the default export and hands the code the host SDK", async () => {
  const service = await loadServiceModule(`${READ_SDK}export default ${SERVICE};`, { prefix: "My" });
  assert.equal(service.name, "MySvc");
  assert.deepEqual([...service.apis.keys()], ["predict"]);
  assert.deepEqual(service.artifacts, {});
});

Deno.test("evaluates the code afresh on every load", async () => {
  const sdk = { prefix: "", loads: 0 };
  const code = `${READ_SDK}sdk.loads++;\nexport default ${SERVICE};`;
  const first = await loadServiceModule(code, sdk);
  const second = await loadServiceModule(code, sdk);
  assert.equal(sdk.loads, 2);
  assert.notEqual(first, second);
});

Deno.test("falls back to a named export `service`", async () => {
  const service = await loadServiceModule(`${READ_SDK}export const service = ${SERVICE};`, {
    prefix: "Named",
  });
  assert.equal(service.name, "NamedSvc");
});

Deno.test("keeps non-ASCII text intact and lets the code import node: builtins", async () => {
  const code = `import { join } from "node:path";\n${READ_SDK}` +
    `export default { name: join("Café", "☕"), apis: new Map(), artifacts: {} };`;
  const service = await loadServiceModule(code, {});
  assert.equal(service.name, join("Café", "☕"));
});

Deno.test("reports a top-level throw as BAD_SERVICE naming the file", async () => {
  await rejectsWith(
    loadServiceModule(`throw new Error("no model path configured");`, {}, {
      filename: "bundles/Iris/1/service.js",
    }),
    "BAD_SERVICE",
    "bundles/Iris/1/service.js failed while loading: no model path configured; fix the service code and pack again",
  );
});

Deno.test("reports code that does not parse as BAD_SERVICE", async () => {
  await rejectsWith(
    loadServiceModule(`export default {`, {}),
    "BAD_SERVICE",
    /^service\.ts failed while loading: SyntaxError: .+; fix the service code and pack again$/,
  );
});

Deno.test("reports a missing default export", async () => {
  await rejectsWith(
    loadServiceModule(`export const helper = 1;`, {}),
    "BAD_SERVICE",
    "service.ts has no default export; end it with `export default defineService({...})`",
  );
});

Deno.test("reports a default export that is not a service", async () => {
  await rejectsWith(
    loadServiceModule(`export default function handler() {}`, {}),
    "BAD_SERVICE",
    "service.ts exports a function (handler), not a service; end it with `export default defineService({...})`",
  );
  await rejectsWith(
    loadServiceModule(`export default { name: "X", apis: {}, artifacts: {} };`, {}),
    "BAD_SERVICE",
    "service.ts exports an object without name/apis/artifacts, not a service; " +
      "end it with `export default defineService({...})`",
  );
});

Deno.test("loadServiceFile loads a file and names it in errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento_loader_test_" });
  try {
    const good = join(dir, "service.js");
    await Deno.writeTextFile(good, `${READ_SDK}export default ${SERVICE};`);
    assert.equal((await loadServiceFile(good, { prefix: "File" })).name, "FileSvc");
    const bad = join(dir, "bad.js");
    await Deno.writeTextFile(bad, `export const x = 1;`);
    await rejectsWith(
      loadServiceFile(bad, {}),
      "BAD_SERVICE",
      `${bad} has no default export; end it with \`export default defineService({...})\``,
    );
    const missing = join(dir, "missing.js");
    await rejectsWith(
      loadServiceFile(missing, {}),
      "BAD_BUNDLE",
      `${missing} is missing; the bundle is incomplete, pack it again`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
