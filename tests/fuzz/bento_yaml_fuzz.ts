/**
 * Fuzz target `bento_yaml`: reading bento.yaml as the registry does (`parseBento`, then `validateLabels`).
 * A bad bento.yaml is the bundle's fault, not the caller's, so it is refused with BAD_BUNDLE (exit 65, a 500
 * if a server met it) or, for its labels, BAD_ARGUMENT; never another error. Properties: any text, and
 * mutations of a valid document, are accepted or refused that way; an accepted document written back with
 * `stringifyBento` reads back equal.
 *
 * @module
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { parseBento, stringifyBento } from "../../src/bundle/bento_yaml.ts";
import { validateLabels } from "../../src/bundle/labels.ts";
import type { ObentoError } from "../../src/errors.ts";
import {
  anyText,
  type FuzzRun,
  type FuzzTarget,
  type PropertyReport,
  runProperty,
  textOf,
} from "./property.ts";

const VALID = {
  bundle_format: 1,
  obento_version: "0.1.0",
  name: "Iris",
  version: "20260101000000_ABCDEF",
  created_at: "2026-01-01T00:00:00.000Z",
  labels: { stage: "prod" },
  service: { name: "Iris", doc: "", module: "service.js", apis: [] },
  artifacts: [{
    name: "model",
    type: "OnnxModelArtifact",
    file: "artifacts/model.onnx",
    sha256: "00",
    size: 1,
  }],
  env: { permissions: {}, docker_base_image: "x", deno_version: "2.9.6" },
};

const FIELDS = [
  "bundle_format",
  "name",
  "version",
  "created_at",
  "labels",
  "service",
  "artifacts",
  "web_static_content",
  "service.module",
  "service.apis",
] as const;

/** A value that may replace a field: near-valid paths and names, or anything. */
const replacement = fc.oneof(
  textOf("a./\\:C", 12),
  fc.constantFrom("../x", "/etc/passwd", "C:\\x", "a//b", "static", 1, 2, null, "2026-13-45"),
  fc.dictionary(textOf("ab-.", 4), fc.oneof(textOf("ab-.", 4), fc.integer()), { maxKeys: 3 }),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }),
  fc.anything({ maxDepth: 2 }),
);

/** VALID with up to three fields replaced or deleted, as YAML text. */
const mutated = fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.option(replacement)), { maxLength: 3 }).map(
  (changes) => {
    const doc: Record<string, unknown> = structuredClone(VALID);
    for (const [field, value] of changes) {
      const [top, sub] = field.split(".");
      const target = sub === undefined ? doc : doc[top] as Record<string, unknown>;
      const key = sub ?? top;
      if (target === null || typeof target !== "object") continue;
      if (value === null) delete target[key];
      else target[key] = value;
    }
    return stringify(doc);
  },
);

/** Errors a bad bento.yaml may raise. */
const allowed = (e: ObentoError) => e.code === "BAD_BUNDLE" || e.code === "BAD_ARGUMENT";

/** The bento.yaml target. */
export const bentoYamlTarget: FuzzTarget = {
  name: "bento_yaml",
  async run(options: FuzzRun): Promise<PropertyReport[]> {
    return [
      await runProperty(
        "parseBento",
        fc.oneof(mutated, textOf("ab: -[]{}&*!|>'\"\n#%", 80), anyText),
        async (text, o) => {
          const doc = await o.of(() => {
            const doc = parseBento(text, "bento.yaml");
            validateLabels(doc.labels, "bento.yaml");
            return doc;
          });
          if (doc === undefined) return;
          assert.deepStrictEqual(parseBento(stringifyBento(doc), "bento.yaml"), doc);
        },
        options,
        allowed,
      ),
    ];
  },
};
