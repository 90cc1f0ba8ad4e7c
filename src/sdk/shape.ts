/**
 * Shapes as people and JSON Schema see them: {@link formatShape} writes any shape the same way in every
 * message (`[N,4]`, unknown or dynamic dims as `?`), and {@link shapeSchema} nests an element schema into the
 * arrays a shape describes.
 *
 * @module
 */
import type { JsonSchema } from "./adapter.ts";
import { modelDim } from "./tensor.ts";

/** A dim as a shape may give it: a size, a symbolic name, or null (unknown). */
export type Dim = number | string | null;

/**
 * A dim's fixed size, or null when it is dynamic: named, unknown, negative (-1, as some exporters write a
 * dynamic dim) or one of the huge values a -1 becomes when a runtime reads it as unsigned (see `modelDim`).
 */
export function fixedDim(dim: Dim | undefined): number | null {
  return typeof dim === "number" ? modelDim(dim) as number | null : null;
}

/**
 * Formats a shape for messages: `[2,3]`; a named dim by its name; an unknown, negative or dynamic one as `?`;
 * no shape at all as `(any shape)`.
 *
 * @example
 * ```ts
 * import { formatShape } from "./shape.ts";
 * console.log(formatShape(["N", 4]), formatShape([-1, null, 4294967295]), formatShape(undefined));
 * // [N,4] [?,?,?] (any shape)
 * ```
 */
export function formatShape(shape: readonly Dim[] | undefined): string {
  if (shape === undefined) return "(any shape)";
  return `[${shape.map((d) => (typeof d === "string" && d !== "" ? d : fixedDim(d) ?? "?")).join(",")}]`;
}

/**
 * The JSON Schema of nested arrays of `shape` whose leaves are `element`: a fixed dim gives `minItems` and
 * `maxItems`, a dynamic one any length.
 *
 * @example
 * ```ts
 * import { shapeSchema } from "./shape.ts";
 * console.log(JSON.stringify(shapeSchema({ type: "number" }, ["N", 2])));
 * // {"type":"array","items":{"type":"array","items":{"type":"number"},"minItems":2,"maxItems":2}}
 * ```
 */
export function shapeSchema(element: JsonSchema, shape: readonly Dim[]): JsonSchema {
  let schema = element;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = fixedDim(shape[i]);
    schema = d !== null
      ? { type: "array", items: schema, minItems: d, maxItems: d }
      : { type: "array", items: schema };
  }
  return schema;
}
