#!/usr/bin/env python3
"""Build onnxruntime references for activation patches and probes, independent of onnxpatch.

For every fixture under Fixtures/models/NAME/, writes Fixtures/patches/NAME/:

    cases.json            the list of cases (below)
    values/*.npy          patch values used as `@file.npy` arguments
    refs/*.npy            onnxruntime outputs and probe values of each case

and Fixtures/patches/ambiguous-name/ (a three-node model in which the name `A` is both a node
whose output is `B` and the output value of another node, so the target `A` is ambiguous), with
its input in inputs/x.npy.

cases.json is a list of

    {"name": "...", "specs": ["TARGET[INDEX]=KIND[:ARG]", ...], "probes": ["TARGET", ...],
     "outputs": {"<graph output name>": "refs/<file>.npy"},
     "probe_values": {"<probe key>": "refs/<file>.npy"}}

Conventions:
- `@file` paths inside specs are relative to the repository root
  (`@Fixtures/patches/NAME/values/x.npy`); a test rewrites them to absolute paths before use.
- Every other file path (outputs, probe_values) is relative to Fixtures/patches/NAME/.
- Probe keys: a `probe` spec is keyed by its spec text; a probe spec whose glob target matches
  several nodes gets one key per node, `SPEC@VALUE` with VALUE the node's output 0 name; a final
  probe (`probes`, the CLI's `--probe`) is keyed by its target text.
- The inputs are the fixture's own (Fixtures/models/NAME/inputs, per fixture.json).

How a reference is made (nothing of onnxpatch is used): targets are resolved here (a node name
means its output 0, `node:k` output k, otherwise a value, graph input or initializer name; a
glob `*`/`?` matches node names). ORT first runs the model with every target exposed to learn its
shape and dtype. Each patch is then spliced into the graph with onnx.helper after the current
value x of its target: `Where(mask, 0, x)` for zero, `Where(mask, x + V, x)` for add,
`Where(mask, x * V, x)` for mul and `Where(mask, R, x)` for replace, where mask, V and R are
full-shape constants built with NumPy indexing of the index expression (NumPy semantics are the
reference: `mask[index] = True; V[index] = value`). The target value is renamed so that the last
patched value takes its name, which moves every consumer and graph output onto it (for a graph
input the consumers are rewired instead). Probes are Identity nodes on the value at their place,
exposed as extra outputs. Sessions are unoptimized and single-threaded. As a self-check each
spliced patch's result is compared with NumPy applying the same patch to the value before it.

Deterministic: rerunning rewrites the same files.

    pip install onnx==1.23.2 onnxruntime numpy
    python3 tools/make-patch-references.py
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
from onnx_splice import MODELS, ROOT, copy_model, expose, probe, rename, run, save, set_nodes  # noqa: E402

OUT_ROOT = os.path.join(ROOT, "Fixtures", "patches")


# ---------------------------------------------------------------------------------------------
# Specs (parsed here on their own: the reference shares no code with the library)


def parse_spec(text):
    """TARGET[INDEX]=KIND[:ARG] -> (target, index tuple or None, kind, arg or None)."""
    lhs, rhs = text.rsplit("=", 1)
    index = None
    if lhs.endswith("]"):
        open_ = lhs.rindex("[")
        index = parse_index(lhs[open_ + 1:-1])
        lhs = lhs[:open_]
    kind, _, arg = rhs.partition(":")
    return lhs.strip(), index, kind, (arg if arg else None)


def parse_index(text):
    items = []
    for token in (t.strip() for t in text.split(",")):
        if token == "...":
            items.append(Ellipsis)
        elif ":" in token:
            items.append(slice(*[int(f) if f.strip() else None for f in token.split(":")]))
        else:
            items.append(int(token))
    return tuple(items)


def glob_regex(pattern):
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z")


class Resolver:
    def __init__(self, model):
        g = model.graph
        self.nodes = {n.name: n for n in g.node}
        self.node_order = [n.name for n in g.node]
        self.values = ({o for n in g.node for o in n.output} | {i.name for i in g.input}
                       | {i.name for i in g.initializer})

    def resolve(self, target):
        """Value names the target names, in node order for globs."""
        if "*" in target or "?" in target:
            rx = glob_regex(target)
            found = [self.nodes[n].output[0] for n in self.node_order if rx.match(n)]
            assert found, f"glob {target!r} matches nothing"
            return found
        if target in self.nodes:
            return [self.nodes[target].output[0]]
        if target in self.values:
            return [target]
        node, _, k = target.rpartition(":")
        assert node in self.nodes, f"unknown target {target!r}"
        return [self.nodes[node].output[int(k)]]


# ---------------------------------------------------------------------------------------------
# The rewrite


def numpy_patch(x, index, kind, value):
    """NumPy's reading of one patch: the self-check of the spliced graph."""
    y = x.copy()
    idx = () if index is None else index
    if kind == "zero":
        y[idx] = 0
    elif kind == "add":
        y[idx] = y[idx] + value
    elif kind == "mul":
        y[idx] = y[idx] * value
    else:
        y[idx] = value
    return y


