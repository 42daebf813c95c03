#!/usr/bin/env python3
"""Build the end-to-end fixtures under Fixtures/models/: tiny random-weight transformers
exported from PyTorch to ONNX, with onnxruntime reference outputs and intermediate values.

Produces, for each fixture NAME (gpt2-dynamo, llama-dynamo, bert-dynamo, gptneox-dynamo,
qwen2-dynamo, bert-legacy, gpt2-legacy):

    Fixtures/models/NAME/model.onnx            weights inline, no external data
    Fixtures/models/NAME/inputs/<input>.npy    deterministic int64 inputs (batch 2, sequence 7,
                                               second row right-padded through attention_mask)
    Fixtures/models/NAME/outputs/<output>.npy  onnxruntime results for the graph outputs
    Fixtures/models/NAME/intermediates/*.npy   onnxruntime values of a few inner tensors
    Fixtures/models/NAME/fixture.json          file map, producers, op counts, torch-vs-ORT diff

Models are built from configs with random weights (torch.manual_seed); nothing is downloaded.
The dynamo exporter (opset 18) is used for every model, the legacy TorchScript exporter
(opset 17) for BERT and GPT-2. The dynamo exporter writes a Python stack trace into every
node's metadata (`pkg.torch.onnx.stack_trace`); it is removed so that the files do not depend
on local paths (it is 60% of the bytes). Every other metadata entry, including
`pkg.torch.onnx.name_scopes`, is kept.

Rerunnable and deterministic: running it again rewrites the same files.

    pip install torch transformers onnxscript onnx==1.23.2 onnxruntime numpy
    python3 tools/make-fixtures.py [--only NAME ...]
"""

import argparse
import ast
import collections
import json
import os
import re
import shutil
import sys
import tempfile
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import transformers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_ROOT = os.path.join(ROOT, "Fixtures", "models")

EXPORT_BATCH, EXPORT_SEQ = 2, 5  # size-1 example dims would be specialised by torch.export
TEST_BATCH, TEST_SEQ = 2, 7
PAD_TAIL = 2  # the second row's last PAD_TAIL positions are padding
DYNAMO_OPSET, LEGACY_OPSET = 18, 17
TOLERANCE = 1e-4


# ---------------------------------------------------------------------------------------------
# Models


class CausalLM(torch.nn.Module):
    """input_ids, attention_mask -> logits."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask):
        return self.m(
            input_ids=input_ids, attention_mask=attention_mask, use_cache=False, return_dict=False
        )[0]


class Encoder(torch.nn.Module):
    """input_ids, attention_mask, token_type_ids -> last_hidden_state, pooler_output."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        out = self.m(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            use_cache=False,
            return_dict=False,
        )
        return out[0], out[1]


def build(family):
    """A tiny eval-mode wrapper module, its vocabulary size and whether it takes token types."""
    torch.manual_seed(0)
    if family == "gpt2":
        cfg = transformers.GPT2Config(
            vocab_size=128, n_positions=64, n_embd=32, n_layer=2, n_head=2
        )
        return CausalLM(transformers.GPT2LMHeadModel(cfg)), cfg.vocab_size, False
    if family == "llama":
        cfg = transformers.LlamaConfig(
            vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        )
        return CausalLM(transformers.LlamaForCausalLM(cfg)), cfg.vocab_size, False
    if family == "qwen2":
        cfg = transformers.Qwen2Config(
            vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
            tie_word_embeddings=True,
        )
        return CausalLM(transformers.Qwen2ForCausalLM(cfg)), cfg.vocab_size, False
    if family == "gptneox":
        cfg = transformers.GPTNeoXConfig(
            vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, max_position_embeddings=64, rotary_pct=0.5,
        )
        return CausalLM(transformers.GPTNeoXForCausalLM(cfg)), cfg.vocab_size, False
    if family == "bert":
        cfg = transformers.BertConfig(
            vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=2, max_position_embeddings=64, type_vocab_size=2,
        )
        return Encoder(transformers.BertModel(cfg)), cfg.vocab_size, True
    raise ValueError(f"unknown family {family}")


