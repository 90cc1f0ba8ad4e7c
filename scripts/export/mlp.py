"""Benchmark MLP 784 -> 1024 -> 1024 -> 10 (Gemm+Relu) with random weights.

Run from the project root:  /usr/bin/python3 scripts/export/mlp.py

Writes
  tests/fixtures/mlp_784.onnx             input [N,784] float32 -> logits [N,10] (~7.5 MB)
  tests/fixtures/mlp_784_reference.json   2 seeded random input rows + numpy logits
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import f32list, init, path, save_model, tensor_vi, write_json  # noqa: E402

SIZES = [784, 1024, 1024, 10]


def main():
    rng = np.random.RandomState(0)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        W = (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32)
        b = (rng.standard_normal(fan_out) * 0.1).astype(np.float32)
        params.append((W, b))

    nodes, inits = [], []
    x = "input"
    for i, (W, b) in enumerate(params):
        last = i == len(params) - 1
        y = "logits" if last else f"h{i}"
        gemm_out = y if last else f"g{i}"
        nodes.append(helper.make_node("Gemm", [x, f"W{i}", f"b{i}"], [gemm_out],
                                      name=f"gemm{i}", alpha=1.0, beta=1.0, transB=0))
        if not last:
            nodes.append(helper.make_node("Relu", [gemm_out], [y], name=f"relu{i}"))
        inits += [init(f"W{i}", W), init(f"b{i}", b)]
        x = y
    graph = helper.make_graph(
        nodes, "mlp_784",
        [tensor_vi("input", TensorProto.FLOAT, ["N", 784])],
        [tensor_vi("logits", TensorProto.FLOAT, ["N", 10])],
        initializer=inits)
    save_model(graph, path("tests", "fixtures", "mlp_784.onnx"))

    inputs = rng.rand(2, 784).astype(np.float32)
    h = inputs
    for i, (W, b) in enumerate(params):
        h = h @ W + b
        if i < len(params) - 1:
            h = np.maximum(h, 0)
    # float64 accumulation for a reference independent of BLAS summation order
    h64 = inputs.astype(np.float64)
    for i, (W, b) in enumerate(params):
        h64 = h64 @ W.astype(np.float64) + b
        if i < len(params) - 1:
            h64 = np.maximum(h64, 0)
    print(f"mlp: float32 vs float64 numpy max abs diff {np.abs(h - h64).max():.2e}")
    write_json(path("tests", "fixtures", "mlp_784_reference.json"), {
        "inputs": [f32list(r) for r in inputs],
        "logits": h64.tolist(),
    })


if __name__ == "__main__":
    main()
