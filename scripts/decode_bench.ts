/**
 * `deno task bench:decode`: the per-request decode path of a batch API, in-process (`deno bench`): one iris
 * record through `DataframeInput`, 32 one-row frames merged into a batch, and a small column from
 * `allocateColumn` next to a fresh typed array (the ~1 µs a new ArrayBuffer costs in Deno is why small
 * columns share slabs; src/adapters/column_alloc.ts).
 *
 * @module
 */
import type { DataframeInput } from "../mod.ts";
import { allocateColumn } from "../src/adapters/column_alloc.ts";
import iris from "../bundles/iris_classifier/service.ts";

// The example iris service's own input adapter: the decode path `obento serve` runs for it.
const input = iris.apis.get("predict")!.input as DataframeInput;
const text = '[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]';
const body = new TextEncoder().encode(text);
const parsed = JSON.parse(text);
const frames = Array.from({ length: 32 }, () => input.fromBytes(body, "application/json"));

Deno.bench("DataframeInput.fromBytes, one iris record", { group: "decode" }, () => {
  input.fromBytes(body, "application/json");
});
Deno.bench("DataframeInput.fromJson, one iris record (parsed)", { group: "decode" }, () => {
  input.fromJson(parsed);
});
Deno.bench("DataframeInput.merge, 32 one-row frames", () => {
  input.merge(frames);
});
Deno.bench("allocateColumn float32 × 1 (slab view)", { group: "column", baseline: true }, () => {
  allocateColumn("float32", 1);
});
Deno.bench("new Float32Array(1)", { group: "column" }, () => {
  new Float32Array(1);
});
