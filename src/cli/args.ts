/**
 * Flag parsing for commands on top of `node:util` `parseArgs`, turning its errors into usage errors that name
 * the flag and point at `--help`.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ObentoError } from "../errors.ts";
import { didYouMean } from "./suggest.ts";

/** Option definitions in `node:util` form. */
export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/** Parsed flags and positionals. */
export interface ParsedArgs {
  /** Flag values by long name; repeatable flags are arrays. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Arguments that are not flags. */
  positionals: string[];
}

/** `node:util`'s parse error in obento's words: the flag, what is wrong, and a guess at what was meant. */
function describeParseError(error: unknown, options: FlagSpec): string {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? String(error);
  const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(message);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) {
    const [, dashes, name] = unknown;
    const guess = dashes === "--" ? didYouMean(name, [...Object.keys(options), "help"], "--") : "";
    return `unknown option ${dashes}${name}${guess}`;
  }
  const missing = /^Option '(?:-\w, )?(--[^ ']+)(?: <value>)?' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const ambiguous = /^Option '(?:-\w, )?(--[^ ']+)' argument is ambiguous/.exec(message);
  if (ambiguous) {
    return `${ambiguous[1]} needs a value (a value that starts with "-" is written ${ambiguous[1]}=-VALUE)`;
  }
  const noValue = /^Option '(?:-\w, )?(--[^ ']+)' does not take an argument/.exec(message);
  if (noValue) return `${noValue[1]} takes no value`;
  return message.split("\n")[0].replace(/\. To specify a positional.*$/, "");
}

/**
 * Parses `args` for `command`. An unknown flag, a missing value or a value given to a switch becomes one
 * BAD_ARGUMENT line that names the flag, guesses the flag that was meant, and points at `--help`:
 * `obento run: unknown option --ouput; did you mean --output? (see \`obento run --help\`)`.
 *
 * @param command the command's name as typed after `obento` (e.g. "run", "registry")
 * @param args the command's arguments
 * @param options its flags (`--help`/`-h` is added)
 * @throws {ObentoError} BAD_ARGUMENT as above
 *
 * @example
 * ```ts
 * import { parseFlags } from "./args.ts";
 * const parsed = parseFlags("list", ["Iris", "--json"], { json: { type: "boolean" } });
 * console.log(parsed.positionals, parsed.values.json); // ["Iris"] true
 * ```
 */
export function parseFlags(command: string, args: string[], options: FlagSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (error) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento ${command}: ${describeParseError(error, options)} (see \`obento ${command} --help\`)`,
    );
  }
}

/** A string flag's value, or undefined. */
export function stringFlag(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.values[name];
  return typeof v === "string" ? v : undefined;
}

/** A repeatable string flag's values. */
export function listFlag(parsed: ParsedArgs, name: string): string[] {
  const v = parsed.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
}

/** A whole-number flag (0 allowed), or undefined when absent; names the flag when the value is not one. */
export function wholeFlag(command: string, parsed: ParsedArgs, name: string): number | undefined {
  const raw = stringFlag(parsed, name);
  if (raw === undefined) return undefined;
  const n = raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento ${command}: --${name} must be a whole number (0 or more), got "${raw}"`,
    );
  }
  return n;
}

/** A positive integer flag, or `fallback`; names the flag when the value is not one. */
export function intFlag(command: string, parsed: ParsedArgs, name: string, fallback: number): number {
  const raw = stringFlag(parsed, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento ${command}: --${name} must be a positive integer, got "${raw}"`,
    );
  }
  return n;
}

/** Parses repeated `key=value` flags into a record; names the flag on a malformed pair. */
export function keyValueFlags(command: string, parsed: ParsedArgs, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of listFlag(parsed, name)) {
    const i = pair.indexOf("=");
    if (i <= 0) {
      throw new ObentoError("BAD_ARGUMENT", `obento ${command}: --${name} expects key=value, got "${pair}"`);
    }
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}
