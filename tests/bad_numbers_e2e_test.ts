/**
 * End-to-end: bad numbers (NaN, infinities, float32 overflow, numeric strings) and misspelt or mis-separated
 * columns get a 400 naming row, column and value on every route of a real server, and exit 65 with one
 * `error:` line from `obento run`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { obento, packIris, ROOT } from "./helpers/cli.ts";
import { startServer } from "./helpers/server.ts";

const ROW = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const F32 = "(-3.4028234663852886e+38..3.4028234663852886e+38)";

async function post(url: string, body: string, type = "application/json"): Promise<Response> {
  return await fetch(url, { method: "POST", body, headers: { "content-type": type } });
}

/** POSTs `body` and asserts a 400 whose error message is exactly `message`. */
async function refused(url: string, body: string, message: string, type?: string): Promise<void> {
  const r = await post(url, body, type);
  const answer = await r.json();
  assert.equal(r.status, 400, JSON.stringify(answer));
  assert.equal(answer.error, message);
}

Deno.test("bad numbers are a 400 on /predict and v2 infer, and exit 65 from obento run", async () => {
  const home = await Deno.makeTempDir();
  try {
    const bundle = await packIris(home);
    const server = await startServer(home, [bundle, "--workers", "1"]);
    try {
      const predict = `${server.url}/predict`;
      const rows = (bad: string) => `[${JSON.stringify(ROW)},${JSON.stringify(ROW).replace("3.5", bad)}]`;
      // The same item's error comes back with the item's row.
      await refused(
        predict,
        rows("1e39"),
        `row 2, column "sepal_width": 1e+39 is out of range for float32 ${F32}`,
      );
      await refused(
        predict,
        rows("1e400"),
        `row 2, column "sepal_width": Infinity is out of range for float32 ${F32}`,
      );
      await refused(
        predict,
        rows('"5.1"'),
        'row 2, column "sepal_width": "5.1" is a string, not a number; send 5.1 without quotes (float32)',
      );
      await refused(
        predict,
        "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n5.1,inf,1.4,0.2\n",
        `row 2, column "sepal_width": "inf" is out of range for float32 ${F32}`,
        "text/csv",
      );
      await refused(
        predict,
        JSON.stringify([{ ...ROW, sepal_width: undefined, sepal_widht: 3.5 }]),
        'row 1: unknown column "sepal_widht" (did you mean "sepal_width"?); expected columns "sepal_length", ' +
          '"sepal_width", "petal_length", "petal_width"',
      );
      const ok = await post(predict, rows("3.5"));
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), ["setosa", "setosa"]);

      const infer = `${server.url}/v2/models/model/infer`;
      const v2 = (data: string) =>
        `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[${data}]}]}`;
      await refused(
        infer,
        v2("5.1,1e39,1.4,0.2"),
        `input "input" data[1]: 1e+39 is out of range for float32 ${F32}`,
      );
      await refused(
        infer,
        v2('5.1,"3.5",1.4,0.2'),
        'input "input" data[1]: "3.5" is a string, not a number; send 3.5 without quotes (float32)',
      );
    } finally {
      assert.equal(await server.stop(), 0);
    }

    const csv = join(home, "rows.csv");
    await Deno.writeTextFile(
      csv,
      "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n5.1,inf,1.4,0.2\n6.7,3.0,5.2,2.3\n",
    );
    const run = await obento(home, "run", bundle, "predict", "--input-file", csv, "--quiet");
    assert.equal(run.code, 65, run.stderr);
    assert.equal(
      run.stderr,
      `error: row 2: column "sepal_width": "inf" is out of range for float32 ${F32} (status 400)\n` +
        "error: 1 of 3 rows failed (listed above; --errors FILE keeps them all); --max-errors N allows up to N\n",
    );
    assert.deepEqual(JSON.parse(run.stdout)[0], "setosa");

    await Deno.writeTextFile(csv, "sepal_length;sepal_width;petal_length;petal_width\n5.1;3.5;1.4;0.2\n");
    const semi = await obento(home, "run", bundle, "predict", "--input-file", csv, "--quiet");
    assert.equal(semi.code, 65, semi.stderr);
    assert.match(semi.stderr, /^error: .*rows\.csv: CSV header: the header looks ';'-separated .*\n$/);
    assert.equal(semi.stderr.split("\n").length, 2, semi.stderr);

    // The zero-code bundle (OnnxFeedsInput) follows the same rule.
    const zero = await obento(
      home,
      "pack",
      join(ROOT, "bundles/iris_classifier/iris_lr.onnx"),
      "--name",
      "IrisZero",
    );
    assert.equal(zero.code, 0, zero.stderr);
    const bad = await obento(home, "run", "IrisZero", "predict", "--input", "[[5.1, 3.5, 1e39, 0.2]]");
    assert.equal(bad.code, 65, bad.stderr);
    assert.match(bad.stderr, /^error: .*input\[0\]\[2\]: 1e\+39 is out of range for float32 .*\n$/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
