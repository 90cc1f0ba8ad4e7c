import assert from "node:assert/strict";
import { DataframeInput } from "../adapters/dataframe_input.ts";
import { JsonInput } from "../adapters/json_input.ts";
import type { ApiRecord } from "./bento_yaml.ts";
import { exampleFromSchema, exampleInput } from "./example_input.ts";

function record(input: { schema(): unknown }, contentTypes: string[]): ApiRecord {
  return {
    name: "predict",
    batch: true,
    doc: "",
    input: { type: "X", config: {}, content_types: contentTypes },
    output: { type: "JsonOutput", config: {} },
    schema: { request: input.schema() as Record<string, unknown>, response: {} },
  };
}

Deno.test("makes examples from schemas: given examples first, bounds kept, fixed-size arrays filled", () => {
  assert.deepEqual(exampleFromSchema({ type: "array", items: { type: "number" }, minItems: 3 }), [
    0.5,
    0.5,
    0.5,
  ]);
  assert.equal(
    (exampleFromSchema({ type: "array", items: { type: "number" }, minItems: 784 }) as number[]).length,
    784,
  );
  assert.deepEqual(
    exampleFromSchema({
      type: "object",
      properties: { a: { type: "integer", minimum: 3 }, b: { enum: ["x", "y"] }, c: { type: "string" } },
      required: ["a", "b"],
    }),
    { a: 3, b: "x" },
  );
  assert.equal(exampleFromSchema({ type: "number", maximum: 0.1 }), 0.1);
  assert.equal(exampleFromSchema({ type: "integer", maximum: -2 }), -2);
  assert.deepEqual(exampleFromSchema({ oneOf: [{ type: "boolean" }, { type: "string" }] }), false);
  assert.deepEqual(exampleFromSchema({ examples: [[1, 2]], type: "array" }), [1, 2]);
  assert.deepEqual(
    exampleFromSchema({ prefixItems: [{ type: "string" }, { type: ["integer", "string"] }] }),
    [
      "text",
      1,
    ],
  );
  assert.equal(exampleFromSchema({}), null);
});

Deno.test("the iris dataframe API's example is one record with its four float columns", () => {
  const input = new DataframeInput({
    columns: {
      sepal_length: "float32",
      sepal_width: "float32",
      petal_length: "float32",
      petal_width: "float32",
    },
  });
  assert.deepEqual(exampleInput(record(input, ["application/json", "text/csv"])), [
    { sepal_length: 0.5, sepal_width: 0.5, petal_length: 0.5, petal_width: 0.5 },
  ]);
});

Deno.test("any-JSON APIs get {}, APIs without JSON get no example", () => {
  assert.deepEqual(exampleInput(record(new JsonInput(), ["application/json"])), {});
  assert.equal(exampleInput(record({ schema: () => ({}) }, ["image/png", "image/jpeg"])), undefined);
});
