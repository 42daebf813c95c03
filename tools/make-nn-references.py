#!/usr/bin/env python3
"""Random cases for the neural-network ops, with onnxruntime's outputs as the reference.

Writes Fixtures/nn/cases.json, read by Tests/InterpreterTests/NNReferenceTests.swift:

    [{"op": "Conv", "opset": 22, "outputs": 1,
      "attributes": {"strides": {"ints": [...]}, "mode": {"string": "linear"}, ...},
      "inputs": [{"dtype": "float32", "shape": [...], "values": [...]} or null, ...],
      "expected": [{"dtype": "float32", "shape": [...], "values": [...]}, ...]}, ...]

Inputs are small, with float values on a 1/8 grid so that they print short and exactly. The
cases aim at the corners: asymmetric pads, auto_pad, strides with dilations, groups, ceil_mode,
count_include_pad, every Resize coordinate mode, masks and caches in Attention. A case
onnxruntime rejects is dropped; a few where onnxruntime departs from the ONNX reference
implementation (which this package follows) are skipped and listed in SKIPPED below.
Deterministic (fixed seed): rerunning rewrites the same file for the same onnxruntime.
"""
import json
import pathlib
import random

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "nn" / "cases.json"
rng = random.Random(20250412)
nprng = np.random.default_rng(20250412)

# Known differences between onnxruntime and the ONNX reference (and spec examples):
SKIPPED = """
ConvTranspose auto_pad SAME_*: onnxruntime puts the odd padding unit on the other side.
Pooling with auto_pad and dilations: onnxruntime sizes the output as if undilated.
Resize with scales whose product scale·input is not an integer: the reference's coordinate
  formulas use scale·input where onnxruntime uses the rounded output length; and
  tf_crop_and_resize with scales rather than sizes.
GridSample cubic with border or reflection padding: the reference clamps the coordinate
  before taking the 4 taps, onnxruntime (like PyTorch) pads each tap.
Attention's qk_matmul_output holds −FLT_MAX where onnxruntime masks and −∞ in the reference;
  the fixture writes −∞.
"""

DTYPES = {np.dtype(np.float32): ("float32", TensorProto.FLOAT), np.dtype(np.int64): ("int64", TensorProto.INT64),
          np.dtype(np.bool_): ("bool", TensorProto.BOOL), np.dtype(np.uint8): ("uint8", TensorProto.UINT8),
          np.dtype(np.int8): ("int8", TensorProto.INT8), np.dtype(np.int32): ("int32", TensorProto.INT32)}


def attribute(value):
    if isinstance(value, str):
        return {"string": value}
    if isinstance(value, float):
        return {"float": value}
    if isinstance(value, int):
        return {"int": value}
    if all(isinstance(v, int) for v in value):
        return {"ints": list(value)}
    return {"floats": [float(v) for v in value]}


def tensor(a):
    a = np.asarray(a)
    name = DTYPES[a.dtype][0]
    values = a.flatten().tolist()
    if name == "float32":
        values = [round(float(v), 6) if np.isfinite(v) else str(v) for v in values]
    elif name == "bool":
        values = [int(v) for v in values]
    return {"dtype": name, "shape": list(a.shape), "values": values}


def run(op, opset, inputs, outputs=1, **attrs):
    """Runs `op` on `inputs` (numpy arrays or None) under onnxruntime; the case, or None."""
    names = [f"x{i}" if a is not None else "" for i, a in enumerate(inputs)]
    out_names = [f"y{i}" for i in range(outputs)]
    node = helper.make_node(op, names, out_names, **attrs)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, DTYPES[a.dtype][1], list(a.shape))
         for n, a in zip(names, inputs) if a is not None],
        [helper.make_empty_tensor_value_info(n) for n in out_names])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    try:
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        ys = session.run(None, {n: a for n, a in zip(names, inputs) if a is not None})
    except Exception:
        return None
    return {"op": op, "opset": opset, "outputs": outputs,
            "attributes": {k: attribute(v) for k, v in attrs.items()},
            "inputs": [None if a is None else tensor(a) for a in inputs],
            "expected": [tensor(y) for y in ys]}


def values(shape, scale=1.0):
    """Floats on a 1/8 grid in [−2, 2]·scale."""
    return (nprng.integers(-16, 17, size=shape) / 8 * scale).astype(np.float32)


def i64(v):
    return np.array(v, dtype=np.int64)


def f32(v):
    return np.array(v, dtype=np.float32)


cases = []

