/**
 * The SDK from Deno code: a service loaded straight from source gives the same results as the same service
 * packed into a bundle and loaded back, and both match the reference outputs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BadInputError, load, loadService, ObentoError, openRegistry, pack, packModel } from "../mod.ts";
import irisService from "../bundles/iris_classifier/service.ts";
import textService from "../bundles/text_topic/service.ts";
import { ROOT } from "./helpers/cli.ts";

const iris = JSON.parse(await Deno.readTextFile(join(ROOT, "bundles/iris_classifier/reference.json")));
const CLASS_NAMES = ["setosa", "versicolor", "virginica"];

Deno.test("iris: same predictions before and after saving, equal to scikit-learn's", async () => {
  const dir = await Deno.makeTempDir();
  const columns = Object.fromEntries(
    (iris.columns as string[]).map((c, i) => [c, (iris.inputs as number[][]).map((r) => r[i])]),
  );
  const before = await loadService(irisService, {
    artifacts: { model: join(ROOT, "bundles/iris_classifier/iris_lr.onnx") },
  });
  try {
    const { path, document } = await pack({
      service: join(ROOT, "bundles/iris_classifier/service.ts"),
      artifacts: { model: join(ROOT, "bundles/iris_classifier/iris_lr.onnx") },
      metadata: { model: { accuracy: 0.973, dataset: "iris" } },
      labels: { stage: "test" },
      version: "1.0.0",
      output: join(dir, "bundle"),
    });
    assert.equal(document.name, "IrisClassifier");
    assert.deepEqual(document.service.apis.map((a) => [a.name, a.batch, a.input.type]), [
      ["predict", true, "DataframeInput"],
      ["predict_proba", true, "DataframeInput"],
    ]);
    assert.deepEqual(document.artifacts[0].metadata, { accuracy: 0.973, dataset: "iris" });
    assert.deepEqual(
      (document.artifacts[0].info.inputs as { name: string; type: string; shape: unknown[] }[])[0],
      { name: "input", type: "float32", shape: ["N", 4] },
    );
    const after = await load(path);
    try {
      const expected = (iris.label as number[]).map((l) => CLASS_NAMES[l]);
      assert.deepEqual(await before.call("predict", columns), expected);
      assert.deepEqual(await after.call("predict", columns), expected);
      assert.deepEqual(
        await after.call("predict_proba", columns),
        await before.call("predict_proba", columns),
      );
      await assert.rejects(
        after.call("predict", { sepal_length: [1] }),
        (e) => e instanceof BadInputError && /sepal_width/.test(e.message),
      );
    } finally {
      await after.close();
    }
  } finally {
    await before.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("text: same topics before and after saving; a discarded item fails alone", async () => {
  const dir = await Deno.makeTempDir();
  const ref = JSON.parse(await Deno.readTextFile(join(ROOT, "bundles/text_topic/reference.json")));
  const artifacts = {
    model: join(ROOT, "bundles/text_topic/text_topic.onnx"),
    vocab: join(ROOT, "bundles/text_topic/vocab.json"),
  };
  const before = await loadService(textService, { artifacts });
  try {
    const { path } = await pack({
      service: join(ROOT, "bundles/text_topic/service.ts"),
      artifacts,
      version: "1",
      output: join(dir, "bundle"),
    });
    const after = await load(path);
    try {
      for (const svc of [before, after]) {
        const api = svc.api("classify");
        const items = [...ref.texts, "!!!"].map((t: string) => api.input.fromJson(t));
        const outcomes = await svc.invoke("classify", items);
        assert.deepEqual(
          outcomes.slice(0, -1).map((o) => o.ok && (o.value as { topic: string }).topic),
          ref.labels,
        );
        assert.deepEqual(outcomes.at(-1), {
          ok: false,
          status: 400,
          message: "text has no words to classify",
        });
      }
    } finally {
      await after.close();
    }
  } finally {
    await before.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("zero-code: packModel gives outputs keyed by name as tensors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { path } = await packModel({
      model: join(ROOT, "tests/fixtures/add_int64_bool_string.onnx"),
      name: "Dtypes",
      version: "1",
      output: join(dir, "bundle"),
    });
    const svc = await load(path);
    try {
      // A batch API: the request's rows come back as one record of tensors per row.
      const rows = await svc.call("predict", {
        a: [[1, 2], ["9007199254740993", 3]],
        b: [[10, 20], [1, 4]],
        flag: [true, false],
        s: ["héllo", ""],
      }) as Record<string, { data: unknown; dims: number[] }>[];
      assert.equal(rows.length, 2);
      assert.deepEqual(rows[1].sum.dims, [2]);
      assert.deepEqual([...(rows[1].sum.data as BigInt64Array)], [9007199254740994n, 7n]);
      assert.deepEqual([...(rows[0].not_flag.data as Uint8Array)], [0]);
      assert.deepEqual(rows[1].s_out.data, [""]);
      const out = rows;
      const json = svc.output("predict").toJson(out);
      assert.deepEqual(json, {
        sum: [[11, 22], ["9007199254740994", 7]],
        not_flag: [false, true],
        s_out: ["héllo", ""],
      });
    } finally {
      await svc.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load: Name:latest and Name:version resolve through the registry; an unknown name is NOT_FOUND", async () => {
  const home = await Deno.makeTempDir();
  const registry = await openRegistry({ home });
  try {
    const packed = [];
    for (const version of ["1", "2"]) {
      const out = join(home, `pack-${version}`);
      await packModel({
        model: join(ROOT, "bundles/iris_classifier/iris_lr.onnx"),
        name: "Iris",
        version,
        output: out,
      });
      packed.push(await registry.add(out));
    }
    const input = { input: [[5.1, 3.5, 1.4, 0.2]] };
    for (const [ref, options] of [["Iris:latest", { home }], ["Iris:1", { registry }]] as const) {
      const svc = await load(ref, options);
      try {
        const [row] = await svc.call("predict", input) as object[];
        assert.deepEqual(Object.keys(row).sort(), ["label", "probabilities"]);
        assert.equal(svc.document.version, ref === "Iris:latest" ? "2" : "1");
      } finally {
        await svc.close();
      }
    }
    assert.ok(packed.every((b) => b.path.startsWith(home)));
    await assert.rejects(
      load("Nope:latest", { home }),
      (e) => e instanceof ObentoError && e.code === "NOT_FOUND" && /Nope:latest/.test(e.message),
    );
  } finally {
    registry.close();
    await Deno.remove(home, { recursive: true });
  }
});
