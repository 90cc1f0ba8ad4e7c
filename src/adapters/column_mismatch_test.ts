import assert from "node:assert/strict";
import { closestName, columnMismatch } from "./column_mismatch.ts";

const IRIS = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
const LIST = '"sepal_length", "sepal_width", "petal_length", "petal_width"';

Deno.test("closestName finds swaps, typos, case and punctuation, and nothing far", () => {
  assert.equal(closestName("sepal_widht", IRIS), "sepal_width");
  assert.equal(closestName("Sepal Width", IRIS), "sepal_width");
  assert.equal(closestName("sepal.length", IRIS), "sepal_length");
  assert.equal(closestName("petal_lenght", IRIS), "petal_length");
  assert.equal(closestName("petl_width", IRIS), "petal_width");
  assert.equal(closestName("species", IRIS), undefined);
  assert.equal(closestName("id", ["a"]), undefined);
  assert.equal(closestName("anything", []), undefined);
});

Deno.test("columnMismatch says did you mean for a misspelt column, else missing or unexpected", () => {
  assert.equal(
    columnMismatch(IRIS, ["sepal_length", "sepal_widht", "petal_length", "petal_width"]),
    `unknown column "sepal_widht" (did you mean "sepal_width"?); expected columns ${LIST}`,
  );
  assert.equal(
    columnMismatch(IRIS, ["sepal_length", "petal_length", "petal_width"]),
    `missing column "sepal_width"; expected columns ${LIST}`,
  );
  assert.equal(
    columnMismatch(IRIS, [...IRIS, "species"]),
    `unexpected column "species"; expected columns ${LIST}`,
  );
  assert.equal(
    columnMismatch(["a", "b"], ["a"], { expectedLabel: "every row needs columns" }),
    'missing column "b"; every row needs columns "a", "b"',
  );
});

Deno.test("columnMismatch names a CSV header split on another separator, or a missing header", () => {
  assert.equal(
    columnMismatch(IRIS, ["sepal_length;sepal_width;petal_length;petal_width"], { csv: true }),
    `the header looks ';'-separated ("sepal_length;sepal_width;petal_length;petal_width" is one column); ` +
      `send comma-separated CSV with columns ${LIST}`,
  );
  assert.equal(
    columnMismatch(IRIS, ["sepal_length\tsepal_width\tpetal_length\tpetal_width"], { csv: true }),
    `the header looks tab-separated ("sepal_length\\tsepal_width\\tpetal_length\\tpetal_width" is one column); ` +
      `send comma-separated CSV with columns ${LIST}`,
  );
  assert.equal(
    columnMismatch(IRIS, ["5.1", "3.5", "1.4", "0.2"], { csv: true }),
    'the first row ("5.1", "3.5", "1.4", "0.2") looks like data, not a header: the CSV header is missing; ' +
      "put the column names first: sepal_length,sepal_width,petal_length,petal_width",
  );
  // Not CSV: no separator guess; short names are not matched loosely ("a;b" is not "a").
  assert.equal(columnMismatch(["a", "b"], ["a;b"]), 'missing column "a"; expected columns "a", "b"');
});
