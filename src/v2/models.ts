/**
 * The models the v2 endpoints serve, read from a bundle's bento.yaml: its ONNX artifacts with their inputs
 * and outputs as v2 metadata.
 *
 * @module
 */
import type { DType } from "../sdk/tensor.ts";
import { v2DatatypeOf, type V2ModelInfo, v2Shape, type V2TensorMetadata } from "./protocol.ts";

/** An artifact's recorded `info` as an object (empty when it has none). */
function infoOf(info: unknown): Record<string, unknown> {
  return info !== null && typeof info === "object" ? info as Record<string, unknown> : {};
}

/** The tensors in an artifact's `info` (`inputs` or `outputs`), as v2 metadata; non-tensors skipped. */
function tensorsOf(value: unknown): V2TensorMetadata[] {
  if (!Array.isArray(value)) return [];
  const out: V2TensorMetadata[] = [];
  for (const t of value as { name?: unknown; type?: unknown; shape?: unknown }[]) {
    if (typeof t?.name !== "string") continue;
    const datatype = v2DatatypeOf(t.type as DType);
    if (!datatype) continue;
    const shape = Array.isArray(t.shape) ? (t.shape as (number | string | null)[]) : null;
    out.push({ name: t.name, datatype, shape: v2Shape(shape) });
  }
  return out;
}

/** What {@link v2ModelsFromBundle} reads of a bundle's bento.yaml (a `BentoDocument` fits). */
export interface V2BundleFacts {
  /** The bundle version. */
  readonly version: string;
  /** The packed artifacts: name, artifact type, and the `info` recorded at pack time. */
  readonly artifacts: readonly { readonly name: string; readonly type: string; readonly info?: unknown }[];
}

/**
 * The v2 models of a bundle: one per ONNX artifact, with inputs and outputs from its recorded `info`.
 *
 * @param doc the bundle's bento.yaml (its version and artifacts).
 * @returns one entry per `OnnxModelArtifact`, versioned with the bundle version.
 *
 * @example
 * ```ts
 * import { v2ModelsFromBundle } from "./models.ts";
 * import { parseBento } from "../bundle/bento_yaml.ts";
 * const doc = parseBento(await Deno.readTextFile("./IrisClassifier/bento.yaml"), "bento.yaml");
 * console.log(v2ModelsFromBundle(doc)[0].inputs); // [{ name: "input", datatype: "FP32", shape: [-1, 4] }]
 * ```
 */
export function v2ModelsFromBundle(doc: V2BundleFacts): V2ModelInfo[] {
  return doc.artifacts
    .filter((a) => a.type === "OnnxModelArtifact")
    .map((a) => ({
      name: a.name,
      versions: [doc.version],
      platform: "onnxruntime-web",
      inputs: tensorsOf(infoOf(a.info).inputs),
      outputs: tensorsOf(infoOf(a.info).outputs),
    }));
}
