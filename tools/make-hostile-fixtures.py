#!/usr/bin/env python3
"""Writes Fixtures/hostile/: small models and tensor files that Tests/HostileInputTests feed to the
command line, and extra fuzzing seeds (Fixtures/hostile/seeds/<target>/) for tools/fuzz.sh.

Crashing inputs found by fuzzing live beside them in Fixtures/hostile/<FuzzTarget>/ and are not
written here (they are kept as found). Run from anywhere: python3 tools/make-hostile-fixtures.py
(needs onnx==1.23.2 and numpy). onnxruntime is used to check that each model is what its name says.
"""
import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "hostile")


def save(data, name):
    path = os.path.join(ROOT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, (onnx.ModelProto, onnx.TensorProto)):
        data = data.SerializeToString()
    if isinstance(data, str):
        data = data.encode()
    with open(path, "wb") as f:
        f.write(data)
    return path


def model(nodes, inputs, outputs, inits=(), name="hostile"):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)], producer_name="make-hostile-fixtures")
    m.ir_version = 10
    return m


def vinfo(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def models():
    f4, i8 = TensorProto.FLOAT, TensorProto.INT64
    # Add over inputs with independent symbolic dims: shapes that cannot broadcast pass the input
    # check and fail in the node at run time.
    add = model([helper.make_node("Add", ["a", "b"], ["sum"], name="the_add")],
                [vinfo("a", f4, ["n", 3]), vinfo("b", f4, ["m", 3])], [vinfo("sum", f4, ["p", 3])])
    onnx.checker.check_model(add)
    save(add, "models/add.onnx")
    # Reshape whose target shape is an input: a wrong element count fails at run time.
    reshape = model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="the_reshape")],
                    [vinfo("x", f4, [6]), vinfo("shape", i8, [2])], [vinfo("y", f4, ["r", "c"])])
    onnx.checker.check_model(reshape)
    save(reshape, "models/reshape.onnx")
    # ConstantOfShape with the shape from an input: an astronomically large shape must be refused,
    # not allocated.
    fill = model([helper.make_node("ConstantOfShape", ["shape"], ["y"], name="the_fill")],
                 [vinfo("shape", i8, ["rank"])], [vinfo("y", f4, ["d0", "d1", "d2"])])
    onnx.checker.check_model(fill)
    save(fill, "models/fill.onnx")
    # An op no registry knows: inspect works, run names the op.
    unknown = model([helper.make_node("Frobnicate", ["x"], ["y"], name="mystery", domain="com.example")],
                    [vinfo("x", f4, [2])], [vinfo("y", f4, [2])])
    unknown.opset_import.append(helper.make_opsetid("com.example", 1))
    save(unknown, "models/unknown_op.onnx")
    # A sparse initializer whose dense form is 4 EiB (more than any address space), declared in a
    # few bytes.
    sparse = model([helper.make_node("Add", ["x", "dense"], ["y"], name="uses_sparse")],
                   [vinfo("x", f4, [1])], [vinfo("y", f4, ["r", "c"])])
    sparse.graph.sparse_initializer.append(helper.make_sparse_tensor(
        helper.make_tensor("dense", f4, [1], [5.0]), helper.make_tensor("dense_indices", i8, [1], [0]),
        [1 << 30, 1 << 30]))
    save(sparse, "models/sparse_huge.onnx")

    # Where over three small inputs that broadcast to 2^48 elements (1 PiB of float32, more than
    # any address space): the output allocation must fail with an error naming the node.
    where = model([helper.make_node("Where", ["c", "x", "y"], ["w"], name="the_where")],
                  [vinfo("c", TensorProto.BOOL, ["c0", "c1", "c2"]), vinfo("x", f4, ["x0", "x1", "x2"]),
                   vinfo("y", f4, ["y0", "y1", "y2"])], [vinfo("w", f4, ["w0", "w1", "w2"])])
    onnx.checker.check_model(where)
    save(where, "models/where.onnx")

    # An int4 initializer (packed two per byte in the file) of 2^62 elements and no data: its
    # packed size must be computed without overflow when the size limit is lifted.
    packed = TensorProto(name="packed", data_type=TensorProto.INT4, dims=[1 << 62], raw_data=b"")
    save(model([helper.make_node("Identity", ["packed"], ["y"], name="id")], [],
               [vinfo("y", TensorProto.INT4, [1 << 62])], [packed]), "models/int4_huge.onnx")

    # Check the runnable ones against onnxruntime, so the tests' expectations are not ours alone.
    a = np.ones((2, 3), np.float32)
    out = ort.InferenceSession(save(add, "models/add.onnx")).run(None, {"a": a, "b": a})[0]
    assert out.shape == (2, 3)
    for arr, name in [(a, "a_2x3"), (np.ones((4, 3), np.float32), "b_4x3"),
                      (np.arange(6, dtype=np.float32), "x6"), (np.array([4, 4], np.int64), "shape_4x4"),
                      (np.array([1 << 30, 1 << 30, 1 << 30], np.int64), "shape_huge"),
                      (np.array([2, -1], np.int64), "shape_negative"),
                      (np.array([2, 3], np.int64), "shape_2x3")]:
        np.save(os.path.join(ROOT, "inputs", name + ".npy"), arr)


