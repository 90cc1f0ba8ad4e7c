/**
 * Generators of request bodies and content types shared by the adapter targets, and the decode-then-merge
 * check every input adapter gets.
 *
 * @module
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import type { InputAdapter } from "../../src/sdk/adapter.ts";
import { anyBytes, anyJsonValue, anyText, type Outcome, textOf } from "./property.ts";

const encoder = new TextEncoder();

/** Deeply nested JSON text: lists, objects or both, up to 50,000 levels. */
export const deepJson: fc.Arbitrary<string> = fc.tuple(
  fc.integer({ min: 1, max: 50_000 }),
  fc.constantFrom(["[", "]"], ['{"a":', "}"], ['[{"a":', "}]"]),
  fc.constantFrom("1", "[]", "{}", '"x"', "null"),
).map(([depth, [open, close], leaf]) => open.repeat(depth) + leaf + close.repeat(depth));

/** Text that looks like JSON numbers JSON cannot hold, or JSON's neighbours. */
const oddNumbers = fc.constantFrom(
  "1e400",
  "-1e400",
  "NaN",
  "Infinity",
  "-0",
  "1e-400",
  "9007199254740993",
  "18446744073709551616",
  "0x10",
  "1_000",
  '"5.1"',
  "true",
);

/** A JSON body built from `shaped` values (near-valid for the adapter), with numbers swapped for odd ones. */
export function jsonBody(shaped: fc.Arbitrary<unknown>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: shaped.map((v) => JSON.stringify(v) ?? "") },
    {
      weight: 2,
      arbitrary: fc.tuple(shaped, oddNumbers).map(([v, n]) =>
        (JSON.stringify(v) ?? "").replace(/-?\d+(\.\d+)?/, n)
      ),
    },
    { weight: 1, arbitrary: anyJsonValue.map((v) => JSON.stringify(v) ?? "") },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: textOf('[]{},:"1a.e-', 40) },
    { weight: 1, arbitrary: anyText },
  ).map((text) => encoder.encode(text)).chain((bytes) =>
    fc.oneof({ weight: 8, arbitrary: fc.constant(bytes) }, { weight: 1, arbitrary: anyBytes })
  );
}

/** Content types: the adapter's own (with charsets), near misses, and junk. */
export function contentType(own: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...own) },
    {
      weight: 2,
      arbitrary: fc.tuple(
        fc.constantFrom(...own),
        fc.constantFrom("utf-8", "UTF-8", '"utf-8"', "latin1", "utf-16le", "x-nope", ""),
      )
        .map(([t, c]) => `${t}; charset=${c}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "text/csv",
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=xyz",
        "image/png",
        "application/octet-stream",
        "APPLICATION/JSON",
        "application/vnd.api+json",
        ";;;",
      ),
    },
    { weight: 1, arbitrary: textOf("abc/;= +-*", 30) },
  );
}

/**
 * Decodes one item with `decode`; when that succeeds, checks `rows` (a non-negative integer) and merges the
 * item with itself, which must also succeed or be refused properly.
 */
export async function decodeAndMerge<I, B>(
  adapter: InputAdapter<I, B>,
  o: Outcome,
  decode: () => I | Promise<I>,
): Promise<void> {
  const item = await o.of(decode);
  if (item === undefined) return;
  const rows = adapter.rows(item);
  assert.ok(Number.isInteger(rows) && rows >= 0, `rows() gave ${rows}`);
  await o.of(() => adapter.merge([item, item]));
}
