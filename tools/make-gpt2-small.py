#!/usr/bin/env python3
"""Export a GPT-2-small-shaped model (random weights) for benchmarks; nothing here is committed.

Produces in OUT_DIR (create it outside the repository, e.g. /work/cache/gpt2-small):

    model.onnx       GPT2LMHeadModel, n_layer 12, n_embd 768, n_head 12, vocab 50257,
                     n_positions 1024, random weights (torch.manual_seed(0)); dynamo exporter,
                     opset 18, dynamic batch and sequence, weights inline (~500 MB, one file);
                     inputs input_ids and attention_mask (int64, [batch, sequence]), output logits
    input_ids.npy    int64 [1, 128], seeded
    attention_mask.npy  int64 [1, 128], all ones
    logits.npy       onnxruntime output for those inputs (float32 [1, 128, 50257])

and prints the file size and onnxruntime's forward time (2 threads, median of 5 runs after one
warm-up). As in make-fixtures.py, the per-node stack traces the dynamo exporter writes are
removed. Deterministic: the same seed gives the same files.

    pip install torch transformers onnxscript onnx==1.23.2 onnxruntime numpy
    python3 tools/make-gpt2-small.py /work/cache/gpt2-small
"""

import os
import statistics
import sys
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import transformers

SEQ = 128
THREADS = 2
RUNS = 5


class CausalLM(torch.nn.Module):
    """input_ids, attention_mask -> logits."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask):
        return self.m(
            input_ids=input_ids, attention_mask=attention_mask, use_cache=False, return_dict=False
        )[0]


def save(path, array):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, np.ascontiguousarray(array), version=(1, 0))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-gpt2-small.py OUT_DIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)

    torch.manual_seed(0)
    cfg = transformers.GPT2Config(
        vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12
    )
    module = CausalLM(transformers.GPT2LMHeadModel(cfg)).eval()

    # Batch 2 in the example: torch.export would specialise a size-1 dimension.
    g = torch.Generator().manual_seed(1)
    example = (torch.randint(0, cfg.vocab_size, (2, 16), generator=g),
               torch.ones(2, 16, dtype=torch.int64))
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence", max=cfg.n_positions)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            module, example, dynamo=True, opset_version=18,
            input_names=["input_ids", "attention_mask"], output_names=["logits"],
            dynamic_shapes={"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
            external_data=False,
        )
    model = program.model_proto
    del program
    for node in model.graph.node:
        kept = [p for p in node.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
        del node.metadata_props[:]
        node.metadata_props.extend(kept)
    path = os.path.join(out_dir, "model.onnx")
    data = model.SerializeToString()  # raises if the model is over protobuf's 2 GB
    with open(path, "wb") as f:
        f.write(data)
    print(f"export: {time.perf_counter() - t0:.1f} s, {path}: {len(data)} bytes", flush=True)
    del model, data
    onnx.checker.check_model(path)

    g = torch.Generator().manual_seed(2)
    input_ids = torch.randint(0, cfg.vocab_size, (1, SEQ), generator=g).numpy()
    attention_mask = np.ones((1, SEQ), dtype=np.int64)
    save(os.path.join(out_dir, "input_ids.npy"), input_ids)
    save(os.path.join(out_dir, "attention_mask.npy"), attention_mask)

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = THREADS
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
    (logits,) = sess.run(["logits"], feeds)
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        sess.run(["logits"], feeds)
        times.append(time.perf_counter() - t)
    save(os.path.join(out_dir, "logits.npy"), logits)

    with torch.no_grad():
        expected = module(torch.from_numpy(input_ids), torch.from_numpy(attention_mask)).numpy()
    diff = float(np.max(np.abs(expected - logits)))
    print(f"torch vs onnxruntime max abs diff: {diff:.3g}")
    print(f"onnxruntime forward, {THREADS} threads, [1, {SEQ}]: median "
          f"{statistics.median(times) * 1000:.1f} ms over {RUNS} runs "
          f"({', '.join(f'{t * 1000:.1f}' for t in times)})")
    if diff >= 1e-3:
        sys.exit(f"torch and onnxruntime disagree: {diff}")


if __name__ == "__main__":
    main()