def example_inputs(vocab, batch, seq, token_types, seed):
    """Seeded int64 inputs; the second row is right-padded through attention_mask."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab, (batch, seq), generator=g, dtype=torch.int64)
    mask = torch.ones(batch, seq, dtype=torch.int64)
    mask[1, seq - PAD_TAIL:] = 0
    inputs = {"input_ids": ids, "attention_mask": mask}
    if token_types:
        tt = torch.zeros(batch, seq, dtype=torch.int64)
        tt[:, seq // 2:] = 1
        inputs["token_type_ids"] = tt
    return inputs


# ---------------------------------------------------------------------------------------------
# Export


def export(module, inputs, output_names, exporter):
    """The exported ModelProto (weights inline)."""
    names = list(inputs)
    args = tuple(inputs[n] for n in names)
    if exporter == "dynamo":
        batch = torch.export.Dim("batch")
        seq = torch.export.Dim("sequence", max=64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                module, args, dynamo=True, opset_version=DYNAMO_OPSET,
                input_names=names, output_names=output_names,
                dynamic_shapes={n: {0: batch, 1: seq} for n in names},
                external_data=False, verbose=False,
            )
        model = program.model_proto
        for node in model.graph.node:
            kept = [p for p in node.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
            del node.metadata_props[:]
            node.metadata_props.extend(kept)
        return model
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes.update({n: {0: "batch", 1: "sequence"} for n in output_names})
    if "pooler_output" in output_names:
        axes["pooler_output"] = {0: "batch"}
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        path = os.path.join(tmp, "model.onnx")
        torch.onnx.export(
            module, args, path, dynamo=False, opset_version=LEGACY_OPSET,
            input_names=names, output_names=output_names, dynamic_axes=axes,
            do_constant_folding=True,
        )
        return onnx.load(path)


# ---------------------------------------------------------------------------------------------
# Intermediates


def float_value_types(model):
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
        types[vi.name] = vi.type.tensor_type.elem_type
    return types


def module_of(node):
    """The path of the torch module that produced `node`: from `pkg.torch.onnx.name_scopes`
    (dynamo: ['', 'm', 'm.transformer', ..., '<aten op>']) or from the node name (legacy:
    /m/transformer/h.0/attn/MatMul)."""
    for p in node.metadata_props:
        if p.key == "pkg.torch.onnx.name_scopes":
            scopes = ast.literal_eval(p.value)
            return scopes[-2] if len(scopes) >= 2 else ""
    return node.name.rsplit("/", 1)[0] if "/" in node.name else ""


def pick_intermediates(model, wanted):
    """Nodes matching `wanted` = [(op_type, module regex, which)] among those whose output 0 is
    a float tensor and not already a graph output."""
    types = float_value_types(model)
    outputs = {o.name for o in model.graph.output}
    picked = []
    for op, scope, which in wanted:
        matches = [
            node for node in model.graph.node
            if node.op_type == op and re.fullmatch(scope, module_of(node))
            and node.output[0] not in outputs
            and types.get(node.output[0]) == onnx.TensorProto.FLOAT
        ]
        if not matches:
            raise RuntimeError(f"no {op} node in module {scope!r}")
        if matches[which] in picked:
            raise RuntimeError(f"{op} in {scope!r} picked twice")
        picked.append(matches[which])
    return picked


# Per family and exporter: (op type, regex matched in full against module_of(node), which
# match: 0 = first in graph order, -1 = last). Chosen to cover a normalization output, the
# attention scores (MatMul) and probabilities (Softmax), an MLP activation and the residual
# stream, from both layers.
WANTED = {
    ("gpt2", "dynamo"): [
        ("LayerNormalization", r"m\.transformer\.h\.0\.ln_1", 0),
        ("MatMul", r"m\.transformer\.h\.0\.attn", 0),
        ("Softmax", r"m\.transformer\.h\.0\.attn", 0),
        ("Tanh", r"m\.transformer\.h\.1\.mlp\.act", 0),
        ("Mul", r"m\.transformer\.h\.1\.mlp\.act", -1),
        ("Add", r"m\.transformer\.h\.1", -1),
    ],
    ("gpt2", "legacy"): [
        ("LayerNormalization", r"/m/transformer/h\.0/ln_1", 0),
        ("MatMul", r"/m/transformer/h\.0/attn", 0),
        ("Softmax", r"/m/transformer/h\.0/attn", 0),
        ("Tanh", r"/m/transformer/h\.1/mlp/act", 0),
        ("Mul", r"/m/transformer/h\.1/mlp/act", -1),
        ("Add", r"/m/transformer/h\.1", -1),
    ],
    ("bert", "dynamo"): [
        ("LayerNormalization", r"m\.embeddings\.LayerNorm", 0),
        ("MatMul", r"m\.encoder\.layer\.0\.attention\.self", 0),
        ("Softmax", r"m\.encoder\.layer\.0\.attention\.self", 0),
        ("Erf", r"m\.encoder\.layer\.1\.intermediate\.intermediate_act_fn", 0),
        ("Mul", r"m\.encoder\.layer\.1\.intermediate\.intermediate_act_fn", -1),
        ("LayerNormalization", r"m\.encoder\.layer\.1\.attention\.output\.LayerNorm", 0),
    ],
    ("bert", "legacy"): [
        ("LayerNormalization", r"/m/embeddings/LayerNorm", 0),
        ("MatMul", r"/m/encoder/layer\.0/attention/self", 0),
        ("Softmax", r"/m/encoder/layer\.0/attention/self", 0),
        ("Erf", r"/m/encoder/layer\.1/intermediate/intermediate_act_fn", 0),
        ("Mul", r"/m/encoder/layer\.1/intermediate/intermediate_act_fn", -1),
        ("LayerNormalization", r"/m/encoder/layer\.1/attention/output/LayerNorm", 0),
    ],
    ("llama", "dynamo"): [
        ("Cos", r"m\.model\.rotary_emb", 0),
        ("Mul", r"m\.model\.layers\.0\.input_layernorm", -1),
        ("MatMul", r"m\.model\.layers\.0\.self_attn", 0),
        ("Softmax", r"m\.model\.layers\.0\.self_attn", 0),
        ("Mul", r"m\.model\.layers\.1\.mlp\.act_fn", -1),
        ("Add", r"m\.model\.layers\.1", -1),
    ],
    ("qwen2", "dynamo"): [
        ("Mul", r"m\.model\.layers\.0\.input_layernorm", -1),
        ("Add", r"m\.model\.layers\.0\.self_attn\.q_proj", 0),
        ("Softmax", r"m\.model\.layers\.0\.self_attn", 0),
        ("Mul", r"m\.model\.layers\.1\.mlp\.act_fn", -1),
        ("Add", r"m\.model\.layers\.1", -1),
        ("Mul", r"m\.model\.norm", -1),
    ],
    ("gptneox", "dynamo"): [
        ("LayerNormalization", r"m\.gpt_neox\.layers\.0\.input_layernorm", 0),
        ("MatMul", r"m\.gpt_neox\.layers\.0\.attention", 0),
        ("Softmax", r"m\.gpt_neox\.layers\.0\.attention", 0),
        ("Erf", r"m\.gpt_neox\.layers\.1\.mlp\.act", 0),
        ("Add", r"m\.gpt_neox\.layers\.1", -1),
        ("LayerNormalization", r"m\.gpt_neox\.final_layer_norm", 0),
    ],
}


# ---------------------------------------------------------------------------------------------
# Running


def session(model, optimized=False):
    """A single-threaded CPU session. References come from the unoptimized graph, so that
    exposing an intermediate cannot change which fusions run (and thus the outputs' bits)."""
    opts = ort.SessionOptions()
    if not optimized:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(
        model.SerializeToString(), opts, providers=["CPUExecutionProvider"]
    )


def with_extra_outputs(model, names):
    extended = onnx.ModelProto()
    extended.CopyFrom(model)
    for name in names:
        extended.graph.output.append(
            onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        )
    return extended


def sanitize(name):
    return re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("_") or "value"


def save(path, array):
    array = np.ascontiguousarray(array)
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=(1, 0), allow_pickle=False)


