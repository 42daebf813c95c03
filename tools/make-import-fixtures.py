#!/usr/bin/env python3
"""Writes the small ONNX files under Fixtures/import/ that Tests/ONNXImportTests read.

Each model is built with the onnx helper API (or by hand-encoding protobuf where onnx would refuse
to write the broken thing we want). Values are chosen so the tests can state them by hand.
Run from anywhere: python3 tools/make-import-fixtures.py (needs onnx==1.23.2 and numpy).
"""
import os
import random
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "import")
OPSET = [helper.make_opsetid("", 18)]


def tensor(name, dtype, dims, **fields):
    """A TensorProto with exactly the storage fields given (raw_data, float_data, …)."""
    t = TensorProto(name=name, data_type=dtype, dims=dims)
    for key, value in fields.items():
        if key == "raw_data":
            t.raw_data = value
        else:
            getattr(t, key).extend(value)
    return t


def model(graph, opsets=OPSET, ir_version=10, **kwargs):
    m = helper.make_model(graph, opset_imports=opsets, producer_name="make-import-fixtures",
                          producer_version="1", **kwargs)
    m.ir_version = ir_version
    return m


def save(m, name):
    path = os.path.join(ROOT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = m if isinstance(m, bytes) else m.SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    return data


def vinfo(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def simple():
    """x[batch,3] + w -> sum -> Relu -> y; w and two more initializers placed so that one's
    raw_data is 8-aligned in the file and the other's is misaligned for float32."""
    for pad, pad2 in ((a, b) for a in range(8) for b in range(8)):
        w = tensor("w", TensorProto.FLOAT, [3], raw_data=np.array([1, -2, 3], "<f4").tobytes())
        aligned = tensor("aligned", TensorProto.DOUBLE, [4],
                         raw_data=np.array([0.5, 1.5, -2.5, 1e10], "<f8").tobytes())
        aligned.doc_string = "." * pad2  # after raw_data in the encoding: moves only later tensors
        misaligned = tensor("misaligned", TensorProto.FLOAT, [2],
                            raw_data=np.array([7.25, -8.5], "<f4").tobytes())
        nodes = [helper.make_node("Add", ["x", "w"], ["sum"], name="add"),
                 helper.make_node("Relu", ["sum"], ["y"], name="relu")]
        g = helper.make_graph(nodes, "simple" + "_" * pad,
                              [vinfo("x", TensorProto.FLOAT, ["batch", 3])],
                              [vinfo("y", TensorProto.FLOAT, ["batch", 3]),
                               vinfo("aligned", TensorProto.DOUBLE, [4]),
                               vinfo("misaligned", TensorProto.FLOAT, [2])],
                              [w, aligned, misaligned],
                              value_info=[vinfo("sum", TensorProto.FLOAT, ["batch", None])])
        data = model(g).SerializeToString()
        a = data.find(aligned.raw_data)
        b = data.find(misaligned.raw_data)
        if a % 8 == 0 and b % 4 == 2:
            save(data, "simple.onnx")
            return
    raise SystemExit("no padding gives the alignments wanted")


def storage_forms():
    """Every TensorProto storage form, with values the tests spell out."""
    f16 = np.array([1.0, -2.5], np.float16).view(np.uint16)
    inits = [
        tensor("f32_raw", TensorProto.FLOAT, [2, 2], raw_data=np.array([1.5, -2, 3.25, 4], "<f4").tobytes()),
        tensor("f32_float_data", TensorProto.FLOAT, [3], float_data=[0.5, -1, 2]),
        tensor("i32_int32_data", TensorProto.INT32, [2], int32_data=[-7, 2147483647]),
        tensor("i16_int32_data", TensorProto.INT16, [2], int32_data=[-300, 300]),
        tensor("i8_int32_data", TensorProto.INT8, [3], int32_data=[-128, 0, 127]),
        tensor("u16_int32_data", TensorProto.UINT16, [2], int32_data=[0, 65535]),
        tensor("u8_int32_data", TensorProto.UINT8, [2], int32_data=[0, 255]),
        tensor("bool_int32_data", TensorProto.BOOL, [3], int32_data=[1, 0, 1]),
        tensor("f16_int32_data", TensorProto.FLOAT16, [2], int32_data=[int(v) for v in f16]),
        tensor("bf16_int32_data", TensorProto.BFLOAT16, [2], int32_data=[0x3F80, 0xC000]),
        tensor("i64_int64_data", TensorProto.INT64, [2], int64_data=[-(1 << 40), 5]),
        tensor("f64_double_data", TensorProto.DOUBLE, [2], double_data=[0.1, -1e300]),
        tensor("u32_uint64_data", TensorProto.UINT32, [2], uint64_data=[0, 4294967295]),
        tensor("u64_uint64_data", TensorProto.UINT64, [1], uint64_data=[18446744073709551615]),
        tensor("i64_raw", TensorProto.INT64, [3], raw_data=np.array([-1, 0, 1 << 50], "<i8").tobytes()),
        tensor("f16_raw", TensorProto.FLOAT16, [2], raw_data=np.array([0.5, -4], "<f2").tobytes()),
        tensor("bf16_raw", TensorProto.BFLOAT16, [1], raw_data=np.array([0x4040], "<u2").tobytes()),
        tensor("u8_raw", TensorProto.UINT8, [4], raw_data=bytes([0, 1, 128, 255])),
        tensor("bool_raw", TensorProto.BOOL, [3], raw_data=bytes([0, 1, 2])),
        tensor("f64_raw", TensorProto.DOUBLE, [1], raw_data=np.array([-0.25], "<f8").tobytes()),
        tensor("scalar_raw", TensorProto.FLOAT, [], raw_data=np.array([42], "<f4").tobytes()),
        tensor("empty", TensorProto.FLOAT, [0, 3]),
    ]
    outputs = [vinfo(t.name, t.data_type, list(t.dims)) for t in inits]
    save(model(helper.make_graph([], "storage_forms", [], outputs, inits)), "storage_forms.onnx")


def attributes():
    """One node with every attribute type, one Constant, and attributes without `type`."""
    sub = helper.make_graph([helper.make_node("Identity", ["a"], ["b"])], "sub",
                            [vinfo("a", TensorProto.FLOAT, [1])], [vinfo("b", TensorProto.FLOAT, [1])])
    sparse = helper.make_sparse_tensor(
        helper.make_tensor("sv", TensorProto.FLOAT, [1], [5.0]),
        helper.make_tensor("si", TensorProto.INT64, [1], [2]), [4])
    custom = helper.make_node(
        "Custom", ["x"], ["y"], name="attrs", domain="test.domain",
        f=0.25, i=-3, s="h\u00e9llo", t=helper.make_tensor("t", TensorProto.INT64, [2], [1, 2]),
        floats=[1.0, 2.5], ints=[1, -2, 3], strings=["a", "b"],
        tensors=[helper.make_tensor("t0", TensorProto.FLOAT, [1], [1.0]),
                 helper.make_tensor("t1", TensorProto.INT32, [], [7])],
        g=sub, graphs=[sub], sparse=sparse, tp=helper.make_tensor_type_proto(TensorProto.FLOAT, [2]))
    # Old files (IR < 3) have no AttributeProto.type: the importer infers it from the field set.
    old_int = helper.make_attribute("old_int", 9)
    old_int.ClearField("type")
    old_floats = helper.make_attribute("old_floats", [0.5, 0.25])
    old_floats.ClearField("type")
    custom.attribute.extend([old_int, old_floats])
    const = helper.make_node("Constant", [], ["c"], name="const",
                             value=tensor("value", TensorProto.FLOAT, [2], float_data=[3, 4]))
    g = helper.make_graph([custom, const], "attributes", [vinfo("x", TensorProto.FLOAT, [2])],
                          [vinfo("y", TensorProto.FLOAT, [2]), vinfo("c", TensorProto.FLOAT, [2])])
    save(model(g, opsets=OPSET + [helper.make_opsetid("test.domain", 1)]), "attributes.onnx")


def initializers_as_inputs():
    """The pre-IR-4 layout: every weight is also listed as a graph input."""
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 2], [1, 2, 3, 4])
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "old",
                          [vinfo("x", TensorProto.FLOAT, [1, 2]), vinfo("w", TensorProto.FLOAT, [2, 2])],
                          [vinfo("y", TensorProto.FLOAT, [1, 2])], [w])
    save(model(g, opsets=[helper.make_opsetid("ai.onnx", 9)], ir_version=3), "initializers_as_inputs.onnx")


