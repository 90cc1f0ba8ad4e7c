import assert from "node:assert/strict";
import { JsonInput } from "../adapters/json_input.ts";
import {
  chunkFromBytes,
  chunkToBytes,
  fromBytes,
  resultsFromBytes,
  resultsToBytes,
  toBytes,
} from "./chunk_wire.ts";
import { csvChunk } from "./csv_chunk.ts";
import { fileChunk } from "./file_chunk.ts";
import { UnparsedRecord, valueChunk } from "./value_chunk.ts";

Deno.test("a CSV chunk sent as bytes decodes and keeps columns as the original", () => {
  const chunk = csvChunk({
    header: "id,a",
    names: ["id", "a"],
    text: "7,1\n8,2",
    rows: [3, 4],
    position: 5,
    bytesRead: 20,
    rowwise: false,
    drop: ["id"],
  });
  const back = chunkFromBytes(chunkToBytes(chunk));
  const adapter = new JsonInput();
  assert.deepEqual(back.rows, [3, 4]);
  assert.equal(back.position, 5);
  assert.deepEqual(back.decodeOne(adapter, 1), chunk.decodeOne(adapter, 1));
  assert.deepEqual(back.columns(0, ["id"]), ["7"]);
});

Deno.test("a value chunk keeps its unparsed records and its non-JSON values (bytes) across", () => {
  const chunk = valueChunk({
    values: [{ a: 1 }, new UnparsedRecord("line 2 is not valid JSON"), { b: new Uint8Array([1, 2]) }],
    rows: [0, 1, 2],
    position: 3,
    bytesRead: 0,
    rowRecords: false,
  });
  const bytes = chunkToBytes(chunk);
  assert.equal(bytes[0], "V".charCodeAt(0), "bytes are not JSON: structured clone");
  const back = chunkFromBytes(bytes);
  const adapter = new JsonInput();
  assert.deepEqual(back.decodeOne(adapter, 0), { a: 1 });
  assert.throws(() => back.decodeOne(adapter, 1), { code: "BAD_INPUT", message: "line 2 is not valid JSON" });
  assert.deepEqual(back.columns(2, ["b"]), [new Uint8Array([1, 2])]);
  const plain = valueChunk({ values: [{ a: 1 }], rows: [0], position: 1, bytesRead: 0, rowRecords: true });
  assert.equal(chunkToBytes(plain)[0], "J".charCodeAt(0), "plain JSON goes as JSON text");
});

Deno.test("a file chunk names its files across", () => {
  const chunk = fileChunk({ files: [{ path: "/data/a.png", name: "a.png" }], rows: [0], position: 1 });
  assert.deepEqual(chunkFromBytes(chunkToBytes(chunk)).columns(0, ["file"]), ["a.png"]);
});

Deno.test("results go across as columns and come back as they were", () => {
  const results = [
    { ok: true as const, value: { label: "setosa", p: [0.5, 0.25] } },
    { ok: false as const, status: 504, message: "too slow" },
    { ok: true as const, value: null },
  ];
  assert.deepEqual(resultsFromBytes(resultsToBytes(results)), results);
});

Deno.test("toBytes falls back to structured clone for what JSON would change", () => {
  for (const value of [Number.NaN, -0, new Date(0), 10n, { a: undefined }, [1, Infinity]]) {
    const bytes = toBytes(value);
    assert.equal(bytes[0], "V".charCodeAt(0), String(value));
    assert.deepEqual(fromBytes(bytes), value);
  }
  assert.equal(toBytes({ a: [1, "x", true, null] })[0], "J".charCodeAt(0));
});
