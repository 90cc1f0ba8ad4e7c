import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { parseCsv } from "./csv.ts";
import { DataframeOutput } from "./dataframe_output.ts";
import { Frame } from "./frame.ts";

Deno.test("JSON records: object rows as they are, list rows by position, single values as result", () => {
  const out = new DataframeOutput();
  assert.deepEqual(out.encode([{ label: "a", p: 0.5 }, { label: "b", p: 0.25 }]), {
    body: '[{"label":"a","p":0.5},{"label":"b","p":0.25}]',
    contentType: "application/json",
  });
  assert.equal(out.encode([[1, 2], [3, 4]]).body, '[{"0":1,"1":2},{"0":3,"1":4}]');
  assert.equal(out.encode([0, 2]).body, '[{"result":0},{"result":2}]');
  assert.equal(out.encode(7).body, '[{"result":7}]');
});

Deno.test("JSON converts typed arrays, BigInt and Frames through toJsonValue", () => {
  const out = new DataframeOutput({ columns: ["lo", "hi"] });
  assert.equal(
    out.encode([new Float32Array([0.1, 0.9]), [2n ** 60n, 1n]]).body,
    '[{"lo":0.1,"hi":0.9},{"lo":"1152921504606846976","hi":1}]',
  );
  const frame = Frame.fromColumns({ a: [1, 2], ok: [true, false] });
  assert.equal(new DataframeOutput().encode(frame).body, '[{"a":1,"ok":true},{"a":2,"ok":false}]');
  assert.deepEqual(new DataframeOutput().toJson(frame), [{ a: 1, ok: true }, { a: 2, ok: false }]);
});

Deno.test("JSON values orient writes row lists in column order, null for missing keys", () => {
  const out = new DataframeOutput({ orient: "values" });
  assert.equal(out.encode([{ a: 1, b: 2 }, { b: 4, c: 5 }]).body, "[[1,2,null],[null,4,5]]");
  assert.equal(out.encode([3, 4]).body, "[[3],[4]]");
});

Deno.test("the columns option picks and orders object keys", () => {
  const out = new DataframeOutput({ columns: ["p", "label"] });
  assert.equal(
    out.encode([{ label: "a", p: 0.5, extra: 1 }, { p: 0.1 }]).body,
    '[{"p":0.5,"label":"a"},{"p":0.1,"label":null}]',
  );
});

Deno.test("CSV: object rows with a union of keys, quoting only when needed", () => {
  const out = new DataframeOutput({ format: "csv" });
  const encoded = out.encode([{ label: "a, b", p: 0.5 }, { label: 'say "x"', p: null, tags: [1, 2] }]);
  assert.equal(encoded.contentType, "text/csv; charset=utf-8");
  assert.equal(encoded.body, 'label,p,tags\n"a, b",0.5,\n"say ""x""",,"[1,2]"\n');
  assert.deepEqual(parseCsv(encoded.body as string), [["label", "p", "tags"], ["a, b", "0.5", ""], [
    'say "x"',
    "",
    "[1,2]",
  ]]);
});

Deno.test("CSV: list rows use 0,1,… or the columns option; single values a result column", () => {
  assert.equal(new DataframeOutput({ format: "csv" }).encode([[1, 2], [3, 4]]).body, "0,1\n1,2\n3,4\n");
  assert.equal(
    new DataframeOutput({ format: "csv", columns: ["lo", "hi"] }).encode([[1, 2]]).body,
    "lo,hi\n1,2\n",
  );
  assert.equal(new DataframeOutput({ format: "csv" }).encode([true, false]).body, "result\ntrue\nfalse\n");
  assert.equal(new DataframeOutput({ format: "csv", columns: ["label"] }).encode(["x"]).body, "label\nx\n");
});

Deno.test("accept overrides the configured format", () => {
  const out = new DataframeOutput();
  assert.equal(out.encode([1], "text/csv, application/json").body, "result\n1\n");
  // q-values count (RFC 9110 §12.5.1): JSON at q=1 beats CSV at q=0.9 whatever the order.
  assert.equal(out.encode([1], "text/csv;q=0.9, application/json").body, '[{"result":1}]');
  assert.equal(out.encode([1], "application/json;q=0.1, text/csv").body, "result\n1\n");
  assert.equal(new DataframeOutput({ format: "csv" }).encode([1], "application/json").body, '[{"result":1}]');
  assert.equal(out.encode([1], "*/*").body, '[{"result":1}]');
});

Deno.test("rows of different kinds or list rows of another width are a service error", () => {
  const out = new DataframeOutput();
  assert.throws(
    () => out.encode([{ a: 1 }, 2]),
    (e: unknown) =>
      e instanceof ObentoError && e.code === "BAD_SERVICE" &&
      e.message === "row 2's result is a single value but row 1's is an object; " +
          "return the same kind of result for every row",
  );
  assert.throws(
    () => out.encode([[1, 2], [3]]),
    (e: unknown) =>
      e instanceof ObentoError &&
      e.message === "row 2's result has 1 values but there are 2 columns (0, 1); return one value per column",
  );
});

Deno.test("config and schema describe the settings", () => {
  assert.deepEqual(new DataframeOutput().config(), { format: "json", orient: "records" });
  assert.deepEqual(new DataframeOutput({ format: "csv", columns: ["a"] }).config(), {
    format: "csv",
    orient: "records",
    columns: ["a"],
  });
  assert.deepEqual(new DataframeOutput({ columns: ["a"] }).schema(), {
    type: "array",
    items: { type: "object", properties: { a: {} }, required: ["a"] },
  });
  assert.deepEqual(new DataframeOutput({ orient: "values" }).schema(), {
    type: "array",
    items: { type: "array" },
  });
  assert.deepEqual(new DataframeOutput({ format: "csv" }).schema(), {
    type: "string",
    contentMediaType: "text/csv",
  });
  assert.throws(() => new DataframeOutput({ format: "xml" as "csv" }), ObentoError);
});
