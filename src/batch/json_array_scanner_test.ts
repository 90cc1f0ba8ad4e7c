import assert from "node:assert/strict";
import { BadInputError } from "../errors.ts";
import { JsonArrayScanner } from "./json_array_scanner.ts";

function elements(pieces: string[]): string[] {
  const s = new JsonArrayScanner();
  const out: string[] = [];
  for (const p of pieces) {
    s.push(p);
    for (let e = s.next(false); e !== undefined; e = s.next(false)) out.push(e);
  }
  for (let e = s.next(true); e !== undefined; e = s.next(true)) out.push(e);
  return out;
}

Deno.test("JsonArrayScanner finds the elements however the text is cut", () => {
  const text = ' [ {"a": [1, {"b": "]}"}]}, "say \\"hi\\", ok", 3.5 ,\n[[]], null ] \n';
  const expected = ['{"a": [1, {"b": "]}"}]}', '"say \\"hi\\", ok"', "3.5", "[[]]", "null"];
  for (let cut = 0; cut <= text.length; cut++) {
    assert.deepEqual(elements([text.slice(0, cut), text.slice(cut)]), expected, `cut at ${cut}`);
  }
  assert.deepEqual(expected.map((e) => JSON.parse(e)), JSON.parse(text));
});

Deno.test("JsonArrayScanner reads an empty array and refuses what is not an array", () => {
  assert.deepEqual(elements(["[ ]"]), []);
  assert.throws(() => elements(['{"a": 1}']), BadInputError);
  assert.throws(() => elements(["[1] 2"]), /after the array's closing/);
});

Deno.test("a truncated array yields its partial last element, which does not parse", () => {
  const out = elements(['[{"a": 1}, {"a": 2}, {"a"']);
  assert.deepEqual(out, ['{"a": 1}', '{"a": 2}', '{"a"']);
  assert.throws(() => JSON.parse(out[2]));
});
