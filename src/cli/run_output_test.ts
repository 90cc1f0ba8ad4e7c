import assert from "node:assert/strict";
import { failedRunLine, failurePrinter, outputFormat } from "./run_output.ts";

Deno.test("failedRunLine says how many failed, what was not written, and where the failures are", () => {
  assert.equal(
    failedRunLine({ rows: 147, failed: 3, written: true }, "row", "out.csv", "errors.csv"),
    "error: 3 of 150 rows failed; see errors.csv; --max-errors N allows up to N\n",
  );
  assert.equal(
    failedRunLine({ rows: 9, failed: 1, written: true }, "item", undefined, undefined),
    "error: 1 of 10 items failed (listed above; --errors FILE keeps them all); --max-errors N allows up to N\n",
  );
  assert.equal(
    failedRunLine({ rows: 0, failed: 2, written: false }, "row", "out.csv", "bad.csv"),
    "error: all 2 rows failed, so out.csv was not written; see bad.csv; --max-errors N allows up to N\n",
  );
  assert.equal(
    failedRunLine({ rows: 0, failed: 1, written: false }, "row", undefined, undefined),
    "error: the only row failed, so nothing was written (listed above; --errors FILE keeps them all); " +
      "--max-errors N allows up to N\n",
  );
});

Deno.test("failurePrinter prints the first failures and counts the rest", () => {
  const lines: string[] = [];
  const printer = failurePrinter({ err: (t) => lines.push(t), word: "row", limit: 2 });
  for (let i = 1; i <= 5; i++) printer.print(i, { ok: false, status: 400, message: `bad ${i}` });
  assert.deepEqual(lines, ["error: row 1: bad 1 (status 400)\n", "error: row 2: bad 2 (status 400)\n"]);
  assert.equal(printer.hidden(), 3);
});

Deno.test("outputFormat: the flag, else the extension, else json; Parquet needs a file", () => {
  assert.equal(outputFormat(undefined, "a/b.CSV"), "csv");
  assert.equal(outputFormat(undefined, "b.ndjson"), "jsonl");
  assert.equal(outputFormat(undefined, undefined), "json");
  assert.equal(outputFormat("jsonl", "x.csv"), "jsonl");
  assert.throws(
    () => outputFormat("xml", undefined),
    /--format must be one of json, jsonl, csv, parquet, got "xml"/,
  );
  assert.throws(() => outputFormat("parquet", undefined), /Parquet output needs --output FILE/);
});
