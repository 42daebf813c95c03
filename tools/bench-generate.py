#!/usr/bin/env python3
"""Generation speed, side by side: onnxruntime driving a greedy loop vs `onnxpatch generate`, on
the GPT-2-small-shaped exports (random weights, not committed), same prompt, same threads.

    recompute  /work/cache/gpt2-small/model.onnx      (tools/make-gpt2-small.py): the whole
               sequence is run at every step
    cache      /work/cache/gpt2-small-kv/model.onnx   (tools/make-generation-fixtures.py
               --gpt2-small-kv): the prompt once, then one token per step with the KV cache fed back

Each side runs in its own process, alternating, for --rounds rounds; per round it reports
tokens/s over the whole loop (first step included) and over the steps after the first, and
checks that both produced the same ids. The machine may be shared: compare the ratios.

    swift build -c release
    python3 tools/bench-generate.py [--threads 2] [--prompt 32] [--new 32] [--rounds 3]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, textwrap

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)

ORT_CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np, onnxruntime as ort
    model, threads, ids_path, new, cached = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
    so = ort.SessionOptions(); so.intra_op_num_threads = threads; so.inter_op_num_threads = 1; so.log_severity_level = 3
    s = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    ids = np.load(ids_path)[0].tolist()
    past_inputs = [i for i in s.get_inputs() if i.name.startswith("past_key_values")]
    out_names = [o.name for o in s.get_outputs()]
    produced, times, past = [], [], None
    for step in range(new):
        t = time.perf_counter()
        if not cached:
            feeds = {"input_ids": np.array([ids], np.int64), "attention_mask": np.ones((1, len(ids)), np.int64)}
            logits = s.run(["logits"], feeds)[0]
        else:
            if past is None:
                past = [np.zeros((1, i.shape[1], 0, i.shape[3]), np.float32) for i in past_inputs]
                chunk = ids
            else:
                chunk = ids[-1:]
            start = past[0].shape[2]
            feeds = {"input_ids": np.array([chunk], np.int64), "attention_mask": np.ones((1, start + len(chunk)), np.int64)}
            feeds.update({i.name: p for i, p in zip(past_inputs, past)})
            out = s.run(out_names, feeds)
            logits, past = out[0], out[1:]
        token = int(np.argmax(logits[0, -1]))
        times.append(time.perf_counter() - t)
        ids.append(token); produced.append(token)
    print(json.dumps({"ids": produced, "step_seconds": times}))
""")


def run_ort(model, threads, ids_path, new, cached):
    out = subprocess.run([sys.executable, "-c", ORT_CHILD, model, str(threads), ids_path, str(new), "1" if cached else "0"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def run_ours(binary, model, threads, ids_path, new):
    out = subprocess.run([binary, "generate", model, "--input", f"input_ids={ids_path}", "--max-new-tokens", str(new),
                          "--threads", str(threads), "--show-top", "0", "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"onnxpatch generate failed: {out.stderr}")
    report = json.loads(out.stdout)
    return {"ids": report["ids"], "step_seconds": [s["seconds"] for s in report["steps"]], "mode": report["mode"]}


def rates(step_seconds):
    whole = len(step_seconds) / sum(step_seconds)
    after_first = (len(step_seconds) - 1) / sum(step_seconds[1:]) if len(step_seconds) > 1 else float("nan")
    return whole, after_first


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/work/cache/gpt2-small")
    ap.add_argument("--kv-dir", default="/work/cache/gpt2-small-kv")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt", type=int, default=32)
    ap.add_argument("--new", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--binary", default=os.path.join(root, ".build/release/onnxpatch"))
    a = ap.parse_args()
    prompt = np.load(os.path.join(a.dir, "input_ids.npy"))[:, : a.prompt].astype(np.int64)
    with tempfile.TemporaryDirectory() as tmp:
        ids_path = os.path.join(tmp, "ids.npy")
        np.save(ids_path, prompt)
        for mode, model in [("recompute", os.path.join(a.dir, "model.onnx")), ("cache", os.path.join(a.kv_dir, "model.onnx"))]:
            if not os.path.exists(model):
                print(f"{mode}: {model} missing, skipped")
                continue
            theirs, ours = [], []
            for r in range(a.rounds):
                o = run_ort(model, a.threads, ids_path, a.new, mode == "cache")
                p = run_ours(a.binary, model, a.threads, ids_path, a.new)
                if p["ids"] != o["ids"]:
                    print(f"  round {r + 1}: ids differ: onnxruntime {o['ids']}, onnxpatch {p['ids']}")
                theirs.append(rates(o["step_seconds"]))
                ours.append(rates(p["step_seconds"]))
                print(f"{mode} round {r + 1}: tokens/s onnxruntime {theirs[-1][0]:.2f} (after first {theirs[-1][1]:.2f}), "
                      f"onnxpatch {ours[-1][0]:.2f} (after first {ours[-1][1]:.2f}), same ids: {p['ids'] == o['ids']}")
            med = lambda xs, k: statistics.median(x[k] for x in xs)
            print(f"{mode}: prompt {a.prompt}, {a.new} new tokens, {a.threads} threads, median of {a.rounds}: "
                  f"onnxruntime {med(theirs, 0):.2f} tok/s, onnxpatch {med(ours, 0):.2f} tok/s, "
                  f"ratio onnxpatch/onnxruntime {med(ours, 0) / med(theirs, 0):.2f} "
                  f"(steps after the first: {med(ours, 1) / med(theirs, 1):.2f})")


if __name__ == "__main__":
    main()
