#!/usr/bin/env python3
"""Build onnxruntime references for activation-patching sweeps, independent of onnxpatch.

For each case below, writes Fixtures/sweeps/CASE/:

    case.json             the sweep's arguments and every cell's expected metric
    clean_input_ids.npy   the clean token ids (the fixture's own input_ids)
    corrupt_input_ids.npy the same ids with a few tokens changed in batch 0

case.json holds

    {"fixture": NAME, "model": "Fixtures/models/NAME/model.onnx",
     "clean": {INPUT: FILE}, "corrupt": {INPUT: FILE},        (paths relative to the repository)
     "targets": [TARGET...], "resolved": [ROW NAME...], "positions": "all" | "i,j,...",
     "axis": 1, "metric": "logit-diff:A,B" | "logprob:A" | "prob:A" | "kl", "metric_output": NAME,
     "clean_metric": x, "corrupt_metric": y,
     "cells": [{"target": ROW NAME, "position": p, "metric": m, "normalized": n}, ...]}

How a reference is made (nothing of onnxpatch is used): the rows are found here from the node
names and the exporter's module scopes (`resolved`; the test checks that onnxpatch's glob
matches the same nodes). ORT runs the clean inputs with every target exposed to record its
value. For each cell (T, p) the graph is rewritten with onnx.helper: T's producer writes
`T__orig`, and `T = Where(mask, clean_T, T__orig)` with `mask` true exactly at index p of the
axis (for a graph input the consumers read the new value instead); a new session runs the
corrupted inputs. The metric is computed with NumPy in float64 from the output's row
[0, -1, :]: logit-diff:A,B = x[A] - x[B]; logprob:A = log_softmax(x)[A]; prob:A = softmax(x)[A];
kl = sum(p * (log p - log q)), p the patched softmax, q the clean one. normalized =
(metric - corrupt) / (clean - corrupt). Sessions are unoptimized and single-threaded.

Deterministic: rerunning rewrites the same files.

    pip install onnx==1.23.2 onnxruntime numpy
    python3 tools/make-sweep-references.py
"""

import json
import os
import re
import shutil
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_splice import MODELS, ROOT, copy_model, probe, rename, save, session, set_nodes  # noqa: E402

OUT_ROOT = os.path.join(ROOT, "Fixtures", "sweeps")


def module_scope(node):
    """The innermost module of a dynamo-exported node (`m.transformer.h.0`), or ''."""
    for prop in node.metadata_props:
        if prop.key == "pkg.torch.onnx.name_scopes":
            scopes = [s for s in eval(prop.value) if s]  # a Python list literal of strings
            return scopes[-2] if len(scopes) >= 2 else ""
    return ""


def residual_adds(model, block_pattern):
    """Names of the Add nodes directly in a transformer block (the residual stream)."""
    rx = re.compile(block_pattern)
    return [n.name for n in model.graph.node if n.op_type == "Add" and rx.search(module_scope(n))]


def value_of(model, target):
    """Node name (its output 0) or value name -> value name."""
    for n in model.graph.node:
        if n.name == target:
            return n.output[0]
    return target


def patched_model(model, value, clean_value, axis, position):
    """`model` with `value` replaced at index `position` of `axis` by `clean_value`."""
    m = copy_model(model)
    g = m.graph
    mask = np.zeros(clean_value.shape, dtype=bool)
    index = [slice(None)] * clean_value.ndim
    index[axis] = position
    mask[tuple(index)] = True
    g.initializer.extend([numpy_helper.from_array(mask, "__sweep_mask"),
                          numpy_helper.from_array(clean_value, "__sweep_clean")])
    inputs = {i.name for i in g.input}
    if value in inputs:
        new = value + "__patched"
        for n in g.node:
            rename(n.input, value, new)
        where = helper.make_node("Where", ["__sweep_mask", "__sweep_clean", value], [new], name="__sweep_where")
        nodes = [where] + list(g.node)
    else:
        producer = next(n for n in g.node if value in n.output)
        rename(producer.output, value, value + "__orig")
        where = helper.make_node("Where", ["__sweep_mask", "__sweep_clean", value + "__orig"], [value],
                                 name="__sweep_where")
        nodes = []
        for n in g.node:
            nodes.append(n)
            if n is producer:
                nodes.append(where)
    set_nodes(g, nodes)
    return m


def log_softmax(x):
    m = np.max(x)
    return x - (m + np.log(np.sum(np.exp(x - m))))


def metric(spec, row, clean_row):
    name, _, arg = spec.partition(":")
    if name == "logit-diff":
        a, b = (int(t) for t in arg.split(","))
        return float(row[a] - row[b])
    if name == "logprob":
        return float(log_softmax(row)[int(arg)])
    if name == "prob":
        return float(np.exp(log_softmax(row)[int(arg)]))
    assert name == "kl"
    lp, lq = log_softmax(row), log_softmax(clean_row)
    p = np.exp(lp)
    return float(np.sum(np.where(p > 0, p * (lp - lq), 0.0)))


