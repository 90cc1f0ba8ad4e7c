import assert from "node:assert/strict";
import { parseJsonRecord, UnparsedRecord } from "./value_chunk.ts";

Deno.test("a JSON record that does not parse is named on one line, even when it spans lines", () => {
  // An element of a JSON array file may span lines; V8's message quotes it, line breaks and all.
  const record = parseJsonRecord('{"a":\n x}', "element 3");
  assert.ok(record instanceof UnparsedRecord);
  assert.match(record.message, /^element 3 is not valid JSON: /);
  assert.doesNotMatch(record.message, /[\r\n]/);
  assert.deepEqual(parseJsonRecord('{"a": 1}', "line 1"), { a: 1 });
});
