import assert from "node:assert/strict";
import { RecordSplitter } from "./record_splitter.ts";

function all(pieces: string[], quotes: boolean): string[] {
  const s = new RecordSplitter({ quotes });
  const out: string[] = [];
  for (const p of pieces) {
    s.push(p);
    for (let r = s.next(false); r !== undefined; r = s.next(false)) out.push(r);
  }
  for (let r = s.next(true); r !== undefined; r = s.next(true)) out.push(r);
  return out;
}

Deno.test("RecordSplitter cuts lines, strips CR, skips blank lines, keeps the last unterminated line", () => {
  assert.deepEqual(all(["a\r\nb\n\n\r\nc"], false), ["a", "b", "c"]);
});

Deno.test("RecordSplitter gives the same records however the text is cut", () => {
  const text = 'h1,h2\r\n1,"a\nb"\n2,"say ""hi""\r\nthere"\n\n3,x\n';
  const expected = ["h1,h2", '1,"a\nb"', '2,"say ""hi""\r\nthere"', "3,x"];
  for (let cut = 0; cut <= text.length; cut++) {
    assert.deepEqual(all([text.slice(0, cut), text.slice(cut)], true), expected, `cut at ${cut}`);
  }
  assert.deepEqual(all([...text], true), expected, "one character at a time");
});

Deno.test("RecordSplitter without quotes ends a record at every line end", () => {
  assert.deepEqual(all(['{"a":"x"}\n{"b":"', 'y"}\n'], false), ['{"a":"x"}', '{"b":"y"}']);
  assert.deepEqual(all(['1,"a\nb"\n'], false), ['1,"a', 'b"']);
});

Deno.test("RecordSplitter with an open quote at the end gives the rest as one record", () => {
  assert.deepEqual(all(['a\n1,"open\n2,3\n'], true), ["a", '1,"open\n2,3\n']);
});

Deno.test("RecordSplitter.nextRun takes up to max records as one text, across pieces", () => {
  const s = new RecordSplitter({ quotes: true });
  s.push('a\n1,"x\ny"\n\n2\n3');
  assert.equal(s.next(false), "a");
  assert.deepEqual(s.nextRun(2, false), { text: '1,"x\ny"\n\n2', count: 2 });
  assert.equal(s.nextRun(5, false), undefined);
  s.push("\n4\n");
  assert.deepEqual(s.nextRun(5, false), { text: "3\n4", count: 2 });
  assert.equal(s.nextRun(5, true), undefined);
});

Deno.test("RecordSplitter keeps a line of CRs a record when its records are joined with LF and split again", () => {
  // Found by tests/fuzz/batch_text_fuzz.ts: the line "\r\r\n" was the record "\r", which a reader that joins
  // records with LF (obento run's CSV batches) took for a blank line, so a batch had one row fewer than its
  // record numbers and `obento run` failed that row with a 500 (a TypeError).
  const text = "a\r\n\r\r\n1,2\r\r\nb\r\n";
  const records = all([text], true);
  assert.deepEqual(records, ["a", "\r\r", "1,2\r\r", "b"]);
  assert.deepEqual(all([records.join("\n")], true), records);
  const s = new RecordSplitter({ quotes: true });
  s.push(text);
  const run = s.nextRun(2, false);
  assert.deepEqual(run, { text: "a\r\n\r\r", count: 2 });
  assert.deepEqual(all([run!.text + "\n"], true), ["a", "\r\r"]);
});

Deno.test("RecordSplitter says the line each record starts on, across pieces, blank lines and quoted line ends", () => {
  const s = new RecordSplitter({ quotes: true });
  const lines: number[] = [];
  for (const piece of ['a\n\n"x\n', 'y"\r\n\r\nb\n', "c"]) {
    s.push(piece);
    for (let r = s.next(false); r !== undefined; r = s.next(false)) lines.push(s.line);
  }
  for (let r = s.next(true); r !== undefined; r = s.next(true)) lines.push(s.line);
  assert.deepEqual(lines, [1, 3, 6, 7]);
});
