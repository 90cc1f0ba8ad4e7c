"""Shared helpers for the obento export scripts (run from the project root)."""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.getcwd()
OPSET_AI_ONNX = 13


def path(*parts):
    p = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def f32list(a):
    """float32 values as JSON-friendly python floats (exactly representable)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64).tolist()


def write_json(p, obj, compact_lists=True):
    with open(p, "w") as f:
        json.dump(obj, f, separators=(",", ":") if compact_lists else None)
        f.write("\n")


def tensor_vi(name, elem_type, shape):
    return helper.make_tensor_value_info(name, elem_type, shape)


def init(name, arr):
    return numpy_helper.from_array(np.ascontiguousarray(arr), name=name)


def save_model(graph, p, opsets=None, producer="obento-export"):
    opsets = opsets or [("", OPSET_AI_ONNX)]
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
        producer_name=producer,
    )
    model.ir_version = 7  # onnx 1.12 default is 8; 7 is widely supported
    onnx.checker.check_model(model)
    # deterministic bytes
    with open(p, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))
    onnx.checker.check_model(onnx.load(p))
    return model


def linear_softmax_graph(name, in_name, n_in, W, b, prob_name="probabilities",
                         label_name=None):
    """input [N,n_in] -> MatMul W [n_in,k] + b [k] -> Softmax(axis=1)."""
    k = W.shape[1]
    nodes = [
        helper.make_node("MatMul", [in_name, "coef"], ["xw"], name="matmul"),
        helper.make_node("Add", ["xw", "intercept"], ["logits"], name="add"),
        helper.make_node("Softmax", ["logits"], [prob_name], axis=1, name="softmax"),
    ]
    outputs = [tensor_vi(prob_name, TensorProto.FLOAT, ["N", k])]
    if label_name:
        nodes.append(helper.make_node("ArgMax", [prob_name], [label_name], axis=1,
                                      keepdims=0, name="argmax"))
        outputs.append(tensor_vi(label_name, TensorProto.INT64, ["N"]))
    return helper.make_graph(
        nodes, name,
        [tensor_vi(in_name, TensorProto.FLOAT, ["N", n_in])],
        outputs,
        initializer=[init("coef", W.astype(np.float32)),
                     init("intercept", b.astype(np.float32))],
    )


def np_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
