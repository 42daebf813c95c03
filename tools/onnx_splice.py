"""Graph surgery and onnxruntime runs shared by the reference scripts (make-patch-references.py,
make-sweep-references.py): copy a model, expose values as extra outputs, rename a value in a
node's inputs or outputs, rewrite a graph's node list, run unoptimized single-threaded sessions,
and save .npy files. Nothing of onnxpatch is used.

The scripts import it after putting their own folder on sys.path:

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from onnx_splice import ...
"""

import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "Fixtures", "models")


def session(model):
    """An unoptimized, single-threaded CPU session of `model`."""
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def copy_model(model):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    return m


def expose(model, values):
    """A copy of `model` with an Identity of each value as an extra output `__expose_i`."""
    m = copy_model(model)
    names = []
    for i, v in enumerate(values):
        name = f"__expose_{i}"
        m.graph.node.append(helper.make_node("Identity", [v], [name], name=f"__expose_node_{i}"))
        m.graph.output.append(onnx.ValueInfoProto(name=name))
        names.append(name)
    return m, names


def run(model, feeds, names):
    """The outputs `names` of `model` on `feeds`, by name."""
    return dict(zip(names, session(model).run(names, feeds)))


def probe(model, feeds, values):
    """The value of each of `values` (any value of the graph) on `feeds`, by value name."""
    exposed_model, exposed = expose(model, values)
    got = run(exposed_model, feeds, exposed)
    return {v: got[e] for v, e in zip(values, exposed)}


def rename(names, old, new):
    """Replaces `old` by `new` in a node's `input` or `output` list."""
    names[:] = [new if n == old else n for n in names]


def set_nodes(graph, nodes):
    """Makes `nodes` (some of them graph.node's own) the graph's nodes, in that order."""
    # Copies first: clearing graph.node invalidates the messages it held.
    copies = []
    for n in nodes:
        c = onnx.NodeProto()
        c.CopyFrom(n)
        copies.append(c)
    del graph.node[:]
    graph.node.extend(copies)


def save(path, array):
    """`array` as a C-order .npy file, format 1.0."""
    array = np.ascontiguousarray(array)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=(1, 0), allow_pickle=False)
