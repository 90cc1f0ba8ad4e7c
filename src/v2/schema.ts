/**
 * JSON Schemas of a v2 inference request and response, for the OpenAPI document and the adapters' `schema()`.
 *
 * @module
 */
import type { JsonSchema } from "../sdk/adapter.ts";
import { V2_DATATYPES } from "./protocol.ts";

/**
 * The properties of one tensor object, the same in a request's `inputs` and a response's `outputs`:
 * `binary_data_size` set means the data follows the JSON as raw bytes.
 */
function tensorProperties(): Record<string, JsonSchema> {
  return {
    name: { type: "string" },
    shape: { type: "array", items: { type: "integer", minimum: 0 } },
    datatype: { enum: [...V2_DATATYPES] },
    parameters: {
      type: "object",
      properties: { binary_data_size: { type: "integer", minimum: 0 } },
    },
    data: { type: "array" },
  };
}

/**
 * JSON Schema of a v2 inference request.
 *
 * @example
 * ```ts
 * import { v2RequestSchema } from "./schema.ts";
 * console.log(v2RequestSchema().required); // ["inputs"]
 * ```
 */
export function v2RequestSchema(): JsonSchema {
  return {
    type: "object",
    properties: {
      id: { type: "string" },
      parameters: { type: "object", properties: { binary_data_output: { type: "boolean" } } },
      inputs: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          properties: tensorProperties(),
          required: ["name", "shape", "datatype"],
        },
      },
      outputs: {
        type: "array",
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            parameters: { type: "object", properties: { binary_data: { type: "boolean" } } },
          },
          required: ["name"],
        },
      },
    },
    required: ["inputs"],
  };
}

/**
 * JSON Schema of a v2 inference response.
 *
 * @example
 * ```ts
 * import { v2ResponseSchema } from "./schema.ts";
 * console.log(v2ResponseSchema().required); // ["model_name", "outputs"]
 * ```
 */
export function v2ResponseSchema(): JsonSchema {
  return {
    type: "object",
    properties: {
      model_name: { type: "string" },
      model_version: { type: "string" },
      id: { type: "string" },
      parameters: { type: "object" },
      outputs: {
        type: "array",
        items: {
          type: "object",
          properties: tensorProperties(),
          required: ["name", "datatype", "shape"],
        },
      },
    },
    required: ["model_name", "outputs"],
  };
}
