#!/usr/bin/env python3
"""Build the generation fixtures under Fixtures/generation/: tiny causal LMs exported with an
explicit KV cache, and reference generations from torch for them and for the cache-less
fixtures of Fixtures/models.

Produces:

    Fixtures/generation/NAME-kv/model.onnx   for NAME in gpt2, llama, gptneox, qwen2: a wrapper
        taking input_ids, attention_mask (past + new positions), position_ids (not for gpt2,
        whose model derives positions from the cache length) and past_key_values.N.key/value
        ([batch, kv_heads, past_sequence, head_size]), returning logits and present.N.key/value.
    Fixtures/generation/bad/{symbolic-heads,static-cache}.onnx   tiny graphs with cache inputs
        generate must refuse (for the bad-input tests).
        The vocabulary is that of the fixture tokenizer paired with the family
        (Fixtures/tokenizers/{gpt2,llama2,neox,qwen2}), so text prompts work end to end.
    Fixtures/generation/references.json      {"cases": [...]}: each case names a model (path
        relative to Fixtures/), a prompt (ids, and text + tokenizer for the KV models),
        max_new_tokens and optional eos / patch / sampling settings, and the new ids torch
        produces with generate(do_sample=False) (or, for sampling, the ids of the sampling rule
        below run on onnxruntime's logits).

The cache-less fixtures (Fixtures/models/*-dynamo, gpt2-legacy) are rebuilt from
tools/make-fixtures.py's seeded configs, and their torch logits are checked against the
committed outputs first, so references are made with the very weights in those files.

Patched cases: torch generates with a logits processor doing what the patch spec does to the
last position's logits (the patch applies to every position; only the last one picks a token).

Sampling rule (onnxpatch's, reimplemented here): SplitMix64 seeded with --seed; per step, the
tokens sorted by (logit descending, id ascending), cut to top_k (0 = all), weights
exp((logit - max) / temperature) summed in that order; u = (next() >> 11) * 2^-53 * total; the
first token whose running sum exceeds u.

Deterministic; rerunning rewrites the same files.

    pip install torch transformers onnxscript onnx==1.23.2 onnxruntime numpy tokenizers
    python3 tools/make-generation-fixtures.py
    python3 tools/make-generation-fixtures.py --gpt2-small-kv /work/cache/gpt2-small-kv   (benchmark model, not committed)
"""

import argparse
import importlib.util
import json
import math
import os
import shutil
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import transformers
from tokenizers import Tokenizer
from transformers import DynamicCache, LogitsProcessor, LogitsProcessorList

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Fixtures")
OUT = os.path.join(FIXTURES, "generation")
OPSET = 18

spec = importlib.util.spec_from_file_location("make_fixtures", os.path.join(ROOT, "tools", "make-fixtures.py"))
make_fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_fixtures)

# family -> (fixture tokenizer, whether the export takes position_ids)
KV_FAMILIES = {
    "gpt2": ("gpt2", False),
    "llama": ("llama2", True),
    "gptneox": ("neox", True),
    "qwen2": ("qwen2", True),
}
PROMPTS = ["The quick brown fox", "Hello, world! 日本語", "def f(x):\n    return x"]


# ---------------------------------------------------------------------------------------------
# Models


def config(family, vocab):
    """The configs of make-fixtures.py with another vocabulary size; eos/pad unset so that
    generate() stops only at max_new_tokens unless told otherwise."""
    # A wider initialisation than the default 0.02, so that greedy output does not repeat one token.
    common = dict(vocab_size=vocab, bos_token_id=None, eos_token_id=None, pad_token_id=None, initializer_range=0.3)
    if family == "gpt2":
        return transformers.GPT2LMHeadModel(transformers.GPT2Config(n_positions=64, n_embd=32, n_layer=2, n_head=2, **common))
    if family == "llama":
        return transformers.LlamaForCausalLM(transformers.LlamaConfig(
            hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64, **common))
    if family == "qwen2":
        return transformers.Qwen2ForCausalLM(transformers.Qwen2Config(
            hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64, tie_word_embeddings=True, **common))
    if family == "gptneox":
        return transformers.GPTNeoXForCausalLM(transformers.GPTNeoXConfig(
            hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            max_position_embeddings=64, rotary_pct=0.5, **common))
    raise ValueError(family)


class WithCache(torch.nn.Module):
    """(input_ids, attention_mask, position_ids, past) -> (logits, present.0.key, ...)."""

    def __init__(self, model, layers):
        super().__init__()
        self.m = model
        self.layers = layers

    def forward(self, input_ids, attention_mask, position_ids, past):
        return self.step(input_ids, attention_mask, position_ids, past)

    def step(self, input_ids, attention_mask, position_ids, past):
        cache = DynamicCache()
        for i in range(self.layers):
            cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.m(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                     past_key_values=cache, use_cache=True, return_dict=True)
        present = []
        for layer in out.past_key_values.layers[: self.layers]:
            present += [layer.keys, layer.values]
        return (out.logits, *present)