def argument(arg, dtype):
    if arg is None:
        return None
    if arg.startswith("@"):
        loaded = np.load(os.path.join(ROOT, arg[1:]))
        converted = loaded.astype(dtype)
        assert np.array_equal(converted.astype(loaded.dtype), loaded), f"{arg}: lossy conversion"
        return converted
    return np.asarray(float(arg)).astype(dtype)


def splice(x_meta, index, kind, value, current, out, prefix):
    """Constants and nodes computing `out` = the patch applied to `current`."""
    mask = np.zeros(x_meta.shape, dtype=bool)
    mask[() if index is None else index] = True
    consts = [numpy_helper.from_array(mask, prefix + "mask")]
    if kind == "zero":
        consts.append(numpy_helper.from_array(np.zeros((), x_meta.dtype), prefix + "zero"))
        return consts, [helper.make_node("Where", [prefix + "mask", prefix + "zero", current], [out],
                                         name=prefix + "Where")]
    full = np.zeros(x_meta.shape, x_meta.dtype)
    full[() if index is None else index] = value
    consts.append(numpy_helper.from_array(full, prefix + "value"))
    if kind == "replace":
        return consts, [helper.make_node("Where", [prefix + "mask", prefix + "value", current], [out],
                                         name=prefix + "Where")]
    op = {"add": "Add", "mul": "Mul"}[kind]
    return consts, [helper.make_node(op, [current, prefix + "value"], [prefix + op], name=prefix + op),
                    helper.make_node("Where", [prefix + "mask", prefix + op, current], [out], name=prefix + "Where")]


def reference(model, feeds, specs, final_probes):
    """Runs `model` with `specs` spliced in; returns (outputs by name, [(probe key, value)])."""
    resolver = Resolver(model)
    parsed = [(text, *parse_spec(text)) for text in specs]
    targets = sorted({v for _, t, *_ in parsed for v in resolver.resolve(t)}
                     | {v for t in final_probes for v in resolver.resolve(t)})
    meta = probe(model, feeds, targets)

    m = copy_model(model)
    g = m.graph
    inputs = {i.name for i in g.input}
    producer = {o: n for n in g.node for o in n.output}
    initializer = {i.name: i for i in g.initializer}

    # Each patched value is renamed `V__orig` (graph inputs keep their name); its last patch
    # writes `V`, so every consumer and graph output reads the patched value.
    patched = [v for _, t, _, kind, _ in parsed if kind != "probe" for v in resolver.resolve(t)]
    remaining = {v: patched.count(v) for v in patched}
    tip, chains = {}, {}
    for v in remaining:
        tip[v] = v if v in inputs else v + "__orig"
        if v in producer:
            rename(producer[v].output, v, tip[v])
        elif v in initializer:
            initializer[v].name = tip[v]
        chains[v] = []
    probes, checks, counter = [], [], 0
    for text, target, index, kind, arg in parsed:
        values = resolver.resolve(target)
        for v in values:
            if kind == "probe":
                probes.append((text if len(values) == 1 else f"{text}@{v}", tip.get(v, v)))
                continue
            counter += 1
            remaining[v] -= 1
            if remaining[v] == 0:
                out = v + "__final" if v in inputs else v
            else:
                out = f"{v}__patch{counter}"
            value = argument(arg, meta[v].dtype)
            consts, nodes = splice(meta[v], index, kind, value, tip[v], out, f"__p{counter}_")
            g.initializer.extend(consts)
            chains[v].extend(nodes)
            checks.append((tip[v], out, index, kind, value))
            tip[v] = out
    for target in final_probes:
        for v in resolver.resolve(target):
            probes.append((target, tip.get(v, v)))

    # Each chain goes right after its value's producer; chains of inputs and initializers first.
    order = [n for v, nodes in chains.items() if v not in producer for n in nodes]
    for n in g.node:
        order.append(n)
        for v, nodes in chains.items():
            if producer.get(v) is n:
                order.extend(nodes)
    for v, nodes in chains.items():
        if v in inputs:
            own = {id(n) for n in nodes}
            for n in order:
                if id(n) not in own:
                    rename(n.input, v, tip[v])
    set_nodes(g, order)

    graph_outputs = [o.name for o in g.output]
    watched = [p for _, p in probes] + [c for check in checks for c in check[:2]]
    final, exposed = expose(m, watched)
    got = run(final, feeds, graph_outputs + exposed)
    by_value = dict(zip(watched, (got[e] for e in exposed)))
    for before, after, index, kind, value in checks:
        want = numpy_patch(by_value[before], index, kind, value)
        assert np.array_equal(want, by_value[after]), f"spliced patch differs from NumPy at {after}"
    return {o: got[o] for o in graph_outputs}, [(key, by_value[p]) for key, p in probes]


