/**
 * End-to-end, zero-code bundles (`obento pack model.onnx`): tables of features (CSV, JSON records, JSON lines,
 * Parquet) straight into a model with one 2-D input, on `run` and `serve`, with and without `--columns`; and
 * models as exporters write them (-1 dims, symbolic dims, a scalar input, int64/bool inputs, several inputs and
 * outputs). The real CLI runs as a subprocess and `serve` as a real server on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { type CliRun, ROOT, runObento } from "./helpers/cli.ts";
import { startServer } from "./helpers/server.ts";

function obento(home: string, ...args: string[]): Promise<CliRun> {
  return runObento({ home, cwd: ROOT }, args);
}

const IRIS_MODEL = "bundles/iris_classifier/iris_lr.onnx";
const FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
const ref: { columns: string[]; inputs: number[][]; label: number[] } = JSON.parse(
  await Deno.readTextFile(join(ROOT, "bundles/iris_classifier/reference.json")),
);

/** Simple CSV (no quoted commas in these tests' cells except JSON lists, which are quoted). */
function csvRows(text: string): string[][] {
  return text.trim().split(/\r?\n/).map((line) =>
    [...line.matchAll(/"((?:[^"]|"")*)"|([^,]*)/g)]
      .filter((m) => m.index === 0 || line[m.index - 1] === ",")
      .map((m) => m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2])
  );
}

/** The reference label of a row of features, found by its values. */
function labelOf(values: number[]): number {
  const i = ref.inputs.findIndex((r) => r.every((v, j) => v === values[j]));
  assert.ok(i >= 0, `row ${values} is not in reference.json`);
  return ref.label[i];
}

