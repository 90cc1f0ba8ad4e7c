"""Small fixtures for dtype / shape / error tests.

Run from the project root:  /usr/bin/python3 scripts/export/fixtures.py

Writes
  tests/fixtures/not_onnx.onnx                  text file, not a model
  tests/fixtures/add_int64_bool_string.onnx     a,b int64 [N,2] -> sum (Add); flag bool [N] ->
                                                not_flag (Not); s string [N] -> s_out (Identity)
  tests/fixtures/neg_dims_multi.onnx            batch dims stored as -1 (as some exporters write them):
                                                x float32 [-1,3] -> y = 2x [-1,3];
                                                ids int64 [-1,2] -> total = row sums int64 [-1];
                                                mask bool [-1] -> flipped = not mask bool [-1]
  tests/fixtures/neg_dim_table.onnx             x float32 [-1,3] -> score = x @ [1,10,100] float32 [-1],
                                                label = argmax(x) int64 [-1]
  tests/fixtures/symbolic_scalar.onnx           x float32 [batch,features] and a scalar scale float32 [] ->
                                                y = x * scale [batch,features], total = sum(y) float32 []
  tests/fixtures/symbolic_table.onnx            x float32 [N,F] (features dynamic) -> row_sum float32 [N]
  tests/fixtures/div_nan_inf.onnx               x, y float32 [N,2] -> ratio = x / y float32 [N,2],
                                                ratio64 = x / y in float64 [N,2]; 0/0 gives NaN and
                                                +-1/0 gives +-Infinity (for the v2 NaN/Infinity tests)
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import init, path, save_model, tensor_vi  # noqa: E402


def main():
    with open(path("tests", "fixtures", "not_onnx.onnx"), "w") as f:
        f.write("this is not an onnx model\n")

    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"], name="add"),
         helper.make_node("Not", ["flag"], ["not_flag"], name="not"),
         helper.make_node("Identity", ["s"], ["s_out"], name="identity")],
        "add_int64_bool_string",
        [tensor_vi("a", TensorProto.INT64, ["N", 2]),
         tensor_vi("b", TensorProto.INT64, ["N", 2]),
         tensor_vi("flag", TensorProto.BOOL, ["N"]),
         tensor_vi("s", TensorProto.STRING, ["N"])],
        [tensor_vi("sum", TensorProto.INT64, ["N", 2]),
         tensor_vi("not_flag", TensorProto.BOOL, ["N"]),
         tensor_vi("s_out", TensorProto.STRING, ["N"])])
    save_model(graph, path("tests", "fixtures", "add_int64_bool_string.onnx"))

    # -1 dims: onnx.helper stores an int dim as dim_value, so -1 lands in the file as exporters write it.
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "two"], ["y"], name="double"),
         helper.make_node("ReduceSum", ["ids", "axis1"], ["total"], keepdims=0, name="row_sum"),
         helper.make_node("Not", ["mask"], ["flipped"], name="not")],
        "neg_dims_multi",
        [tensor_vi("x", TensorProto.FLOAT, [-1, 3]),
         tensor_vi("ids", TensorProto.INT64, [-1, 2]),
         tensor_vi("mask", TensorProto.BOOL, [-1])],
        [tensor_vi("y", TensorProto.FLOAT, [-1, 3]),
         tensor_vi("total", TensorProto.INT64, [-1]),
         tensor_vi("flipped", TensorProto.BOOL, [-1])],
        initializer=[init("two", np.array(2, dtype=np.float32)),
                     init("axis1", np.array([1], dtype=np.int64))])
    save_model(graph, path("tests", "fixtures", "neg_dims_multi.onnx"))

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "weights"], ["score"], name="score"),
         helper.make_node("ArgMax", ["x"], ["label"], axis=1, keepdims=0, name="argmax")],
        "neg_dim_table",
        [tensor_vi("x", TensorProto.FLOAT, [-1, 3])],
        [tensor_vi("score", TensorProto.FLOAT, [-1]),
         tensor_vi("label", TensorProto.INT64, [-1])],
        initializer=[init("weights", np.array([1, 10, 100], dtype=np.float32))])
    save_model(graph, path("tests", "fixtures", "neg_dim_table.onnx"))

    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "scale"], ["y"], name="scale"),
         helper.make_node("ReduceSum", ["y"], ["total"], keepdims=0, name="total")],
        "symbolic_scalar",
        [tensor_vi("x", TensorProto.FLOAT, ["batch", "features"]),
         tensor_vi("scale", TensorProto.FLOAT, [])],
        [tensor_vi("y", TensorProto.FLOAT, ["batch", "features"]),
         tensor_vi("total", TensorProto.FLOAT, [])])
    save_model(graph, path("tests", "fixtures", "symbolic_scalar.onnx"))

    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["x", "axis1"], ["row_sum"], keepdims=0, name="row_sum")],
        "symbolic_table",
        [tensor_vi("x", TensorProto.FLOAT, ["N", "F"])],
        [tensor_vi("row_sum", TensorProto.FLOAT, ["N"])],
        initializer=[init("axis1", np.array([1], dtype=np.int64))])
    save_model(graph, path("tests", "fixtures", "symbolic_table.onnx"))

    graph = helper.make_graph(
        [helper.make_node("Div", ["x", "y"], ["ratio"], name="div"),
         helper.make_node("Cast", ["x"], ["x64"], to=TensorProto.DOUBLE, name="x64"),
         helper.make_node("Cast", ["y"], ["y64"], to=TensorProto.DOUBLE, name="y64"),
         helper.make_node("Div", ["x64", "y64"], ["ratio64"], name="div64")],
        "div_nan_inf",
        [tensor_vi("x", TensorProto.FLOAT, ["N", 2]),
         tensor_vi("y", TensorProto.FLOAT, ["N", 2])],
        [tensor_vi("ratio", TensorProto.FLOAT, ["N", 2]),
         tensor_vi("ratio64", TensorProto.DOUBLE, ["N", 2])])
    save_model(graph, path("tests", "fixtures", "div_nan_inf.onnx"))


if __name__ == "__main__":
    main()
