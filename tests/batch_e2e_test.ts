/**
 * End-to-end batch runs: the real CLI as a subprocess on real bundles. Every case checks that the output rows
 * plus the failed records equal the input, in input order.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { parseCsv } from "../src/adapters/csv.ts";
import { load } from "../mod.ts";
import { runBatch } from "../src/batch/run_batch.ts";
import { type CliRun, packBundle, packIris, ROOT, runObento } from "./helpers/cli.ts";

const CLASS_NAMES = ["setosa", "versicolor", "virginica"];
const ref: { columns: string[]; inputs: number[][]; label: number[] } = JSON.parse(
  await Deno.readTextFile(join(ROOT, "bundles/iris_classifier/reference.json")),
);
const LABELS = ref.label.map((l) => CLASS_NAMES[l]);

function obento(
  home: string,
  args: string[],
  stdin?: Uint8Array,
  env?: Record<string, string>,
): Promise<CliRun> {
  return runObento({ home, cwd: home, stdin, env }, args);
}

/** Packs the iris classifier into `<home>/iris` and writes `<home>/iris.csv`: id + the 150 reference rows. */
async function setup(home: string): Promise<string> {
  const iris = await packIris(home);
  const lines = ref.inputs.map((row, i) => `${i + 1},${row.join(",")}`);
  await Deno.writeTextFile(join(home, "iris.csv"), `id,${ref.columns.join(",")}\n${lines.join("\n")}\n`);
  return iris;
}

function csvRows(text: string): string[][] {
  return parseCsv(text);
}