def external():
    """One model per refused external-data declaration not already in Fixtures/import/external,
    each reading `w` (float32 [4]) from weights.bin (16 bytes) in its own folder."""
    save(np.array([1, 2, 3, 4], "<f4").tobytes(), "external/weights.bin")

    def one(file, entries, dims=(4,)):
        t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=list(dims),
                        data_location=TensorProto.EXTERNAL)
        for key, value in entries:
            t.external_data.add(key=key, value=value)
        m = model([helper.make_node("Relu", ["w"], ["y"], name="uses_w")], [],
                  [vinfo("y", TensorProto.FLOAT, list(dims))], [t])
        save(m, "external/" + file)

    loc = ("location", "weights.bin")
    one("valid.onnx", [loc])
    one("offset_past_end.onnx", [loc, ("offset", "17")])
    one("offset_huge.onnx", [loc, ("offset", "9223372036854775807"), ("length", "16")])
    one("offset_overflow.onnx", [loc, ("offset", "99999999999999999999")])
    one("length_huge.onnx", [loc, ("length", "18446744073709551615")])
    one("length_negative.onnx", [loc, ("length", "-16")])
    one("duplicate_key.onnx", [loc, ("offset", "0"), ("offset", "4")])
    one("no_location.onnx", [("offset", "0")])
    one("folder_itself.onnx", [("location", ".")])
    one("model_itself.onnx", [("location", "model_itself.onnx")])
    one("escaping_link.onnx", [("location", "link.bin")])
    one("hardlink.onnx", [("location", "hard.bin")])
    # Declares 4 TiB, which no file holds: refused by the size limit before the file is opened.
    one("dims_huge.onnx", [loc], dims=(1 << 20, 1 << 20))


def seeds():
    """Valid tensors in every storage form, for the TensorProto fuzzer to mutate."""
    def t(name, dtype, dims, **fields):
        p = TensorProto(name=name, data_type=dtype, dims=dims)
        for key, value in fields.items():
            if key == "raw_data":
                p.raw_data = value
            else:
                getattr(p, key).extend(value)
        return p

    pb = "seeds/FuzzTensorProto/"
    save(t("f", TensorProto.FLOAT, [2, 2], raw_data=np.arange(4, dtype="<f4").tobytes()), pb + "raw_float.pb")
    save(t("d", TensorProto.DOUBLE, [2], double_data=[0.5, -1]), pb + "double_data.pb")
    save(t("i", TensorProto.INT64, [3], int64_data=[-1, 0, 1 << 40]), pb + "int64_data.pb")
    save(t("b", TensorProto.BOOL, [3], int32_data=[1, 0, 7]), pb + "bool.pb")
    save(t("h", TensorProto.FLOAT16, [2], int32_data=[0x3C00, 0xC000]), pb + "float16.pb")
    save(t("u", TensorProto.UINT32, [2], uint64_data=[1, 1 << 32]), pb + "uint32.pb")
    save(t("s", TensorProto.INT8, [], int32_data=[-3]), pb + "scalar.pb")
    save(t("z", TensorProto.FLOAT, [0, 4]), pb + "empty.pb")
    e = TensorProto(name="e", data_type=TensorProto.FLOAT, dims=[1], data_location=TensorProto.EXTERNAL)
    e.external_data.add(key="location", value="w.bin")
    save(e, pb + "external.pb")

    npy = "seeds/FuzzNPY/"
    os.makedirs(os.path.join(ROOT, npy), exist_ok=True)
    for name, arr in [("f2", np.array([1.5, -2], "<f2")), ("bool", np.array([[True, False]])),
                      ("u8", np.arange(3, dtype="|u1")), ("scalar", np.array(7, "<i4")),
                      ("empty", np.zeros((0, 2), "<f8"))]:
        np.save(os.path.join(ROOT, npy + name + ".npy"), arr)
    # Format 2.0 and 3.0 headers (numpy writes them only when asked).
    from numpy.lib import format as npformat
    for version in [(2, 0), (3, 0)]:
        with open(os.path.join(ROOT, npy + "v%d.npy" % version[0]), "wb") as f:
            arr = np.arange(3, dtype="<i8")
            npformat.write_array(f, arr, version=version)

    spec = "seeds/FuzzPatchSpec/"
    for i, text in enumerate([
            "node_Gemm_12[:, -1, 3681]=zero", "/transformer/h.0/attn/Softmax=mul:0.5",
            "h.*/mlp/*Gelu*=replace:@clean.npy", "x[...,1::2]=add:-3", "y[::-1, 0]=probe",
            "node:1[0]=replace:1e-3", "a[1:2:3, ..., -1]=mul:2", "z=probe"]):
        save(text, spec + "spec%d.txt" % i)


def main():
    for sub in ["models", "inputs", "seeds", "external"]:
        shutil.rmtree(os.path.join(ROOT, sub), ignore_errors=True)
    os.makedirs(os.path.join(ROOT, "inputs"), exist_ok=True)
    models()
    external()
    seeds()


if __name__ == "__main__":
    main()
