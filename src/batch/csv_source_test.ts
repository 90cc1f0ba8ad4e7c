import assert from "node:assert/strict";
import { DataframeInput } from "../adapters/dataframe_input.ts";
import { JsonInput } from "../adapters/json_input.ts";
import type { Frame } from "../adapters/frame.ts";
import { ObentoError } from "../errors.ts";
import { collect, memoryInput } from "./_memory_input.ts";
import { type AnyInputAdapter, JobInputError } from "./chunk.ts";
import { csvChunks } from "./csv_source.ts";

const frames = new DataframeInput({ columns: { a: "float32", b: "float32" } }) as unknown as AnyInputAdapter;
const CSV = 'a,b,id\n1,2,x\n3,4,"y,\n z"\n5,6,w\n7,8,v\n9,10,u\n';

Deno.test("CSV rows come in chunks of batchSize, split at records (a quoted line end stays inside)", async () => {
  const chunks = await collect(
    csvChunks(memoryInput(CSV), { adapter: frames, batchSize: 2, keepColumns: ["id"] }),
  );
  assert.deepEqual(chunks.map((c) => c.rows), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(chunks.map((c) => c.position), [2, 4, 5]);
  assert.ok(chunks.every((c) => c.rowRecords));
  const frame = chunks[0].decodeAll!(frames) as Frame;
  assert.deepEqual(frame.columns, ["a", "b"]);
  assert.deepEqual(frame.column("b"), new Float32Array([2, 4]));
  assert.deepEqual(chunks[0].columns(1, ["id"]), ["y,\n z"]);
  assert.equal(chunks[2].bytesRead, new TextEncoder().encode(CSV).length);
});

Deno.test("CSV skip (resume) and shard pick the same records as a full run would", async () => {
  const skipped = await collect(
    csvChunks(memoryInput(CSV), { adapter: frames, batchSize: 10, keepColumns: [], skip: 3 }),
  );
  assert.deepEqual(skipped.map((c) => c.rows), [[3, 4]]);
  const shard = await collect(
    csvChunks(memoryInput(CSV), {
      adapter: frames,
      batchSize: 10,
      keepColumns: [],
      shard: { index: 1, count: 2 },
    }),
  );
  assert.deepEqual(shard.flatMap((c) => [...c.rows]), [1, 3]);
});

Deno.test("a kept column the header lacks is refused by option name before any row is read", async () => {
  await assert.rejects(
    collect(
      csvChunks(memoryInput(CSV, "rows.csv"), { adapter: frames, batchSize: 2, keepColumns: ["nope"] }),
    ),
    (e) =>
      e instanceof ObentoError && e.option === "keepColumns" &&
      e.message === 'keepColumns: rows.csv has no column "nope"; its columns are a, b, id',
  );
});

Deno.test("a header the API cannot take stops the run (JobInputError), a bad row fails alone", async () => {
  const [chunk] = await collect(
    csvChunks(memoryInput("a,c\n1,2\n", "rows.csv"), { adapter: frames, batchSize: 5, keepColumns: [] }),
  );
  // The fast path throws as the adapter does; the runner then decodes rows alone, which stops the run.
  assert.throws(() => chunk.decodeAll!(frames), /CSV header: missing column "b"/);
  assert.throws(
    () => chunk.decodeOne(frames, 0),
    (e) =>
      e instanceof JobInputError && e.option === "keepColumns" &&
      e.message.startsWith('rows.csv: CSV header: missing column "b"'),
  );
  const [rows] = await collect(
    csvChunks(memoryInput("a,b\n1,2\n1,x\n"), { adapter: frames, batchSize: 5, keepColumns: [] }),
  );
  assert.throws(() => rows.decodeAll!(frames));
  assert.deepEqual((rows.decodeOne(frames, 0) as Frame).column("a"), new Float32Array([1]));
  assert.throws(() => rows.decodeOne(frames, 1), /column "b"/);
});

Deno.test("for an adapter that does not read CSV, a row is a record object of strings", async () => {
  const json = new JsonInput() as unknown as AnyInputAdapter;
  const [chunk] = await collect(
    csvChunks(memoryInput("a,b\n1,x\n"), { adapter: json, batchSize: 5, keepColumns: [] }),
  );
  assert.equal(chunk.rowRecords, false);
  assert.deepEqual(chunk.decodeOne(json, 0), { a: "1", b: "x" });
});
