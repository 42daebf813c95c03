#!/usr/bin/env python3
"""Writes the ONNX backend node test suite of the pinned onnx package, for Tests/ConformanceTests.

    python3 tools/make-onnx-node-tests.py [OUTPUT_DIR]     (default: .cache/onnx-node-tests)

The cases come from `onnx.backend.test.case.node.collect_testcases()` of onnx==1.23.2 and are
written in the standard layout of `onnx/backend/test/data/node`:

    <test>/model.onnx
    <test>/test_data_set_k/input_j.pb, output_j.pb      (serialized TensorProto, or Sequence/
                                                        Optional/Map protos for those types)

plus `index.tsv` (one line per case: name, op type, domain, `tensor` when every graph input and
output is a tensor, else `other`) and `ONNX_VERSION`. The runner reads the index to attribute
each case to the op it tests (an `_expanded` case holds many primitive nodes) and checks the
version, since the expected-results list belongs to one onnx release.

The output folder is replaced as a whole (written next to it, then renamed), so an interrupted
run never leaves a half-written suite behind. Deterministic: the test cases seed their own RNGs.
"""
import os
import pathlib
import shutil
import sys
import warnings

import onnx
from onnx import TensorProto, numpy_helper

PINNED = "1.23.2"
ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / ".cache" / "onnx-node-tests"


def collect():
    """The node test cases, each with the op type of the `expect` call that produced it."""
    import onnx.backend.test.case.node as node_cases

    original = node_cases.expect
    op_of_case = {}

    def recording_expect(node_op, *args, **kwargs):
        before = len(node_cases._NodeTestCases)
        result = original(node_op, *args, **kwargs)
        for case in node_cases._NodeTestCases[before:]:
            op_of_case[case.name] = (node_op.op_type, node_op.domain)
        return result

    # The case modules import `expect` from the package on first import, so the wrapper must be
    # in place before collect_testcases imports them.
    node_cases.expect = recording_expect
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cases = node_cases.collect_testcases()
    finally:
        node_cases.expect = original
    return [(case, *op_of_case.get(case.name, ("?", ""))) for case in cases]


def serialize(value, value_info):
    """A test input or output as the proto its graph declaration calls for."""
    kind = value_info.type.WhichOneof("value")
    name = value_info.name
    if kind == "map_type":
        return numpy_helper.from_dict(value, name)
    if kind == "sequence_type":
        return numpy_helper.from_list(value, name)
    if kind == "optional_type":
        return numpy_helper.from_optional(value, name)
    if isinstance(value, TensorProto):
        return value
    return numpy_helper.from_array(value, name)


def is_tensor_only(model):
    graph = model.graph
    return all(v.type.HasField("tensor_type") for v in list(graph.input) + list(graph.output))


def main():
    if onnx.__version__ != PINNED:
        sys.exit(f"error: onnx {onnx.__version__} is installed; the suite is pinned to onnx=={PINNED}")
    out = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DEFAULT_OUT
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)

    index = []
    for case, op_type, domain in collect():
        folder = staging / case.name
        folder.mkdir()
        (folder / "model.onnx").write_bytes(case.model.SerializeToString())
        graph = case.model.graph
        for k, (inputs, outputs) in enumerate(case.data_sets):
            data = folder / f"test_data_set_{k}"
            data.mkdir()
            for j, value in enumerate(inputs):
                proto = serialize(value, graph.input[j])
                (data / f"input_{j}.pb").write_bytes(proto.SerializeToString())
            for j, value in enumerate(outputs):
                proto = serialize(value, graph.output[j])
                (data / f"output_{j}.pb").write_bytes(proto.SerializeToString())
        kind = "tensor" if is_tensor_only(case.model) else "other"
        index.append(f"{case.name}\t{op_type}\t{domain}\t{kind}\n")

    (staging / "index.tsv").write_text("".join(sorted(index)))
    (staging / "ONNX_VERSION").write_text(onnx.__version__ + "\n")
    if out.exists():
        if not (out / "ONNX_VERSION").exists() and any(out.iterdir()):
            sys.exit(f"error: {out} exists and is not a suite written by this script; not replacing it")
        shutil.rmtree(out)
    os.rename(staging, out)
    tensor_only = sum(line.endswith("\ttensor\n") for line in index)
    print(f"wrote {len(index)} cases ({tensor_only} tensor-only) to {out}")


if __name__ == "__main__":
    main()
