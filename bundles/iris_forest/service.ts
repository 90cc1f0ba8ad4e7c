/**
 * A scikit-learn random forest on iris, exported with the ai.onnx.ml TreeEnsembleClassifier operator. Takes
 * rows as JSON or CSV and answers the class id, its name and the class probabilities per row.
 *
 * Pack it:  obento pack bundles/iris_forest/service.ts --artifact model=bundles/iris_forest/iris_rf.onnx
 */
import { DataframeInput, defineService, OnnxModelArtifact } from "../../mod.ts";

const CLASS_NAMES = ["setosa", "versicolor", "virginica"];

export default defineService({
  name: "IrisForest",
  doc: "Random-forest iris classifier (10 trees, depth 4).",
  artifacts: { model: new OnnxModelArtifact() },
}).api(
  "predict",
  {
    input: new DataframeInput({
      columns: {
        sepal_length: "float32",
        sepal_width: "float32",
        petal_length: "float32",
        petal_width: "float32",
      },
    }),
    batch: true,
    doc: "Per row: { label, class_name, probabilities }.",
  },
  async (frame, { artifacts }) => {
    const out = await artifacts.model.run({ input: frame.toTensor("float32") });
    const labels = out.label.data as BigInt64Array;
    const p = out.probabilities.data as Float32Array;
    const k = CLASS_NAMES.length;
    return Array.from(labels, (id, row) => ({
      label: Number(id),
      class_name: CLASS_NAMES[Number(id)],
      probabilities: Array.from(p.subarray(row * k, row * k + k)),
    }));
  },
);