# Conv: rank 1-3, groups, strides, dilations, explicit and automatic padding, optional bias.
for _ in range(40):
    rank = rng.choice([1, 2, 2, 3])
    group = rng.choice([1, 1, 2, 3])
    cin, cout = group * rng.randint(1, 2), group * rng.randint(1, 2)
    kernel = [rng.randint(1, 3) for _ in range(rank)]
    spatial = [rng.randint(3, 6) for _ in range(rank)]
    attrs = {"kernel_shape": kernel, "group": group,
             "strides": [rng.randint(1, 2) for _ in range(rank)],
             "dilations": [rng.randint(1, 2) for _ in range(rank)]}
    auto = rng.choice(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"])
    if auto == "NOTSET":
        attrs["pads"] = [rng.randint(0, 2) for _ in range(2 * rank)]
    else:
        attrs["auto_pad"] = auto
    x, w = values([1, cin] + spatial), values([cout, cin // group] + kernel)
    bias = values([cout]) if rng.random() < 0.5 else None
    cases.append(run("Conv", 22, [x, w] + ([bias] if bias is not None else []), **attrs))

# ConvTranspose: output_padding, output_shape, groups, dilations, explicit pads.
for _ in range(30):
    rank = rng.choice([1, 2, 2, 3])
    group = rng.choice([1, 1, 2])
    cin, cout = group * rng.randint(1, 2), group * rng.randint(1, 2)
    kernel = [rng.randint(1, 3) for _ in range(rank)]
    spatial = [rng.randint(2, 4) for _ in range(rank)]
    strides = [rng.randint(1, 3) for _ in range(rank)]
    dilations = [rng.randint(1, 2) for _ in range(rank)]
    attrs = {"kernel_shape": kernel, "group": group, "strides": strides, "dilations": dilations}
    choice = rng.choice(["pads", "output_padding", "output_shape"])
    if choice == "pads":
        attrs["pads"] = [rng.randint(0, 1) for _ in range(2 * rank)]
    elif choice == "output_padding":
        attrs["output_padding"] = [rng.randint(0, s - 1) for s in strides]
    else:
        natural = [s * (d - 1) + (k - 1) * dl + 1 for s, d, k, dl in zip(strides, spatial, kernel, dilations)]
        attrs["output_shape"] = [n + rng.randint(0, s - 1) for n, s in zip(natural, strides)]
    x, w = values([1, cin] + spatial), values([cin, cout // group] + kernel)
    bias = values([cout]) if rng.random() < 0.5 else None
    cases.append(run("ConvTranspose", 22, [x, w] + ([bias] if bias is not None else []), **attrs))

# Pooling: MaxPool (with Indices and storage_order), AveragePool, LpPool.
for op in ["MaxPool", "AveragePool", "LpPool"]:
    for _ in range(25):
        rank = rng.choice([1, 2, 2, 3])
        kernel = [rng.randint(1, 3) for _ in range(rank)]
        spatial = [rng.randint(3, 6) for _ in range(rank)]
        attrs = {"kernel_shape": kernel, "strides": [rng.randint(1, 3) for _ in range(rank)],
                 "dilations": [rng.randint(1, 2) for _ in range(rank)]}
        auto = rng.choice(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"])
        if auto == "NOTSET":
            attrs["pads"] = [rng.randint(0, k - 1) for k in kernel * 2]
            attrs["ceil_mode"] = rng.randint(0, 1)
        else:
            attrs["auto_pad"] = auto
            attrs["dilations"] = [1] * rank
        outputs = 1
        if op == "MaxPool" and rng.random() < 0.5:
            outputs = 2
            attrs["storage_order"] = rng.randint(0, 1)
        if op == "AveragePool":
            attrs["count_include_pad"] = rng.randint(0, 1)
        if op == "LpPool":
            attrs["p"] = rng.choice([1, 2, 3])
        cases.append(run(op, 22, [values([1, 2] + spatial)], outputs=outputs, **attrs))

# Resize: every mode and coordinate transformation, scales and sizes, axes, antialias.
coordinate_modes = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                    "tf_crop_and_resize"]
for _ in range(70):
    mode = rng.choice(["nearest", "linear", "cubic"])
    coordinate = rng.choice(coordinate_modes)
    shape = [1, 2, rng.randint(2, 5), rng.randint(2, 5)]
    attrs = {"mode": mode, "coordinate_transformation_mode": coordinate}
    if mode == "nearest":
        attrs["nearest_mode"] = rng.choice(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
    if mode == "cubic":
        attrs["cubic_coeff_a"] = rng.choice([-0.75, -0.5])
        attrs["exclude_outside"] = rng.randint(0, 1)
    if mode != "nearest" and rng.random() < 0.3:
        attrs["antialias"] = 1
    roi = f32([])
    if coordinate == "tf_crop_and_resize":
        roi = f32([0, 0, rng.choice([0.0, 0.25]), rng.choice([0.0, -0.25]),
                   1, 1, rng.choice([1.0, 0.75]), rng.choice([1.0, 1.25])])
        attrs["extrapolation_value"] = 10.0
    if rng.random() < 0.5 and coordinate != "tf_crop_and_resize":
        # Integral products scale·input only: onnxruntime and the reference agree there.
        scales = f32([1, 1] + [rng.choice([s for s in [0.5, 1.0, 1.5, 2.0, 3.0] if (s * n).is_integer()])
                               for n in shape[2:]])
        cases.append(run("Resize", 19, [values(shape), roi, scales], **attrs))
    else:
        sizes = i64([1, 2, rng.randint(1, 7), rng.randint(1, 7)])
        if rng.random() < 0.3:
            attrs["keep_aspect_ratio_policy"] = rng.choice(["not_larger", "not_smaller"])
            if coordinate == "tf_crop_and_resize":
                del attrs["keep_aspect_ratio_policy"]
        cases.append(run("Resize", 19, [values(shape), roi, f32([]), sizes], **attrs))

# GridSample: every mode and padding mode, 2-D.
for _ in range(30):
    mode = rng.choice(["nearest", "linear", "cubic"])
    padding = "zeros" if mode == "cubic" else rng.choice(["zeros", "border", "reflection"])
    attrs = {"mode": mode, "padding_mode": padding,
             "align_corners": rng.randint(0, 1)}
    x = values([1, 2, rng.randint(2, 4), rng.randint(2, 4)])
    grid = (nprng.integers(-12, 13, size=[1, 3, 2, 2]) / 8).astype(np.float32)
    cases.append(run("GridSample", 22, [x, grid], **attrs))

# Attention: 4-D and 3-D, GQA, masks, causal, cache, softcap, qk_matmul_output.
for _ in range(30):
    batch, heads_kv = rng.randint(1, 2), rng.randint(1, 2)
    heads_q = heads_kv * rng.choice([1, 2])
    sq, skv, d, dv = rng.randint(1, 3), rng.randint(1, 4), rng.choice([2, 4]), rng.choice([2, 3])
    three_d = rng.random() < 0.3
    attrs = {}
    if rng.random() < 0.4:
        attrs["is_causal"] = 1
    if rng.random() < 0.3:
        attrs["softcap"] = 2.0
    if rng.random() < 0.3:
        attrs["scale"] = 0.25
    q, k, v = values([batch, heads_q, sq, d]), values([batch, heads_kv, skv, d]), values([batch, heads_kv, skv, dv])
    past = rng.random() < 0.3
    p = rng.randint(1, 2)
    total = skv + (p if past else 0)
    mask = None
    if rng.random() < 0.5:
        mask = values([sq, total]) if rng.random() < 0.5 else nprng.random([batch, 1, sq, total]) < 0.7
    if three_d:
        attrs["q_num_heads"], attrs["kv_num_heads"] = heads_q, heads_kv
        q = q.transpose(0, 2, 1, 3).reshape(batch, sq, heads_q * d)
        k = k.transpose(0, 2, 1, 3).reshape(batch, skv, heads_kv * d)
        v = v.transpose(0, 2, 1, 3).reshape(batch, skv, heads_kv * dv)
    inputs = [q, k, v, mask]
    outputs = 1
    if past:
        inputs += [values([batch, heads_kv, p, d]), values([batch, heads_kv, p, dv])]
        outputs = 3
    if rng.random() < 0.3:
        attrs["qk_matmul_output_mode"] = rng.randint(0, 3)
        outputs = 4
    while inputs and inputs[-1] is None:
        inputs.pop()
    case = run("Attention", 23, inputs, outputs=outputs, **attrs)
    if case and outputs == 4:
        qk = case["expected"][3]
        qk["values"] = ["-inf" if isinstance(v, float) and v <= -3.4e38 else v for v in qk["values"]]
    cases.append(case)

# Quantized and deformable convolutions.
for _ in range(6):
    group = rng.choice([1, 2])
    kernel = [rng.randint(1, 3), rng.randint(1, 3)]
    x = nprng.integers(0, 256, size=[1, 2 * group, 4, 5]).astype(np.uint8)
    w = nprng.integers(0, 256, size=[2 * group, 2] + kernel).astype(np.uint8)
    attrs = {"group": group, "pads": [rng.randint(0, 1) for _ in range(4)], "strides": [rng.randint(1, 2), 1]}
    cases.append(run("ConvInteger", 10, [x, w, np.array(rng.randint(0, 255), np.uint8),
                                         np.array(rng.randint(0, 255), np.uint8)], **attrs))
    w8 = nprng.integers(-128, 128, size=[2 * group, 2] + kernel).astype(np.int8)
    scales = [f32(rng.choice([0.01, 0.02, 0.05])), f32(nprng.choice([0.002, 0.004], size=2 * group))]
    cases.append(run("QLinearConv", 10, [x, scales[0], np.array(rng.randint(0, 255), np.uint8), w8, scales[1],
                                         np.zeros(2 * group, np.int8), f32(0.5), np.array(rng.randint(0, 255), np.uint8),
                                         nprng.integers(-500, 500, size=[2 * group]).astype(np.int32)], **attrs))
for _ in range(6):
    group, offset_group = rng.choice([1, 2]), rng.choice([1, 2])
    kernel = [rng.randint(1, 3), rng.randint(1, 3)]
    strides, pads = [rng.randint(1, 2), 1], [rng.randint(0, 1) for _ in range(4)]
    out = [(i + pads[a] + pads[a + 2] - k) // s + 1 for a, (i, k, s) in enumerate(zip([4, 5], kernel, strides))]
    taps = kernel[0] * kernel[1]
    inputs = [values([1, 2 * group, 4, 5]), values([2, 2] + kernel),
              (nprng.integers(-12, 13, size=[1, offset_group * 2 * taps] + out) / 8).astype(np.float32), values([2])]
    if rng.random() < 0.5:
        inputs.append((nprng.integers(0, 9, size=[1, offset_group * taps] + out) / 8).astype(np.float32))
    cases.append(run("DeformConv", 19, inputs, group=group, offset_group=offset_group, pads=pads, strides=strides,
                     kernel_shape=kernel))

# The rest: LRN, RoiAlign, Col2Im, AffineGrid, CenterCropPad, MaxUnpool, global pools.
for _ in range(6):
    cases.append(run("LRN", 13, [values([1, 5, 2, 2])], size=rng.choice([1, 2, 3, 5]), alpha=0.5, beta=0.75,
                     bias=2.0))
for _ in range(8):
    rois = f32([[rng.randint(0, 3), rng.randint(0, 3), rng.randint(3, 6), rng.randint(3, 6)] for _ in range(3)]) / 2
    cases.append(run("RoiAlign", 16, [values([2, 2, 5, 5]), rois, i64([0, 1, 1])],
                     mode=rng.choice(["avg", "max"]), output_height=2, output_width=3,
                     sampling_ratio=rng.choice([0, 2]), spatial_scale=rng.choice([1.0, 0.5]),
                     coordinate_transformation_mode=rng.choice(["half_pixel", "output_half_pixel"])))
for _ in range(6):
    image, block = [rng.randint(3, 5), rng.randint(3, 5)], [rng.randint(1, 2), rng.randint(1, 3)]
    strides, pads = [rng.randint(1, 2), 1], [rng.randint(0, 1) for _ in range(4)]
    blocks = [(i + pads[a] + pads[a + 2] - b) // s + 1 for a, (i, b, s) in enumerate(zip(image, block, strides))]
    cases.append(run("Col2Im", 18, [values([1, 2 * block[0] * block[1], blocks[0] * blocks[1]]), i64(image), i64(block)],
                     strides=strides, pads=pads))
for align in [0, 1]:
    cases.append(run("AffineGrid", 20, [values([2, 2, 3]), i64([2, 1, 3, 4])], align_corners=align))
    cases.append(run("AffineGrid", 20, [values([1, 3, 4]), i64([1, 1, 2, 3, 2])], align_corners=align))
for shape in [[2, 5], [4, 2], [3, 3]]:
    cases.append(run("CenterCropPad", 18, [values([1, 3, 4]), i64(shape)], axes=[-2, -1]))
for op in ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"]:
    cases.append(run(op, 22, [values([2, 3, 3, 2])]))

cases = [c for c in cases if c is not None]
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(cases, separators=(",", ":")) + "\n")
counts = {}
for c in cases:
    counts[c["op"]] = counts.get(c["op"], 0) + 1
print(f"{len(cases)} cases -> {OUT.relative_to(ROOT)}: {counts}")
