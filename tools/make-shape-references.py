#!/usr/bin/env python3
"""Random cases for the shape / data-movement ops, with onnxruntime's outputs as the reference.

Writes Fixtures/shape/cases.json, read by Tests/InterpreterTests/ShapeReferenceTests.swift:

    [{"op": "Slice", "opset": 18,
      "ints": {"perm": [...]}, "int": {"axis": 1}, "string": {"mode": "reflect"},
      "inputs": [{"shape": [...], "values": [...]} or null, ...],
      "output": {"shape": [...], "values": [...]}}, ...]

Every tensor is int64 (these ops move bytes, so one dtype exercises the same paths). The cases
aim at the corners: negative and INT64 extreme starts/ends, negative steps, zero-size dims,
pads wider than the axis, broadcasting in both directions. A case onnxruntime rejects is dropped.
Deterministic (fixed seed): rerunning rewrites the same file for the same onnxruntime.
"""
import json
import pathlib
import random

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "shape" / "cases.json"
I64MAX, I64MIN = 2**63 - 1, -(2**63)
rng = random.Random(20240611)


def run(op, opset, inputs, ints=None, int_=None, string=None):
    """The single output of `op` on `inputs` (numpy arrays or None) under onnxruntime, or None."""
    attrs = {**(ints or {}), **(int_ or {}), **(string or {})}
    names = [f"x{i}" if a is not None else "" for i, a in enumerate(inputs)]
    node = helper.make_node(op, names, ["y"], **attrs)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, TensorProto.INT64, list(a.shape))
         for n, a in zip(names, inputs) if a is not None],
        [helper.make_tensor_value_info("y", TensorProto.INT64, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    try:
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        y = session.run(None, {n: a for n, a in zip(names, inputs) if a is not None})[0]
    except Exception:
        return None
    case = {"op": op, "opset": opset, "inputs": [None if a is None else tensor(a) for a in inputs],
            "output": tensor(y)}
    for key, value in (("ints", ints), ("int", int_), ("string", string)):
        if value:
            case[key] = value
    return case


def tensor(a):
    return {"shape": list(a.shape), "values": [int(v) for v in np.asarray(a).flatten()]}


def iota(shape):
    return np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)


def i64(values):
    return np.array(values, dtype=np.int64)


def random_shape(rank, low=0, high=4):
    return [rng.randint(low, high) for _ in range(rank)]


cases = []
bounds = [-7, -3, -1, 0, 1, 2, 3, 6, I64MAX, I64MIN, 2**31 - 1]
for _ in range(160):
    rank = rng.randint(1, 4)
    shape = random_shape(rank)
    axes = rng.sample(range(rank), rng.randint(1, rank))
    starts = [rng.choice(bounds) for _ in axes]
    ends = [rng.choice(bounds) for _ in axes]
    steps = [rng.choice([-3, -2, -1, 1, 2, 3]) for _ in axes]
    signed = [a - rank if rng.random() < 0.5 else a for a in axes]
    cases.append(run("Slice", 18, [iota(shape), i64(starts), i64(ends), i64(signed), i64(steps)]))
for _ in range(40):
    rank = rng.randint(1, 5)
    shape = random_shape(rank, 1, 4)
    perm = list(range(rank))
    rng.shuffle(perm)
    cases.append(run("Transpose", 18, [iota(shape)], ints={"perm": perm}))
for _ in range(80):
    rank = rng.randint(1, 3)
    shape = random_shape(rank, 1, 4)
    mode = rng.choice(["constant", "reflect", "edge", "wrap"])
    pads = [rng.randint(-1 if mode == "constant" else 0, 4) for _ in range(2 * rank)]
    if mode == "reflect":
        pads = [min(p, shape[i % rank] - 1) for i, p in enumerate(pads)]
    value = [i64(-5)] if mode == "constant" else []
    cases.append(run("Pad", 19, [iota(shape) + 1, i64(pads)] + value, string={"mode": mode}))
for _ in range(40):
    rank = rng.randint(1, 4)
    shape = [rng.choice([1, 1, 2, 3]) for _ in range(rank)]
    target = [rng.choice([1, 2, 3]) for _ in range(rng.randint(rank, 5))]
    for i, d in enumerate(shape):
        if d != 1:
            target[len(target) - rank + i] = rng.choice([1, d])
    cases.append(run("Expand", 18, [iota(shape), i64(target)]))
    cases.append(run("Tile", 18, [iota(shape), i64([rng.randint(0, 3) for _ in shape])]))
for _ in range(40):
    rank = rng.randint(1, 3)
    shape = random_shape(rank, 1, 4)
    axis = rng.randrange(-rank, rank)
    dim = shape[axis]
    indices = rng.choice([[], [2], [2, 2]])
    idx = np.array([rng.randrange(-dim, dim) for _ in range(int(np.prod(indices)))], dtype=np.int64).reshape(indices)
    cases.append(run("Gather", 18, [iota(shape), idx], int_={"axis": axis}))
for _ in range(20):
    shape = random_shape(3, 1, 4)
    axis = rng.randrange(-3, 3)
    cases.append(run("CumSum", 18, [iota(shape), i64(axis)],
                     int_={"exclusive": rng.randint(0, 1), "reverse": rng.randint(0, 1)}))

cases = [c for c in cases if c is not None]
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(cases, separators=(",", ":")) + "\n")
print(f"{len(cases)} cases -> {OUT.relative_to(ROOT)}")
