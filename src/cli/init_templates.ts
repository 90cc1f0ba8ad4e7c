/**
 * The files `obento init` writes into a new service project: deno.json, service.ts (a non-batch `JsonInput`
 * API and a batch `DataframeInput` API over the iris model), service_test.ts and a README with the next
 * commands. Pure functions of the project's settings, so they are easy to test.
 *
 * @module
 */

/** What a new project is made from. */
export interface ProjectSettings {
  /** The service (and bundle) name, e.g. `MyService`. */
  name: string;
  /** What `obento` maps to in deno.json: a `file:` URL of a checkout's mod.ts, or e.g. `jsr:@obento/obento@0.1.0`. */
  sdk: string;
  /** The SDK's own import map entries (its npm packages), needed when `sdk` is a source checkout. */
  sdkImports: Readonly<Record<string, string>>;
  /** The command that runs obento in the README, e.g. `obento` or `deno task obento`. */
  obentoCommand: string;
  /** A `deno run … main.ts` command line for an `obento` task, when obento runs from a checkout. */
  obentoTask?: string;
}

/** The model file's name inside a new project. */
export const MODEL_FILE = "model.onnx";

/** Permissions `deno test` needs to load the model with onnxruntime-web. */
const TEST_PERMISSIONS = "--allow-read --allow-env --allow-net --allow-sys";

/** deno.json: `obento` mapped to the SDK, the SDK's npm packages, and check/test tasks. */
export function denoJson(settings: ProjectSettings): string {
  const tasks: Record<string, string> = {
    check: "deno check service.ts service_test.ts",
    test: `deno test ${TEST_PERMISSIONS}`,
  };
  if (settings.obentoTask !== undefined) tasks.obento = settings.obentoTask;
  const config = { imports: { obento: settings.sdk, ...settings.sdkImports }, tasks };
  return JSON.stringify(config, null, 2) + "\n";
}

/** service.ts: a JSON API for one flower and a batch dataframe API for many. */
export function serviceTs(settings: ProjectSettings): string {
  return `/**
 * ${settings.name}: an obento service. The model is scikit-learn's iris logistic regression exported to ONNX
 * (input \`input\`: float32 [N, 4]; outputs \`label\`: int64 [N], \`probabilities\`: float32 [N, 3]).
 *
 * - \`classify\`: one flower as a JSON object in, \`{ species, probabilities }\` out (a non-batch API).
 * - \`predict\`: a dataframe of flowers (JSON records or columns, CSV) in, one species per row out (a batch
 *   API: obento merges the rows of concurrent requests into one model call).
 *
 * Replace ${MODEL_FILE} and the code below with your own model and pre/post-processing.
 */
import { BadInputError, DataframeInput, defineService, JsonInput, type JsonValue, OnnxModelArtifact } from "obento";

const SPECIES = ["setosa", "versicolor", "virginica"] as const;
const FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"] as const;

/** One flower's measurements from a JSON object; a 400 that names the field otherwise. */
function measurements(item: JsonValue): Float32Array {
  if (item === null || typeof item !== "object" || Array.isArray(item)) {
    throw new BadInputError(\`send one flower as a JSON object with \${FEATURES.join(", ")} (cm)\`);
  }
  return Float32Array.from(FEATURES, (feature) => {
    const value = item[feature];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new BadInputError(\`"\${feature}" must be a number (cm), got \${JSON.stringify(value ?? null)}\`);
    }
    return value;
  });
}

export default defineService({
  name: ${JSON.stringify(settings.name)},
  doc: "Classifies iris flowers from sepal and petal measurements (cm).",
  artifacts: { model: new OnnxModelArtifact() },
})
  .api(
    "classify",
    {
      input: new JsonInput({
        schema: {
          type: "object",
          required: [...FEATURES],
          properties: Object.fromEntries(FEATURES.map((f) => [f, { type: "number" }])),
        },
      }),
      doc: "One flower in, { species, probabilities: { <species>: p } } out.",
    },
    async (item, { artifacts }) => {
      const data = measurements(item);
      const { label, probabilities } = await artifacts.model.run({
        input: { type: "float32", dims: [1, FEATURES.length], data },
      });
      const p = probabilities.data as Float32Array;
      return {
        species: SPECIES[Number((label.data as BigInt64Array)[0])],
        probabilities: Object.fromEntries(SPECIES.map((s, k) => [s, p[k]])),
      };
    },
  )
  .api(
    "predict",
    {
      input: new DataframeInput({
        columns: Object.fromEntries(FEATURES.map((f) => [f, "float32" as const])),
      }),
      batch: true,
      doc: "One species per input row.",
    },
    async (frame, { artifacts }) => {
      const { label } = await artifacts.model.run({ input: frame.toTensor("float32") });
      return Array.from(label.data as BigInt64Array, (id) => SPECIES[Number(id)]);
    },
  );
`;
}

/** service_test.ts: loads the service from source with its model and calls both APIs. */
export function serviceTestTs(): string {
  return `/**
 * Runs the service in-process, without packing: \`deno task test\`.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { BadInputError, loadService } from "obento";
import service from "./service.ts";

const model = fileURLToPath(new URL("./${MODEL_FILE}", import.meta.url));
const setosa = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const virginica = { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 };

Deno.test("classify: one flower in, its species and probabilities out", async () => {
  const svc = await loadService(service, { artifacts: { model } });
  try {
    const result = await svc.call("classify", setosa) as { species: string; probabilities: Record<string, number> };
    assert.equal(result.species, "setosa");
    const total = Object.values(result.probabilities).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-5, \`probabilities sum to \${total}\`);
    await assert.rejects(svc.call("classify", { ...setosa, petal_width: "wide" }), BadInputError);
  } finally {
    await svc.close();
  }
});

Deno.test("predict: one species per row of a dataframe", async () => {
  const svc = await loadService(service, { artifacts: { model } });
  try {
    assert.deepEqual(await svc.call("predict", [setosa, virginica]), ["setosa", "virginica"]);
  } finally {
    await svc.close();
  }
});
`;
}

/** README.md: what is here and the next commands. */
export function readmeMd(settings: ProjectSettings): string {
  const o = settings.obentoCommand;
  const setosa = `{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}`;
  return `# ${settings.name}

An obento service: \`service.ts\` declares a model artifact and two APIs
over \`${MODEL_FILE}\` (an iris classifier to start from).

\`\`\`sh
deno task check     # type-check service.ts and service_test.ts
deno task test      # run the APIs in-process on the model
${o} pack service.ts --artifact model=${MODEL_FILE}    # pack a versioned bundle into the registry
${o} run ${settings.name}:latest classify --input '${setosa}'
${o} run ${settings.name}:latest predict --input '[${setosa}]'
${o} serve ${settings.name}:latest --port 3000        # POST /classify, POST /predict, /docs
\`\`\`

\`${o} pack\` type-checks service.ts first (\`--no-check\` skips that).
\`obento\` in deno.json maps to ${
    settings.sdk.startsWith("file:") ? "an obento source checkout" : `\`${settings.sdk}\``
  }.
`;
}
