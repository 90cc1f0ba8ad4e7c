import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import type { CliContext, Command } from "./command.ts";
import { COMMANDS } from "./commands.ts";
import { runCli } from "./main.ts";

function context(debug = false): CliContext & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    home: "/nonexistent-obento-home",
    cwd: "/",
    isTerminal: false,
    debug,
    stdout,
    stderr,
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
  };
}

function fake(name: string, run: Command["run"]): Command {
  return { name, summary: `the ${name} command`, help: `Usage: obento ${name}\n`, run };
}

const FAKES: Command[] = [
  fake("serve", () => Promise.resolve(0)),
  fake("bug", () => Promise.reject(new TypeError("x.y is not a function"))),
  fake("missing", () => Promise.reject(new ObentoError("NOT_FOUND", "no bundle named Nope"))),
  fake("open", async () => {
    await Deno.open("/nonexistent-obento-dir/out.csv", { write: true, create: true });
    return 0;
  }),
];

Deno.test("an unknown command is one line that suggests the command meant", async () => {
  const ctx = context();
  assert.equal(await runCli(["sevre", "Iris"], ctx, FAKES), 64);
  assert.deepEqual(ctx.stderr, [
    'error: unknown command "sevre"; did you mean serve? (see `obento --help`; commands are: serve, bug, ' +
    "missing, open)\n",
  ]);
  const none = context();
  assert.equal(await runCli(["frobnicate"], none, FAKES), 64);
  assert.match(none.stderr.join(""), /^error: unknown command "frobnicate" \(see `obento --help`;/);
  const flag = context();
  assert.equal(await runCli(["--verbose"], flag, FAKES), 64);
  assert.equal(
    flag.stderr.join(""),
    "error: unknown option --verbose; give a command first (see `obento --help`)\n",
  );
});

Deno.test("failures are one error line with the mapped exit code; stacks only with debug", async () => {
  const missing = context();
  assert.equal(await runCli(["missing"], missing, FAKES), 66);
  assert.deepEqual(missing.stderr, ["error: no bundle named Nope\n"]);

  const os = context();
  assert.equal(await runCli(["open"], os, FAKES), 66);
  assert.deepEqual(os.stderr, [
    "error: cannot open /nonexistent-obento-dir/out.csv: no such file or directory\n",
  ]);

  const bug = context();
  assert.equal(await runCli(["bug"], bug, FAKES), 70);
  assert.equal(bug.stderr.join("").split("\n").length, 2, "one line");
  assert.match(bug.stderr.join(""), /^error: internal error: x\.y is not a function .*OBENTO_DEBUG=1/);

  const debug = context(true);
  assert.equal(await runCli(["bug"], debug, FAKES), 70);
  assert.match(debug.stderr.join(""), /\nTypeError: x\.y is not a function\n {4}at /);
});

Deno.test("obento --help lists the commands, exit codes and examples; no arguments is a usage error", async () => {
  const ctx = context();
  assert.equal(await runCli(["--help"], ctx, COMMANDS), 0);
  const text = ctx.stdout.join("");
  for (const c of COMMANDS) assert.match(text, new RegExp(`^  ${c.name} +\\S`, "m"), c.name);
  assert.match(text, /OBENTO_DEBUG/);
  assert.match(text, /\nExamples:\n( {2}obento .*\n)+$/);
  const bare = context();
  assert.equal(await runCli([], bare, COMMANDS), 64);
  assert.equal(bare.stdout.join(""), text);
});

Deno.test("the command table's names and summaries are the commands' own", async () => {
  for (const entry of COMMANDS) {
    const c = await entry.load();
    assert.equal(c.name, entry.name);
    assert.equal(c.summary, entry.summary, `${entry.name}: the summary in src/cli/commands.ts differs`);
  }
});

Deno.test("every command's help has Usage:, and ends with Examples: of that command", async () => {
  for (const entry of COMMANDS) {
    const c = await entry.load();
    assert.match(c.summary, /^[a-z].*[^.]$/, `${c.name}: summary starts in lower case, no full stop`);
    assert.match(c.help, /^Usage:/, `${c.name}: starts with Usage:`);
    assert.match(c.help, /\n {2}-h, --help +show this help\n/, `${c.name}: lists -h, --help`);
    const at = c.help.indexOf("\nExamples:\n");
    assert.ok(at > 0, `${c.name}: has an Examples: section`);
    const examples = c.help.slice(at + "\nExamples:\n".length).trimEnd().split("\n");
    assert.ok(examples.length >= 2, `${c.name}: at least two examples`);
    for (const line of examples) {
      assert.ok(line.startsWith(`  obento ${c.name} `), `${c.name}: example "${line}"`);
    }
    const ctx = context();
    assert.equal(await runCli([c.name, "--help"], ctx, COMMANDS), 0);
    assert.equal(ctx.stdout.join(""), c.help.endsWith("\n") ? c.help : c.help + "\n");
  }
});