Deno.test("--columns: CSV, JSON lines and Parquet rows with extra columns run by feature name; serve takes CSV and records", async () => {
  const home = await Deno.makeTempDir();
  try {
    const packed = await obento(
      home,
      ...["pack", IRIS_MODEL, "--name", "IrisCols", "--columns", FEATURES.join(","), "--json"],
    );
    assert.equal(packed.code, 0, packed.stderr);
    const readme = await Deno.readTextFile(join(JSON.parse(packed.stdout).path, "README.md"));
    assert.match(
      readme,
      /obento run IrisCols:\S+ predict --input '\[\{"sepal_length":0.5,"sepal_width":0.5,"petal_length":0.5,"petal_width":0.5\}\]'/,
    );
    const got = await obento(home, "get", "IrisCols:latest", "--json");
    assert.equal(got.code, 0, got.stderr);
    const api = JSON.parse(got.stdout).service.apis[0];
    assert.equal(api.input.type, "FeatureTableInput");
    assert.deepEqual(api.input.config.columns, FEATURES);

    // All 150 reference rows, the columns shuffled and an id column first.
    const order = ["id", "petal_width", "sepal_length", "petal_length", "sepal_width"];
    const records = ref.inputs.map((row, i) => ({
      id: `r${i + 1}`,
      ...Object.fromEntries(FEATURES.map((c, j) => [c, row[j]])),
    })) as Record<string, string | number>[];
    const csv = [order.join(","), ...records.map((r) => order.map((c) => r[c]).join(","))].join("\n") + "\n";
    await Deno.writeTextFile(join(home, "rows.csv"), csv);
    const fromCsv = await obento(
      home,
      ...["run", "IrisCols", "predict", "--input-file", join(home, "rows.csv"), "--format", "csv"],
      ...["--keep-columns", "id", "--batch-size", "64"],
    );
    assert.equal(fromCsv.code, 0, fromCsv.stderr);
    const rows = csvRows(fromCsv.stdout);
    assert.deepEqual(rows[0], ["id", "probabilities", "label"]);
    assert.deepEqual(rows.slice(1).map((r) => r[0]), records.map((r) => r.id));
    assert.deepEqual(rows.slice(1).map((r) => Number(r[2])), ref.label);
    assert.equal(JSON.parse(rows[1][1]).length, 3);

    // JSON lines: each line is one request body, answered with the list of its rows' records.
    await Deno.writeTextFile(
      join(home, "rows.jsonl"),
      records.slice(0, 20).map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
    const fromJsonl = await obento(
      home,
      ...["run", "IrisCols", "predict", "--input-file", join(home, "rows.jsonl"), "--format", "jsonl"],
      ...["--keep-columns", "id"],
    );
    assert.equal(fromJsonl.code, 0, fromJsonl.stderr);
    const lines = fromJsonl.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.id), records.slice(0, 20).map((r) => r.id));
    assert.deepEqual(
      lines.map((l) => l.result.map((r: { label: number }) => r.label)),
      ref.label.slice(0, 20).map((l) => [l]),
    );

    // Parquet: a numeric id column that is not a feature, passed through.
    const table = parquetWriteBuffer({
      columnData: [
        { name: "id", data: ref.inputs.map((_, i) => i + 1), type: "INT32" },
        ...["petal_width", "sepal_length", "petal_length", "sepal_width"].map((c) => ({
          name: c,
          data: ref.inputs.map((r) => r[FEATURES.indexOf(c)]),
          type: "DOUBLE" as const,
        })),
      ],
      rowGroupSize: 100,
    });
    await Deno.writeFile(join(home, "rows.parquet"), new Uint8Array(table));
    const fromParquet = await obento(
      home,
      ...["run", "IrisCols", "predict", "--input-file", join(home, "rows.parquet"), "--format", "jsonl"],
      ...["--keep-columns", "id"],
    );
    assert.equal(fromParquet.code, 0, fromParquet.stderr);
    const parquetRows = fromParquet.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(parquetRows.map((r) => r.id), ref.label.map((_, i) => i + 1));
    assert.deepEqual(parquetRows.map((r) => r.label), ref.label);

    // A missing feature column stops the run with one clear line and the bad-input exit code.
    await Deno.writeTextFile(join(home, "short.csv"), "id,sepal_length,sepal_width,petal_length\na,1,2,3\n");
    const short = await obento(home, "run", "IrisCols", "predict", "--input-file", join(home, "short.csv"));
    assert.equal(short.code, 65, short.stderr);
    assert.match(short.stderr, /short\.csv: CSV header: missing feature column "petal_width"/);

    const server = await startServer(home, ["IrisCols:latest"]);
    try {
      const post = async (body: string, type: string) => {
        const r = await fetch(`${server.url}/predict`, {
          method: "POST",
          body,
          headers: { "content-type": type },
        });
        return { status: r.status, body: await r.json() };
      };
      const csvAnswer = await post(csv.split("\n").slice(0, 11).join("\n") + "\n", "text/csv");
      assert.equal(csvAnswer.status, 200, JSON.stringify(csvAnswer.body));
      // A table's answer: one record per row.
      assert.deepEqual(csvAnswer.body.map((r: { label: number }) => r.label), ref.label.slice(0, 10));
      assert.deepEqual(Object.keys(csvAnswer.body[0]), ["probabilities", "label"]);
      assert.equal(csvAnswer.body[0].probabilities.length, 3);
      const some = [0, 60, 120];
      const jsonAnswer = await post(JSON.stringify(some.map((i) => records[i])), "application/json");
      assert.equal(jsonAnswer.status, 200, JSON.stringify(jsonAnswer.body));
      assert.deepEqual(jsonAnswer.body.map((r: { label: number }) => r.label), some.map((i) => ref.label[i]));
      const tensors = await post(
        JSON.stringify({ input: some.map((i) => ref.inputs[i]) }),
        "application/json",
      );
      assert.equal(tensors.status, 200, JSON.stringify(tensors.body));
      // The named-tensors form keeps its answer: one object keyed by output name.
      assert.deepEqual(tensors.body.label, some.map((i) => ref.label[i]));
      const docs = await (await fetch(`${server.url}/docs.json`)).text();
      for (const name of FEATURES) assert.ok(docs.includes(`"${name}"`), `OpenAPI names ${name}`);
      const missing = await post(JSON.stringify([{ sepal_length: 1, sepal_width: 2 }]), "application/json");
      assert.equal(missing.status, 400);
      assert.match(JSON.stringify(missing.body), /missing column \\"petal_length\\"/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("without --columns a table's columns are the features in order; --columns is checked at pack time", async () => {
  const home = await Deno.makeTempDir();
  try {
    const packed = await obento(home, "pack", IRIS_MODEL, "--name", "IrisPos");
    assert.equal(packed.code, 0, packed.stderr);
    const sample = (await Deno.readTextFile(join(ROOT, "bundles/iris_classifier/iris_sample.csv")))
      .trim().split("\n").slice(1).map((l) => l.split(",").map(Number));
    const fromCsv = await obento(
      home,
      ...[
        "run",
        "IrisPos",
        "predict",
        "--input-file",
        "bundles/iris_classifier/iris_sample.csv",
        "--format",
        "csv",
      ],
    );
    assert.equal(fromCsv.code, 0, fromCsv.stderr);
    const rows = csvRows(fromCsv.stdout);
    assert.deepEqual(rows[0], ["probabilities", "label"]);
    assert.deepEqual(rows.slice(1).map((r) => Number(r[1])), sample.map(labelOf));

    const fromJsonl = await obento(
      home,
      ...["run", "IrisPos", "predict", "--input-file", "bundles/iris_classifier/iris_sample.jsonl"],
    );
    assert.equal(fromJsonl.code, 0, fromJsonl.stderr);
    assert.deepEqual(
      JSON.parse(fromJsonl.stdout).map((o: { label: number }[]) => o[0].label),
      sample.map(labelOf),
    );

    // Any names, in order; the named-tensors form still works.
    const renamed = await obento(
      home,
      "run",
      "IrisPos",
      "predict",
      "--input",
      '[{"a":5.1,"b":3.5,"c":1.4,"d":0.2}]',
    );
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.deepEqual(JSON.parse(renamed.stdout)[0].label, labelOf([5.1, 3.5, 1.4, 0.2]));
    const bare = await obento(home, "run", "IrisPos", "predict", "--input", "[5.1, 3.5, 1.4, 0.2]");
    assert.equal(bare.code, 0, bare.stderr);
    assert.deepEqual(JSON.parse(bare.stdout).label, [labelOf([5.1, 3.5, 1.4, 0.2])]);

    const three = await obento(home, "run", "IrisPos", "predict", "--input", '[{"a":1,"b":2,"c":3}]');
    assert.equal(three.code, 65);
    assert.match(three.stderr, /the table has 3 columns \(a, b, c\), the model takes 4 features in order/);

    const wrongCount = await obento(home, "pack", IRIS_MODEL, "--name", "X", "--columns", "a,b,c");
    assert.equal(wrongCount.code, 64, wrongCount.stderr);
    assert.match(
      wrongCount.stderr,
      /--columns a,b,c: 3 feature columns given \(a, b, c\), but model input "input" takes 4/,
    );
    const notTable = await obento(
      home,
      ...["pack", "tests/fixtures/add_int64_bool_string.onnx", "--name", "X", "--columns", "a,b"],
    );
    assert.equal(notTable.code, 64, notTable.stderr);
    assert.match(
      notTable.stderr,
      /--columns a,b: feature columns need a model with one 2-D numeric input, but the model has 4 inputs/,
    );
    const service = await obento(
      home,
      ...[
        "pack",
        "bundles/iris_classifier/service.ts",
        "--artifact",
        `model=${IRIS_MODEL}`,
        "--columns",
        "a",
      ],
    );
    assert.equal(service.code, 64, service.stderr);
    assert.match(service.stderr, /--columns applies to a \.onnx model/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("models as exporters write them: -1 dims, symbolic dims, a scalar input, int64/bool, several inputs and outputs", async () => {
  const home = await Deno.makeTempDir();
  try {
    for (
      const [file, name, extra] of [
        ["neg_dims_multi", "NegDims", []],
        ["neg_dim_table", "NegTable", []],
        ["symbolic_scalar", "SymScalar", []],
        ["symbolic_table", "SymTable", ["--columns", "b,a"]],
      ] as const
    ) {
      const packed = await obento(home, "pack", `tests/fixtures/${file}.onnx`, "--name", name, ...extra);
      assert.equal(packed.code, 0, `${file}: ${packed.stderr}`);
    }

    // Several inputs and outputs, int64 and bool, batch dims stored as -1.
    const multi = { x: [[1, 2, 3], [4, 5, 6]], ids: [[1, 2], ["9007199254740993", -4]], mask: [true, false] };
    const multiRun = await obento(home, "run", "NegDims", "predict", "--input", JSON.stringify(multi));
    assert.equal(multiRun.code, 0, multiRun.stderr);
    const multiOut = JSON.parse(multiRun.stdout);
    assert.deepEqual(multiOut.y, [[2, 4, 6], [8, 10, 12]]);
    assert.deepEqual(multiOut.flipped, [false, true]);
    assert.equal(multiOut.total[0], 3);
    assert.equal(multiOut.total.length, 2);

    // One 2-D input with a -1 batch dim takes a CSV of its 3 features.
    await Deno.writeTextFile(join(home, "x.csv"), "id,a,b,c\nfirst,1,2,3\nsecond,9,1,0\n");
    const tableRun = await obento(
      home,
      ...[
        "run",
        "NegTable",
        "predict",
        "--input-file",
        join(home, "x.csv"),
        "--keep-columns",
        "id",
        "--format",
        "csv",
      ],
    );
    assert.equal(tableRun.code, 0, tableRun.stderr);
    assert.deepEqual(csvRows(tableRun.stdout), [["id", "score", "label"], ["first", "321", "2"], [
      "second",
      "19",
      "0",
    ]]);

    // Symbolic dims and a scalar input: one request runs alone.
    const scalarRun = await obento(
      home,
      ...["run", "SymScalar", "predict", "--input", JSON.stringify({ x: [[1, 2], [3, 4]], scale: 0.5 })],
    );
    assert.equal(scalarRun.code, 0, scalarRun.stderr);
    assert.deepEqual(JSON.parse(scalarRun.stdout), { y: [[0.5, 1], [1.5, 2]], total: 5 });

    // A dynamic feature count with named columns picks just those, in their order.
    const symTable = await obento(home, "run", "SymTable", "predict", "--input", '[{"a":1,"b":20,"c":300}]');
    assert.equal(symTable.code, 0, symTable.stderr);
    assert.deepEqual(JSON.parse(symTable.stdout), [{ row_sum: 21 }]);

    for (
      const [bundle, body, expected] of [
        ["NegDims", { x: [[1, 1, 1]], ids: [[5, 6]], mask: [false] }, {
          y: [[2, 2, 2]],
          total: [11],
          flipped: [true],
        }],
        ["SymScalar", { x: [[2]], scale: 3 }, { y: [[6]], total: 6 }],
      ] as const
    ) {
      const server = await startServer(home, [`${bundle}:latest`]);
      try {
        const r = await fetch(`${server.url}/predict`, {
          method: "POST",
          body: JSON.stringify(body),
          headers: { "content-type": "application/json" },
        });
        assert.equal(r.status, 200);
        assert.deepEqual(await r.json(), expected);
        assert.doesNotMatch(server.log(), /could not warm up/);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
