/**
 * Test fixtures (not exported from mod.ts) for the server's unit tests: a bento.yaml document and ONNX
 * artifact records, with only the parts each test cares about given.
 *
 * @module
 */
import type { ApiRecord, ArtifactRecord, BentoDocument } from "../bundle/bento_yaml.ts";
import type { JsonValue } from "../sdk/adapter.ts";

/** The parts of {@link testDocument} a test sets. */
export interface TestDocumentParts {
  /** Bundle and service name. Default "IrisClassifier". */
  name?: string;
  /** The service's doc. Default "". */
  doc?: string;
  /** Labels. Default none. */
  labels?: Record<string, string>;
  /** APIs. Default none. */
  apis?: ApiRecord[];
  /** Artifacts. Default none. */
  artifacts?: ArtifactRecord[];
}

/** A bento.yaml document, version 1.0.0, created 2025-01-01, with `parts`. */
export function testDocument(parts: TestDocumentParts = {}): BentoDocument {
  const name = parts.name ?? "IrisClassifier";
  return {
    bundle_format: 1,
    obento_version: "0.1.0",
    name,
    version: "1.0.0",
    created_at: "2025-01-01T00:00:00.000Z",
    labels: parts.labels ?? {},
    service: { name, doc: parts.doc ?? "", module: "service.js", apis: parts.apis ?? [] },
    artifacts: parts.artifacts ?? [],
    env: { permissions: {}, docker_base_image: "debian:bookworm-slim", deno_version: "2.9.6" },
  };
}

/** An artifact record of `type` stored as `artifacts/<file>`, with what inspecting it found (`info`). */
export function testArtifact(
  name: string,
  type: string,
  file: string,
  info: Record<string, JsonValue> = {},
): ArtifactRecord {
  return { name, type, file: `artifacts/${file}`, sha256: "0".repeat(64), size: 1, metadata: {}, info };
}
