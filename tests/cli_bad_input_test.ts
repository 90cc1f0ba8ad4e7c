/**
 * Bad input to the CLI gets one clear line and the exit code of its error class, and leaves nothing behind:
 * every case runs the real commands in this process (`runCli`, as main.ts calls it, with a temp registry
 * home), so ~20 cases cost no process start each. tests/cli_e2e_test.ts runs a few of them as real processes,
 * which proves that main.ts turns `runCli`'s result into the process's exit code and stderr.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CliContext } from "../src/cli/command.ts";
import { COMMANDS } from "../src/cli/commands.ts";
import { runCli } from "../src/cli/main.ts";
import { ROOT } from "./helpers/cli.ts";

async function listDir(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out;
}

/** A bad-input case: the arguments, the exit code and what stderr must say. */
interface BadInputCase {
  args: string[];
  code: number;
  message: RegExp;
}

/** Cases that need no bundle. */
const BAD_INPUT: readonly BadInputCase[] = [
  {
    args: ["pack", "bundles/iris_classifier/service.ts", "--no-check"],
    code: 64,
    message: /declares artifact "model" but no file was given for it in --artifact \(model=/,
  },
  {
    args: ["pack", "bundles/iris_classifier/service.ts", "--no-check", "--artifact", "model=nope.onnx"],
    code: 66,
    message: /artifact "model": file .*nope\.onnx not found/,
  },
  {
    args: [
      "pack",
      "bundles/iris_classifier/service.ts",
      "--no-check",
      "--artifact",
      "model=tests/fixtures/not_onnx.onnx",
    ],
    code: 65,
    message: /not an ONNX model/,
  },
  {
    args: [
      "pack",
      "bundles/iris_classifier/service.ts",
      "--artifact",
      "modle=bundles/iris_classifier/iris_lr.onnx",
    ],
    code: 64,
    message: /declares artifact "model" but no file was given/,
  },
  {
    args: ["pack", "tests/fixtures/bad_services/syntax_error.ts", "--no-check"],
    code: 65,
    message: /syntax_error\.ts:\d+:\d+/,
  },
  {
    args: ["pack", "tests/fixtures/bad_services/no_default_export.ts", "--no-check"],
    code: 65,
    message: /no default export/,
  },
  {
    args: ["pack", "bundles/iris_classifier/iris_lr.onnx", "--label", "bad key=x"],
    code: 64,
    message: /label/,
  },
  {
    args: ["pack", "bundles/iris_classifier/iris_lr.onnx", "--version", "../x"],
    code: 64,
    message: /invalid version/,
  },
  { args: ["run", "Nope:latest", "predict", "--input", "[]"], code: 66, message: /Nope/ },
  { args: ["frobnicate"], code: 64, message: /unknown command "frobnicate"/ },
  { args: ["run", "--bogus"], code: 64, message: /--bogus/ },
  {
    args: ["run", "IrisClassifier", "predict", "--ouput", "x.csv"],
    code: 64,
    message:
      /^error: obento run: unknown option --ouput; did you mean --output\? \(see `obento run --help`\)\n$/,
  },
  { args: ["sevre"], code: 64, message: /^error: unknown command "sevre"; did you mean serve\? / },
  {
    args: ["serve", "Nope:1", "--shutdown-drain", "1.5"],
    code: 64,
    message: /^error: obento serve: --shutdown-drain must be a whole number \(0 or more\), got "1\.5"\n$/,
  },
  { args: ["get", "Iris:1", "--yml"], code: 64, message: /unknown option --yml; did you mean --yaml\?/ },
];

function context(home: string): CliContext & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    home,
    cwd: ROOT,
    isTerminal: false,
    stdout,
    stderr,
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
  };
}

/** Cases of `obento run IrisClassifier predict ARGS` once the iris classifier is packed. */
const BAD_RUN_INPUT: readonly BadInputCase[] = [
  { args: ["--input", "[{"], code: 65, message: /--input is not valid JSON/ },
  { args: ["--input", "[]"], code: 65, message: /empty input/ },
  {
    args: ["--input", '[{"sepal_length":"abc","sepal_width":1,"petal_length":1,"petal_width":1}]'],
    code: 65,
    message: /sepal_length/,
  },
  {
    args: ["--input", '[{"sepal_length":1,"sepal_width":1,"petal_length":1}]'],
    code: 65,
    message: /petal_width/,
  },
  { args: ["--input-file", "tests/fixtures/missing.csv"], code: 66, message: /missing\.csv not found/ },
];

async function cli(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const ctx = context(home);
  const code = await runCli(args, ctx, COMMANDS);
  return { code, stdout: ctx.stdout.join(""), stderr: ctx.stderr.join("") };
}

Deno.test("bad input gets one clear line and a non-zero exit, and leaves nothing behind (in process)", async () => {
  const home = await Deno.makeTempDir();
  try {
    for (const c of BAD_INPUT) {
      const r = await cli(home, c.args);
      assert.equal(r.code, c.code, `${c.args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, c.message, c.args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
      assert.equal(r.stdout, "", c.args.join(" "));
    }
    assert.deepEqual((await listDir(join(home, "bundles"))).filter((n) => n.startsWith(".")), []);

    const packed = await cli(home, [
      "pack",
      "bundles/iris_classifier/service.ts",
      "--no-check",
      "--artifact",
      "model=bundles/iris_classifier/iris_lr.onnx",
    ]);
    assert.equal(packed.code, 0, packed.stderr);
    for (const c of BAD_RUN_INPUT) {
      const r = await cli(home, ["run", "IrisClassifier", "predict", ...c.args]);
      assert.equal(r.code, c.code, `${c.args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, c.message, c.args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    }
    const unknownApi = await cli(home, ["run", "IrisClassifier", "nope", "--input", "[]"]);
    assert.equal(unknownApi.code, 66);
    assert.match(unknownApi.stderr, /has no API "nope"; its APIs are: predict, predict_proba/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
