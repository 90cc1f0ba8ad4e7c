import assert from "node:assert/strict";
import { testBento } from "../registry/_testing.ts";
import { browserRefusals } from "./browser_refusals.ts";

Deno.test("a bundle without permissions whose code needs nothing from Deno or node: is not refused", () => {
  assert.deepEqual(browserRefusals(testBento(), "export default 1;\nconst note = 'myDeno.env';\n"), []);
});

Deno.test("each declared permission is a reason, with what it names and why a page cannot give it", () => {
  const doc = testBento();
  doc.env.permissions = {
    read: ["data", "/etc/hosts"],
    write: true,
    net: ["api.example.com:443"],
    env: ["HOME"],
  };
  assert.deepEqual(browserRefusals(doc, ""), [
    "it declares the permission read (data, /etc/hosts) in env.permissions: a web page cannot read files on " +
    "the visitor's disk",
    "it declares the permission write (all) in env.permissions: a web page cannot write files",
    "it declares the permission net (api.example.com:443) in env.permissions: a web page reaches other hosts " +
    "only where they allow it (CORS), and obento's sandbox cannot limit it",
    "it declares the permission env (HOME) in env.permissions: a browser has no environment variables",
  ]);
});

Deno.test("node: imports (static, dynamic and pack's require shim) and the Deno API in the code are reasons", () => {
  const code = `import { readFileSync } from "node:fs";
import { createRequire as __obentoCreateRequire } from "node:module";
const path = await import("node:path");
export default () => [Deno.readTextFileSync("x"), Deno.env.get("HOME"), Deno.env.get("USER")];
`;
  assert.deepEqual(browserRefusals(testBento(), code), [
    "its code imports node:fs, node:module, node:path, which browsers do not have",
    "its code uses Deno.readTextFileSync, Deno.env (the Deno runtime's API), which browsers do not have",
  ]);
});
