/**
 * Packs a bare ONNX model with a generated default service (the zero-code path).
 *
 * @module
 */
import { resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { OnnxModelArtifact } from "../artifacts/onnx_model_artifact.ts";
import { packBundle, type PackOptions, type PackResult } from "./pack.ts";
import { zeroCodeServiceSource } from "./zero_code.ts";

/** Options for {@link packModel}: those of `packBundle`, with a model file instead of a service. */
export interface PackModelOptions extends Omit<PackOptions, "service" | "artifacts" | "metadata" | "name"> {
  /** Path to the `.onnx` file. */
  model: string;
  /** Service and bundle name. */
  name: string;
  /** Immutable metadata for the model artifact. */
  metadata?: Readonly<Record<string, JsonValue>>;
  /**
   * Feature column names, in the model's feature order, for a model with one 2-D numeric input: tables are
   * then matched by column name (other columns ignored). Default: a table's columns are the features in order.
   */
  columns?: readonly string[];
}

/** Packs `options.model` with a default `predict` API into `options.output`. */
export async function packModel(options: PackModelOptions): Promise<PackResult> {
  const modelPath = resolve(options.model);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(modelPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ObentoError("NOT_FOUND", `model file ${modelPath} not found`);
    }
    throw error;
  }
  const info = await new OnnxModelArtifact().inspect(bytes, {
    name: "model",
    metadata: {},
    backend: options.backend,
    sessionOptions: {},
  });
  const source = zeroCodeServiceSource(options.name, info, { columns: options.columns });
  const servicePath = await Deno.makeTempFile({ prefix: "obento-zero-code-", suffix: ".ts" });
  try {
    await Deno.writeTextFile(servicePath, source);
    const { columns: _columns, ...rest } = options;
    return await packBundle({
      ...rest,
      service: servicePath,
      artifacts: { model: modelPath },
      metadata: options.metadata ? { model: options.metadata } : undefined,
    });
  } finally {
    await Deno.remove(servicePath).catch(() => {});
  }
}
