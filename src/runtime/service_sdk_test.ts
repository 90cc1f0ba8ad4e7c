import assert from "node:assert/strict";
import * as serviceSdk from "./service_sdk.ts";
import { hostParts } from "./host_parts.ts";
import { loadServiceModule } from "../bundle/module_loader.ts";

/**
 * The names of the service SDK, pinned: a packed bundle reads these from `Symbol.for("obento.sdk.v1")`, so
 * removing or renaming one breaks bundles already packed (docs/bundling.md "The SDK a bundle gets"). Adding
 * one is compatible; change this list and that section together.
 */
const SDK_V1_NAMES = [
  "BadInputError",
  "BinaryArtifact",
  "DataframeInput",
  "DataframeOutput",
  "FeatureTableInput",
  "FileInput",
  "Frame",
  "ImageInput",
  "InferenceError",
  "InferenceResult",
  "InferenceTask",
  "JsonArtifact",
  "JsonInput",
  "JsonOutput",
  "ObentoError",
  "OnnxFeedsInput",
  "OnnxModel",
  "OnnxModelArtifact",
  "Service",
  "StringInput",
  "TensorInput",
  "TensorRowsOutput",
  "TextArtifact",
  "concatRows",
  "decodeImage",
  "defineService",
  "featureRowResults",
  "nestedFromTensor",
  "splitRows",
  "stackTensors",
  "tensorFromNested",
  "tensorToJson",
  "toJsonValue",
];

Deno.test("the service SDK exports exactly the pinned names", () => {
  assert.deepEqual(Object.keys(serviceSdk).sort(), [...SDK_V1_NAMES].sort());
});

Deno.test("a bundle receives the service SDK, not the host's operations", () => {
  const { sdk } = hostParts();
  // The namespace itself, seen through the proxy that starts loading the image decoders (image_codecs.ts).
  assert.deepEqual(Object.keys(sdk).sort(), Object.keys(serviceSdk).sort());
  for (const name of Object.keys(serviceSdk)) {
    assert.equal(sdk[name], (serviceSdk as Record<string, unknown>)[name]);
  }
  for (const host of ["load", "pack", "openRegistry", "runBatch", "FsStore", "SqliteIndex", "WasmBackend"]) {
    assert.equal(host in sdk, false, `${host} is a host operation, not part of the SDK`);
  }
});

Deno.test("a bundle packed against the larger SDK of earlier versions still loads", async () => {
  // Earlier packs wrote one line per name mod.ts exported, host operations included (module_bundler.ts's
  // virtual SDK module); the ones the SDK no longer has read as undefined and the service loads.
  const code = [
    `const sdk = globalThis[Symbol.for("obento.sdk.v1")];`,
    `if (!sdk) throw new Error("this bundle must be loaded by obento");`,
    ...["defineService", "JsonInput", "load", "FsStore", "runBatch", "parseCsv"].map((name) =>
      `export const ${name} = sdk.${name};`
    ),
    `const service = sdk.defineService({ name: "Old" }).api("echo", { input: new sdk.JsonInput() }, (v) => v);`,
    `export default service;`,
  ].join("\n");
  const service = await loadServiceModule(code, hostParts().sdk);
  assert.equal(service.name, "Old");
  assert.ok(service instanceof serviceSdk.Service, "the bundle's service is the host's class");
  assert.deepEqual([...service.apis.keys()], ["echo"]);
});
