/**
 * The one property every fuzz target checks, and how a target is run. Input code either returns or throws an
 * {@link ObentoError} whose status is 4xx and whose message is one non-empty line; anything else (a
 * `TypeError`, a `RangeError` from deep recursion, a 500-class code) is a bug. Each call is also timed: one
 * that takes longer than {@link FuzzRun.callBudgetMs} counts as a hang.
 *
 * Targets take the number of runs from their caller: `fuzz_test.ts` passes {@link CI_RUNS}, `scripts/fuzz.ts`
 * passes its `--runs` flag. Nothing here reads the environment.
 *
 * @module
 */
import fc from "fast-check";
import { ObentoError } from "../../src/errors.ts";

/** Runs per target in `deno task test`: enough to catch the shallow bugs in a few seconds. */
export const CI_RUNS = 300;

/** Runs per target in `deno task fuzz` unless `--runs` says otherwise. */
export const LONG_RUNS = 100_000;

/** How one target is run. */
export interface FuzzRun {
  /** Generated inputs per property. */
  runs: number;
  /** fast-check seed, to replay a failure; random when absent. */
  seed?: number;
  /** fast-check counterexample path, with `seed`, to replay one failure at once. */
  path?: string;
  /** Shrink a failing input to a small one (default true); off, the seed and path still replay it. */
  shrink?: boolean;
  /** Longest one call may take before it counts as a hang (default 2000 ms). */
  callBudgetMs?: number;
}

/** What a property run did. */
export interface PropertyReport {
  /** The property's name. */
  name: string;
  /** Inputs generated and checked. */
  runs: number;
  /** Calls that returned a value. */
  accepted: number;
  /** Calls that threw a 4xx ObentoError. */
  rejected: number;
}

/** A fuzz target: a named group of properties. */
export interface FuzzTarget {
  /** Short name, e.g. `csv`. */
  name: string;
  /** Runs every property of the target; throws on the first failure with fast-check's report. */
  run(options: FuzzRun): Promise<PropertyReport[]>;
}

/**
 * Checks a thrown value: an ObentoError with a 4xx status (or the `codes` allowed for this target) and a
 * non-empty, one-line message. Throws an Error describing the violation otherwise.
 */
export function checkRejection(error: unknown, allowed: (e: ObentoError) => boolean = is4xx): void {
  if (!(error instanceof ObentoError)) {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`threw a non-ObentoError (a 500): ${what}`, { cause: error });
  }
  if (!allowed(error)) throw new Error(`threw ${error.code} with status ${error.status}: ${error.message}`);
  if (error.message.trim() === "") throw new Error(`threw ${error.code} with an empty message`);
  if (/[\r\n]/.test(error.message)) {
    throw new Error(`threw ${error.code} with a multi-line message: ${JSON.stringify(error.message)}`);
  }
}

/** True for an error whose status is 4xx. */
export function is4xx(error: ObentoError): boolean {
  return error.status >= 400 && error.status < 500;
}

/** Counts of one property's calls, filled by {@link Outcome.of}. */
export class Outcome {
  /** Calls that returned. */
  accepted = 0;
  /** Calls that threw an allowed error. */
  rejected = 0;
  readonly #budgetMs: number;
  readonly #allowed: (e: ObentoError) => boolean;

  /** Makes a counter; `allowed` says which ObentoErrors are a proper rejection (default: 4xx). */
  constructor(budgetMs: number, allowed: (e: ObentoError) => boolean = is4xx) {
    this.#budgetMs = budgetMs;
    this.#allowed = allowed;
  }

  /**
   * Calls `fn`; returns its value, or undefined when it threw a proper rejection. Throws (failing the
   * property) for any other error, or when the call took longer than the budget.
   */
  async of<T>(fn: () => T | Promise<T>): Promise<T | undefined> {
    const start = performance.now();
    let value: T | undefined;
    let threw = false;
    try {
      value = await fn();
    } catch (error) {
      checkRejection(error, this.#allowed);
      threw = true;
    }
    const took = performance.now() - start;
    if (took > this.#budgetMs) {
      throw new Error(`one call took ${took.toFixed(0)} ms (budget ${this.#budgetMs} ms)`);
    }
    if (threw) this.rejected++;
    else this.accepted++;
    return value;
  }
}

/**
 * Runs one property `check` over inputs from `arb` and reports its counts.
 *
 * @throws {Error} with fast-check's report (seed, path, shrunk counterexample) when the property fails.
 */
export async function runProperty<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  check: (value: T, outcome: Outcome) => Promise<void>,
  options: FuzzRun,
  allowed?: (e: ObentoError) => boolean,
): Promise<PropertyReport> {
  const outcome = new Outcome(options.callBudgetMs ?? 2000, allowed);
  const details = await fc.check(fc.asyncProperty(arb, (value) => check(value, outcome)), {
    numRuns: options.runs,
    seed: options.seed,
    path: options.path,
    endOnFailure: options.shrink === false,
  });
  if (details.failed) {
    const cause = details.errorInstance instanceof Error
      ? details.errorInstance.message
      : String(details.errorInstance);
    throw new Error(
      `fuzz property "${name}" failed: ${clip(cause)}\n${clip(fc.defaultReportMessage(details) ?? "")}\n` +
        `replay: seed ${details.seed}, path "${details.counterexamplePath}"`,
    );
  }
  return { name, runs: details.numRuns, accepted: outcome.accepted, rejected: outcome.rejected };
}

/** `text` cut to 2,000 characters: a counterexample can be a 100 kB body. */
function clip(text: string): string {
  return text.length <= 2000 ? text : `${text.slice(0, 2000)}… (${text.length} characters)`;
}

/** Strings of any code units, including lone surrogates, control characters and newlines. */
export const anyText: fc.Arbitrary<string> = fc.string({ unit: "binary", maxLength: 200 });

/** Short strings over `chars`, for near-valid inputs. */
export function textOf(chars: string, maxLength = 40): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...chars), maxLength });
}

/** Arbitrary bytes. */
export const anyBytes: fc.Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 512 });

/** Any JSON-ish value, including huge numbers, `-0`, and nested structure. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 5 });

/**
 * `text` cut at `cuts` (any numbers: each is taken modulo `text.length + 1`, sorted, repeats dropped), every
 * piece kept (empty ones too), so a reader fed the pieces one by one must give what it gives for `text`.
 */
export function pieces(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const c of at) {
    out.push(text.slice(from, c));
    from = c;
  }
  out.push(text.slice(from));
  return out;
}
