/**
 * Label selectors, as in BentoML and Kubernetes: `key=value`, `key!=value`, `key In (a, b)`,
 * `key NotIn (a, b)`, `key Exists`, `key DoesNotExist`, joined by commas (AND). Parsed once into a
 * {@link Selector} that an index turns into a query and {@link matchesSelector} checks in memory.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { labelTextProblem } from "../bundle/labels.ts";

/** The operators a requirement can use. */
export type SelectorOperator = "=" | "!=" | "In" | "NotIn" | "Exists" | "DoesNotExist";

/** One requirement of a selector, e.g. `stage In (prod, canary)`. */
export interface Requirement {
  /** The label key. */
  readonly key: string;
  /** How the key's value is tested. */
  readonly operator: SelectorOperator;
  /** The values compared with: one for `=`/`!=`, one or more for `In`/`NotIn`, none otherwise. */
  readonly values: readonly string[];
}

/** A parsed selector: every requirement must hold. */
export type Selector = readonly Requirement[];

interface Token {
  kind: "word" | "=" | "!=" | "(" | ")" | "," | "end";
  text: string;
  /** 1-based column of the token's first character. */
  column: number;
}

const KEYWORDS = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

function fail(message: string, column: number): never {
  throw new ObentoError("BAD_ARGUMENT", `selector: ${message} at column ${column}`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t") {
      i++;
    } else if (c === "!" && text[i + 1] === "=") {
      tokens.push({ kind: "!=", text: "!=", column: i + 1 });
      i += 2;
    } else if (c === "=") {
      const double = text[i + 1] === "=";
      tokens.push({ kind: "=", text: double ? "==" : "=", column: i + 1 });
      i += double ? 2 : 1;
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ kind: c, text: c, column: i + 1 });
      i++;
    } else if (/[A-Za-z0-9_.-]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_.-]/.test(text[i])) i++;
      tokens.push({ kind: "word", text: text.slice(start, i), column: start + 1 });
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`, i + 1);
    }
  }
  tokens.push({ kind: "end", text: "end of selector", column: text.length + 1 });
  return tokens;
}

function describe(token: Token): string {
  return token.kind === "end" ? "end of selector" : JSON.stringify(token.text);
}

/**
 * Parses a selector string.
 *
 * @param text e.g. `stage=prod, team In (ml, data), legacy DoesNotExist`
 * @returns the requirements, in the order written
 * @throws {ObentoError} BAD_ARGUMENT saying what was expected and at which column (1-based)
 *
 * @example
 * ```ts
 * import { parseSelector } from "./selector.ts";
 * parseSelector("stage=prod, team In (ml, data)");
 * // [{ key: "stage", operator: "=", values: ["prod"] }, { key: "team", operator: "In", values: ["ml", "data"] }]
 * ```
 */
export function parseSelector(text: string): Selector {
  const tokens = tokenize(text);
  if (tokens.length === 1) fail("empty selector; expected e.g. key=value", 1);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const labelText = (token: Token, what: "key" | "value"): string => {
    if (token.kind !== "word" || (what === "key" && KEYWORDS.has(token.text))) {
      fail(`expected a label ${what} but found ${describe(token)}`, token.column);
    }
    const problem = labelTextProblem(token.text);
    if (problem) fail(`label ${what} ${JSON.stringify(token.text)} ${problem}`, token.column);
    return token.text;
  };
  const requirements: Requirement[] = [];
  for (;;) {
    const key = labelText(next(), "key");
    const op = next();
    if (op.kind === "=" || op.kind === "!=") {
      const valueToken = peek();
      if (valueToken.kind !== "word") {
        fail(
          `expected a value after ${JSON.stringify(op.text)} but found ${describe(valueToken)}`,
          valueToken.column,
        );
      }
      requirements.push({ key, operator: op.kind, values: [labelText(next(), "value")] });
    } else if (op.kind === "word" && (op.text === "In" || op.text === "NotIn")) {
      const open = next();
      if (open.kind !== "(") fail(`expected "(" after ${op.text}`, open.column);
      const values: string[] = [];
      for (;;) {
        values.push(labelText(next(), "value"));
        const sep = next();
        if (sep.kind === ")") break;
        if (sep.kind !== ",") {
          fail(`expected "," or ")" in the ${op.text} list but found ${describe(sep)}`, sep.column);
        }
      }
      requirements.push({ key, operator: op.text, values });
    } else if (op.kind === "word" && (op.text === "Exists" || op.text === "DoesNotExist")) {
      requirements.push({ key, operator: op.text, values: [] });
    } else {
      fail(
        `expected =, !=, In, NotIn, Exists or DoesNotExist after key ${JSON.stringify(key)} but found ${
          describe(op)
        }`,
        op.column,
      );
    }
    const after = next();
    if (after.kind === "end") return requirements;
    if (after.kind !== ",") {
      fail(`expected "," between requirements but found ${describe(after)}`, after.column);
    }
  }
}

/**
 * Tests labels against a selector in memory. `!=` and `NotIn` need the key present with another value;
 * `DoesNotExist` needs the key absent.
 *
 * @example
 * ```ts
 * import { matchesSelector, parseSelector } from "./selector.ts";
 * matchesSelector(parseSelector("stage!=dev"), { stage: "prod" }); // true
 * matchesSelector(parseSelector("stage!=dev"), {}); // false
 * ```
 */
export function matchesSelector(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  return selector.every(({ key, operator, values }) => {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    switch (operator) {
      case "=":
        return has && value === values[0];
      case "!=":
        return has && value !== values[0];
      case "In":
        return has && values.includes(value);
      case "NotIn":
        return has && !values.includes(value);
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
    }
  });
}

/** Renders a selector back to its canonical text, e.g. for messages. */
export function formatSelector(selector: Selector): string {
  return selector.map(({ key, operator, values }) => {
    if (operator === "=" || operator === "!=") return `${key}${operator}${values[0]}`;
    if (operator === "In" || operator === "NotIn") return `${key} ${operator} (${values.join(", ")})`;
    return `${key} ${operator}`;
  }).join(", ");
}