def names():
    """Legacy `/a/b/Op` names, dynamo name_scopes metadata, nameless nodes and collisions."""
    n = [
        helper.make_node("MatMul", ["x", "x"], ["/transformer/h.0/attn/MatMul_output_0"],
                         name="/transformer/h.0/attn/MatMul"),
        helper.make_node("Relu", ["/transformer/h.0/attn/MatMul_output_0"], ["relu_out"]),
        helper.make_node("Sink", ["relu_out"], ["", "sink_b"], domain="test.domain"),
        helper.make_node("Neg", ["sink_b"], ["d1"], name="dup"),
        helper.make_node("Neg", ["d1"], ["d2"], name="dup"),
        helper.make_node("Neg", ["d2"], ["d3"], name="dup#2"),
        helper.make_node("MatMul", ["d3", "x"], ["mm"], name="node_MatMul_12"),
        helper.make_node("Clip", ["mm", "", "x"], ["clipped"], name="clip"),  # "" = omitted input
    ]
    for key, value in [("pkg.torch.onnx.name_scopes",
                        "['', 'm', 'm.transformer', 'm.transformer.h.0', 'm.transformer.h.0.attn']"),
                       ("pkg.torch.onnx.class_hierarchy", "['Model', 'Attention']")]:
        n[6].metadata_props.add(key=key, value=value)
    g = helper.make_graph(n, "names", [vinfo("x", TensorProto.FLOAT, [2, 2])],
                          [vinfo("mm", TensorProto.FLOAT, [2, 2])])
    save(model(g, opsets=OPSET + [helper.make_opsetid("test.domain", 1)]), "names.onnx")


