import assert from "node:assert/strict";
import { join } from "node:path";
import { typescriptChecker } from "./type_check.ts";

const SERVICE = (sdk: string, artifact: string) => `
import yaml from "npm:yaml@2.9.1";
import { defineService, OnnxModelArtifact } from "${sdk}";
import { scale } from "./helper.ts";

const verbose = Deno.env.get("VERBOSE") === "1";

export default defineService({ name: "Check", artifacts: { model: new OnnxModelArtifact() } }).api(
  "predict",
  { input: new (await import("${sdk}")).JsonInput() },
  async (_item, { artifacts }) => {
    const out = await artifacts.${artifact}.run({});
    return { n: scale(Object.keys(out).length), verbose, doc: yaml.stringify({}) };
  },
);
`;

/** Where `needle` first occurs in `text`, 1-based. */
function position(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  return {
    line: text.slice(0, offset).split("\n").length,
    column: offset - text.lastIndexOf("\n", offset - 1),
  };
}

Deno.test("a misspelt artifact and a local file's error are reported; npm and Deno are not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const source = SERVICE("obento", "modle");
    const helper = `export function scale(n: number): number {\n  const s: string = n;\n  return n;\n}\n`;
    await Deno.writeTextFile(join(dir, "service.ts"), source);
    await Deno.writeTextFile(join(dir, "helper.ts"), helper);
    const outcome = await typescriptChecker().check(join(dir, "service.ts"));
    assert.ok(outcome.checked);
    assert.match(outcome.checker, /^TypeScript \d+\.\d+/);
    assert.deepEqual(outcome.diagnostics.map((d) => [d.file, d.line, d.column, d.code]), [
      [join(dir, "service.ts"), ...Object.values(position(source, "modle")), 2551],
      [join(dir, "helper.ts"), ...Object.values(position(helper, "s: string")), 2322],
    ]);
    assert.match(outcome.diagnostics[0].message, /^Property 'modle' does not exist on type /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an import-map alias of the SDK resolves to it; a correct service has no diagnostics", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "deno.json"),
      JSON.stringify({ imports: { "my-sdk": "jsr:@obento/obento@0.1.0" } }),
    );
    await Deno.writeTextFile(join(dir, "service.ts"), SERVICE("my-sdk", "model"));
    await Deno.writeTextFile(join(dir, "helper.ts"), "export const scale = (n: number): number => 2 * n;\n");
    const outcome = await typescriptChecker().check(join(dir, "service.ts"));
    assert.deepEqual(outcome.checked && outcome.diagnostics, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("no checker: TypeScript cannot be loaded, or there are no SDK sources", async () => {
  const noTs = await typescriptChecker({ loadTypeScript: () => Promise.reject(new Error("offline")) })
    .check("/x/service.ts");
  assert.deepEqual(noTs, { checked: false, reason: "TypeScript could not be loaded (offline)" });
  const noSdk = await typescriptChecker({ sdkEntry: "/nowhere/mod.ts" }).check("/x/service.ts");
  assert.deepEqual(noSdk, { checked: false, reason: "this obento carries no SDK sources to check against" });
});
