/**
 * Test helper (not exported from mod.ts): writes a small but complete bundle directory, as pack would.
 *
 * @module
 */
import { join } from "node:path";
import { BUNDLE_FORMAT, stringifyBento } from "../bundle/bento_yaml.ts";
import { writeManifest } from "../bundle/manifest.ts";
import { OBENTO_VERSION } from "../version.ts";

/** Options for {@link writeTestBundle}. */
export interface TestBundleOptions {
  /** Bundle name. Default "Iris". */
  name?: string;
  /** Bundle version. Default "1". */
  version?: string;
  /** Labels. Default none. */
  labels?: Record<string, string>;
  /** created_at. Default now. */
  createdAt?: string;
  /** Artifact size in bytes. Default 64. */
  artifactBytes?: number;
}

/** Writes bento.yaml, a service module, one artifact and MANIFEST into `dir` (created); returns `dir`. */
export async function writeTestBundle(dir: string, options: TestBundleOptions = {}): Promise<string> {
  await Deno.mkdir(join(dir, "artifacts"), { recursive: true });
  const bytes = new Uint8Array(options.artifactBytes ?? 64).map((_, i) => (i * 31) & 0xff);
  await Deno.writeFile(join(dir, "artifacts", "model.onnx"), bytes);
  await Deno.writeTextFile(join(dir, "service.js"), "export default {};\n");
  await Deno.writeTextFile(
    join(dir, "bento.yaml"),
    stringifyBento({
      bundle_format: BUNDLE_FORMAT,
      obento_version: OBENTO_VERSION,
      name: options.name ?? "Iris",
      version: options.version ?? "1",
      created_at: options.createdAt ?? new Date().toISOString(),
      labels: options.labels ?? {},
      service: {
        name: options.name ?? "Iris",
        doc: "test service",
        module: "service.js",
        apis: [{
          name: "predict",
          batch: true,
          doc: "",
          input: { type: "JsonInput", config: {}, content_types: ["application/json"] },
          output: { type: "JsonOutput", config: {} },
          schema: { request: {}, response: {} },
        }],
      },
      artifacts: [{
        name: "model",
        type: "OnnxModelArtifact",
        file: "artifacts/model.onnx",
        sha256: "0".repeat(64),
        size: bytes.length,
        metadata: {},
        info: {},
      }],
      env: { permissions: {}, docker_base_image: "", deno_version: "2.9.6" },
    }),
  );
  await writeManifest(dir);
  return dir;
}
