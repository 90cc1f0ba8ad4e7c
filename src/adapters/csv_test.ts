import assert from "node:assert/strict";
import { BadInputError } from "../errors.ts";
import { CsvParser, formatCsv, parseCsv, parseNumericCsv } from "./csv.ts";

Deno.test("parseCsv reads quoted fields with escaped quotes, commas and newlines", () => {
  const text = 'id,note\n1,"a, b"\n2,"say ""hi"""\n3,"line one\nline two"\n4,plain\n';
  assert.deepEqual(parseCsv(text), [
    ["id", "note"],
    ["1", "a, b"],
    ["2", 'say "hi"'],
    ["3", "line one\nline two"],
    ["4", "plain"],
  ]);
});

Deno.test("parseCsv accepts CRLF line ends, a missing final line end and strips a BOM", () => {
  assert.deepEqual(parseCsv('\uFEFFa,b\r\n1,"x\r\ny"\r\n2,3'), [["a", "b"], ["1", "x\r\ny"], ["2", "3"]]);
});

Deno.test("parseCsv keeps empty fields, skips blank lines and returns [] for empty text", () => {
  assert.deepEqual(parseCsv("a,b,c\n,,\n\n1,,\r\n\r\n"), [["a", "b", "c"], ["", "", ""], ["1", "", ""]]);
  assert.deepEqual(parseCsv('a\n""\n'), [["a"], [""]]);
  assert.deepEqual(parseCsv(""), []);
  assert.deepEqual(parseCsv("\uFEFF"), []);
});

Deno.test("parseCsv names the line and row of a ragged row", () => {
  // Line 3 holds a quoted newline, so data row 3 starts on line 5.
  const text = 'a,b,c,d\n1,2,3,4\n5,"6\n7",8,9\n10,11,12\n';
  assert.throws(
    () => parseCsv(text),
    (e: unknown) =>
      e instanceof BadInputError &&
      e.message === "CSV line 5: row 3 has 3 fields, header has 4; quote fields that contain commas",
  );
});

Deno.test("parseCsv names the line where an unterminated quote opens", () => {
  assert.throws(
    () => parseCsv('a,b\n1,2\n3,"never\nends\n'),
    (e: unknown) =>
      e instanceof BadInputError && e.message.startsWith("CSV line 3: a quoted field never ends"),
  );
});

Deno.test("parseCsv rejects text after a closing quote, naming the line", () => {
  assert.throws(
    () => parseCsv('a,b\n"x"y,2\n'),
    (e: unknown) =>
      e instanceof BadInputError && e.message.startsWith('CSV line 2: unexpected "y" after a closing quote'),
  );
});

Deno.test("CsvParser gives the same records for any chunking, including splits inside quotes and CRLF", () => {
  const text = '\uFEFFa,b\r\n"q""x",2\r\n"multi\nline",4\r\n5,6';
  const expected = parseCsv(text);
  assert.deepEqual(expected, [["a", "b"], ['q"x', "2"], ["multi\nline", "4"], ["5", "6"]]);
  for (let size = 1; size <= text.length; size++) {
    const p = new CsvParser();
    const got: string[][] = [];
    for (let i = 0; i < text.length; i += size) got.push(...p.push(text.slice(i, i + size)));
    got.push(...p.end());
    assert.deepEqual(got, expected, `chunk size ${size}`);
    assert.equal(p.rows, 3);
  }
});

Deno.test("CsvParser returns only complete records from each chunk", () => {
  const p = new CsvParser();
  assert.deepEqual(p.push("a,b\n1,"), [["a", "b"]]);
  assert.deepEqual(p.push('2\n3,"x'), [["1", "2"]]);
  assert.deepEqual(p.push('"'), []);
  assert.deepEqual(p.end(), [["3", "x"]]);
  assert.throws(() => p.push("more"), BadInputError);
});

Deno.test("CsvParser reports ragged rows and open quotes with line numbers across chunks", () => {
  const p = new CsvParser();
  p.push("a,b\n1,2\n");
  assert.throws(
    () => p.push("3\n"),
    (e: unknown) =>
      e instanceof BadInputError && e.message.startsWith("CSV line 3: row 2 has 1 fields, header has 2"),
  );
  const q = new CsvParser();
  q.push('a\n"open');
  assert.throws(
    () => q.end(),
    (e: unknown) =>
      e instanceof BadInputError && e.message.startsWith("CSV line 2: a quoted field never ends"),
  );
});

Deno.test("formatCsv quotes only fields that need it", () => {
  assert.equal(
    formatCsv(["id", "note", "ok"], [[1, "a, b", true], [2n, 'say "hi"', null], [
      3.5,
      "two\nlines",
      undefined,
    ]]),
    'id,note,ok\n1,"a, b",true\n2,"say ""hi""",\n3.5,"two\nlines",\n',
  );
  assert.equal(formatCsv(["a"], [[""], ["x"]], { newline: "\r\n" }), 'a\r\n""\r\nx\r\n');
});

Deno.test("formatCsv output parses back to the same strings", () => {
  const header = ["name", "quote", "n"];
  const rows = [["ada", 'she said "no, thanks"', "1"], ["", "\r\nlead", "-2.5"], ["x,y", "", "NaN"]];
  assert.deepEqual(parseCsv(formatCsv(header, rows)), [header, ...rows]);
  assert.deepEqual(parseCsv(formatCsv(header, rows, { newline: "\r\n" })), [header, ...rows]);
});

Deno.test("parseNumericCsv reads plain decimals exactly as Number() does", () => {
  const fields = [
    "0",
    "-0",
    "+7",
    "12.5",
    ".5",
    "5.",
    "-0.1",
    "123456789012345",
    "0.00000000000001",
    "3.14159",
  ];
  const text = `\uFEFFa,b\r\n${fields.map((f, i) => `${f},${i}`).join("\r\n")}`;
  const parsed = parseNumericCsv(text);
  assert.ok(parsed !== undefined);
  assert.deepEqual(parsed.header, ["a", "b"]);
  assert.deepEqual(parsed.columns[0], new Float64Array(fields.map(Number)));
  assert.ok(Object.is(parsed.columns[0][1], -0));
  assert.deepEqual(parsed.columns[1], new Float64Array(fields.map((_, i) => i)));
  for (let i = 0; i < 2000; i++) {
    const s = (Math.random() * 10 ** (i % 9)).toFixed(i % 7);
    assert.equal(parseNumericCsv(`x\n${s}\n`)?.columns[0][0], Number(s), s);
  }
});

Deno.test("parseNumericCsv returns undefined for anything but plain decimals", () => {
  for (
    const body of [
      '"1",2',
      "1,",
      ",2",
      "1e3,2",
      "NaN,2",
      " 1,2",
      "1,2,3",
      "1",
      "1234567890123456,2",
      "1.2.3,4",
      "-,1",
    ]
  ) {
    assert.equal(parseNumericCsv(`a,b\n${body}\n`), undefined, body);
  }
  assert.equal(parseNumericCsv("a,b\n1,2\n\n3,4\n"), undefined);
  assert.equal(parseNumericCsv('"a",b\n1,2\n'), undefined);
  assert.equal(parseNumericCsv("a,b"), undefined);
  assert.deepEqual(parseNumericCsv("a,b\n"), {
    header: ["a", "b"],
    columns: [new Float64Array(), new Float64Array()],
  });
});
