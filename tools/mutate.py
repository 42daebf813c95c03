#!/usr/bin/env python3
"""Mutation run: many broken variants of each fixture model through `onnxpatch inspect` and
`onnxpatch run`, checking that every one ends with exit status 0 or 1, no signal, no hang, and
(on failure) exactly one stderr line `error: …`.

Half the mutants are byte-level (flipped bits, overwritten, inserted, deleted or cut bytes): they
exercise the wire scanner, protobuf-c and the tensor decoder. The other half are structural,
made with the onnx package (attributes set to extreme values, shape initializers rewritten, node
inputs rewired, op types swapped, nodes deleted or duplicated, opsets and element types changed):
they load, and exercise the interpreter's checks at plan and run time.

    python3 tools/mutate.py [--binary PATH] [--count N] [--seed S] [--stack K] [--timeout SECONDS]
                            [--fixture NAME]... [--keep DIR]

Needs onnx==1.23.2 and numpy. The binary defaults to $ONNXPATCH_BIN or .build/debug/onnxpatch.
Mutants that crash or hang are written to --keep (default .build-mutate/findings/) with the
command that failed; the script exits 1 when there is any.
"""
import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
INTERESTING_INTS = [0, 1, -1, 2, -2, 3, 7, 64, 255, 256, 65535, 2**31 - 1, -2**31, 2**32, 2**62, 2**63 - 1,
                    -2**63, 10**6, 10**12]
INTERESTING_FLOATS = [0.0, -0.0, 1.0, -1.0, 1e-45, 1e38, -1e38, float("inf"), float("-inf"), float("nan")]
INTERESTING_BYTES = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x08, 0x0A, 0x12, 0x3A]


# --- byte-level mutations -------------------------------------------------------------------------

def flip_bits(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data), "flip bits"


def overwrite(data, rng):
    data = bytearray(data)
    at = rng.randrange(len(data))
    for k in range(rng.randint(1, 8)):
        if at + k < len(data):
            data[at + k] = rng.choice(INTERESTING_BYTES)
    return bytes(data), "overwrite bytes at %d" % at


def insert(data, rng):
    at = rng.randrange(len(data) + 1)
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
    return data[:at] + junk + data[at:], "insert %d bytes at %d" % (len(junk), at)


def delete(data, rng):
    at = rng.randrange(len(data))
    n = rng.randint(1, 64)
    return data[:at] + data[at + n:], "delete %d bytes at %d" % (n, at)


def truncate(data, rng):
    n = rng.randrange(len(data))
    return data[:n], "truncate to %d bytes" % n


def duplicate_chunk(data, rng):
    at = rng.randrange(len(data))
    n = rng.randint(1, 256)
    return data[:at] + data[at:at + n] + data[at:], "duplicate %d bytes at %d" % (n, at)


BYTE_MUTATIONS = [flip_bits, overwrite, insert, delete, truncate, duplicate_chunk]


# --- structural mutations -------------------------------------------------------------------------

def value_names(graph):
    names = [i.name for i in graph.input] + [t.name for t in graph.initializer]
    for node in graph.node:
        names += [o for o in node.output if o]
    return names


def attr_int(model, rng):
    nodes = [n for n in model.graph.node for a in n.attribute if a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS)]
    if not nodes:
        return None
    node = rng.choice(nodes)
    attr = rng.choice([a for a in node.attribute if a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS)])
    value = rng.choice(INTERESTING_INTS)
    if attr.type == onnx.AttributeProto.INT:
        attr.i = value
    elif attr.ints:
        attr.ints[rng.randrange(len(attr.ints))] = value
    else:
        attr.ints.append(value)
    return "node %s: attribute %s set to %d" % (node.name, attr.name, value)


def attr_float(model, rng):
    nodes = [n for n in model.graph.node for a in n.attribute if a.type == onnx.AttributeProto.FLOAT]
    if not nodes:
        return None
    node = rng.choice(nodes)
    attr = rng.choice([a for a in node.attribute if a.type == onnx.AttributeProto.FLOAT])
    attr.f = rng.choice(INTERESTING_FLOATS)
    return "node %s: attribute %s set to %r" % (node.name, attr.name, attr.f)


def drop_attribute(model, rng):
    nodes = [n for n in model.graph.node if n.attribute]
    if not nodes:
        return None
    node = rng.choice(nodes)
    k = rng.randrange(len(node.attribute))
    name = node.attribute[k].name
    del node.attribute[k]
    return "node %s: attribute %s removed" % (node.name, name)


def attribute_type(model, rng):
    """An attribute whose declared type does not match the field that holds its value."""
    nodes = [n for n in model.graph.node if n.attribute]
    if not nodes:
        return None
    node = rng.choice(nodes)
    attr = rng.choice(node.attribute)
    attr.type = rng.choice([0, 1, 2, 3, 4, 6, 7, 8, 9, 11, 13])
    return "node %s: attribute %s given type %d" % (node.name, attr.name, attr.type)