def op_counts(model):
    counts = collections.Counter(
        (n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}")
        for n in model.graph.node
    )
    return dict(sorted(counts.items()))


def make(family, exporter):
    name = f"{family}-{exporter}"
    module, vocab, token_types = build(family)
    module.eval()
    output_names = ["last_hidden_state", "pooler_output"] if token_types else ["logits"]
    example = example_inputs(vocab, EXPORT_BATCH, EXPORT_SEQ, token_types, seed=1)
    model = export(module, example, output_names, exporter)
    onnx.checker.check_model(model, full_check=True)

    test = example_inputs(vocab, TEST_BATCH, TEST_SEQ, token_types, seed=2)
    with torch.no_grad():
        expected = module(*test.values())
    if isinstance(expected, torch.Tensor):
        expected = (expected,)
    feeds = {k: v.numpy() for k, v in test.items()}
    graph_inputs = [i.name for i in model.graph.input]
    if sorted(graph_inputs) != sorted(feeds):
        raise RuntimeError(f"{name}: graph inputs {graph_inputs}, expected {list(feeds)}")
    graph_outputs = [o.name for o in model.graph.output]

    got = session(model).run(graph_outputs, feeds)
    diff = max(float(np.max(np.abs(g - e.numpy()))) for g, e in zip(got, expected))
    if diff >= TOLERANCE:
        raise RuntimeError(f"{name}: torch vs onnxruntime max abs diff {diff}")
    fused = session(model, optimized=True).run(graph_outputs, feeds)
    fused_diff = max(float(np.max(np.abs(g - f))) for g, f in zip(got, fused))
    if fused_diff >= TOLERANCE:
        raise RuntimeError(f"{name}: optimized vs unoptimized onnxruntime diff {fused_diff}")

    picked = pick_intermediates(model, WANTED[(family, exporter)])
    probe_names = [n.output[0] for n in picked]
    probed = session(with_extra_outputs(model, probe_names)).run(
        graph_outputs + probe_names, feeds
    )
    for a, b in zip(probed, got):
        if not np.array_equal(a, b):
            raise RuntimeError(f"{name}: outputs change when intermediates are exposed")

    out_dir = os.path.join(OUT_ROOT, name)
    shutil.rmtree(out_dir, ignore_errors=True)
    for sub in ("inputs", "outputs", "intermediates"):
        os.makedirs(os.path.join(out_dir, sub))
    data = model.SerializeToString()
    with open(os.path.join(out_dir, "model.onnx"), "wb") as f:
        f.write(data)

    manifest = {"model": "model.onnx", "exporter": exporter,
                "opset": next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))}
    files = {}

    def place(kind, value_name, array):
        stem = sanitize(value_name)
        path = f"{kind}/{stem}.npy"
        if path in files.values():
            raise RuntimeError(f"{name}: file name collision for {value_name!r}")
        files[value_name] = path
        save(os.path.join(out_dir, path), array)
        if stem != value_name:
            manifest.setdefault("file_names", {})[value_name] = path
        return path

    manifest["inputs"] = {k: place("inputs", k, v) for k, v in feeds.items()}
    manifest["outputs"] = {k: place("outputs", k, v) for k, v in zip(graph_outputs, got)}
    manifest["intermediates"] = {}
    for node, array in zip(picked, probed[len(graph_outputs):]):
        manifest["intermediates"][node.output[0]] = {
            "file": place("intermediates", node.output[0], array),
            "producer": node.name,
            "op": node.op_type,
            "module": module_of(node),
            "shape": list(array.shape),
        }
    manifest["torch_vs_ort_max_abs_diff"] = diff
    manifest["ort_optimized_vs_unoptimized_max_abs_diff"] = fused_diff
    manifest["ops"] = op_counts(model)
    manifest["onnx_bytes"] = len(data)
    manifest["generator"] = {
        "script": "tools/make-fixtures.py", "torch": torch.__version__.split("+")[0],
        "transformers": transformers.__version__, "onnxruntime": ort.__version__,
    }
    with open(os.path.join(out_dir, "fixture.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    ops = {(n.domain or "ai.onnx", n.op_type) for n in model.graph.node}
    print(f"{name}: {len(data)} bytes, {len(model.graph.node)} nodes, "
          f"torch vs ORT max abs diff {diff:.3g}, ORT optimized vs not {fused_diff:.3g}",
          flush=True)
    return {(d, op, opsets.get(d)) for d, op in ops}


FIXTURES = [
    ("gpt2", "dynamo"), ("llama", "dynamo"), ("bert", "dynamo"), ("gptneox", "dynamo"),
    ("qwen2", "dynamo"), ("bert", "legacy"), ("gpt2", "legacy"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="fixture names, e.g. gpt2-dynamo")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(OUT_ROOT, exist_ok=True)
    users = collections.defaultdict(list)  # (domain, op, opset) -> fixture names
    failed = []
    for family, exporter in FIXTURES:
        if args.only and f"{family}-{exporter}" not in args.only:
            continue
        try:
            for key in make(family, exporter):
                users[key].append(f"{family}-{exporter}")
        except Exception as e:  # report and go on: one exporter failure must not hide the rest
            failed.append(f"{family}-{exporter}")
            print(f"{family}-{exporter}: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
    print("op types (domain op opset: fixtures):")
    for d, op, v in sorted(users):
        print(f"  {d} {op} {v}: {', '.join(users[(d, op, v)])}")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