def sparse():
    """Sparse initializers with linear and with coordinate indices; one also listed as input."""
    linear = helper.make_sparse_tensor(
        helper.make_tensor("linear", TensorProto.FLOAT, [2], [5.0, 6.0]),
        helper.make_tensor("linear_indices", TensorProto.INT64, [2], [1, 4]), [2, 3])
    coords = helper.make_sparse_tensor(
        helper.make_tensor("coords", TensorProto.INT32, [2], [7, 8]),
        helper.make_tensor("coords_indices", TensorProto.INT64, [2, 2], [0, 2, 1, 0]), [2, 3])
    g = helper.make_graph([helper.make_node("Add", ["linear", "linear"], ["y"])], "sparse",
                          [vinfo("linear", TensorProto.FLOAT, [2, 3])],
                          [vinfo("y", TensorProto.FLOAT, [2, 3]), vinfo("coords", TensorProto.INT32, [2, 3])],
                          sparse_initializer=[linear, coords])
    save(model(g), "sparse.onnx")


def tensor_files():
    save(tensor("input_ids", TensorProto.INT64, [2, 3], raw_data=np.arange(6, dtype="<i8").tobytes()),
         "input_ids.pb")
    save(tensor("", TensorProto.FLOAT, [2], float_data=[0.5, -0.5]), "unnamed_float_data.pb")


