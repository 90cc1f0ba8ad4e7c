import assert from "node:assert/strict";
import { DataframeInput } from "../adapters/dataframe_input.ts";
import { testDocument } from "../server/_testing.ts";
import type { ApiRecord } from "./bento_yaml.ts";
import { renderReadme } from "./bundle_docs.ts";

function api(
  name: string,
  type: string,
  contentTypes: string[],
  request: Record<string, unknown>,
): ApiRecord {
  return {
    name,
    batch: true,
    doc: "",
    input: { type, config: {}, content_types: contentTypes },
    output: { type: "JsonOutput", config: {} },
    schema: { request, response: {} },
  };
}

Deno.test("the README shows a real example body from the schema, in run and curl commands", () => {
  const iris = new DataframeInput({
    columns: {
      sepal_length: "float32",
      sepal_width: "float32",
      petal_length: "float32",
      petal_width: "float32",
    },
  });
  const readme = renderReadme(testDocument({
    apis: [
      api(
        "predict",
        "DataframeInput",
        ["application/json", "text/csv"],
        iris.schema() as Record<string, unknown>,
      ),
      api("quote", "JsonInput", ["application/json"], { enum: ["it's"] }),
      api("scan", "ImageInput", ["image/png", "image/jpeg"], {}),
    ],
  }));
  const body = '[{"sepal_length":0.5,"sepal_width":0.5,"petal_length":0.5,"petal_width":0.5}]';
  assert.ok(readme.includes("```json\n" + body + "\n```"), readme);
  assert.ok(readme.includes(`obento run IrisClassifier:1.0.0 predict --input '${body}'`), readme);
  assert.ok(
    readme.includes(`curl -s localhost:3000/predict -H 'content-type: application/json' -d '${body}'`),
  );
  assert.ok(readme.includes(`--input '"it'\\''s"'`), readme);
  assert.ok(readme.includes("obento run IrisClassifier:1.0.0 scan --input-file picture.png"), readme);
  assert.ok(
    readme.includes("curl -s localhost:3000/scan -H 'content-type: image/png' --data-binary @picture.png"),
  );
  assert.ok(!readme.includes("null"), readme);
});

Deno.test("a body too long for a command line is shown once and read from a file", () => {
  const readme = renderReadme(testDocument({
    apis: [api("predict", "OnnxFeedsInput", ["application/json"], {
      type: "array",
      items: { type: "array", items: { type: "number" }, minItems: 784, maxItems: 784 },
    })],
  }));
  assert.match(readme, /--input-file requests\.json {3}# a JSON list of bodies like the one above/);
  assert.match(readme, /-d @body\.json/);
  assert.equal(readme.match(/0\.5/g)?.length, 784);
});
