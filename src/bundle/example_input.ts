/**
 * Example request bodies built from an API's input schema (the JSON Schema recorded in bento.yaml). One
 * function serves the bundle's generated README, the OpenAPI `example` Swagger UI pre-fills, and the index
 * page's try-it form, so all three show the same body.
 *
 * @module
 */
import type { JsonValue } from "../sdk/adapter.ts";
import type { ApiRecord } from "./bento_yaml.ts";

type Json = Record<string, unknown>;

const MAX_DEPTH = 8;
/** Arrays get their `minItems` (a model's fixed dimension, e.g. 784 pixels) up to this many items. */
const MAX_ITEMS = 4096;

/** A number that fits the schema's bounds: 0.5 (1 for an integer) unless a minimum or maximum says otherwise. */
function exampleNumber(s: Json, integer: boolean): number {
  const min = typeof s.minimum === "number" ? s.minimum : undefined;
  const max = typeof s.maximum === "number" ? s.maximum : undefined;
  let n = integer ? 1 : 0.5;
  if (min !== undefined && n < min) n = integer ? Math.ceil(min) : min;
  if (max !== undefined && n > max) n = integer ? Math.floor(max) : max;
  return n;
}

/**
 * An example value that fits a JSON Schema: `examples[0]`, `example`, `default`, `const` or the first `enum`
 * value when given; the first branch of `oneOf`/`anyOf`/`allOf`; objects with their required (else all)
 * properties; arrays with `minItems` (at least one) items; numbers 0.5 and integers 1 (within `minimum` and
 * `maximum`), strings `"text"`, booleans false. Not a validator.
 *
 * @example
 * ```ts
 * import { exampleFromSchema } from "./example_input.ts";
 * const schema = { type: "array", items: { type: "array", items: { type: "number" }, minItems: 2 } };
 * console.log(exampleFromSchema(schema)); // [[0.5, 0.5]]
 * ```
 */
export function exampleFromSchema(schema: unknown, depth = 0): JsonValue {
  if (schema === null || typeof schema !== "object" || depth > MAX_DEPTH) return null;
  const s = schema as Json;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0] as JsonValue;
  if (s.example !== undefined) return s.example as JsonValue;
  if (s.default !== undefined) return s.default as JsonValue;
  if (s.const !== undefined) return s.const as JsonValue;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0] as JsonValue;
  for (const key of ["oneOf", "anyOf", "allOf"]) {
    const branches = s[key];
    if (Array.isArray(branches) && branches.length > 0) return exampleFromSchema(branches[0], depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === "object" || (type === undefined && s.properties !== undefined)) {
    const props = (s.properties ?? {}) as Json;
    const required = Array.isArray(s.required) ? (s.required as string[]) : Object.keys(props);
    const out: Record<string, JsonValue> = {};
    for (const key of required) out[key] = exampleFromSchema(props[key] ?? {}, depth + 1);
    return out;
  }
  if (type === "array" || (type === undefined && (s.items !== undefined || s.prefixItems !== undefined))) {
    if (Array.isArray(s.prefixItems)) return s.prefixItems.map((p) => exampleFromSchema(p, depth + 1));
    const n = Math.max(1, typeof s.minItems === "number" ? Math.min(s.minItems, MAX_ITEMS) : 1);
    return Array.from({ length: n }, () => exampleFromSchema(s.items ?? {}, depth + 1));
  }
  switch (type) {
    case "string":
      return "text";
    case "number":
      return exampleNumber(s, false);
    case "integer":
      return exampleNumber(s, true);
    case "boolean":
      return false;
    default:
      return null;
  }
}

/**
 * An example JSON request body for `api`, from its recorded request schema: for a dataframe API a list with
 * one record of its columns, for an ONNX model its inputs' shapes; `{}` when the schema says nothing (any
 * JSON). Undefined when the API takes no JSON (images, files, bytes).
 *
 * @example
 * ```ts
 * import { parseBento } from "./bento_yaml.ts";
 * import { exampleInput } from "./example_input.ts";
 * const iris = parseBento(await Deno.readTextFile("./iris-bundle/bento.yaml"), "bento.yaml");
 * console.log(JSON.stringify(exampleInput(iris.service.apis[0])));
 * // [{"sepal_length":0.5,"sepal_width":0.5,"petal_length":0.5,"petal_width":0.5}]
 * ```
 */
export function exampleInput(api: ApiRecord): JsonValue | undefined {
  const types = api.input.content_types ?? [];
  if (types.length > 0 && !types.includes("application/json")) return undefined;
  const schema = api.schema?.request ?? {};
  const example = exampleFromSchema(schema);
  return example === null && Object.keys(schema).length === 0 ? {} : example;
}