Deno.test("CSV → CSV with --keep-columns, --errors: bad rows fail alone, the rest in order", async () => {
  const home = await Deno.makeTempDir();
  try {
    const iris = await setup(home);
    const lines = (await Deno.readTextFile(join(home, "iris.csv"))).trimEnd().split("\n");
    lines[3] = "3,5.1,abc,1.4,0.2"; // wrong type
    lines[7] = "7,4.6,3.4,1.4"; // ragged
    lines[150] = "150,5.9,3.0,5.1,1.8,9"; // ragged (too many)
    await Deno.writeTextFile(join(home, "bad.csv"), lines.join("\n") + "\n");
    const r = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "bad.csv",
      "--output",
      "out.csv",
      "--keep-columns",
      "id",
      "--errors",
      "errors.csv",
      "--batch-size",
      "16",
    ]);
    // Failed rows make the exit status 65, with a last line that counts them and says where they are.
    assert.equal(r.code, 65, r.stderr);
    assert.match(r.stderr, /done: 150 rows, 3 failed/);
    assert.match(
      r.stderr,
      /\nerror: 3 of 150 rows failed; see errors\.csv; --max-errors N allows up to N\n$/,
    );
    const out = csvRows(await Deno.readTextFile(join(home, "out.csv")));
    const failed = new Set([3, 7, 150]);
    const expected = LABELS.map((l, i) => [String(i + 1), l]).filter(([id]) => !failed.has(Number(id)));
    assert.deepEqual(out, [["id", "result"], ...expected]);
    assert.deepEqual(csvRows(await Deno.readTextFile(join(home, "errors.csv"))), [
      ["row", "status", "message"],
      ["3", "400", 'column "sepal_width": "abc" is not a number'],
      ["7", "400", "has 4 fields, the header has 5; quote fields that contain commas"],
      ["150", "400", "has 6 fields, the header has 5; quote fields that contain commas"],
    ]);
    assert.equal(out.length - 1 + 3, 150, "output rows + errors = input rows");
    const left = [...Deno.readDirSync(home)].map((e) => e.name).filter((n) => /partial|resume/.test(n));
    assert.deepEqual(left, [], "no partial or checkpoint files left");

    // --max-errors 3 allows them: the same output, exit 0.
    const allowed = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "bad.csv",
      "--output",
      "allowed.csv",
      "--keep-columns",
      "id",
      "--errors",
      "allowed-errors.csv",
      "--max-errors",
      "3",
    ]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.doesNotMatch(allowed.stderr, /error:/);
    assert.deepEqual(csvRows(await Deno.readTextFile(join(home, "allowed.csv"))), out);

    // Without --errors the failures go to stderr and the exit status says so.
    const again = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "bad.csv",
      "--format",
      "csv",
      "--keep-columns",
      "id",
    ]);
    assert.equal(again.code, 65);
    assert.match(again.stderr, /error: row 3: column "sepal_width": "abc" is not a number \(status 400\)/);
    assert.match(
      again.stderr,
      /\nerror: 3 of 150 rows failed \(listed above; --errors FILE keeps them all\)/,
    );
    assert.equal(csvRows(again.stdout).length, 1 + 147);

    // --max-errors 1: the second failure stops the run; nothing is renamed into place.
    const stopped = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "bad.csv",
      "--output",
      "stopped.csv",
      "--max-errors",
      "1",
      "--keep-columns",
      "id",
      "--batch-size",
      "4",
    ]);
    assert.equal(stopped.code, 65);
    assert.match(
      stopped.stderr,
      /stopped after 2 failed records \(more than --max-errors 1\); fix the input/,
    );
    assert.deepEqual(
      [...Deno.readDirSync(home)].map((e) => e.name).filter((n) => n.startsWith("stopped")),
      [],
      "no stopped.csv, no .partial, no checkpoint",
    );

    // An existing output is refused, then replaced with --overwrite.
    const refused = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "iris.csv",
      "--output",
      "out.csv",
    ]);
    assert.equal(refused.code, 73);
    assert.match(refused.stderr, /out\.csv exists; pass --overwrite/);
    const replaced = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "iris.csv",
      "--output",
      "out.csv",
      "--keep-columns",
      "id",
      "--overwrite",
      "--quiet",
    ]);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(replaced.stderr, "");
    assert.deepEqual(
      csvRows(await Deno.readTextFile(join(home, "out.csv"))),
      [["id", "result"], ...LABELS.map((l, i) => [String(i + 1), l])],
    );

    // A header the API does not accept stops the whole run with one line.
    const header = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "iris.csv",
      "--format",
      "csv",
    ]);
    assert.equal(header.code, 65);
    assert.match(
      header.stderr,
      /^error: .*iris\.csv: CSV header: unexpected column "id".*--keep-columns\)\n$/,
    );
    assert.equal(header.stdout, "", "not even the CSV header");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a run that fails leaves nothing behind: no stdout, no output, no .partial or checkpoint", async () => {
  const home = await Deno.makeTempDir();
  try {
    const iris = await setup(home);
    const files = () => [...Deno.readDirSync(home)].map((e) => e.name).filter((n) => n.startsWith("out"));

    // A missing output directory fails before anything loads (the bundle here does not even exist).
    for (const flag of ["--output", "--errors"]) {
      const r = await obento(home, [
        "run",
        "Nope:latest",
        "predict",
        "--input-file",
        "iris.csv",
        flag,
        "no/dir/x.csv",
      ]);
      assert.equal(r.code, 66, r.stderr);
      assert.equal(
        r.stderr,
        `error: ${flag} ${join(home, "no/dir/x.csv")}: the directory ${
          join(home, "no/dir")
        } does not exist; ` +
          `create it first (mkdir -p ${join(home, "no/dir")})\n`,
      );
    }

    // A header the API refuses: one line, nothing on stdout, no files.
    for (const format of ["json", "csv", "jsonl"]) {
      const toStdout = await obento(home, [
        "run",
        iris,
        "predict",
        "--input-file",
        "iris.csv",
        "--format",
        format,
      ]);
      assert.equal(toStdout.code, 65);
      assert.equal(toStdout.stdout, "", format);
      assert.equal(toStdout.stderr.split("\n").length, 2, toStdout.stderr);
    }
    const toFile = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "iris.csv",
      "--output",
      "out.csv",
    ]);
    assert.equal(toFile.code, 65);
    assert.deepEqual(files(), [], "no out.csv, out.csv.partial or checkpoint");

    // Every row bad: nothing on stdout, no output file; the errors file says why. Exit 65 with one summary.
    await Deno.writeTextFile(
      join(home, "allbad.csv"),
      "sepal_length,sepal_width,petal_length,petal_width\n1,x,3,4\n1,2,y,4\n",
    );
    const allBad = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "allbad.csv",
      "--format",
      "csv",
    ]);
    assert.equal(allBad.code, 65);
    assert.equal(allBad.stdout, "");
    assert.match(allBad.stderr, /\nerror: all 2 rows failed, so nothing was written/);
    const allBadFile = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "allbad.csv",
      "--output",
      "out.jsonl",
      "--errors",
      "out-errors.csv",
    ]);
    assert.equal(allBadFile.code, 65);
    assert.match(
      allBadFile.stderr,
      /error: all 2 rows failed, so out\.jsonl was not written; see out-errors\.csv/,
    );
    assert.deepEqual(files(), ["out-errors.csv"]);
    assert.equal(csvRows(await Deno.readTextFile(join(home, "out-errors.csv"))).length, 3);

    // With --resume the checkpoint and the partial output stay, to continue from.
    const resumable = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "iris.csv",
      "--output",
      "out.csv",
      "--resume",
    ]);
    assert.equal(resumable.code, 65);
    assert.deepEqual(files().sort(), ["out-errors.csv", "out.csv.obento-resume.json", "out.csv.partial"]);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("JSON lines, a JSON array and CSV on stdin give the reference labels; stdin's copy is removed", async () => {
  const home = await Deno.makeTempDir();
  try {
    const iris = await setup(home);
    const records = ref.inputs.map((row, i) => ({
      id: i + 1,
      ...Object.fromEntries(ref.columns.map((c, j) => [c, row[j]])),
    }));
    // JSON lines: one request per line (a one-row frame), a truncated last line fails alone.
    const jsonl = records.map((r) => JSON.stringify(r)).join("\n") + '\n{"id": 151, "sepal_len';
    await Deno.writeTextFile(join(home, "rows.jsonl"), jsonl);
    const a = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "rows.jsonl",
      "--format",
      "jsonl",
      "--keep-columns",
      "id",
      "--batch-size",
      "32",
    ]);
    assert.equal(a.code, 65);
    const lines = a.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 151);
    assert.deepEqual(lines.slice(0, 150), LABELS.map((l, i) => ({ id: i + 1, result: [l] })));
    assert.equal(lines[150].status, 400);
    assert.match(lines[150].error, /^line 151 is not valid JSON/);
    assert.match(a.stderr, /error: item 151: line 151 is not valid JSON/);

    // A JSON array of records: each element is a row.
    await Deno.writeTextFile(join(home, "rows.json"), JSON.stringify(records.map(({ id: _, ...r }) => r)));
    const b = await obento(home, ["run", iris, "predict", "--input-file", "rows.json", "--batch-size", "64"]);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(JSON.parse(b.stdout), LABELS);

    // CSV on stdin: the worker reads a copy of it in TMPDIR (src/cli/stdin_spool.ts), removed at the end.
    const csv = new TextEncoder().encode(
      `${ref.columns.join(",")}\n${ref.inputs.map((r) => r.join(",")).join("\n")}\n`,
    );
    const tmp = join(home, "tmp");
    await Deno.mkdir(tmp);
    // Others write there too (onnxruntime's logs): only the copy's name is looked for.
    const copies = async () =>
      (await Array.fromAsync(Deno.readDir(tmp))).filter((e) => e.name.startsWith("obento-stdin-"));
    const stdinRun = [
      "run",
      iris,
      "predict",
      "--input-file",
      "-",
      "--input-format",
      "csv",
      "--format",
      "csv",
    ];
    const c = await obento(home, stdinRun, csv, { TMPDIR: tmp });
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(csvRows(c.stdout), [["result"], ...LABELS.map((l) => [l])]);
    assert.deepEqual(await copies(), [], "stdin's copy is gone after a run");
    // A run that fails (a kept column stdin lacks, named as "stdin") removes the copy too.
    const d = await obento(home, [...stdinRun, "--keep-columns", "id"], csv, { TMPDIR: tmp });
    assert.equal(d.code, 64, d.stderr);
    assert.match(d.stderr, /^error: --keep-columns: stdin has no column "id"/m);
    assert.deepEqual(await copies(), [], "stdin's copy is gone after a failure");
    // The copy is made in TMPDIR: one that does not exist is named in the error.
    const e = await obento(home, stdinRun, csv, { TMPDIR: join(home, "missing") });
    assert.equal(e.code, 69, e.stderr);
    assert.match(e.stderr, /^error: cannot copy stdin to a temporary file in .*\/missing: .*set TMPDIR/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a folder of images: one record per file, an unreadable image fails alone", async () => {
  const home = await Deno.makeTempDir();
  try {
    await packBundle(
      home,
      "bundles/digits_cnn/service.ts",
      ["model=bundles/digits_cnn/digits_cnn.onnx"],
      join(home, "digits"),
    );
    const digitsRef: { images: { file: string; label: number }[] } = JSON.parse(
      await Deno.readTextFile(join(ROOT, "bundles/digits_cnn/reference.json")),
    );
    const dir = join(home, "scans");
    await Deno.mkdir(dir);
    for (const img of digitsRef.images) {
      await Deno.copyFile(join(ROOT, "bundles/digits_cnn", img.file), join(dir, img.file.split("/").pop()!));
    }
    await Deno.copyFile(join(ROOT, "tests/fixtures/not_an_image.png"), join(dir, "digit_4_broken.png"));
    const r = await obento(home, [
      "run",
      join(home, "digits"),
      "classify",
      "--input-file",
      "scans",
      "--output",
      "digits.jsonl",
      "--keep-columns",
      "file",
      "--errors",
      "bad.csv",
      "--batch-size",
      "3",
      "--concurrency",
      "2",
      "--max-errors",
      "1",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = (await Deno.readTextFile(join(home, "digits.jsonl"))).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    const expected = digitsRef.images.map((i) => ({ file: i.file.split("/").pop()!, digit: i.label }))
      .sort((x, y) => (x.file < y.file ? -1 : 1));
    assert.deepEqual(out.map((o) => ({ file: o.file, digit: o.digit })), expected);
    const errors = csvRows(await Deno.readTextFile(join(home, "bad.csv")));
    assert.equal(errors.length, 2);
    assert.equal(errors[1][0], "4"); // digit_0, digit_2, digit_3, then digit_4_broken
    assert.match(errors[1][2], /^digit_4_broken\.png: not a PNG or JPEG image/);
    assert.equal(out.length + errors.length - 1, digitsRef.images.length + 1);

    // A glob picks the matching files only (here the JPEGs), sorted by name.
    const glob = await obento(home, [
      "run",
      join(home, "digits"),
      "classify",
      "--input-file",
      "scans/*.jpg",
      "--format",
      "jsonl",
      "--keep-columns",
      "file",
    ]);
    assert.equal(glob.code, 0, glob.stderr);
    const jpgs = glob.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(
      jpgs.map((o) => ({ file: o.file, digit: o.digit })),
      expected.filter((e) => e.file.endsWith(".jpg")),
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("--shard i/N: N runs cover every row exactly once, each in input order", async () => {
  const home = await Deno.makeTempDir();
  try {
    const iris = await setup(home);
    const seen: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const r = await obento(home, [
        "run",
        iris,
        "predict",
        "--input-file",
        "iris.csv",
        "--keep-columns",
        "id",
        "--shard",
        `${i}/4`,
        "--output",
        `part-${i}.csv`,
        "--batch-size",
        "10",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const rows = csvRows(await Deno.readTextFile(join(home, `part-${i}.csv`))).slice(1);
      assert.deepEqual(
        rows.map((row) => Number(row[0])),
        rows.map((_, k) => i + 1 + 4 * k),
        `shard ${i} order`,
      );
      seen.push(...rows);
    }
    seen.sort((x, y) => Number(x[0]) - Number(y[0]));
    assert.deepEqual(seen, LABELS.map((l, i) => [String(i + 1), l]));
    const bad = await obento(home, ["run", iris, "predict", "--input-file", "iris.csv", "--shard", "4/4"]);
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /--shard must be i\/N with 0 ≤ i < N/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("Parquet out and back in gives the same rows as CSV", async () => {
  const home = await Deno.makeTempDir();
  try {
    const iris = await setup(home);
    const toParquet = await obento(home, [
      "run",
      iris,
      "predict_proba",
      "--input-file",
      "iris.csv",
      "--keep-columns",
      "id",
      "--output",
      "proba.parquet",
    ]);
    assert.equal(toParquet.code, 0, toParquet.stderr);
    const bytes = await Deno.readFile(join(home, "proba.parquet"));
    const rows = await parquetReadObjects({ file: bytes.buffer as ArrayBuffer });
    assert.equal(rows.length, 150);
    assert.deepEqual(Object.keys(rows[0]), ["id", "setosa", "versicolor", "virginica"]);
    const argmax = rows.map((r) => CLASS_NAMES.reduce((best, c) => (r[c] > r[best] ? c : best)));
    assert.deepEqual(argmax, LABELS);
    assert.deepEqual(rows.map((r) => r.id), LABELS.map((_, i) => String(i + 1)));

    // Parquet in: the features as a Parquet file (two row groups), with an id column passed through.
    const table = parquetWriteBuffer({
      columnData: [
        { name: "id", data: ref.inputs.map((_, i) => i + 1), type: "INT32" },
        ...ref.columns.map((c, j) => ({
          name: c,
          data: ref.inputs.map((r) => r[j]),
          type: "DOUBLE" as const,
        })),
      ],
      rowGroupSize: 100,
    });
    await Deno.writeFile(join(home, "features.parquet"), new Uint8Array(table));
    const fromParquet = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "features.parquet",
      "--format",
      "csv",
      "--keep-columns",
      "id",
      "--batch-size",
      "64",
    ]);
    assert.equal(fromParquet.code, 0, fromParquet.stderr);
    assert.deepEqual(csvRows(fromParquet.stdout), [
      ["id", "result"],
      ...LABELS.map((l, i) => [String(i + 1), l]),
    ]);

    const resume = await obento(home, [
      "run",
      iris,
      "predict",
      "--input-file",
      "iris.csv",
      "--keep-columns",
      "id",
      "--output",
      "x.parquet",
      "--resume",
    ]);
    assert.equal(resume.code, 64);
    assert.match(resume.stderr, /--resume works with --format csv, jsonl or json/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("runBatch: an async iterable of records in, one result per record out, in order", async () => {
  const home = await Deno.makeTempDir();
  try {
    const svc = await load(await setup(home));
    try {
      const records = async function* () {
        for (const row of ref.inputs) yield Object.fromEntries(ref.columns.map((c, j) => [c, row[j]]));
        yield { sepal_length: "oops", sepal_width: 1, petal_length: 1, petal_width: 1 };
      };
      const out = [];
      for await (const r of runBatch(svc, "predict", records(), { batchSize: 7, concurrency: 3 })) {
        out.push(r);
      }
      assert.equal(out.length, 151);
      assert.deepEqual(out.slice(0, 150), LABELS.map((value, row) => ({ row, ok: true, value })));
      assert.deepEqual(out[150], {
        row: 150,
        ok: false,
        status: 400,
        error: 'column "sepal_length": "oops" is not a number',
      });
    } finally {
      await svc.close();
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
