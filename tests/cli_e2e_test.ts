/**
 * End-to-end: the real CLI as a subprocess (no `deno` on PATH), real bundles from `bundles/`, real models,
 * outputs compared with the reference outputs the original frameworks computed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type CliRun, ROOT, runObento } from "./helpers/cli.ts";

/** Runs the CLI from the project root, so the examples' relative paths work. */
function obento(args: string[], options: { home: string }): Promise<CliRun> {
  return runObento({ home: options.home, cwd: ROOT }, args);
}

const IRIS = join(ROOT, "bundles/iris_classifier");
const CLASS_NAMES = ["setosa", "versicolor", "virginica"];

interface IrisReference {
  columns: string[];
  inputs: number[][];
  label: number[];
  probabilities: number[][];
}

const irisRef: IrisReference = JSON.parse(await Deno.readTextFile(join(IRIS, "reference.json")));

function close(actual: number[], expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) <= tolerance, `${what}[${i}]: ${a} vs ${expected[i]}`)
  );
}

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(path)) names.push(e.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

Deno.test("pack into the registry, then run by Name:latest on inline JSON, CSV and JSON lines", async () => {
  const home = await Deno.makeTempDir();
  try {
    const packed = await obento([
      "pack",
      "bundles/iris_classifier/service.ts",
      "--artifact",
      "model=bundles/iris_classifier/iris_lr.onnx",
      "--label",
      "stage=test",
      "--metadata",
      "accuracy=0.973",
      "--json",
    ], { home });
    assert.equal(packed.code, 0, packed.stderr);
    const info = JSON.parse(packed.stdout);
    assert.equal(info.name, "IrisClassifier");
    assert.match(info.version, /^\d{14}_[0-9A-F]{6}$/);

    // All 150 reference rows as one records-oriented frame.
    const records = irisRef.inputs.map((row) =>
      Object.fromEntries(irisRef.columns.map((c, i) => [c, row[i]]))
    );
    const all = await obento(
      ["run", "IrisClassifier:latest", "predict", "--input", JSON.stringify(records)],
      { home },
    );
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout), irisRef.label.map((l) => CLASS_NAMES[l]));

    const proba = await obento(
      [
        "run",
        `IrisClassifier:${info.version}`,
        "predict_proba",
        "--input",
        JSON.stringify(records.slice(0, 3)),
      ],
      { home },
    );
    assert.equal(proba.code, 0, proba.stderr);
    const rows: Record<string, number>[] = JSON.parse(proba.stdout);
    rows.forEach((r, i) => close(CLASS_NAMES.map((c) => r[c]), irisRef.probabilities[i], 1e-5, `row ${i}`));

    const csv = await obento(
      [
        "run",
        "IrisClassifier",
        "predict",
        "--input-file",
        "bundles/iris_classifier/iris_sample.csv",
        "--format",
        "csv",
      ],
      { home },
    );
    assert.equal(csv.code, 0, csv.stderr);
    const csvLines = csv.stdout.trim().split(/\r?\n/);
    assert.equal(csvLines[0], "result");
    assert.equal(csvLines.length, 11);

    const jsonl = await obento(
      [
        "run",
        "IrisClassifier:latest",
        "predict",
        "--input-file",
        "bundles/iris_classifier/iris_sample.jsonl",
      ],
      { home },
    );
    assert.equal(jsonl.code, 0, jsonl.stderr);
    const perLine: string[][] = JSON.parse(jsonl.stdout);
    assert.equal(perLine.length, 10);
    assert.deepEqual(perLine.map((r) => r.length), Array(10).fill(1));
    assert.deepEqual(perLine.flat(), csvLines.slice(1));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("zero-code pack of a bare ONNX model answers outputs keyed by name", async () => {
  const home = await Deno.makeTempDir();
  try {
    const packed = await obento(
      [
        "pack",
        "bundles/iris_classifier/iris_lr.onnx",
        "--name",
        "IrisZero",
        "--version",
        "1.0.0",
        "--metadata",
        "k=v",
      ],
      { home },
    );
    assert.equal(packed.code, 0, packed.stderr);
    const one = await obento(["run", "IrisZero:1.0.0", "predict", "--input", "[5.1, 3.5, 1.4, 0.2]"], {
      home,
    });
    assert.equal(one.code, 0, one.stderr);
    const out = JSON.parse(one.stdout);
    assert.deepEqual(out.label, [irisRef.label[0]]);
    close(out.probabilities[0], irisRef.probabilities[0], 1e-5, "probabilities");

    const named = await obento(
      ["run", "IrisZero", "predict", "--input", JSON.stringify({ input: irisRef.inputs.slice(0, 4) })],
      { home },
    );
    assert.equal(named.code, 0, named.stderr);
    assert.deepEqual(JSON.parse(named.stdout).label, irisRef.label.slice(0, 4));

    const badShape = await obento(["run", "IrisZero", "predict", "--input", "[[1, 2, 3]]"], { home });
    assert.notEqual(badShape.code, 0);
    assert.match(badShape.stderr, /input "input" has shape \[1,3\], the model expects \[N,4\]/);

    const badName = await obento(["run", "IrisZero", "predict", "--input", '{"x": [[1,2,3,4]]}'], { home });
    assert.notEqual(badName.code, 0);
    assert.match(badName.stderr, /unknown input "x"/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("--output writes only a directory; a bundle path runs the random forest like sklearn", async () => {
  const home = await Deno.makeTempDir();
  try {
    const out = join(home, "forest-bundle");
    const packed = await obento([
      "pack",
      "bundles/iris_forest/service.ts",
      "--artifact",
      "model=bundles/iris_forest/iris_rf.onnx",
      "--output",
      out,
    ], { home });
    assert.equal(packed.code, 0, packed.stderr);
    assert.deepEqual(await listDir(out), [
      "Dockerfile",
      "MANIFEST",
      "README.md",
      "artifacts",
      "bento.yaml",
      "service.js",
    ]);
    assert.deepEqual(await listDir(join(home, "bundles")), [], "nothing saved into the registry");

    const ref: IrisReference = JSON.parse(
      await Deno.readTextFile(join(ROOT, "bundles/iris_forest/reference.json")),
    );
    const columns = Object.fromEntries(ref.columns.map((c, i) => [c, ref.inputs.map((row) => row[i])]));
    const run = await obento(["run", out, "predict", "--input", JSON.stringify(columns)], { home });
    assert.equal(run.code, 0, run.stderr);
    const rows: { label: number; probabilities: number[] }[] = JSON.parse(run.stdout);
    assert.deepEqual(rows.map((r) => r.label), ref.label);
    rows.forEach((r, i) => close(r.probabilities, ref.probabilities[i], 1e-5, `row ${i}`));

    // Packing to an existing directory refuses and leaves it alone.
    const again = await obento(
      [
        "pack",
        "bundles/iris_forest/service.ts",
        "--artifact",
        "model=bundles/iris_forest/iris_rf.onnx",
        "--output",
        out,
      ],
      { home },
    );
    assert.equal(again.code, 73);
    assert.match(again.stderr, /already exists/);
    assert.equal((await listDir(home)).filter((n) => n.startsWith(".tmp")).length, 0);

    // A bundle edited after packing is refused.
    await Deno.writeTextFile(join(out, "service.js"), "// tampered\n", { append: true });
    const tampered = await obento(["run", out, "predict", "--input", JSON.stringify(columns)], { home });
    assert.equal(tampered.code, 65);
    assert.match(tampered.stderr, /service\.js was changed after packing/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("the image classifier reads real PNG and JPEG files", async () => {
  const home = await Deno.makeTempDir();
  try {
    const dir = join(ROOT, "bundles/digits_cnn");
    const packed = await obento(
      ["pack", "bundles/digits_cnn/service.ts", "--artifact", "model=bundles/digits_cnn/digits_cnn.onnx"],
      { home },
    );
    assert.equal(packed.code, 0, packed.stderr);
    const ref: { images: { file: string; label: number; logits: number[] }[] } = JSON.parse(
      await Deno.readTextFile(join(dir, "reference.json")),
    );
    for (const image of ref.images) {
      const run = await obento(["run", "DigitsCNN", "classify", "--input-file", join(dir, image.file)], {
        home,
      });
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout);
      assert.equal(result.digit, image.label, image.file);
      // PNG decodes exactly as PIL did; jpeg-js may differ from PIL by one grey level.
      close(result.logits, image.logits, image.file.endsWith(".png") ? 1e-3 : 0.05, image.file);
    }
    const bad = await obento(
      ["run", "DigitsCNN", "classify", "--input-file", "tests/fixtures/not_an_image.png"],
      { home },
    );
    assert.equal(bad.code, 65);
    assert.match(bad.stderr, /not a PNG or JPEG image/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("the text example uses a JSON vocabulary artifact and discards empty texts alone", async () => {
  const home = await Deno.makeTempDir();
  try {
    const packed = await obento([
      "pack",
      "bundles/text_topic/service.ts",
      "--artifact",
      "model=bundles/text_topic/text_topic.onnx",
      "--artifact",
      "vocab=bundles/text_topic/vocab.json",
    ], { home });
    assert.equal(packed.code, 0, packed.stderr);
    const ref: { texts: string[]; probabilities: number[][]; labels: string[] } = JSON.parse(
      await Deno.readTextFile(join(ROOT, "bundles/text_topic/reference.json")),
    );
    const input = join(home, "texts.jsonl");
    await Deno.writeTextFile(
      input,
      [...ref.texts, "  ...  "].map((t) => JSON.stringify(t)).join("\n") + "\n",
    );
    const run = await obento(["run", "TextTopic", "classify", "--input-file", input, "--format", "jsonl"], {
      home,
    });
    assert.equal(run.code, 65, "one item failed");
    assert.match(
      run.stderr,
      new RegExp(`item ${ref.texts.length + 1}: text has no words to classify \\(status 400\\)`),
    );
    const lines = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, ref.texts.length + 1);
    ref.texts.forEach((_, i) => {
      assert.equal(lines[i].topic, ref.labels[i]);
      const vocab = ["sports", "cooking", "computers"];
      close(vocab.map((k) => lines[i].probabilities[k]), ref.probabilities[i], 1e-5, `text ${i}`);
    });
    assert.deepEqual(lines.at(-1), { error: "text has no words to classify", status: 400 });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("the JSON example answers one flower per item like scikit-learn; bad flowers fail alone", async () => {
  const home = await Deno.makeTempDir();
  try {
    const packed = await obento([
      "pack",
      "bundles/iris_json/service.ts",
      "--artifact",
      "model=bundles/iris_classifier/iris_lr.onnx",
    ], { home });
    assert.equal(packed.code, 0, packed.stderr);
    assert.match(packed.stderr, /^type-checked bundles\/iris_json\/service\.ts \(TypeScript /);
    const records = irisRef.inputs.map((row) =>
      Object.fromEntries(irisRef.columns.map((c, i) => [c, row[i]]))
    );
    const input = join(home, "flowers.jsonl");
    const negative = { ...records[0], petal_width: -1 };
    const missing = { sepal_length: 5 };
    await Deno.writeTextFile(
      input,
      [...records, negative, missing].map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
    const run = await obento(["run", "IrisJson", "classify", "--input-file", input, "--format", "jsonl"], {
      home,
    });
    assert.equal(run.code, 65, "two items failed");
    const n = records.length;
    assert.match(run.stderr, new RegExp(`item ${n + 1}: "petal_width" cannot be negative \\(status 422\\)`));
    assert.match(run.stderr, new RegExp(`item ${n + 2}: "sepal_width" must be a number \\(cm\\), got null`));
    const lines = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, n + 2);
    irisRef.label.forEach((label, i) => {
      assert.equal(lines[i].species, CLASS_NAMES[label], `row ${i}`);
      close(CLASS_NAMES.map((s) => lines[i].probabilities[s]), irisRef.probabilities[i], 1e-5, `row ${i}`);
    });
    assert.deepEqual(lines.slice(n).map((l) => l.status), [422, 400]);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

// Every bad-input case runs in process in tests/cli_bad_input_test.ts; these few run as real processes, to
// prove that main.ts gives runCli's exit code and one stderr line to the shell.
Deno.test("bad input gets one clear line and a non-zero exit, and leaves nothing behind", async () => {
  const home = await Deno.makeTempDir();
  try {
    const cases: { args: string[]; code: number; message: RegExp }[] = [
      { args: ["sevre"], code: 64, message: /^error: unknown command "sevre"; did you mean serve\? / },
      {
        args: ["pack", "bundles/iris_classifier/service.ts", "--no-check", "--artifact", "model=nope.onnx"],
        code: 66,
        message: /^error: .*artifact "model": file .*nope\.onnx not found/,
      },
    ];
    for (const c of cases) {
      const r = await obento(c.args, { home });
      assert.equal(r.code, c.code, `${c.args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, c.message, c.args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
      assert.equal(r.stdout, "");
    }
    assert.deepEqual((await listDir(join(home, "bundles"))).filter((n) => n.startsWith(".")), []);

    const packed = await obento(
      [
        "pack",
        "bundles/iris_classifier/service.ts",
        "--no-check",
        "--artifact",
        "model=bundles/iris_classifier/iris_lr.onnx",
      ],
      { home },
    );
    assert.equal(packed.code, 0, packed.stderr);
    const csvPath = join(home, "bad.csv");
    await Deno.writeTextFile(
      csvPath,
      "sepal_length,sepal_width,petal_length,petal_width\n1,2,3,4\n1,x,3,4\n",
    );
    const badCsv = await obento(["run", "IrisClassifier", "predict", "--input-file", csvPath], { home });
    assert.equal(badCsv.code, 65);
    assert.match(badCsv.stderr, /row 2.*sepal_width.*"x"/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

// src/cli/main_test.ts checks every command's --help in process; here the real process prints it.
Deno.test("--help works as a real process: the command list, and a command's own help", async () => {
  const home = await Deno.makeTempDir();
  try {
    const top = await obento(["--help"], { home });
    assert.equal(top.code, 0);
    const commands = top.stdout.split("\nCommands:\n")[1].split("\n\n")[0];
    const names = [...commands.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]);
    assert.ok(names.includes("pack") && names.includes("run"), top.stdout);
    const r = await obento(["run", "--help"], { home });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage:\n {2}obento run /);
    assert.equal(r.stderr, "");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
