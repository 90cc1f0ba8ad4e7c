import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import {
  type FlagSpec,
  intFlag,
  keyValueFlags,
  listFlag,
  parseFlags,
  stringFlag,
  wholeFlag,
} from "./args.ts";

const RUN_FLAGS: FlagSpec = {
  input: { type: "string" },
  "input-file": { type: "string" },
  output: { type: "string" },
  overwrite: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  label: { type: "string", multiple: true },
};

function parseError(args: string[]): ObentoError {
  try {
    parseFlags("run", args, RUN_FLAGS);
  } catch (error) {
    assert.ok(error instanceof ObentoError);
    assert.equal(error.code, "BAD_ARGUMENT");
    assert.equal(error.exitCode, 64);
    return error;
  }
  throw new Error(`${args.join(" ")} parsed`);
}

Deno.test("parseFlags returns values and positionals", () => {
  const parsed = parseFlags("run", [
    "Iris",
    "predict",
    "--output=o.csv",
    "-q",
    "--label",
    "a",
    "--label",
    "b",
  ], RUN_FLAGS);
  assert.deepEqual(parsed.positionals, ["Iris", "predict"]);
  assert.equal(stringFlag(parsed, "output"), "o.csv");
  assert.equal(parsed.values.quiet, true);
  assert.deepEqual(listFlag(parsed, "label"), ["a", "b"]);
  assert.equal(stringFlag(parsed, "input"), undefined);
  assert.equal(parseFlags("run", ["-h"], RUN_FLAGS).values.help, true);
});

Deno.test("an unknown flag is one line naming it, the flag meant, and --help", () => {
  assert.equal(
    parseError(["Iris", "predict", "--ouput", "x.csv"]).message,
    "obento run: unknown option --ouput; did you mean --output? (see `obento run --help`)",
  );
  assert.equal(
    parseError(["--ouput=x.csv"]).message,
    "obento run: unknown option --ouput; did you mean --output? (see `obento run --help`)",
  );
  assert.equal(
    parseError(["--input-fiel", "a"]).message.split(";")[1],
    " did you mean --input-file? (see `obento run --help`)",
  );
  assert.equal(
    parseError(["--hepl"]).message,
    "obento run: unknown option --hepl; did you mean --help? (see `obento run --help`)",
  );
  assert.equal(
    parseError(["--bogus"]).message,
    "obento run: unknown option --bogus (see `obento run --help`)",
  );
  assert.equal(parseError(["-x"]).message, "obento run: unknown option -x (see `obento run --help`)");
});

Deno.test("a missing value, or a value given to a switch, names the flag", () => {
  assert.equal(
    parseError(["--output"]).message,
    "obento run: --output needs a value (see `obento run --help`)",
  );
  assert.match(
    parseError(["--output", "--quiet"]).message,
    /^obento run: --output needs a value \(a value that starts with "-" is written --output=-VALUE\)/,
  );
  assert.equal(
    parseError(["--quiet=yes"]).message,
    "obento run: --quiet takes no value (see `obento run --help`)",
  );
  assert.equal(parseError(["-q=1"]).code, "BAD_ARGUMENT");
});

Deno.test("intFlag and keyValueFlags name the flag and the bad value", () => {
  const parsed = parseFlags("list", ["--limit", "0", "--label", "novalue"], {
    limit: { type: "string" },
    label: { type: "string", multiple: true },
  });
  assert.throws(
    () => intFlag("list", parsed, "limit", 1),
    /obento list: --limit must be a positive integer, got "0"/,
  );
  assert.equal(intFlag("list", parsed, "missing", 7), 7);
  assert.throws(() => keyValueFlags("list", parsed, "label"), /--label expects key=value, got "novalue"/);
  const ok = parseFlags("pack", ["--label", "a=1", "--label", "b=x=y"], {
    label: { type: "string", multiple: true },
  });
  assert.deepEqual(keyValueFlags("pack", ok, "label"), { a: "1", b: "x=y" });
});

Deno.test("wholeFlag: absent is undefined, 0 and up pass, anything else names the flag and the value", () => {
  const spec: FlagSpec = { delay: { type: "string" } };
  const parse = (args: string[]) => wholeFlag("serve", parseFlags("serve", args, spec), "delay");
  assert.equal(parse([]), undefined);
  assert.equal(parse(["--delay", "0"]), 0);
  assert.equal(parse(["--delay=250"]), 250);
  for (const bad of ["-5", "2.5", "abc", ""]) {
    assert.throws(() => parse([`--delay=${bad}`]), (error: unknown) => {
      assert.ok(error instanceof ObentoError);
      assert.equal(error.exitCode, 64);
      assert.equal(error.message, `obento serve: --delay must be a whole number (0 or more), got "${bad}"`);
      return true;
    });
  }
});
