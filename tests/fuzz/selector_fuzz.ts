/**
 * Fuzz target `selector`: label selectors and labels. Properties: any text parses or is refused with a 400
 * naming the column; a parsed selector formats to text that parses back to the same requirements; matching
 * never throws; `validateLabels` accepts or refuses any value with a 400.
 *
 * @module
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { formatSelector, matchesSelector, parseSelector } from "../../src/registry/selector.ts";
import { isLabelText, validateLabels } from "../../src/bundle/labels.ts";
import {
  anyText,
  type FuzzRun,
  type FuzzTarget,
  type PropertyReport,
  runProperty,
  textOf,
} from "./property.ts";

const word = fc.oneof(
  textOf("ab.-_1", 8),
  fc.constantFrom("In", "NotIn", "Exists", "DoesNotExist", "a".repeat(63), "a".repeat(64)),
);
const op = fc.constantFrom(
  "=",
  "==",
  "!=",
  " In ",
  " NotIn ",
  " Exists",
  " DoesNotExist",
  "(",
  ")",
  ",",
  " ",
  "!",
);

/** Near-valid selectors: words, operators and punctuation in random order, plus arbitrary text. */
const selectorText = fc.oneof(
  fc.array(fc.oneof(word, op), { maxLength: 12 }).map((parts) => parts.join("")),
  fc.array(
    fc.tuple(
      word,
      fc.constantFrom("=", "!=", " In ", " NotIn ", " Exists", " DoesNotExist"),
      fc.array(word, { maxLength: 3 }),
    ),
    { minLength: 1, maxLength: 4 },
  ).map((reqs) =>
    reqs.map(([k, o, vs]) =>
      o.includes("In")
        ? `${k}${o}(${vs.join(",")})`
        : o.includes("Exist")
        ? `${k}${o}`
        : `${k}${o}${vs[0] ?? ""}`
    )
      .join(", ")
  ),
  anyText,
);

const labels = fc.dictionary(textOf("ab.-_1", 5), textOf("ab.-_1", 5), { maxKeys: 4 });

/** The selector target. */
export const selectorTarget: FuzzTarget = {
  name: "selector",
  async run(options: FuzzRun): Promise<PropertyReport[]> {
    return [
      await runProperty("parseSelector round trip", fc.tuple(selectorText, labels), async ([text, l], o) => {
        const selector = await o.of(() => parseSelector(text));
        if (selector === undefined) return;
        for (const r of selector) {
          assert.ok(
            isLabelText(r.key) && r.values.every(isLabelText),
            `bad label text in ${JSON.stringify(r)}`,
          );
        }
        assert.deepStrictEqual(parseSelector(formatSelector(selector)), selector);
        assert.equal(typeof matchesSelector(selector, l), "boolean");
      }, options),
      await runProperty(
        "validateLabels",
        fc.oneof(labels, fc.dictionary(anyText, fc.anything(), { maxKeys: 3 }), fc.anything()),
        async (value, o) => {
          const out = await o.of(() => validateLabels(value));
          if (out === undefined) return;
          for (const [k, v] of Object.entries(out)) assert.ok(isLabelText(k) && isLabelText(v));
          assert.deepStrictEqual(validateLabels(out), out);
        },
        options,
      ),
    ];
  },
};