def external():
    """A model whose weights live in external files, and one model per refused declaration."""
    weights = (np.array([1, 2, 3, 4], "<f4").tobytes()                 # ext_a at 0
               + np.array([-5, 6], "<i8").tobytes()                     # ext_b at 16
               + b"\0\0" + np.array([0.5, 0.25], "<f4").tobytes()       # ext_c at 34 (misaligned)
               + b"\0\0" + np.array([9], "<f4").tobytes())              # ext_d at 44, to the end
    save(weights, "external/weights.bin")
    save(np.array([11, 12], "<f4").tobytes(), "external/sub/w.bin")

    def ext(name, dtype, dims, entries):
        t = TensorProto(name=name, data_type=dtype, dims=dims, data_location=TensorProto.EXTERNAL)
        for key, value in entries:
            t.external_data.add(key=key, value=value)
        return t

    def one(file, t):
        g = helper.make_graph([], file, [], [vinfo(t.name, t.data_type, list(t.dims))], [t])
        save(model(g), "external/" + file)

    valid = [ext("ext_a", TensorProto.FLOAT, [4], [("location", "weights.bin"), ("offset", "0"), ("length", "16")]),
             ext("ext_b", TensorProto.INT64, [2], [("location", "weights.bin"), ("offset", "16"), ("length", "16"),
                                                   ("checksum", "ignored")]),
             ext("ext_c", TensorProto.FLOAT, [2], [("location", "./weights.bin"), ("offset", "34"), ("length", "8")]),
             ext("ext_d", TensorProto.FLOAT, [1], [("location", "weights.bin"), ("offset", "44")]),
             ext("ext_sub", TensorProto.FLOAT, [2], [("location", "sub/w.bin")])]
    const = helper.make_node("Constant", [], ["c"], name="const",
                             value=ext("value", TensorProto.FLOAT, [2], [("location", "sub/w.bin")]))
    g = helper.make_graph([const], "external", [], [vinfo(t.name, t.data_type, list(t.dims)) for t in valid]
                          + [vinfo("c", TensorProto.FLOAT, [2])], valid)
    save(model(g), "external/valid.onnx")

    f4 = TensorProto.FLOAT
    one("absolute.onnx", ext("w", f4, [4], [("location", "/tmp/weights.bin")]))
    one("dotdot.onnx", ext("w", f4, [4], [("location", "sub/../../external/weights.bin")]))
    one("unknown_key.onnx", ext("w", f4, [4], [("location", "weights.bin"), ("sha1", "abc")]))
    one("past_end.onnx", ext("w", f4, [4], [("location", "weights.bin"), ("offset", "40"), ("length", "16")]))
    one("length_mismatch.onnx", ext("w", f4, [4], [("location", "weights.bin"), ("length", "12")]))
    one("negative_offset.onnx", ext("w", f4, [4], [("location", "weights.bin"), ("offset", "-4")]))
    one("nonnumeric_length.onnx", ext("w", f4, [4], [("location", "weights.bin"), ("length", "16abc")]))
    one("missing_file.onnx", ext("w", f4, [4], [("location", "nothere.bin")]))
    one("sub_only.onnx", ext("w", f4, [2], [("location", "sub/w.bin")]))


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(number, payload):
    """A length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def malformed():
    save(b"", "malformed/empty.onnx")
    rng = random.Random(1234)
    noise = bytes(rng.randrange(256) for _ in range(512))
    try:
        onnx.load_from_string(noise)
        raise SystemExit("random bytes parsed as a model; pick another seed")
    except Exception:
        pass
    save(noise, "malformed/random.onnx")

    # Attribute.g -> Graph.node -> Node.attribute -> Attribute.g ... about 30 KB, ~10,000 levels.
    graph = b""
    while len(graph) < 30_000:
        attribute = field(6, graph)            # AttributeProto.g
        node = field(5, attribute)             # NodeProto.attribute
        graph = field(1, node)                 # GraphProto.node
    opset = field(8, varint(2 << 3) + varint(18))
    save(varint(1 << 3) + varint(10) + field(7, graph) + opset, "malformed/nested.onnx")

    x = vinfo("x", TensorProto.FLOAT, [1])
    y = vinfo("y", TensorProto.FLOAT, [1])

    def graph_model(nodes, inits=(), outputs=(y,), inputs=(x,)):
        return model(helper.make_graph(nodes, "bad", list(inputs), list(outputs), list(inits)))

    save(graph_model([helper.make_node("Add", ["x", "ghost"], ["y"], name="uses_ghost")]),
         "malformed/undefined_input.onnx")
    save(graph_model([helper.make_node("Relu", ["x"], ["y"], name="first"),
                      helper.make_node("Neg", ["x"], ["y"], name="second")]), "malformed/defined_twice.onnx")
    save(graph_model([helper.make_node("Add", ["x", "b"], ["a"], name="loop_a"),
                      helper.make_node("Relu", ["a"], ["b"], name="loop_b"),
                      helper.make_node("Relu", ["a"], ["y"], name="out")]), "malformed/cycle.onnx")

    def lying(file, t):
        save(graph_model([helper.make_node("Add", ["x", t.name], ["y"])], inits=[t]), "malformed/" + file)

    lying("short_raw.onnx", tensor("liar", TensorProto.FLOAT, [2, 3], raw_data=b"\0" * 20))
    lying("negative_dims.onnx", tensor("neg", TensorProto.FLOAT, [2, -3], raw_data=b""))
    lying("overflow_dims.onnx", tensor("huge", TensorProto.FLOAT, [1 << 40, 1 << 40], raw_data=b""))
    lying("over_limit.onnx", tensor("big", TensorProto.FLOAT, [1 << 20, 1 << 20], raw_data=b""))
    lying("float_data_count.onnx", tensor("few", TensorProto.FLOAT, [4], float_data=[1, 2, 3]))
    lying("wrong_field.onnx", tensor("misplaced", TensorProto.FLOAT, [2], int64_data=[1, 2]))
    lying("string_tensor.onnx", tensor("words", TensorProto.STRING, [1], string_data=[b"hi"]))
    lying("unknown_dtype.onnx", tensor("odd", 99, [1], raw_data=b"\0"))
    lying("two_sources.onnx", tensor("both", TensorProto.FLOAT, [1], raw_data=b"\0" * 4, float_data=[1]))

    m = graph_model([helper.make_node("Relu", ["x"], ["y"])])
    m.ClearField("graph")
    save(m, "malformed/no_graph.onnx")
    m = graph_model([helper.make_node("Relu", ["x"], ["y"])])
    del m.opset_import[:]
    save(m, "malformed/no_opset.onnx")
    m = graph_model([helper.make_node("Relu", ["x"], ["y"], name="blank")])
    m.graph.node[0].op_type = ""
    save(m, "malformed/no_op_type.onnx")
    m = graph_model([helper.make_node("Add", ["x", "sparse_w"], ["y"])])
    m.graph.sparse_initializer.append(helper.make_sparse_tensor(
        helper.make_tensor("sparse_w", TensorProto.FLOAT, [2], [5.0, 6.0]),
        helper.make_tensor("sparse_w_indices", TensorProto.INT64, [2], [0, 3]), [3]))
    save(m, "malformed/sparse_out_of_range.onnx")
    m = graph_model([helper.make_node("Relu", ["x"], ["y"], name="valueless")])
    m.graph.node[0].attribute.add(name="alpha")  # neither a type nor a value
    save(m, "malformed/empty_attribute.onnx")
    save(graph_model([helper.make_node("Relu", ["x"], ["y"])],
                     inits=[tensor("w", TensorProto.FLOAT, [1], float_data=[1]),
                            tensor("w", TensorProto.FLOAT, [1], float_data=[2])]),
         "malformed/duplicate_initializer.onnx")


def schema():
    """Every submessage field reachable from ModelProto, read from onnx's own descriptors:
    the independent reference for the wire scanner's table."""
    lines, seen, todo = [], set(), [onnx.ModelProto.DESCRIPTOR]
    while todo:
        d = todo.pop()
        if d.full_name in seen:
            continue
        seen.add(d.full_name)
        for f in d.fields:
            if f.message_type is not None:
                lines.append(f"{d.full_name[5:]} {f.number} {f.message_type.full_name[5:]}")
                todo.append(f.message_type)
    with open(os.path.join(ROOT, "schema.txt"), "w") as out:
        out.write("# message field submessage (onnx %s)\n" % onnx.__version__)
        out.write("\n".join(sorted(lines)) + "\n")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    simple()
    storage_forms()
    attributes()
    initializers_as_inputs()
    names()
    sparse()
    tensor_files()
    external()
    malformed()
    schema()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
    print(f"wrote {ROOT} ({total} bytes)")


if __name__ == "__main__":
    main()