def small_int_initializer(model, rng):
    """Rewrites an element of a small int64 initializer (shapes, axes, starts, ends, indices)."""
    inits = [t for t in model.graph.initializer if t.data_type == TensorProto.INT64 and 0 < np.prod(t.dims) <= 16]
    constants = [n for n in model.graph.node if n.op_type == "Constant" and n.attribute
                 and n.attribute[0].type == onnx.AttributeProto.TENSOR and n.attribute[0].t.data_type == TensorProto.INT64
                 and 0 < np.prod(n.attribute[0].t.dims) <= 16]
    pool = [(t, None) for t in inits] + [(n.attribute[0].t, n) for n in constants]
    if not pool:
        return None
    tensor, node = rng.choice(pool)
    array = numpy_helper.to_array(tensor).copy()
    flat = array.reshape(-1)
    k = rng.randrange(flat.size)
    flat[k] = rng.choice(INTERESTING_INTS[:-2] + [-2**63, 2**63 - 1])
    tensor.CopyFrom(numpy_helper.from_array(array, tensor.name))
    return "int64 %s[%d] set to %d" % (node.name if node is not None else tensor.name, k, flat[k])


def rewire_input(model, rng):
    nodes = [n for n in model.graph.node if n.input]
    names = value_names(model.graph)
    if not nodes or not names:
        return None
    node = rng.choice(nodes)
    k = rng.randrange(len(node.input))
    node.input[k] = rng.choice(names + [""])
    return "node %s: input %d rewired to '%s'" % (node.name, k, node.input[k])


def swap_op_type(model, rng):
    if not model.graph.node:
        return None
    node = rng.choice(model.graph.node)
    ops = sorted({n.op_type for n in model.graph.node} | {"Reshape", "Gather", "Expand", "Slice", "Concat", "Split",
                                                           "Transpose", "ConstantOfShape", "Tile", "Range", "Pad"})
    node.op_type = rng.choice(ops)
    return "node %s: op_type changed to %s" % (node.name, node.op_type)


def delete_node(model, rng):
    if not model.graph.node:
        return None
    k = rng.randrange(len(model.graph.node))
    name = model.graph.node[k].name
    del model.graph.node[k]
    return "node %s deleted" % name


def duplicate_node(model, rng):
    if not model.graph.node:
        return None
    node = rng.choice(model.graph.node)
    model.graph.node.append(copy.deepcopy(node))
    return "node %s duplicated" % node.name


def opset(model, rng):
    entry = model.opset_import[0]
    entry.version = rng.choice([1, 5, 6, 7, 9, 11, 13, 17, 21, 23, 24, 99, 0, -1])
    return "opset of '%s' set to %d" % (entry.domain, entry.version)


def elem_type(model, rng):
    values = list(model.graph.input) + list(model.graph.output) + list(model.graph.value_info)
    if not values:
        return None
    value = rng.choice(values)
    value.type.tensor_type.elem_type = rng.choice([0, 1, 2, 6, 7, 9, 10, 11, 16, 8, 99])
    return "value %s: elem_type set to %d" % (value.name, value.type.tensor_type.elem_type)


def input_dim(model, rng):
    inputs = [i for i in model.graph.input if i.type.tensor_type.shape.dim]
    if not inputs:
        return None
    value = rng.choice(inputs)
    dim = rng.choice(value.type.tensor_type.shape.dim)
    dim.dim_value = rng.choice([0, 1, 3, 2**62, -5])
    return "input %s: a dim set to %d" % (value.name, dim.dim_value)


def cast_to(model, rng):
    nodes = [n for n in model.graph.node if n.op_type in ("Cast", "CastLike", "EyeLike", "RandomNormalLike")]
    for n in nodes:
        for a in n.attribute:
            if a.name in ("to", "dtype"):
                a.i = rng.choice([0, 2, 3, 7, 8, 9, 10, 11, 16, 17, 21, 99])
                return "node %s: %s set to %d" % (n.name, a.name, a.i)
    return None


STRUCTURAL_MUTATIONS = [attr_int, attr_int, attr_float, drop_attribute, attribute_type, small_int_initializer,
                        small_int_initializer, rewire_input, swap_op_type, delete_node, duplicate_node, opset,
                        elem_type, input_dim, cast_to]


def structural(original, rng, stack=1):
    """`original` with 1 to `stack` structural mutations applied."""
    model = copy.deepcopy(original)
    done = []
    wanted = rng.randint(1, stack)
    for _ in range(20 * stack):
        if len(done) == wanted:
            break
        try:
            what = rng.choice(STRUCTURAL_MUTATIONS)(model, rng)
        except ValueError:  # a value the protobuf field cannot hold: try another mutation
            continue
        if what is not None:
            done.append(what)
    if not done:
        return None, None
    return model.SerializeToString(), "; ".join(done)


