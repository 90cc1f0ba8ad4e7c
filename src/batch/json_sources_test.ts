import assert from "node:assert/strict";
import { JsonInput } from "../adapters/json_input.ts";
import { collect, memoryInput } from "./_memory_input.ts";
import type { AnyInputAdapter } from "./chunk.ts";
import { inlineSource } from "./inline_source.ts";
import { inputText } from "./input_stream.ts";
import { arrayChunks } from "./json_source.ts";
import { jsonlChunks } from "./jsonl_source.ts";

const json = new JsonInput() as unknown as AnyInputAdapter;

Deno.test("JSON lines: one value per line in chunks; a bad line fails alone, named by its line", async () => {
  const chunks = await collect(
    jsonlChunks(memoryInput('{"x":1}\n[2,3]\n{bad\n"four"\n'), {
      adapter: json,
      batchSize: 2,
      keepColumns: [],
    }),
  );
  assert.deepEqual(chunks.map((c) => c.rows), [[0, 1], [2, 3]]);
  assert.deepEqual(chunks[0].decodeOne(json, 0), { x: 1 });
  assert.deepEqual(chunks[0].decodeOne(json, 1), [2, 3]);
  assert.throws(() => chunks[1].decodeOne(json, 0), /^BadInputError: line 3 is not valid JSON/);
  assert.equal(chunks[1].decodeOne(json, 1), "four");
});

Deno.test("JSON lines: a bad line is named by its line in the file, blank lines and CRLFs counted", async () => {
  const chunks = await collect(
    jsonlChunks(memoryInput('{"x":1}\r\n\n\r\n[2,3]\n\n{bad\n"four"'), {
      adapter: json,
      batchSize: 10,
      keepColumns: [],
    }),
  );
  assert.deepEqual(chunks.map((c) => c.rows), [[0, 1, 2, 3]]);
  assert.throws(() => chunks[0].decodeOne(json, 2), /^BadInputError: line 6 is not valid JSON/);
});

Deno.test("a JSON array is streamed element by element, whatever the read boundaries", async () => {
  const text = ' [ {"a": "x]"}, 2, [3, [4]], "five" ] ';
  for (const piece of [1, 3, 64]) {
    const input = memoryInput(text, "array.json", piece);
    const chunks = await collect(
      arrayChunks(inputText(input), input, { adapter: json, batchSize: 3, keepColumns: [], skip: 1 }),
    );
    assert.deepEqual(chunks.map((c) => c.rows), [[1, 2, 3]], `pieces of ${piece}`);
    assert.deepEqual([0, 1, 2].map((k) => chunks[0].decodeOne(json, k)), [2, [3, [4]], "five"]);
    assert.equal(chunks[0].position, 4);
  }
});

Deno.test("an inline body is one record named as the caller says", async () => {
  const source = inlineSource('{"a": 1}', "--input");
  assert.equal(source.single, true);
  const [chunk] = await collect(source.chunks({ adapter: json, batchSize: 5, keepColumns: [] }));
  assert.deepEqual(chunk.decodeOne(json, 0), { a: 1 });
  const [bad] = await collect(inlineSource("{").chunks({ adapter: json, batchSize: 5, keepColumns: [] }));
  assert.throws(() => bad.decodeOne(json, 0), /inline input/);
  assert.deepEqual(
    await collect(source.chunks({ adapter: json, batchSize: 5, keepColumns: [], skip: 1 })),
    [],
  );
});