def make(case, fixture_name, targets, resolved, positions, axis, metric_spec, corrupt_at):
    folder = os.path.join(MODELS, fixture_name)
    with open(os.path.join(folder, "fixture.json")) as f:
        fixture = json.load(f)
    model = onnx.load(os.path.join(folder, fixture["model"]))
    clean = {k: np.load(os.path.join(folder, v)) for k, v in fixture["inputs"].items()}
    corrupt = dict(clean)
    ids = clean["input_ids"].copy()
    vocabulary = 128
    for p in corrupt_at:
        ids[0, p] = (ids[0, p] * 7 + 31) % vocabulary
    corrupt["input_ids"] = ids
    output = model.graph.output[0].name

    out_dir = os.path.join(OUT_ROOT, case)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    files = {"clean": {}, "corrupt": {}}
    for name in clean:
        if name == "input_ids":
            save(os.path.join(out_dir, "clean_input_ids.npy"), clean[name])
            save(os.path.join(out_dir, "corrupt_input_ids.npy"), corrupt[name])
            files["clean"][name] = f"Fixtures/sweeps/{case}/clean_input_ids.npy"
            files["corrupt"][name] = f"Fixtures/sweeps/{case}/corrupt_input_ids.npy"
        else:
            files["clean"][name] = files["corrupt"][name] = f"Fixtures/models/{fixture_name}/{fixture['inputs'][name]}"

    values = [value_of(model, t) for t in resolved]
    clean_values = probe(model, clean, values + [output])
    corrupt_values = probe(model, corrupt, [output])
    clean_row = clean_values[output][0, -1].astype(np.float64)
    corrupt_row = corrupt_values[output][0, -1].astype(np.float64)
    if metric_spec.endswith("{A},{B}") or metric_spec.endswith("{A}"):
        a = int(np.argmax(clean_row))
        b = int(np.argmax(corrupt_row))
        if a == b:
            b = int(np.argsort(corrupt_row)[-2])
        metric_spec = metric_spec.format(A=a, B=b)
    clean_metric = metric(metric_spec, clean_row, clean_row)
    corrupt_metric = metric(metric_spec, corrupt_row, clean_row)
    assert clean_metric != corrupt_metric, f"{case}: the corruption does not change the metric"

    lengths = {clean_values[v].shape[axis] for v in values}
    assert len(lengths) == 1, f"{case}: targets differ in length"
    length = lengths.pop()
    cols = list(range(length)) if positions == "all" else [p % length for p in map(int, positions.split(","))]
    cells = []
    for name, value in zip(resolved, values):
        for p in cols:
            m = patched_model(model, value, clean_values[value], axis, p)
            row = session(m).run([output], corrupt)[0][0, -1].astype(np.float64)
            x = metric(metric_spec, row, clean_row)
            cells.append({"target": name, "position": p, "metric": x,
                          "normalized": (x - corrupt_metric) / (clean_metric - corrupt_metric)})
    assert any(abs(c["normalized"]) > 1e-3 for c in cells), f"{case}: no cell has an effect"
    entry = {"fixture": fixture_name, "model": f"Fixtures/models/{fixture_name}/{fixture['model']}",
             "clean": files["clean"], "corrupt": files["corrupt"], "targets": targets, "resolved": resolved,
             "positions": positions, "axis": axis, "metric": metric_spec, "metric_output": output,
             "clean_metric": clean_metric, "corrupt_metric": corrupt_metric, "cells": cells}
    with open(os.path.join(out_dir, "case.json"), "w") as f:
        json.dump(entry, f, indent=1)
        f.write("\n")
    return len(cells)


def model_of(name):
    return onnx.load(os.path.join(MODELS, name, "model.onnx"), load_external_data=False)


def main():
    shutil.rmtree(OUT_ROOT, ignore_errors=True)
    os.makedirs(OUT_ROOT)
    total = 0
    gpt2 = residual_adds(model_of("gpt2-dynamo"), r"\.h\.\d+$")
    total += make("gpt2-dynamo-residual", "gpt2-dynamo", ["node_add_1", "*/h.?/node_add_*"], ["node_add_1"] + gpt2,
                  "all", 1, "logit-diff:{A},{B}", [2, 4])
    softmax = [n.name for n in model_of("gpt2-dynamo").graph.node if n.op_type == "Softmax"][:1]
    total += make("gpt2-dynamo-attention-axis2", "gpt2-dynamo", softmax, softmax, "all", 2, "logprob:{A}", [2, 4])
    legacy = [n.name for n in model_of("gpt2-legacy").graph.node
              if re.fullmatch(r"/m/transformer/h\.\d+/Add(_1)?", n.name)]
    total += make("gpt2-legacy-residual", "gpt2-legacy", ["/m/transformer/h.?/Add*"], legacy,
                  "0,2,-1", 1, "prob:{A}", [2])
    llama = residual_adds(model_of("llama-dynamo"), r"layers\.\d+$")
    total += make("llama-dynamo-residual", "llama-dynamo", ["*/layers.?/node_add_*"], llama, "all", 1, "kl", [1, 4])
    neox = residual_adds(model_of("gptneox-dynamo"), r"layers\.\d+$")
    total += make("gptneox-dynamo-residual", "gptneox-dynamo", ["*/layers.?/node_add_*"], neox, "all", 1,
                  "logit-diff:{A},{B}", [3])
    qwen = residual_adds(model_of("qwen2-dynamo"), r"layers\.\d+$")
    total += make("qwen2-dynamo-input-and-residual", "qwen2-dynamo", ["input_ids"] + qwen[:2], ["input_ids"] + qwen[:2],
                  "all", 1, "logprob:{A}", [0, 5])
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT_ROOT) for f in fs)
    print(f"{total} cells, {size} bytes under Fixtures/sweeps")


if __name__ == "__main__":
    main()
