/**
 * Test helper (not exported from mod.ts): writes a small but complete bundle directory, as pack would.
 *
 * @module
 */
import { join } from "node:path";
import { type BentoDocument, BUNDLE_FORMAT, stringifyBento } from "../bundle/bento_yaml.ts";
import { writeManifest } from "../bundle/manifest.ts";
import { OBENTO_VERSION } from "../version.ts";
import type { BundleRecord } from "./bundle_index.ts";

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

/**
 * The bento.yaml of a test bundle: one batch API `predict` (JSON in, JSON out) and one ONNX artifact
 * `model` of `artifactBytes` bytes at artifacts/model.onnx. Tests override the fields they look at.
 */
export function testBento(options: TestBundleOptions = {}): BentoDocument {
  return {
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
      size: options.artifactBytes ?? 64,
      metadata: {},
      info: {},
    }],
    env: { permissions: {}, docker_base_image: "", deno_version: "2.9.6" },
  };
}

/**
 * The index record a registry should make of a {@link writeTestBundle} bundle saved with `options`: its
 * one API and one artifact, as the index keeps them (stated here by hand, not read from the bundle).
 */
export function testRecord(options: TestBundleOptions & { createdAt: string }): BundleRecord {
  return {
    name: options.name ?? "Iris",
    version: options.version ?? "1",
    createdAt: options.createdAt,
    labels: options.labels ?? {},
    apis: ["predict"],
    artifacts: [{ name: "model", type: "OnnxModelArtifact" }],
  };
}

/** Writes {@link testBento}, a service module, the artifact and MANIFEST into `dir` (created); returns `dir`. */
export async function writeTestBundle(dir: string, options: TestBundleOptions = {}): Promise<string> {
  await Deno.mkdir(join(dir, "artifacts"), { recursive: true });
  const bytes = new Uint8Array(options.artifactBytes ?? 64).map((_, i) => (i * 31) & 0xff);
  await Deno.writeFile(join(dir, "artifacts", "model.onnx"), bytes);
  await Deno.writeTextFile(join(dir, "service.js"), "export default {};\n");
  await Deno.writeTextFile(join(dir, "bento.yaml"), stringifyBento(testBento(options)));
  await writeManifest(dir);
  return dir;
}
