"""Export the iris example models (logistic regression + random forest).

Run from the project root:  /usr/bin/python3 scripts/export/iris_models.py

Writes
  bundles/iris_classifier/iris_lr.onnx        (ai.onnx opset 13: MatMul+Add+Softmax+ArgMax)
  bundles/iris_classifier/reference.json
  bundles/iris_classifier/iris_sample.csv
  bundles/iris_classifier/iris_sample.jsonl
  bundles/iris_forest/iris_rf.onnx            (ai.onnx.ml TreeEnsembleClassifier, no ZipMap)
  bundles/iris_forest/reference.json
"""
import json
import os
import sys

import numpy as np
from onnx import TensorProto, helper
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (f32list, linear_softmax_graph, np_softmax, path,  # noqa: E402
                    save_model, tensor_vi, write_json)

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
CLASS_NAMES = ["setosa", "versicolor", "virginica"]


def short_f32(x):
    """Shortest decimal that round-trips to the same float32 (e.g. 5.1)."""
    return float(np.format_float_positional(np.float32(x), unique=True, trim="-"))


def floor_f32(t):
    """Largest float32 <= t (float64).

    sklearn compares float32 inputs against float64 thresholds; onnx stores
    float32 thresholds.  Rounding to nearest can move a threshold above t onto
    a representable input value (e.g. 4.79999995 -> float32(4.8)) and flip the
    branch.  For float32 x: x <= t  <=>  x <= floor_f32(t), so this is exact.
    """
    f = np.float32(t)
    if float(f) > t:
        f = np.nextafter(f, np.float32(-np.inf))
    return f


