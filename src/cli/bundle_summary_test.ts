import assert from "node:assert/strict";
import { join } from "node:path";
import type { BentoDocument } from "../bundle/bento_yaml.ts";
import { testBento } from "../registry/_testing.ts";
import { describeInput, directorySize, formatBundleSummary, formatBytes } from "./bundle_summary.ts";

/** The registry's test bento, with two APIs of different inputs and an artifact with metadata. */
function document(): BentoDocument {
  const base = testBento({
    version: "20240101000000_ABCDEF",
    createdAt: "2024-01-01T00:00:00.000Z",
    labels: { stage: "prod", team: "ml" },
    artifactBytes: 2048,
  });
  const [predict] = base.service.apis;
  const [model] = base.artifacts;
  return {
    ...base,
    bundle_format: 1,
    obento_version: "0.1.0",
    service: {
      ...base.service,
      doc: "Classifies iris flowers.\nSecond line.",
      apis: [
        {
          ...predict,
          input: {
            type: "DataframeInput",
            config: { orient: "auto", columns: { a: "float32", b: "float32", c: "int64" } },
            content_types: ["application/json"],
          },
        },
        {
          ...predict,
          name: "classify",
          batch: false,
          input: {
            type: "ImageInput",
            config: { width: 28, height: 28, channels: 1, dtype: "float32" },
            content_types: ["image/png"],
          },
        },
      ],
    },
    artifacts: [{
      ...model,
      sha256: "b3cb234b287b0123456789abcdef",
      metadata: { accuracy: 0.973, framework: "sklearn" },
    }],
    env: { ...base.env, docker_base_image: "x" },
  };
}

Deno.test("formatBytes uses binary units", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(5 * 1024 * 1024), "5.0 MiB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3.0 GiB");
});

Deno.test("describeInput names what each adapter takes", () => {
  const input = (type: string, config: Record<string, unknown>) =>
    describeInput({ type, config: config as never, content_types: [] });
  assert.equal(
    input("DataframeInput", { columns: { a: "float32", b: "float32", c: "int64" } }),
    "DataframeInput (a, b: float32; c: int64)",
  );
  assert.equal(
    input("DataframeInput", { columns: ["x", "y"], dtype: "float32" }),
    "DataframeInput (x, y: float32)",
  );
  assert.equal(input("DataframeInput", { orient: "auto" }), "DataframeInput");
  assert.equal(
    input("OnnxFeedsInput", {
      inputs: [{ name: "x", type: "float32", shape: [null, 4] }, { name: "k", type: "int64", shape: [] }],
    }),
    "OnnxFeedsInput (x: float32[?, 4]; k: int64[])",
  );
  assert.equal(input("TensorInput", { dtype: "float32", shape: [784] }), "TensorInput (float32[784])");
  assert.equal(
    input("ImageInput", { width: 28, height: 28, channels: 1, dtype: "float32" }),
    "ImageInput (28x28, 1 channels, float32)",
  );
  assert.equal(input("JsonInput", {}), "JsonInput");
  const long = input("DataframeInput", {
    columns: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`column_${i}`, `t${i}`])),
  });
  assert.ok(long.endsWith("…)") && long.length <= "DataframeInput ()".length + 80, long);
});

Deno.test("formatBundleSummary names the permissions a bundle declares beyond reading itself", () => {
  const doc = document();
  doc.env.permissions = { net: ["api.example.com:443"], env: ["TOKEN"] };
  const text = formatBundleSummary({ document: doc, location: "/b", size: 1 }, new Date("2024-01-03"));
  assert.match(text, /\n {2}sandbox: {3}read its bundle; net api\.example\.com:443; env TOKEN\n/);
});

Deno.test("formatBundleSummary shows the bundle, its APIs, artifacts and metadata", () => {
  const text = formatBundleSummary(
    { document: document(), location: "/home/u/.obento/bundles/Iris/1", size: 4096 },
    new Date("2024-01-03T00:00:00.000Z"),
  );
  assert.equal(
    text,
    [
      "Iris:20240101000000_ABCDEF",
      "  created:   2024-01-01T00:00:00.000Z (2 days ago)",
      "  labels:    stage=prod, team=ml",
      "  size:      4.0 KiB on disk",
      "  location:  /home/u/.obento/bundles/Iris/1",
      "  doc:       Classifies iris flowers.",
      "  sandbox:   read its bundle only",
      "",
      "APIs:",
      "  NAME      BATCH  OUTPUT      INPUT",
      "  predict   yes    JsonOutput  DataframeInput (a, b: float32; c: int64)",
      "  classify  no     JsonOutput  ImageInput (28x28, 1 channels, float32)",
      "",
      "Artifacts:",
      "  NAME   TYPE               SIZE     SHA256",
      "  model  OnnxModelArtifact  2.0 KiB  b3cb234b287b…",
      "",
      "Metadata:",
      "  model.accuracy   0.973",
      '  model.framework  "sklearn"',
      "",
    ].join("\n"),
  );
  const bare = document();
  bare.labels = {};
  bare.artifacts = [];
  bare.service.apis = [];
  const none = formatBundleSummary(
    { document: bare, location: "/x", size: 10 },
    new Date("2024-01-01T00:00:05Z"),
  );
  assert.match(none, /labels: {4}\(none\)\n/);
  assert.match(none, /\(5 seconds ago\)/);
  assert.match(none, /APIs:\n {2}\(none\)\n\nArtifacts:\n {2}\(none\)\n$/);
});

Deno.test("directorySize adds up the files below a directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(join(dir, "a"), new Uint8Array(100));
    await Deno.mkdir(join(dir, "sub", "deeper"), { recursive: true });
    await Deno.writeFile(join(dir, "sub", "b"), new Uint8Array(20));
    await Deno.writeFile(join(dir, "sub", "deeper", "c"), new Uint8Array(3));
    assert.equal(await directorySize(dir), 123);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
