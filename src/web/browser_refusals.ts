/**
 * Why a bundle cannot run as a static page in a browser, found before anything is written: what its
 * bento.yaml declares (permissions to read or write files, reach hosts or read environment variables — a
 * page has no disk, no environment, and obento's sandbox cannot be carried into it) and what its bundled
 * code reaches for (`node:` modules, the `Deno` namespace). Models are checked apart, by loading them in
 * onnxruntime-web (`export_site.ts`).
 *
 * @module
 */
import type { BentoDocument } from "../bundle/bento_yaml.ts";
import { PERMISSION_KINDS } from "../bundle/permissions.ts";

const WHY: Readonly<Record<string, string>> = {
  read: "a web page cannot read files on the visitor's disk",
  write: "a web page cannot write files",
  net: "a web page reaches other hosts only where they allow it (CORS), and obento's sandbox cannot limit it",
  env: "a browser has no environment variables",
};

/**
 * The reasons `doc` and its bundled module `code` cannot run in a browser, one sentence each; empty when
 * they can.
 *
 * @param doc the bundle's bento.yaml
 * @param code the bundle's `service.js`
 * @returns the reasons, in a stable order: permissions (read, write, net, env), then `node:` imports, then
 *   the `Deno` namespace
 *
 * @example
 * ```ts
 * import { browserRefusals } from "./browser_refusals.ts";
 * import { parseBento } from "../bundle/bento_yaml.ts";
 * const doc = parseBento(await Deno.readTextFile("./reader-bundle/bento.yaml"), "bento.yaml");
 * console.log(browserRefusals(doc, 'import { readFileSync } from "node:fs";'));
 * // [ "its code imports node:fs, which browsers do not have" ]
 * ```
 */
export function browserRefusals(doc: BentoDocument, code: string): string[] {
  const reasons: string[] = [];
  const permissions = doc.env?.permissions ?? {};
  for (const kind of PERMISSION_KINDS) {
    const value = permissions[kind];
    if (value === undefined) continue;
    reasons.push(
      `it declares the permission ${kind} (${
        value === true ? "all" : value.join(", ")
      }) in env.permissions: ` +
        WHY[kind],
    );
  }
  const builtins = nodeImports(code);
  if (builtins.length > 0) {
    reasons.push(`its code imports ${builtins.join(", ")}, which browsers do not have`);
  }
  const deno = [
    ...new Set([...code.matchAll(/(?<![\w$.])Deno\.([A-Za-z_$][\w$]*)/g)].map((m) => `Deno.${m[1]}`)),
  ];
  if (deno.length > 0) {
    reasons.push(
      `its code uses ${deno.slice(0, 5).join(", ")} (the Deno runtime's API), which browsers do not have`,
    );
  }
  return reasons;
}

/** The `node:` modules a bundled module imports (esbuild keeps them as imports; `require` goes through one). */
function nodeImports(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/\b(?:from|import)\s*\(?\s*["'](node:[\w/.-]+)["']/g)) found.add(m[1]);
  return [...found].sort();
}