def main():
    iris = load_iris()
    assert list(iris.target_names) == CLASS_NAMES
    # The model sees float32; fit and predict on exactly those values.
    X = iris.data.astype(np.float32)
    y = iris.target.astype(np.int64)
    inputs_json = [[short_f32(v) for v in row] for row in X]
    # sanity: JSON decimals map back to the same float32 values
    assert np.array_equal(np.asarray(inputs_json, dtype=np.float32), X)

    # ---------------- logistic regression ----------------
    lr = LogisticRegression(multi_class="multinomial", max_iter=1000)
    lr.fit(X.astype(np.float64), y)
    W = lr.coef_.T.astype(np.float32)          # [4,3]
    b = lr.intercept_.astype(np.float32)       # [3]
    graph = linear_softmax_graph("iris_lr", "input", 4, W, b,
                                 prob_name="probabilities", label_name="label")
    save_model(graph, path("bundles", "iris_classifier", "iris_lr.onnx"))

    lr_proba = lr.predict_proba(X.astype(np.float64))
    lr_label = lr.predict(X.astype(np.float64))
    np_proba = np_softmax(X @ W + b)
    d = np.abs(np_proba - lr_proba).max()
    assert d < 1e-5, d
    assert np.array_equal(np_proba.argmax(1), lr_label)
    print(f"iris LR: train accuracy {np.mean(lr_label == y):.4f}, "
          f"numpy(float32 graph) vs sklearn max abs diff {d:.2e}")
    write_json(path("bundles", "iris_classifier", "reference.json"), {
        "columns": COLUMNS,
        "inputs": inputs_json,
        "label": [int(v) for v in lr_label],
        "probabilities": lr_proba.tolist(),
        "class_names": CLASS_NAMES,
    })

    # samples: rows 0-2 (setosa), 50-52 (versicolor), 100-103 (virginica)
    rows = [0, 1, 2, 50, 51, 52, 100, 101, 102, 103]
    with open(path("bundles", "iris_classifier", "iris_sample.csv"), "w") as f:
        f.write(",".join(COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(repr(v) for v in inputs_json[r]) + "\n")
    with open(path("bundles", "iris_classifier", "iris_sample.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(dict(zip(COLUMNS, inputs_json[r]))) + "\n")

    # ---------------- random forest ----------------
    rf = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0)
    rf.fit(X, y)
    n_est = len(rf.estimators_)
    n_cls = len(rf.classes_)
    assert list(rf.classes_) == [0, 1, 2]

    a = {k: [] for k in ["nodes_treeids", "nodes_nodeids", "nodes_featureids",
                         "nodes_values", "nodes_modes", "nodes_truenodeids",
                         "nodes_falsenodeids", "class_treeids", "class_nodeids",
                         "class_ids", "class_weights"]}
    for t, est in enumerate(rf.estimators_):
        tr = est.tree_
        for n in range(tr.node_count):
            leaf = tr.children_left[n] == -1
            a["nodes_treeids"].append(t)
            a["nodes_nodeids"].append(n)
            if leaf:
                a["nodes_featureids"].append(0)
                a["nodes_values"].append(0.0)
                a["nodes_modes"].append("LEAF")
                a["nodes_truenodeids"].append(0)
                a["nodes_falsenodeids"].append(0)
                v = tr.value[n][0]
                p = v / v.sum()
                for c in range(n_cls):
                    a["class_treeids"].append(t)
                    a["class_nodeids"].append(n)
                    a["class_ids"].append(c)
                    a["class_weights"].append(float(np.float32(p[c] / n_est)))
            else:
                a["nodes_featureids"].append(int(tr.feature[n]))
                a["nodes_values"].append(float(floor_f32(tr.threshold[n])))
                a["nodes_modes"].append("BRANCH_LEQ")      # x <= thr -> true -> left
                a["nodes_truenodeids"].append(int(tr.children_left[n]))
                a["nodes_falsenodeids"].append(int(tr.children_right[n]))

    node = helper.make_node(
        "TreeEnsembleClassifier", ["input"], ["label", "probabilities"],
        domain="ai.onnx.ml", name="forest",
        classlabels_int64s=[0, 1, 2], post_transform="NONE", **a)
    graph = helper.make_graph(
        [node], "iris_rf",
        [tensor_vi("input", TensorProto.FLOAT, ["N", 4])],
        [tensor_vi("label", TensorProto.INT64, ["N"]),
         tensor_vi("probabilities", TensorProto.FLOAT, ["N", n_cls])])
    save_model(graph, path("bundles", "iris_forest", "iris_rf.onnx"),
               opsets=[("", 13), ("ai.onnx.ml", 3)])

    # numpy evaluation of the exported arrays, float32 inputs + float32 thresholds
    thr32 = np.asarray(a["nodes_values"], dtype=np.float32)
    w32 = np.asarray(a["class_weights"], dtype=np.float32)
    offs, cls_off = {}, {}
    for i, (t, n) in enumerate(zip(a["nodes_treeids"], a["nodes_nodeids"])):
        offs[(t, n)] = i
    for i, (t, n) in enumerate(zip(a["class_treeids"], a["class_nodeids"])):
        cls_off.setdefault((t, n), []).append(i)
    np_proba = np.zeros((len(X), n_cls), dtype=np.float32)
    for r, x in enumerate(X):
        for t in range(n_est):
            n = 0
            while a["nodes_modes"][offs[(t, n)]] != "LEAF":
                i = offs[(t, n)]
                f = a["nodes_featureids"][i]
                n = a["nodes_truenodeids"][i] if x[f] <= thr32[i] else a["nodes_falsenodeids"][i]
            for i in cls_off[(t, n)]:
                np_proba[r, a["class_ids"][i]] += w32[i]
    rf_proba = rf.predict_proba(X)
    rf_label = rf.predict(X)
    d = np.abs(np_proba - rf_proba).max()
    mism = int(np.sum(np_proba.argmax(1) != rf_label))
    print(f"iris RF: train accuracy {np.mean(rf_label == y):.4f}, "
          f"numpy(float32 tree eval) vs sklearn max abs diff {d:.2e}, label mismatches {mism}")
    assert d < 1e-5 and mism == 0
    write_json(path("bundles", "iris_forest", "reference.json"), {
        "columns": COLUMNS,
        "inputs": inputs_json,
        "label": [int(v) for v in rf_label],
        "probabilities": rf_proba.tolist(),
        "class_names": CLASS_NAMES,
    })


if __name__ == "__main__":
    main()
