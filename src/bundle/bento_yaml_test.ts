import assert from "node:assert/strict";
import process from "node:process";
import { ObentoError } from "../errors.ts";
import { parseBento, stringifyBento } from "./bento_yaml.ts";

function yaml(module: string, file: string): string {
  return [
    "bundle_format: 1",
    "name: Iris",
    'version: "1"',
    'created_at: "2026-01-01T00:00:00Z"',
    `service: { module: ${JSON.stringify(module)}, apis: [] }`,
    `artifacts: [{ name: model, file: ${JSON.stringify(file)}, sha256: abc }]`,
  ].join("\n");
}

Deno.test("parseBento accepts paths inside the bundle", () => {
  const doc = parseBento(yaml("service.js", "artifacts/model.onnx"), "bento.yaml");
  assert.equal(doc.service.module, "service.js");
  assert.deepEqual(doc.labels, {});
});

Deno.test("parseBento refuses module and artifact paths that leave the bundle", () => {
  for (
    const [module, file] of [
      ["../evil.js", "artifacts/model.onnx"],
      ["/tmp/evil.js", "artifacts/model.onnx"],
      ["service.js", "/etc/passwd"],
      ["service.js", "artifacts/../../x"],
      ["service.js", "C:\\\\x"],
    ]
  ) {
    assert.throws(
      () => parseBento(yaml(module, file), "bento.yaml"),
      (e) =>
        e instanceof ObentoError && e.code === "BAD_BUNDLE" &&
        /must be a path inside the bundle/.test(e.message),
      `${module} ${file}`,
    );
  }
});

Deno.test("parseBento names the file and the problem for malformed documents", () => {
  assert.throws(() => parseBento("name: [", "x/bento.yaml"), /x\/bento\.yaml is not valid YAML/);
  assert.throws(() => parseBento("bundle_format: 9\n", "bento.yaml"), /bundle_format 9 is not supported/);
});

Deno.test("parseBento prints no YAML warning for an unknown tag or directive", () => {
  // Found by tests/fuzz/bento_yaml_fuzz.ts: the yaml package printed each warning on stderr as a multi-line
  // Node warning, which breaks the server's one-line log.
  const emitted: unknown[] = [];
  const original = process.emitWarning;
  process.emitWarning = (warning: string | Error) => void emitted.push(warning);
  try {
    assert.throws(() => parseBento("%FOO bar\n---\n!nope x\n", "bento.yaml"), { name: "ObentoError" });
    assert.throws(() => parseBento("!nope x\n", "bento.yaml"), ObentoError);
  } finally {
    process.emitWarning = original;
  }
  assert.deepEqual(emitted, []);
});

Deno.test("stringifyBento writes repeated objects out, so a 784-column table parses back", () => {
  const doc = parseBento(yaml("service.js", "artifacts/model.onnx"), "bento.yaml");
  const shared = { type: "float32" };
  const metadata = Object.fromEntries(Array.from({ length: 784 }, (_, i) => [`f${i}`, shared]));
  const big = { ...doc, artifacts: [{ ...doc.artifacts[0], metadata }] };
  const text = stringifyBento(big);
  assert.doesNotMatch(text, /&a\d|\*a\d/);
  assert.equal(parseBento(text, "bento.yaml").name, doc.name);
});
