/**
 * Label rules, as in BentoML: keys and values of at most 63 characters, letters, digits, `-`, `_` and `.`,
 * starting and ending with a letter or digit.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";

/** The longest key or value a label may have. */
export const MAX_LABEL_LENGTH = 63;

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

/** True when `text` is a valid label key or value. */
export function isLabelText(text: string): boolean {
  return text.length <= MAX_LABEL_LENGTH && LABEL.test(text);
}

/** Why `text` is not a valid label key or value, or undefined when it is. */
export function labelTextProblem(text: string): string | undefined {
  if (text.length === 0) return "is empty";
  if (text.length > MAX_LABEL_LENGTH) {
    return `is ${text.length} characters long (at most ${MAX_LABEL_LENGTH})`;
  }
  if (!LABEL.test(text)) {
    return "must use letters, digits, '-', '_', '.' and start and end with a letter or digit";
  }
  return undefined;
}

/**
 * Checks labels and returns them as a fresh record with keys sorted.
 *
 * @param labels the labels to check (e.g. from bento.yaml or `--label` flags)
 * @param where names their origin in errors, e.g. "bento.yaml"
 * @returns a copy of the labels, keys sorted
 * @throws {ObentoError} BAD_ARGUMENT naming the first bad key or value
 *
 * @example
 * ```ts
 * import { validateLabels } from "./labels.ts";
 * validateLabels({ stage: "prod", team: "ml-core" }); // { stage: "prod", team: "ml-core" }
 * ```
 */
export function validateLabels(labels: unknown, where = "labels"): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== "object" || Array.isArray(labels)) {
    throw new ObentoError("BAD_ARGUMENT", `${where}: labels must be a mapping of key to value`);
  }
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) {
    const value = (labels as Record<string, unknown>)[key];
    const keyProblem = labelTextProblem(key);
    if (keyProblem) {
      throw new ObentoError("BAD_ARGUMENT", `${where}: label key ${JSON.stringify(key)} ${keyProblem}`);
    }
    if (typeof value !== "string") {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `${where}: label ${key} must have a string value, got ${JSON.stringify(value)}`,
      );
    }
    const valueProblem = labelTextProblem(value);
    if (valueProblem) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `${where}: label ${key} value ${JSON.stringify(value)} ${valueProblem}`,
      );
    }
    out[key] = value;
  }
  return out;
}
