import assert from "node:assert/strict";
import { WasmBackend } from "../backends/ort_web.ts";
import { ObentoError } from "../errors.ts";
import type { ArtifactContext } from "../sdk/artifact.ts";
import { BinaryArtifact, JsonArtifact, TextArtifact } from "./data_artifacts.ts";

const ctx = (name: string): ArtifactContext => ({
  name,
  metadata: {},
  backend: new WasmBackend(),
  sessionOptions: {},
});
const utf8 = (text: string) => new TextEncoder().encode(text);

Deno.test("inspects and loads JSON values", async () => {
  const artifact = new JsonArtifact<{ labels: string[] }>();
  assert.equal(artifact.type, "JsonArtifact");
  assert.equal(artifact.extension, ".json");
  const bytes = utf8('\uFEFF{"labels": ["setosa", "versicolor"]}');
  assert.deepEqual(await artifact.inspect(bytes, ctx("labels")), { bytes: 39, json: "object" });
  assert.deepEqual(await artifact.load(bytes, ctx("labels")), { labels: ["setosa", "versicolor"] });
  assert.deepEqual(await artifact.inspect(utf8("[1]"), ctx("x")), { bytes: 3, json: "array" });
  assert.deepEqual(await artifact.inspect(utf8("null"), ctx("x")), { bytes: 4, json: "null" });
  assert.deepEqual(await artifact.inspect(utf8(" 2.5 "), ctx("x")), { bytes: 5, json: "number" });
});

Deno.test("names the artifact and the parse error for invalid JSON", async () => {
  let parseError = "";
  try {
    JSON.parse('{"a": 1,}');
  } catch (e) {
    parseError = (e as Error).message;
  }
  const expected = new ObentoError(
    "BAD_ARGUMENT",
    `artifact "vocab" (JsonArtifact) is not valid JSON: ${parseError}`,
  );
  await assert.rejects(new JsonArtifact().inspect(utf8('{"a": 1,}'), ctx("vocab")), expected);
  await assert.rejects(new JsonArtifact().load(utf8('{"a": 1,}'), ctx("vocab")), expected);
  await assert.rejects(
    new JsonArtifact().load(new Uint8Array([0x22, 0xff, 0x22]), ctx("vocab")),
    new ObentoError("BAD_ARGUMENT", 'artifact "vocab" (JsonArtifact) is not valid UTF-8 text'),
  );
});

Deno.test("loads UTF-8 text and refuses other bytes", async () => {
  const artifact = new TextArtifact();
  assert.equal(artifact.type, "TextArtifact");
  assert.equal(artifact.extension, ".txt");
  assert.equal(new TextArtifact({ extension: ".vocab" }).extension, ".vocab");
  assert.equal(await artifact.load(utf8("naïve\n🍱"), ctx("t")), "naïve\n🍱");
  assert.deepEqual(await artifact.inspect(utf8("naïve\n🍱"), ctx("t")), { bytes: 11, chars: 8 });
  await assert.rejects(
    artifact.inspect(new Uint8Array([0xc3, 0x28]), ctx("notes")),
    new ObentoError("BAD_ARGUMENT", 'artifact "notes" (TextArtifact) is not valid UTF-8 text'),
  );
});

Deno.test("loads bytes unchanged", async () => {
  const artifact = new BinaryArtifact({ extension: ".npy" });
  assert.equal(artifact.type, "BinaryArtifact");
  assert.equal(artifact.extension, ".npy");
  assert.equal(new BinaryArtifact().extension, ".bin");
  const bytes = new Uint8Array([0, 255, 7]);
  assert.equal(await artifact.load(bytes, ctx("w")), bytes);
  assert.deepEqual(await artifact.inspect(bytes, ctx("w")), { bytes: 3 });
});

Deno.test("refuses an extension without a leading dot", () => {
  assert.throws(
    () => new TextArtifact({ extension: "txt" }),
    new ObentoError(
      "BAD_SERVICE",
      'TextArtifact extension must start with a dot followed by letters or digits (e.g. ".txt"), got "txt"',
    ),
  );
  assert.throws(() => new BinaryArtifact({ extension: "./x" }), ObentoError);
});
