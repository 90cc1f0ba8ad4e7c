"""Small fixtures for dtype / error tests.

Run from the project root:  /usr/bin/python3 scripts/export/fixtures.py

Writes
  tests/fixtures/not_onnx.onnx                  text file, not a model
  tests/fixtures/add_int64_bool_string.onnx     a,b int64 [N,2] -> sum (Add); flag bool [N] ->
                                                not_flag (Not); s string [N] -> s_out (Identity)
"""
import os
import sys

from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import path, save_model, tensor_vi  # noqa: E402


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


if __name__ == "__main__":
    main()
