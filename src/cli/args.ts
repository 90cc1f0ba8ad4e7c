/**
 * Flag parsing for commands on top of `node:util` `parseArgs`, turning its errors into usage errors that name
 * the flag and point at `--help`.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ObentoError } from "../errors.ts";

/** Option definitions in `node:util` form. */
export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/** Parsed flags and positionals. */
export interface ParsedArgs {
  /** Flag values by long name; repeatable flags are arrays. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Arguments that are not flags. */
  positionals: string[];
}

/** Parses `args` for `command`; unknown flags and missing values become BAD_ARGUMENT errors. */
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
    const message = (error as Error).message.split("\n")[0].replace(/\. To specify a positional.*$/, "");
    throw new ObentoError("BAD_ARGUMENT", `obento ${command}: ${message}; see \`obento ${command} --help\``);
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
