/**
 * Test helper: `obento run` over service code that misbehaves (tests/fixtures/services/unruly, API `choose`:
 * it busy-loops on "spin", allocates without bound on "hoard" and echoes anything else). Packs the bundle,
 * writes a JSON lines file of `rounds` × (`"ok-i-a"`, `"spin"`, `"ok-i-b"`, `"hoard"`) and a last `"ok-end"`,
 * one record per chunk (`--batch-size 1`), and runs it twice with `--timeout` and `--worker-memory-limit
 * 64 MiB`: tolerant (`--max-errors 2·rounds --errors bad.csv --output out.jsonl`, the input on stdin, so a
 * replaced worker reads the CLI's copy of stdin again, made in `<home>/tmp`) and strict (`--max-errors 0`,
 * the input file, to stdout). tests/run_supervision_e2e_test.ts asserts one round;
 * `deno task reliability:run` reports many.
 *
 * @module
 */
import { join } from "node:path";
import { type CliRun, packBundle, runObento, type RunObentoOptions } from "./cli.ts";

/** Options for {@link runUnruly}. */
export interface UnrulyRunOptions {
  /** OBENTO_HOME, and where the input and outputs are written. */
  home: string;
  /** Rounds of ok, spin, ok, hoard in the input. */
  rounds: number;
  /** `--timeout`, ms. */
  timeoutMs: number;
}

/** A CLI run and its wall time. */
export interface TimedRun extends CliRun {
  /** Wall time, ms. */
  ms: number;
}

/** What the two runs did. */
export interface UnrulyRun {
  /** The input's records, as JSON text. */
  records: string[];
  /** The good records in input order: what the tolerant run's output must hold. */
  good: string[];
  /** The tolerant run. */
  tolerant: TimedRun;
  /** Its output's lines (out.jsonl). */
  written: string[];
  /** Its errors file's lines (bad.csv), the header first. */
  bad: string[];
  /** Copies of stdin the tolerant run left in its TMPDIR (none: the copy is removed). */
  tmpLeft: string[];
  /** The strict run. */
  strict: TimedRun;
}

async function timed(options: RunObentoOptions, args: string[]): Promise<TimedRun> {
  const started = performance.now();
  const run = await runObento(options, args);
  return { ...run, ms: performance.now() - started };
}

/** Packs the bundle and runs the input tolerantly, then strictly (see the module doc). */
export async function runUnruly(options: UnrulyRunOptions): Promise<UnrulyRun> {
  const { home, rounds } = options;
  const bundle = await packBundle(
    home,
    "tests/fixtures/services/unruly/service.ts",
    [],
    join(home, "unruly"),
  );
  const records: string[] = [];
  for (let i = 0; i < rounds; i++) records.push(`"ok-${i}-a"`, '"spin"', `"ok-${i}-b"`, '"hoard"');
  records.push('"ok-end"');
  const input = records.join("\n") + "\n";
  await Deno.writeTextFile(join(home, "in.jsonl"), input);
  const tmp = join(home, "tmp");
  await Deno.mkdir(tmp, { recursive: true });
  const limits = [
    "--batch-size",
    "1",
    "--timeout",
    String(options.timeoutMs),
    "--worker-memory-limit",
    String(64 * 2 ** 20),
  ];
  const stdin = { home, stdin: new TextEncoder().encode(input), env: { TMPDIR: tmp } };
  const tolerant = await timed(stdin, [
    "run",
    bundle,
    "choose",
    "--input-file",
    "-",
    "--input-format",
    "jsonl",
    "--output",
    "out.jsonl",
    "--errors",
    "bad.csv",
    "--max-errors",
    String(2 * rounds),
    ...limits,
  ]);
  const lines = async (file: string) =>
    (await Deno.readTextFile(join(home, file)).catch(() => "")).split("\n").filter((l) => l !== "");
  const written = await lines("out.jsonl");
  const bad = await lines("bad.csv");
  const tmpLeft = (await Array.fromAsync(Deno.readDir(tmp))).map((entry) => entry.name).filter((name) =>
    name.startsWith("obento-stdin-")
  );
  const strict = await timed({ home }, [
    "run",
    bundle,
    "choose",
    "--input-file",
    "in.jsonl",
    "--max-errors",
    "0",
    ...limits,
  ]);
  const good = records.filter((r) => r.startsWith('"ok'));
  return { records, good, tolerant, written, bad, tmpLeft, strict };
}
