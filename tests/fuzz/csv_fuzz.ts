/**
 * Fuzz target `csv`: the CSV reader (`parseCsv`, the incremental `CsvParser`, the numeric fast path) and the
 * writer. Properties: any text parses or is refused with a 400; chunked parsing equals whole parsing; the
 * fast path agrees with the general parser; `parseCsv(formatCsv(h, rows))` gives the rows back.
 *
 * @module
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { CsvParser, formatCsv, parseCsv, parseNumericCsv } from "../../src/adapters/csv.ts";
import {
  anyText,
  type FuzzRun,
  type FuzzTarget,
  pieces,
  type PropertyReport,
  runProperty,
  textOf,
} from "./property.ts";

/** Text made of CSV's special characters and a few plain ones: reaches quotes, CRLF and ragged rows often. */
const csvish = fc.oneof(textOf('ab1.,"\r\n -e', 80), anyText);

/** All records of `text` fed to a CsvParser in `parts`. */
function parseChunked(parts: string[]): string[][] {
  const p = new CsvParser();
  const out: string[][] = [];
  for (const part of parts) out.push(...p.push(part));
  out.push(...p.end());
  return out;
}

/** The CSV target. */
export const csvTarget: FuzzTarget = {
  name: "csv",
  async run(options: FuzzRun): Promise<PropertyReport[]> {
    const field = fc.oneof(textOf('ab1,"\r\n ', 12), fc.string({ maxLength: 12 }));
    return [
      await runProperty("parseCsv", csvish, async (text, o) => {
        await o.of(() => parseCsv(text));
      }, options),
      await runProperty(
        "CsvParser chunks = parseCsv",
        fc.tuple(csvish, fc.array(fc.nat(), { maxLength: 6 })),
        async ([text, cuts], o) => {
          const whole = await o.of(() => parseCsv(text));
          const chunked = await o.of(() => parseChunked(pieces(text, cuts)));
          assert.equal(
            chunked === undefined,
            whole === undefined,
            "chunked and whole parsing disagree on failure",
          );
          if (whole !== undefined) assert.deepStrictEqual(chunked, whole);
        },
        options,
      ),
      await runProperty(
        "parseNumericCsv = parseCsv + Number",
        fc.oneof(textOf("ab,\n-.0123456789e\r", 80), textOf("a,b\n-.0129", 60).map((t) => "a,b\n" + t)),
        async (text, o) => {
          const fast = await o.of(() => parseNumericCsv(text));
          if (fast === undefined) return;
          const [header, ...rows] = parseCsv(text).filter((r) => !(r.length === 1 && r[0] === ""));
          assert.deepStrictEqual(fast.header, header);
          fast.columns.forEach((col, c) => assert.deepStrictEqual([...col], rows.map((r) => Number(r[c]))));
        },
        options,
      ),
      await runProperty(
        "parseCsv(formatCsv(h, rows)) = [h, ...rows]",
        fc.integer({ min: 1, max: 5 }).chain((width) =>
          fc.tuple(
            fc.array(field, { minLength: width, maxLength: width }),
            fc.array(fc.array(field, { minLength: width, maxLength: width }), { maxLength: 6 }),
            fc.constantFrom<"\n" | "\r\n">("\n", "\r\n"),
          )
        ),
        async ([header, rows, newline], o) => {
          const text = formatCsv(header, rows, { newline });
          const back = await o.of(() => parseCsv(text));
          assert.deepStrictEqual(back, [header, ...rows], `formatCsv wrote ${JSON.stringify(text)}`);
        },
        options,
      ),
    ];
  },
};
