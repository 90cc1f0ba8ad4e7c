/**
 * Fuzz target `dataframe`: `DataframeInput` with several column specs, JSON (every orientation) and CSV
 * bodies, through `fromBytes`, `fromJson`, `rows` and `merge`.
 *
 * @module
 */
import fc from "fast-check";
import { DataframeInput } from "../../src/adapters/dataframe_input.ts";
import { formatCsv } from "../../src/adapters/csv.ts";
import { contentType, decodeAndMerge, jsonBody } from "./bodies.ts";
import {
  anyText,
  type FuzzRun,
  type FuzzTarget,
  type PropertyReport,
  runProperty,
  textOf,
} from "./property.ts";

const NAMES = ["a", "b", "c", "sepal_length", "a b", ""] as const;

/** The adapters fuzzed: typed, named-only, free, values-orient, NaN-allowing. */
const ADAPTERS: readonly DataframeInput[] = [
  new DataframeInput({ columns: { a: "float32", b: "int64", c: "string" } }),
  new DataframeInput({ columns: { a: "float64", b: "int32", c: "bool" }, allowNaN: true }),
  new DataframeInput({ columns: ["a", "b"], dtype: "float32" }),
  new DataframeInput(),
  new DataframeInput({ orient: "values", columns: { a: "float32", b: "float32" } }),
  new DataframeInput({ orient: "columns" }),
  new DataframeInput({ orient: "records", columns: ["a", "c"] }),
];

const cell = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.boolean(),
  fc.constant(null),
  textOf("0123456789.-eNaInfty", 8),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.constant({}),
);
const name = fc.oneof(fc.constantFrom(...NAMES), textOf("abc_", 4));

/** Records with the declared columns a, b (integers) and c (text), one cell sometimes swapped for any cell. */
const records = fc.tuple(
  fc.array(fc.record({ a: fc.integer({ min: -100, max: 100 }), b: fc.nat(100), c: textOf("xy", 2) }), {
    minLength: 1,
    maxLength: 4,
  }),
  fc.option(fc.tuple(fc.nat(), fc.constantFrom("a", "b", "c"), cell), { freq: 3 }),
).map(([rows, change]) => {
  if (change !== null) {
    const [r, key, value] = change;
    (rows[r % rows.length] as Record<string, unknown>)[key] = value;
  }
  return rows;
});

/** Tables in each JSON orientation, near the declared columns. */
const table = fc.oneof(
  { arbitrary: records, weight: 3 },
  fc.array(fc.dictionary(name, cell, { maxKeys: 4 }), { maxLength: 4 }),
  fc.dictionary(name, cell, { maxKeys: 4 }),
  fc.dictionary(name, fc.oneof(fc.array(cell, { maxLength: 4 }), fc.dictionary(textOf("012", 1), cell)), {
    maxKeys: 4,
  }),
  fc.array(fc.array(cell, { maxLength: 4 }), { maxLength: 4 }),
);

/** CSV bodies: headers from the names, cells as text. */
const csvBody = fc.oneof(
  fc.tuple(
    fc.array(name, { minLength: 1, maxLength: 4 }),
    fc.array(
      fc.array(cell.map((c) => typeof c === "object" && c !== null ? JSON.stringify(c) : c as string), {
        maxLength: 4,
      }),
      { maxLength: 4 },
    ),
  ).map(([h, rows]) => formatCsv(h, rows)),
  textOf('ab,"\n1.-;\te', 60),
  anyText,
).map((t) => new TextEncoder().encode(t));

/** The DataframeInput target. */
export const dataframeTarget: FuzzTarget = {
  name: "dataframe",
  async run(options: FuzzRun): Promise<PropertyReport[]> {
    const which = fc.nat(ADAPTERS.length - 1);
    const types = ["application/json", "text/csv"];
    return [
      await runProperty(
        "DataframeInput.fromBytes",
        fc.tuple(which, fc.oneof(jsonBody(table), csvBody), contentType(types)),
        async ([i, body, type], o) => {
          const adapter = ADAPTERS[i];
          await decodeAndMerge(adapter, o, () => adapter.fromBytes(body, type));
        },
        options,
      ),
      await runProperty(
        "DataframeInput.fromJson",
        fc.tuple(which, fc.oneof(table, fc.anything(), anyText)),
        async ([i, value], o) => {
          const adapter = ADAPTERS[i];
          await decodeAndMerge(adapter, o, () => adapter.fromJson(value));
        },
        options,
      ),
    ];
  },
};