# ---------------------------------------------------------------------------------------------
# Cases


def pick_targets(fixture, model):
    """Names the cases use, from the fixture's intermediates and the graph."""
    inter = list(fixture["intermediates"].items())
    nodes = list(model.graph.node)
    t = {}
    v, info = [(v, i) for v, i in inter if i["op"] == "Softmax"][0]
    t["softmax_value"], t["softmax_node"] = v, info["producer"]
    v, info = [(v, i) for v, i in inter if len(i["shape"]) == 3 and i["shape"][-1] > 32][-1]
    t["act_value"], t["act_node"], t["act_width"] = v, info["producer"], info["shape"][-1]
    v, info = [(v, i) for v, i in inter if i["op"] == "LayerNormalization" or "layernorm" in i["module"]][0]
    t["norm_value"], t["norm_node"] = v, info["producer"]
    resid = [(v, i) for v, i in inter if i["op"] == "Add" and re.search(r"(h|layers?)[./]1$", i["module"])]
    if not resid:  # BERT: the residual stream is a LayerNormalization output
        resid = [(v, i) for v, i in inter if i["op"] == "LayerNormalization"]
    t["resid_value"], t["resid_node"] = resid[-1][0], resid[-1][1]["producer"]
    t["output"] = model.graph.output[0].name
    softmaxes = [n.name for n in nodes if n.op_type == "Softmax"]
    a, b = softmaxes[0], softmaxes[1]
    glob = os.path.commonprefix([a, b]) + "*" + os.path.commonprefix([a[::-1], b[::-1]])[::-1]
    assert [n.name for n in nodes if glob_regex(glob).match(n.name)] == softmaxes, glob
    t["glob"] = glob
    splits = [n for n in nodes if n.op_type == "Split"]
    t["multi_output"] = f"{splits[0].name}:1" if splits else f"{t['softmax_node']}:0"
    t["weight"] = [i.name for i in model.graph.initializer
                   if len(i.dims) == 2 and i.data_type == onnx.TensorProto.FLOAT and i.name.startswith("m.")][0]
    producer = {o: n for n in nodes for o in n.output}
    t["shape_node"] = [n.name for n in nodes if n.op_type == "Shape"][0]

    # A Concat of shapes: one of its inputs is a Shape output.
    t["concat_value"] = [n.output[0] for n in nodes if n.op_type == "Concat"
                         and any(i in producer and producer[i].op_type == "Shape" for i in n.input)][0]
    return t


def cases_for(name, fixture, model, feeds):
    t = pick_targets(fixture, model)
    values_dir = f"Fixtures/patches/{name}/values"
    # Embedding rows are indexed by a token of the input; position tables by a position.
    row = 3 if "wpe" in t["weight"] or "position" in t["weight"] else int(feeds["input_ids"][0, 3])
    files = {
        "act_row.npy": (np.linspace(-1.0, 1.0, t["act_width"]) * 0.5).astype(np.float32),
        "column_f16.npy": np.array([[0.25], [-0.5], [0.125], [1.0], [-0.75], [0.5], [2.0]], dtype=np.float16),
        "scale.npy": np.linspace(0.5, 1.5, 7).astype(np.float32),
    }
    S, Sv = t["softmax_node"], t["softmax_value"]
    A, Av = t["act_node"], t["act_value"]
    N, Nv = t["norm_node"], t["norm_value"]
    R, Rv = t["resid_node"], t["resid_value"]
    out, W, G, K = t["output"], t["weight"], t["glob"], t["multi_output"]
    cases = [
        ("zero-softmax-row", [f"{S}[0, 1, -1, :]=zero"], []),
        ("zero-whole-activation", [f"{Av}=zero"], []),
        ("add-number-step-slices", [f"{Rv}[:, 1:6:2, ::3]=add:0.5"], []),
        ("mul-ellipsis-node-name", [f"{N}[..., 5:17]=mul:-2"], []),
        ("mul-negative-step", [f"{Nv}[1, ::-2, -1:-12:-3]=mul:3"], []),
        ("replace-number-value-name", [f"{Sv}[1, :, 2:4, ...]=replace:0.125"], []),
        ("replace-file", [f"{A}[1, -3:, :]=replace:@{values_dir}/act_row.npy"], []),
        ("add-file-float16", [f"{Sv}[:, 0]=add:@{values_dir}/column_f16.npy"], []),
        ("mul-file", [f"{R}[0, ..., -1]=mul:@{values_dir}/scale.npy"], []),
        ("same-target-in-order",
         [f"{Av}[..., :16]=mul:3", f"{Av}=probe", f"{Av}[0]=add:-1", f"{Av}[1, 2:4]=zero"], [Av]),
        ("node-and-value-name-of-one-value", [f"{S}[0]=mul:2", f"{Sv}[0, 0]=add:0.5", f"{S}=probe"], [Sv]),
        ("different-targets",
         [f"{Nv}[1]=mul:0.25", f"{S}[:, :, :, 0]=zero", f"{Av}=probe", f"{A}[:, 3]=replace:-1"], [N, S]),
        ("patch-graph-output",
         [f"{out}=probe", f"{out}[:, -1, 3:40:4]=replace:7", f"{out}[0, 0]=add:1"], [out]),
        ("glob", [f"{G}[:, :, 2:, 0]=mul:0.5"], []),
        ("glob-probe", [f"{S}[0]=mul:2", f"{G}=probe"], []),
        ("initializer", [f"{W}[{row}, 4:20:2]=add:0.75"], [W]),
        ("output-k", [f"{K}[..., 0:32:5]=mul:0"], [K]),
        ("probe-int64-and-input", [], [t["shape_node"], t["concat_value"], "attention_mask", S, Av]),
        ("patch-graph-input", ["input_ids=probe", "input_ids[1, 2]=replace:5", "input_ids[0, -1]=add:1"],
         ["input_ids"]),
    ]
    return cases, files


