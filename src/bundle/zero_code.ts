/**
 * The zero-code path: `obento pack model.onnx --name Foo` generates a service module with a default
 * `predict` API for the model, then packs it like any other service.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { FeatureTableInput, featureTableProblem } from "../adapters/feature_table_input.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { validateName } from "../sdk/names.ts";
import type { TensorInfo } from "../sdk/tensor.ts";

/** Why a model cannot take tables of features in the zero-code API, or undefined when it can. */
export function zeroCodeTableProblem(info: { inputs?: JsonValue; outputs?: JsonValue }): string | undefined {
  if (!isBatchable(info)) {
    return "its inputs and outputs do not all have a dynamic first (row) dim, so its rows cannot be batched";
  }
  return featureTableProblem(info.inputs as unknown as TensorInfo[]);
}

/** True when every input and output has a dynamic first dim: requests are then rows of one batch. */
function isBatchable(info: { inputs?: JsonValue; outputs?: JsonValue }): boolean {
  return [info.inputs, info.outputs].every((list) =>
    Array.isArray(list) && list.length > 0 &&
    list.every((t) => {
      const shape = (t as { shape?: unknown[] | null })?.shape;
      return Array.isArray(shape) && shape.length > 0 && typeof shape[0] !== "number";
    })
  );
}

/** Options for {@link zeroCodeServiceSource}. */
export interface ZeroCodeOptions {
  /**
   * Feature column names for a model with one 2-D numeric input (see {@link zeroCodeTableProblem}); without
   * them such a model takes a table's columns in order.
   */
  columns?: readonly string[];
}

/**
 * Source of a service with one ONNX artifact `model` and a `predict` API: input is a JSON object keyed by the
 * model's input names (or a bare nested array for one input), output an object keyed by output name. A model
 * with one 2-D numeric input also takes tables whose columns are its features (CSV, JSON records).
 * @param name the service name
 * @param info the model's inputs and outputs as the ONNX artifact's `inspect` reports them
 * @param options feature column names
 * @throws {ObentoError} BAD_ARGUMENT when `columns` are given for a model that cannot take tables
 */
export function zeroCodeServiceSource(
  name: string,
  info: { inputs?: JsonValue; outputs?: JsonValue },
  options: ZeroCodeOptions = {},
): string {
  validateName(name, "service name");
  const tableProblem = zeroCodeTableProblem(info);
  const columns = options.columns;
  if (columns !== undefined && tableProblem !== undefined) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `columns ${columns.join(",")}: feature columns need a model with one 2-D numeric input, but ` +
        `${tableProblem}; leave them out and send the model its named tensors`,
      { option: "columns" },
    );
  }
  if (columns !== undefined) {
    try {
      new FeatureTableInput({ inputs: info.inputs as unknown as TensorInfo[], columns });
    } catch (error) {
      if (!(error instanceof ObentoError)) throw error;
      throw new ObentoError("BAD_ARGUMENT", `columns ${columns.join(",")}: ${error.message}`, {
        option: "columns",
      });
    }
  }
  const tensorDoc = "an object keyed by the model's input names (a bare nested array when it has one input)";
  const tableDoc = columns === undefined
    ? "a table whose columns are the model's features, in order (CSV with a header, JSON records); or "
    : `a table with feature columns ${
      columns.join(", ")
    }, matched by name, other columns ignored (CSV with ` +
      "a header, JSON records); or ";
  const doc = `Input: ${tableProblem === undefined ? tableDoc : ""}${tensorDoc}. ` +
    (tableProblem === undefined
      ? "Output: for a table, one record per row keyed by output name; for tensors, an object keyed by output " +
        "name, nested arrays by shape, one entry per row."
      : "Output: an object keyed by output name, nested arrays by shape.");
  const batchable = isBatchable(info);
  const adapter = tableProblem === undefined
    ? `new FeatureTableInput({ inputs${
      columns === undefined ? "" : `, columns: ${JSON.stringify(columns)}`
    } })`
    : "new OnnxFeedsInput({ inputs })";
  // With a dynamic first dimension on every input and output, requests are rows of one batch: the model runs
  // once per batch and each request gets its own rows back. Otherwise each request runs alone.
  const api = tableProblem === undefined
    ? `  { input: ${adapter}, output: new TensorRowsOutput(), batch: true, doc: ${JSON.stringify(doc)} },
  async (batch, { artifacts }) => featureRowResults(await artifacts.model.run(batch.feeds), batch),`
    : batchable
    ? `  { input: ${adapter}, output: new TensorRowsOutput(), batch: true, doc: ${JSON.stringify(doc)} },
  async (feeds, { artifacts }) => {
    const rows = feeds[inputs[0].name].dims[0];
    return splitRows(await artifacts.model.run(feeds), rows);
  },`
    : `  { input: ${adapter}, doc: ${JSON.stringify(doc)} },
  (feeds, { artifacts }) => artifacts.model.run(feeds),`;
  const imports = tableProblem === undefined
    ? "defineService, FeatureTableInput, featureRowResults, OnnxModelArtifact, TensorRowsOutput"
    : "defineService, OnnxFeedsInput, OnnxModelArtifact, splitRows, TensorRowsOutput";
  return `// Generated by \`obento pack <model.onnx>\`: a default service for one ONNX model.
import { ${imports} } from "obento";

const inputs = ${JSON.stringify(info.inputs ?? [])};

export default defineService({
  name: ${JSON.stringify(name)},
  doc: "Runs the ONNX model on named input tensors.",
  artifacts: { model: new OnnxModelArtifact() },
}).api(
  "predict",
${api}
);
`;
}