class WithCacheNoPositions(WithCache):
    """(input_ids, attention_mask, past) -> (logits, present.0.key, ...): positions come from
    the cache length inside the model."""

    def forward(self, input_ids, attention_mask, past):
        return self.step(input_ids, attention_mask, None, past)


def cache_shape(model):
    cfg = model.config
    heads = getattr(cfg, "num_key_value_heads", None) or getattr(cfg, "num_attention_heads", None) or cfg.n_head
    hidden = getattr(cfg, "hidden_size", None) or cfg.n_embd
    attention_heads = getattr(cfg, "num_attention_heads", None) or cfg.n_head
    layers = getattr(cfg, "num_hidden_layers", None) or cfg.n_layer
    return layers, heads, hidden // attention_heads


def export_with_cache(model, positions, max_positions=64):
    layers, heads, head_size = cache_shape(model)
    wrapper = (WithCache if positions else WithCacheNoPositions)(model, layers).eval()
    batch, seq, past = 2, 3, 4
    g = torch.Generator().manual_seed(3)
    ids = torch.randint(0, model.config.vocab_size, (batch, seq), generator=g)
    mask = torch.ones(batch, past + seq, dtype=torch.int64)
    pos = torch.arange(past, past + seq).expand(batch, seq).contiguous()
    cache = tuple(torch.randn(batch, heads, past, head_size, generator=g) for _ in range(2 * layers))
    names = ["input_ids", "attention_mask"] + (["position_ids"] if positions else [])
    names += [f"past_key_values.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    outputs = ["logits"] + [f"present.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    b = torch.export.Dim("batch")
    s = torch.export.Dim("sequence", max=max_positions)
    p = torch.export.Dim("past_sequence", max=max_positions)
    t = torch.export.Dim("total_sequence", max=2 * max_positions)
    dynamic = [{0: b, 1: s}, {0: b, 1: t}] + ([{0: b, 1: s}] if positions else [])
    dynamic.append(tuple({0: b, 2: p} for _ in range(2 * layers)))
    args = (ids, mask) + ((pos,) if positions else ()) + (cache,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(wrapper, args, dynamo=True, opset_version=OPSET, input_names=names,
                                    output_names=outputs, dynamic_shapes=tuple(dynamic), external_data=False,
                                    verbose=False)
    proto = program.model_proto
    for node in proto.graph.node:
        # Only the module path is kept (scopes for globs); the rest is most of the file's bytes.
        kept = [q for q in node.metadata_props if q.key == "pkg.torch.onnx.name_scopes"]
        del node.metadata_props[:]
        node.metadata_props.extend(kept)
    onnx.checker.check_model(proto, full_check=True)
    return proto, layers, heads, head_size


def session(proto, threads=1):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(proto.SerializeToString() if isinstance(proto, onnx.ModelProto) else proto, opts,
                                providers=["CPUExecutionProvider"])


# ---------------------------------------------------------------------------------------------
# Generation loops on onnxruntime (to check the exports, and for the sampling references)


def ort_loop(sess, prompt, new_tokens, choose, cache=None):
    """Runs the greedy/sampling loop on an onnxruntime session; cache = (layers, heads, head_size,
    positions) for KV exports, None for cache-less ones. Returns the new ids."""
    ids = list(prompt)
    produced = []
    past = None
    for step in range(new_tokens):
        if cache is None:
            feeds = {"input_ids": np.array([ids], np.int64), "attention_mask": np.ones((1, len(ids)), np.int64)}
            logits = sess.run(["logits"], feeds)[0]
        else:
            layers, heads, head_size, positions = cache
            if past is None:
                past = [np.zeros((1, heads, 0, head_size), np.float32) for _ in range(2 * layers)]
                chunk = ids
            else:
                chunk = ids[-1:]
            start = past[0].shape[2]
            feeds = {"input_ids": np.array([chunk], np.int64),
                     "attention_mask": np.ones((1, start + len(chunk)), np.int64)}
            if positions:
                feeds["position_ids"] = np.arange(start, start + len(chunk), dtype=np.int64)[None]
            for i in range(layers):
                feeds[f"past_key_values.{i}.key"] = past[2 * i]
                feeds[f"past_key_values.{i}.value"] = past[2 * i + 1]
            out = sess.run(None, feeds)
            logits, past = out[0], out[1:]
        token = choose(logits[0, -1].astype(np.float64))
        produced.append(token)
        ids.append(token)
    return produced


class SplitMix64:
    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) * (2.0 ** -53)


def sampler(temperature, top_k, seed):
    rng = SplitMix64(seed)

    def choose(logits):
        order = sorted(range(len(logits)), key=lambda i: (-logits[i], i))
        if top_k > 0:
            order = order[:top_k]
        top = logits[order[0]]
        weights = [math.exp((logits[i] - top) / temperature) for i in order]
        total = 0.0
        for w in weights:
            total += w
        u = rng.uniform() * total
        running = 0.0
        for i, w in zip(order, weights):
            running += w
            if u < running:
                return i
        return order[-1]

    return choose


def greedy(logits):
    return int(np.argmax(logits))


# ---------------------------------------------------------------------------------------------
# torch references


class SetLogit(LogitsProcessor):
    """What `logits[..., TOKEN]=zero` / `=add:V` does to the last position's scores."""

    def __init__(self, token, kind, value=0.0):
        self.token, self.kind, self.value = token, kind, value

    def __call__(self, input_ids, scores):
        scores = scores.clone()
        if self.kind == "zero":
            scores[:, self.token] = 0.0
        else:
            scores[:, self.token] += self.value
        return scores


def torch_generate(model, prompt, new_tokens, eos=None, processor=None):
    ids = torch.tensor([prompt])
    kwargs = dict(max_new_tokens=new_tokens, min_new_tokens=0, do_sample=False,
                  attention_mask=torch.ones_like(ids), pad_token_id=0, eos_token_id=eos)
    if processor is not None:
        kwargs["logits_processor"] = LogitsProcessorList([processor])
    with torch.no_grad():
        out = model.generate(ids, **kwargs)
    return out[0, len(prompt):].tolist()


def forbidden_token(model, prompt, new_tokens):
    """A token the unpatched greedy run produces, and the new ids with its logit zeroed at every
    step, in which it must not appear (the zero must make a difference and leave it out)."""
    plain = torch_generate(model, prompt, new_tokens)
    for token in sorted(set(plain), key=lambda t: (-plain.count(t), t)):
        patched = torch_generate(model, prompt, new_tokens, processor=SetLogit(token, "zero"))
        if token not in patched:
            return token, plain, patched
    raise RuntimeError("no token disappears when its logit is zeroed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gpt2-small-kv", metavar="DIR",
                        help="instead: export the GPT-2-small-shaped model (random weights, as tools/make-gpt2-small.py) with a KV cache to DIR")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.gpt2_small_kv:
        return export_gpt2_small(args.gpt2_small_kv)

    cases = []
    # Cache-less fixtures: the same seeded modules as tools/make-fixtures.py.
    for name, family in [("gpt2-dynamo", "gpt2"), ("gpt2-legacy", "gpt2"), ("llama-dynamo", "llama"),
                         ("gptneox-dynamo", "gptneox"), ("qwen2-dynamo", "qwen2")]:
        module, vocab, _ = make_fixtures.build(family)
        module.eval()
        model = module.m
        folder = os.path.join(FIXTURES, "models", name)
        feeds = {k: np.load(os.path.join(folder, "inputs", f"{k}.npy")) for k in ("input_ids", "attention_mask")}
        with torch.no_grad():
            logits = module(torch.from_numpy(feeds["input_ids"]), torch.from_numpy(feeds["attention_mask"])).numpy()
        committed = np.load(os.path.join(folder, "outputs", "logits.npy"))
        diff = float(np.max(np.abs(logits - committed)))
        if diff > 1e-4:
            raise RuntimeError(f"{name}: rebuilt weights differ from the committed model (logits diff {diff})")
        model.generation_config.eos_token_id = None
        model.generation_config.pad_token_id = 0
        prompt = feeds["input_ids"][0, :5].tolist()
        new = 12
        expected = torch_generate(model, prompt, new)
        sess = session(onnx.load(os.path.join(folder, "model.onnx")))
        if ort_loop(sess, prompt, new, greedy) != expected:
            raise RuntimeError(f"{name}: onnxruntime's greedy loop differs from torch")
        cases.append({"name": f"{name} greedy", "model": f"models/{name}/model.onnx", "prompt_ids": prompt,
                      "max_new_tokens": new, "expected_ids": expected})
        print(f"{name}: greedy {expected}")

    os.makedirs(OUT, exist_ok=True)
    for family, (tokenizer_name, positions) in KV_FAMILIES.items():
        tokenizer_path = os.path.join(FIXTURES, "tokenizers", tokenizer_name, "tokenizer.json")
        tokenizer = Tokenizer.from_file(tokenizer_path)
        torch.manual_seed(0)
        model = config(family, tokenizer.get_vocab_size(with_added_tokens=True)).eval()
        proto, layers, heads, head_size = export_with_cache(model, positions)
        folder = os.path.join(OUT, f"{family}-kv")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        data = proto.SerializeToString()
        with open(os.path.join(folder, "model.onnx"), "wb") as f:
            f.write(data)
        rel = f"generation/{family}-kv/model.onnx"
        tok_rel = f"tokenizers/{tokenizer_name}/tokenizer.json"
        sess = session(proto)
        layout = (layers, heads, head_size, positions)
        for k, text in enumerate(PROMPTS):
            prompt = tokenizer.encode(text).ids
            new = 16
            expected = torch_generate(model, prompt, new)
            if ort_loop(sess, prompt, new, greedy, cache=layout) != expected:
                raise RuntimeError(f"{family}-kv: onnxruntime's cached greedy loop differs from torch")
            cases.append({"name": f"{family}-kv text {k}", "model": rel, "tokenizer": tok_rel, "prompt": text,
                          "prompt_ids": prompt, "max_new_tokens": new, "expected_ids": expected,
                          "expected_text": tokenizer.decode(prompt + expected)})
        prompt = tokenizer.encode(PROMPTS[0]).ids
        new = 16
        token, plain, patched = forbidden_token(model, prompt, new)
        cases.append({"name": f"{family}-kv zero patch", "model": rel, "prompt_ids": prompt, "max_new_tokens": new,
                      "patch": f"logits[..., {token}]=zero", "forbidden": token, "expected_ids": patched})
        eos = plain[len(plain) // 2]
        stopped = torch_generate(model, prompt, new, eos=eos)
        cases.append({"name": f"{family}-kv eos", "model": rel, "prompt_ids": prompt, "max_new_tokens": new,
                      "eos": [eos], "expected_ids": stopped})
        for temperature, top_k, seed in [(1.0, 0, 1), (0.7, 20, 42)]:
            sampled = ort_loop(sess, prompt, new, sampler(temperature, top_k, seed), cache=layout)
            cases.append({"name": f"{family}-kv sample t={temperature} k={top_k} seed={seed}", "model": rel,
                          "prompt_ids": prompt, "max_new_tokens": new, "temperature": temperature, "top_k": top_k,
                          "seed": seed, "expected_ids": sampled})
        print(f"{family}-kv: {len(data)} bytes, vocab {model.config.vocab_size}, cache {layers}x[1, {heads}, past, {head_size}], "
              f"zeroed token {token}, eos {eos} -> {stopped}")

    write_bad_cache_models()
    with open(os.path.join(OUT, "references.json"), "w") as f:
        f.write('{"generator": ' + json.dumps({"script": "tools/make-generation-fixtures.py",
                                                "torch": torch.__version__.split("+")[0],
                                                "transformers": transformers.__version__}) + ',\n "cases": [\n')
        f.write(",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n]}\n")
    print(f"{len(cases)} cases")


def write_bad_cache_models():
    """Two tiny graphs whose cache inputs generate must refuse: a symbolic number of heads, and
    a static cache (the past sequence axis fixed at 16)."""
    from onnx import TensorProto, helper
    folder = os.path.join(OUT, "bad")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name, key_shape in [("symbolic-heads", ["batch", "heads", "past_sequence", 8]), ("static-cache", [1, 2, 16, 8])]:
        value_shape = [key_shape[0], 2, key_shape[2], 8]
        graph = helper.make_graph(
            [helper.make_node("Unsqueeze", ["input_ids", "axes"], ["ids3"]),
             helper.make_node("Cast", ["ids3"], ["logits"], to=TensorProto.FLOAT),
             helper.make_node("Identity", ["past_key_values.0.key"], ["present.0.key"]),
             helper.make_node("Identity", ["past_key_values.0.value"], ["present.0.value"])],
            name,
            [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
             helper.make_tensor_value_info("past_key_values.0.key", TensorProto.FLOAT, key_shape),
             helper.make_tensor_value_info("past_key_values.0.value", TensorProto.FLOAT, value_shape)],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "sequence", 1]),
             helper.make_tensor_value_info("present.0.key", TensorProto.FLOAT, key_shape),
             helper.make_tensor_value_info("present.0.value", TensorProto.FLOAT, value_shape)],
            [helper.make_tensor("axes", TensorProto.INT64, [1], [2])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(folder, f"{name}.onnx"))


def export_gpt2_small(out_dir):
    torch.manual_seed(0)
    cfg = transformers.GPT2Config(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12)
    model = transformers.GPT2LMHeadModel(cfg).eval()
    proto, *_ = export_with_cache(model, positions=False, max_positions=1024)
    os.makedirs(out_dir, exist_ok=True)
    onnx.save(proto, os.path.join(out_dir, "model.onnx"))
    print(f"wrote {os.path.join(out_dir, 'model.onnx')}")


if __name__ == "__main__":
    main()
