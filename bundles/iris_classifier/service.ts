/**
 * The iris classifier from BentoML's getting-started guide: a scikit-learn logistic regression exported to
 * ONNX, behind a batch API that takes a dataframe (JSON records/columns/values or CSV) and answers one class
 * name per row.
 *
 * Pack it:  obento pack bundles/iris_classifier/service.ts --artifact model=bundles/iris_classifier/iris_lr.onnx
 */
import { DataframeInput, defineService, OnnxModelArtifact } from "../../mod.ts";

const CLASS_NAMES = ["setosa", "versicolor", "virginica"] as const;

const input = new DataframeInput({
  columns: {
    sepal_length: "float32",
    sepal_width: "float32",
    petal_length: "float32",
    petal_width: "float32",
  },
});

export default defineService({
  name: "IrisClassifier",
  doc: "Classifies iris flowers from sepal and petal measurements (cm).",
  artifacts: { model: new OnnxModelArtifact() },
})
  .api(
    "predict",
    { input, batch: true, doc: "One class name (setosa, versicolor, virginica) per input row." },
    async (frame, { artifacts }) => {
      const { label } = await artifacts.model.run({ input: frame.toTensor("float32") });
      return Array.from(label.data as BigInt64Array, (id) => CLASS_NAMES[Number(id)]);
    },
  )
  .api(
    "predict_proba",
    { input, batch: true, doc: "Per input row, the probability of each class." },
    async (frame, { artifacts }) => {
      const { probabilities } = await artifacts.model.run({ input: frame.toTensor("float32") });
      const p = probabilities.data as Float32Array;
      return Array.from(
        { length: frame.length },
        (_, row) => Object.fromEntries(CLASS_NAMES.map((name, k) => [name, p[row * CLASS_NAMES.length + k]])),
      );
    },
  );
