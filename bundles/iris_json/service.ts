/**
 * A non-batch JSON API: one flower per request, as a JSON object, answered with its species and the
 * probability of each. It serves the iris logistic regression of `bundles/iris_classifier` (scikit-learn,
 * exported to ONNX), whose reference outputs (`bundles/iris_classifier/reference.json`) the tests compare
 * with. Input checks: a missing or non-numeric measurement is the caller's error (400, thrown
 * `BadInputError`); a negative one is a domain error returned as `InferenceError(422)`.
 *
 * Pack it:  obento pack bundles/iris_json/service.ts --artifact model=bundles/iris_classifier/iris_lr.onnx
 * Run it:   obento run IrisJson:latest classify \
 *             --input '{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}'
 */
import {
  BadInputError,
  defineService,
  InferenceError,
  JsonInput,
  type JsonValue,
  OnnxModelArtifact,
} from "../../mod.ts";

const SPECIES = ["setosa", "versicolor", "virginica"] as const;
const FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"] as const;

/** The four measurements of a flower record, in the model's column order. */
function measurements(item: JsonValue): Float32Array {
  if (item === null || typeof item !== "object" || Array.isArray(item)) {
    throw new BadInputError(`send one flower as a JSON object with ${FEATURES.join(", ")} (cm)`);
  }
  return Float32Array.from(FEATURES, (feature) => {
    const value = item[feature];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new BadInputError(`"${feature}" must be a number (cm), got ${JSON.stringify(value ?? null)}`);
    }
    return value;
  });
}

export default defineService({
  name: "IrisJson",
  doc: "Classifies one iris flower per request from its sepal and petal measurements (cm).",
  artifacts: { model: new OnnxModelArtifact() },
}).api(
  "classify",
  {
    input: new JsonInput({
      schema: {
        type: "object",
        required: [...FEATURES],
        properties: Object.fromEntries(FEATURES.map((f) => [f, { type: "number", minimum: 0 }])),
      },
    }),
    doc: "One flower in; { species, probabilities: { <species>: p } } out.",
  },
  async (item, { artifacts }) => {
    const data = measurements(item);
    const negative = FEATURES.find((_, i) => data[i] < 0);
    if (negative !== undefined) return new InferenceError(422, `"${negative}" cannot be negative`);
    const { label, probabilities } = await artifacts.model.run({
      input: { type: "float32", dims: [1, FEATURES.length], data },
    });
    const p = probabilities.data as Float32Array;
    return {
      species: SPECIES[Number((label.data as BigInt64Array)[0])],
      probabilities: Object.fromEntries(SPECIES.map((s, k) => [s, p[k]])),
    };
  },
);
