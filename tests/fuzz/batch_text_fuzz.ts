/**
 * Fuzz target `batch_text`: the offline-run readers that cut streamed text before any adapter sees it — the
 * JSON array scanner and the line/CSV record splitter. Properties: any text, cut into any pieces, gives the
 * same elements (or the same 400) as the whole text; a JSON array's elements parse back to its values; lines
 * without quotes split as `text.split("\n")` does, less blank lines and CRs.
 *
 * @module
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { JsonArrayScanner } from "../../src/batch/json_array_scanner.ts";
import { RecordSplitter } from "../../src/batch/record_splitter.ts";
import {
  anyJsonValue,
  anyText,
  type FuzzRun,
  type FuzzTarget,
  pieces,
  type PropertyReport,
  runProperty,
  textOf,
} from "./property.ts";

/** The elements a scanner yields for `parts`, read the way `obento run` reads a JSON array file. */
function scan(parts: readonly string[]): string[] {
  const s = new JsonArrayScanner();
  const out: string[] = [];
  const drain = (final: boolean) => {
    for (let e = s.next(final); e !== undefined; e = s.next(final)) out.push(e);
  };
  for (const p of parts) {
    s.push(p);
    drain(false);
  }
  drain(true);
  return out;
}

/** The records a splitter yields for `parts`, by `next` or by `nextRun` of up to `run` records. */
function split(parts: readonly string[], quotes: boolean, run: number): string[] {
  const s = new RecordSplitter({ quotes });
  const out: string[] = [];
  const drain = (final: boolean) => {
    if (run === 0) {
      for (let r = s.next(final); r !== undefined; r = s.next(final)) out.push(r);
      return;
    }
    for (let r = s.nextRun(run, final); r !== undefined; r = s.nextRun(run, final)) {
      const records = splitWhole(r.text, quotes);
      assert.equal(records.length, r.count, `nextRun said ${r.count} records in ${JSON.stringify(r.text)}`);
      out.push(...records);
    }
  };
  for (const p of parts) {
    s.push(p);
    drain(false);
  }
  drain(true);
  return out;
}

function splitWhole(text: string, quotes: boolean): string[] {
  const s = new RecordSplitter({ quotes });
  s.push(text);
  const out: string[] = [];
  for (let r = s.next(true); r !== undefined; r = s.next(true)) out.push(r);
  return out;
}

const cuts = fc.array(fc.nat(), { maxLength: 8 });

/** The batch-text target. */
export const batchTextTarget: FuzzTarget = {
  name: "batch_text",
  async run(options: FuzzRun): Promise<PropertyReport[]> {
    const arrays = fc.tuple(fc.array(anyJsonValue, { maxLength: 5 }), fc.constantFrom(undefined, 1, "\t"))
      .map((
        [values, space],
      ) => {
        const text = JSON.stringify(values, null, space);
        return { values: JSON.parse(text) as unknown[], text }; // as JSON reads them back: -0 is written 0
      });
    return [
      await runProperty(
        "JsonArrayScanner pieces = whole",
        fc.tuple(fc.oneof(textOf('[]{},"\\ a1\n', 40), anyText, arrays.map((a) => a.text)), cuts),
        async ([text, at], o) => {
          const whole = await o.of(() => scan([text]));
          const chunked = await o.of(() => scan(pieces(text, at)));
          assert.deepStrictEqual(chunked, whole);
        },
        options,
      ),
      await runProperty(
        "JsonArrayScanner elements of a JSON array",
        fc.tuple(arrays, cuts),
        async ([a, at], o) => {
          const elements = await o.of(() => scan(pieces(a.text, at)));
          assert.deepStrictEqual(elements?.map((e) => JSON.parse(e)), a.values);
        },
        options,
      ),
      await runProperty(
        "RecordSplitter pieces = whole",
        fc.tuple(fc.oneof(textOf('ab,"\r\n', 60), anyText), cuts, fc.boolean(), fc.nat(4)),
        async ([text, at, quotes, run], o) => {
          const whole = await o.of(() => splitWhole(text, quotes));
          const chunked = await o.of(() => split(pieces(text, at), quotes, run));
          assert.deepStrictEqual(chunked, whole);
          if (!quotes) {
            const lines = text.split("\n").map((l) =>
              l.endsWith("\r") && !l.endsWith("\r\r") ? l.slice(0, -1) : l
            )
              .filter((l) => l !== "");
            assert.deepStrictEqual(whole, lines);
          }
        },
        options,
      ),
    ];
  },
};