def sanitize(name):
    return re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("_") or "value"


def make(name):
    folder = os.path.join(MODELS, name)
    with open(os.path.join(folder, "fixture.json")) as f:
        fixture = json.load(f)
    model = onnx.load(os.path.join(folder, fixture["model"]))
    feeds = {k: np.load(os.path.join(folder, v)) for k, v in fixture["inputs"].items()}
    out_dir = os.path.join(OUT_ROOT, name)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(os.path.join(out_dir, "values"))
    os.makedirs(os.path.join(out_dir, "refs"))
    cases, files = cases_for(name, fixture, model, feeds)
    for file, array in files.items():
        save(os.path.join(out_dir, "values", file), array)
    if name == "gpt2-dynamo":
        # For the CLI's error tests: a value that broadcasts to none of their regions, and a
        # float64 value (lossy into a float32 target).
        save(os.path.join(out_dir, "values", "bad_shape.npy"), np.ones(5, np.float32))
        save(os.path.join(out_dir, "values", "lossy_float64.npy"), np.linspace(0, 1, 7))
    graph_outputs = [o.name for o in model.graph.output]
    baseline = run(model, feeds, graph_outputs)
    for o in graph_outputs:
        expected = np.load(os.path.join(folder, fixture["outputs"][o]))
        assert np.array_equal(baseline[o], expected), f"{name}: ORT no longer reproduces {o}"
    entries = []
    for case, specs, probes in cases:
        outputs, probe_values = reference(model, feeds, specs, probes)
        entry = {"name": case, "specs": specs, "probes": probes, "outputs": {}, "probe_values": {}}
        for o, array in outputs.items():
            file = f"refs/{case}.{sanitize(o)}.npy"
            save(os.path.join(out_dir, file), array)
            entry["outputs"][o] = file
        for i, (key, array) in enumerate(probe_values):
            assert key not in entry["probe_values"], f"{name} {case}: probe key {key!r} twice"
            file = f"refs/{case}.probe{i}.npy"
            save(os.path.join(out_dir, file), array)
            entry["probe_values"][key] = file
        if any(parse_spec(s)[2] != "probe" for s in specs):
            assert any(not np.array_equal(outputs[o], baseline[o]) for o in outputs), \
                f"{name} {case}: the patches change no output"
        entries.append(entry)
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump(entries, f, indent=1)
        f.write("\n")
    return len(entries)


def make_ambiguous():
    """x -> Relu (node 'A', output 'B') -> Neg (node 'C', output 'A') -> Identity -> y."""
    out_dir = os.path.join(OUT_ROOT, "ambiguous-name")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(os.path.join(out_dir, "inputs"))
    x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [2, 3])
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["B"], name="A"),
         helper.make_node("Neg", ["B"], ["A"], name="C"),
         helper.make_node("Identity", ["A"], ["y"], name="D")],
        "ambiguous", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)],
                              producer_name="make-patch-references")
    model.ir_version = 9
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(out_dir, "model.onnx"))
    save(os.path.join(out_dir, "inputs", "x.npy"), np.array([[1, -2, 3], [-4, 5, -6]], np.float32))


def main():
    total = 0
    for name in sorted(os.listdir(MODELS)):
        if os.path.exists(os.path.join(MODELS, name, "fixture.json")):
            n = make(name)
            total += n
            print(f"{name}: {n} cases", flush=True)
    make_ambiguous()
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT_ROOT) for f in fs)
    print(f"{total} cases, {size} bytes under Fixtures/patches")


if __name__ == "__main__":
    main()
