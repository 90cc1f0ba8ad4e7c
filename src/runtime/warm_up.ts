/**
 * Warm-up: one inference per ONNX model on zero-filled inputs (dynamic dims as 1), so that the first real
 * request does not pay for lazy allocations. Readiness waits for it.
 *
 * @module
 */
import { messageOf } from "../errors.ts";
import { OnnxModel } from "../artifacts/onnx_model_artifact.ts";
import { allocate, type DType, sizeOf, type Tensor } from "../sdk/tensor.ts";

/**
 * Runs each ONNX model among `artifacts` once on zeros; returns one warning per model that could not be
 * warmed (e.g. inputs of unknown type), never throws.
 */
export async function warmUpModels(artifacts: Readonly<Record<string, unknown>>): Promise<string[]> {
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(artifacts)) {
    if (!(value instanceof OnnxModel)) continue;
    try {
      const feeds: Record<string, Tensor> = {};
      for (const input of value.inputs) {
        if (input.type === "unknown") throw new Error(`input "${input.name}" is not a tensor`);
        const dims = (input.shape ?? [1]).map((d) => (typeof d === "number" && d > 0 ? d : 1));
        feeds[input.name] = { type: input.type, dims, data: allocate(input.type as DType, sizeOf(dims)) };
      }
      await value.run(feeds);
    } catch (error) {
      warnings.push(`could not warm up model "${name}": ${messageOf(error)}`);
    }
  }
  return warnings;
}