# --- running ---------------------------------------------------------------------------------------

def run(binary, arguments, timeout):
    env = dict(os.environ, SWIFT_BACKTRACE="enable=no")
    start = time.monotonic()
    try:
        p = subprocess.run([binary] + arguments, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return "hang", "", time.monotonic() - start
    stderr = p.stderr.decode("utf-8", "replace")
    if p.returncode < 0:
        return "signal %d" % -p.returncode, stderr, time.monotonic() - start
    if p.returncode not in (0, 1):
        return "status %d" % p.returncode, stderr, time.monotonic() - start
    if p.returncode == 1 and not (stderr.startswith("error: ") and stderr.count("\n") == 1 and stderr.endswith("\n")):
        return "bad error line", stderr, time.monotonic() - start
    return ("ok" if p.returncode == 0 else "refused"), stderr, time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.environ.get("ONNXPATCH_BIN", os.path.join(ROOT, ".build/debug/onnxpatch")))
    parser.add_argument("--count", type=int, default=300, help="mutants per fixture")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stack", type=int, default=1, help="structural mutations per mutant, at most")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--fixture", action="append", help="fixture names under Fixtures/models (default: all)")
    parser.add_argument("--keep", default=os.path.join(ROOT, ".build-mutate/findings"))
    args = parser.parse_args()

    models_dir = os.path.join(ROOT, "Fixtures/models")
    fixtures = args.fixture or sorted(os.listdir(models_dir))
    scratch = tempfile.mkdtemp(prefix="onnxpatch-mutate-")
    findings = []
    totals = {}
    try:
        for name in fixtures:
            folder = os.path.join(models_dir, name)
            with open(os.path.join(folder, "fixture.json")) as f:
                manifest = json.load(f)
            model_path = os.path.join(folder, manifest["model"])
            with open(model_path, "rb") as f:
                original_bytes = f.read()
            original = onnx.load_from_string(original_bytes)
            inputs = [a for k, v in sorted(manifest["inputs"].items()) for a in ("--input", "%s=%s" % (k, os.path.join(folder, v)))]
            rng = random.Random("%d/%s" % (args.seed, name))
            counts = {}
            slowest = 0.0
            for k in range(args.count):
                if k % 2 == 0:
                    data, what = rng.choice(BYTE_MUTATIONS)(original_bytes, rng)
                else:
                    data, what = structural(original, rng, args.stack)
                    if data is None:
                        data, what = flip_bits(original_bytes, rng)
                mutant = os.path.join(scratch, "%s-%d.onnx" % (name, k))
                with open(mutant, "wb") as f:
                    f.write(data)
                out = os.path.join(scratch, "out")
                for command, arguments in [("inspect", ["inspect", mutant]),
                                           ("run", ["run", mutant] + inputs + ["--out", out])]:
                    outcome, stderr, seconds = run(args.binary, arguments, args.timeout)
                    slowest = max(slowest, seconds)
                    key = (command, outcome if outcome in ("ok", "refused") else "FINDING")
                    counts[key] = counts.get(key, 0) + 1
                    if command == "run" and outcome == "refused":
                        # Where the refusal came from: the loader names the file, a node error the node.
                        stage = "load" if stderr.startswith("error: " + mutant) else \
                            "node" if "node '" in stderr else "plan/input"
                        counts[("stage", stage)] = counts.get(("stage", stage), 0) + 1
                    if outcome not in ("ok", "refused"):
                        os.makedirs(args.keep, exist_ok=True)
                        kept = os.path.join(args.keep, "%s-%d.onnx" % (name, k))
                        shutil.copy(mutant, kept)
                        line = "%s: %s on %s (%s): %s" % (outcome, command, kept, what, stderr.strip()[:300])
                        findings.append(line)
                        print(line, flush=True)
                shutil.rmtree(out, ignore_errors=True)
                os.remove(mutant)
            totals[name] = counts
            print("%-16s %d mutants: inspect ok %d, refused %d; run ok %d, refused %d (at load %d, by a node %d, "
                  "other %d); findings %d; slowest %.1f s"
                  % (name, args.count, counts.get(("inspect", "ok"), 0), counts.get(("inspect", "refused"), 0),
                     counts.get(("run", "ok"), 0), counts.get(("run", "refused"), 0),
                     counts.get(("stage", "load"), 0), counts.get(("stage", "node"), 0),
                     counts.get(("stage", "plan/input"), 0),
                     counts.get(("inspect", "FINDING"), 0) + counts.get(("run", "FINDING"), 0), slowest), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    n = len(fixtures) * args.count
    print("%d mutants, %d process runs, %d findings" % (n, 2 * n, len(findings)))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
