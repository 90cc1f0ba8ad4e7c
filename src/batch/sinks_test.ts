import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import type { RecordResult } from "./chunk.ts";
import { CsvSink } from "./csv_sink.ts";
import { JsonlSink, JsonSink } from "./json_sinks.ts";
import type { ResultSink, SinkChunk } from "./sink.ts";

const text = (parts: Uint8Array[]) => parts.map((p) => new TextDecoder().decode(p)).join("");
const ok = (value: unknown): RecordResult => ({ ok: true, value });
const failed: RecordResult = { ok: false, status: 400, message: "bad row" };

/** Writes `chunks` with a fresh sink, or with one that resumes from `resumeAfter` chunks' state. */
function run(make: () => ResultSink, chunks: SinkChunk[], resumeAfter?: number): string {
  let sink = make();
  const parts = [sink.begin()];
  chunks.forEach((chunk, i) => {
    if (i === resumeAfter) {
      const state = JSON.parse(JSON.stringify(sink.state()));
      sink = make();
      sink.restore(state);
    }
    parts.push(sink.write(chunk));
  });
  parts.push(sink.end());
  return text(parts);
}

const chunks: SinkChunk[] = [
  { results: [ok({ label: "a", p: 0.5 }), failed], kept: [["1"], ["2"]] },
  { results: [ok({ label: "b,c", p: 1 })], kept: [["3"]] },
];

Deno.test("CSV: header from the first result after the kept columns; failures left out; resume keeps the header", () => {
  const make = () => new CsvSink({ keepColumns: ["id"] });
  const full = run(make, chunks);
  assert.equal(full, 'id,label,p\n1,a,0.5\n3,"b,c",1\n');
  assert.equal(run(make, chunks, 1), full);
  assert.equal(run(() => new CsvSink({ keepColumns: ["id"] }), []), "id,result\n");
  assert.equal(
    run(() => new CsvSink({ keepColumns: [] }), [{ results: [ok("x"), ok("")], kept: undefined }]),
    'result\nx\n""\n',
  );
});

Deno.test("CSV: a result field that clashes with a kept column, or that the header lacks, stops the run", () => {
  assert.throws(
    () => new CsvSink({ keepColumns: ["label"] }).write({ results: [ok({ label: "a" })], kept: [["1"]] }),
    (e) => e instanceof ObentoError && e.option === "keepColumns" && e.code === "BAD_ARGUMENT",
  );
  const sink = new CsvSink({ keepColumns: [] });
  sink.write({ results: [ok({ a: 1 })], kept: undefined });
  assert.throws(() => sink.write({ results: [ok({ a: 1, b: 2 })], kept: undefined }), /field "b"/);
});

Deno.test("JSON: one list written chunk by chunk; resume continues the commas; a single body is the value alone", () => {
  const make = () => new JsonSink({ keepColumns: ["id"], inlineErrors: true });
  const full = run(make, chunks);
  assert.equal(
    full,
    '[{"id":"1","label":"a","p":0.5},{"id":"2","error":"bad row","status":400},{"id":"3","label":"b,c","p":1}]\n',
  );
  assert.deepEqual(JSON.parse(full).length, 3);
  assert.equal(run(make, chunks, 1), full);
  assert.equal(
    run(() => new JsonSink({ keepColumns: [], single: true }), [{ results: [ok(7)], kept: undefined }]),
    "7\n",
  );
});

Deno.test("JSON lines: one line per result, failures left out unless inline", () => {
  assert.equal(
    run(() => new JsonlSink({ keepColumns: ["id"] }), chunks),
    '{"id":"1","label":"a","p":0.5}\n{"id":"3","label":"b,c","p":1}\n',
  );
  assert.equal(
    run(() => new JsonlSink({ keepColumns: [], inlineErrors: true }), [{
      results: [ok([1]), failed],
      kept: undefined,
    }]),
    '[1]\n{"error":"bad row","status":400}\n',
  );
});
