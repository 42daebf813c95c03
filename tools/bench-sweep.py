#!/usr/bin/env python3
"""Side-by-side benchmark of `onnxpatch sweep` against onnxruntime forwards.

A residual-stream sweep of the GPT-2-small-shaped export (tools/make-gpt2-small.py; random
weights, not committed): 12 targets (the residual stream before each block: the embeddings'
Add and the MLP residual Add of blocks 0-10) x every position of a 32-token prompt, metric
logit-diff. In alternating rounds, with the same threads, it times

  - onnxruntime: one forward of the corrupted prompt (median of --runs), default session options;
  - onnxpatch sweep: the whole command (load, hash, clean and corrupt runs, cells) and its
    cells alone (from the rate it prints);
  - onnxpatch bench: one full forward, for reference;

and prints sweep time / (cells x one onnxruntime forward). With --ort-cells K it also times K
cells done the onnxruntime way (rewrite the graph with the clean value spliced in, new session,
run). Build first: swift build -c release --product onnxpatch --scratch-path .build-sweep

    python3 tools/bench-sweep.py [--dir /work/cache/gpt2-small] [--threads 1] [--rounds 3]
"""
import argparse, json, os, re, subprocess, sys, tempfile, textwrap, time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)

TARGETS = ["node_add_1"] + [f"node_add_{7 + 4 * i}" for i in range(11)]

ORT_CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np, onnxruntime as ort
    model, threads, runs, feeds_json = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    feeds = {k: np.load(v) for k, v in json.loads(feeds_json).items()}
    so = ort.SessionOptions(); so.intra_op_num_threads = threads; so.inter_op_num_threads = 1
    s = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    for _ in range(2): s.run(None, feeds)
    times = []
    for _ in range(runs):
        t = time.perf_counter(); s.run(None, feeds); times.append(time.perf_counter() - t)
    times.sort()
    print(json.dumps({"median": times[len(times) // 2], "min": times[0]}))
""")

ORT_CELLS = textwrap.dedent("""
    import json, sys, time
    import numpy as np, onnx, onnxruntime as ort
    from onnx import helper, numpy_helper
    model_path, threads, cells, clean_json, corrupt_json, target = sys.argv[1:7]
    threads, cells = int(threads), int(cells)
    clean = {k: np.load(v) for k, v in json.loads(clean_json).items()}
    corrupt = {k: np.load(v) for k, v in json.loads(corrupt_json).items()}
    model = onnx.load(model_path)
    value = next(n.output[0] for n in model.graph.node if n.name == target)
    so = ort.SessionOptions(); so.intra_op_num_threads = threads; so.inter_op_num_threads = 1
    m = onnx.ModelProto(); m.CopyFrom(model)
    m.graph.output.append(onnx.ValueInfoProto(name=value))
    clean_value = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"]).run([value], clean)[0]
    times = []
    for p in range(cells):
        t = time.perf_counter()
        m = onnx.ModelProto(); m.CopyFrom(model)
        producer = next(n for n in m.graph.node if value in n.output)
        producer.output[:] = [value + "__orig" if o == value else o for o in producer.output]
        mask = np.zeros(clean_value.shape, bool); mask[:, p] = True
        m.graph.initializer.extend([numpy_helper.from_array(mask, "__mask"), numpy_helper.from_array(clean_value, "__clean")])
        m.graph.node.append(helper.make_node("Where", ["__mask", "__clean", value + "__orig"], [value]))
        nodes = list(m.graph.node)
        order = [n for n in nodes if n is not nodes[-1]]
        i = order.index(producer); order.insert(i + 1, nodes[-1])
        del m.graph.node[:]; m.graph.node.extend(order)
        s = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
        s.run(None, corrupt)
        times.append(time.perf_counter() - t)
    print(json.dumps({"per_cell": sorted(times)[len(times) // 2]}))
""")


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"error: {' '.join(cmd[:3])}... failed:\n{out.stderr}")
    return out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/work/cache/gpt2-small")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seq", type=int, default=32)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ort-cells", type=int, default=0)
    ap.add_argument("--binary", default=os.path.join(root, ".build-sweep/release/onnxpatch"))
    a = ap.parse_args()
    import numpy as np
    model = os.path.join(a.dir, "model.onnx")
    if not os.path.exists(model):
        subprocess.run([sys.executable, os.path.join(here, "make-gpt2-small.py"), a.dir], check=True)
    work = tempfile.mkdtemp(prefix="bench-sweep-")
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 50257, size=(1, a.seq), dtype=np.int64)
    corrupt_ids = ids.copy()
    for p in (a.seq // 4, a.seq // 2):
        corrupt_ids[0, p] = (corrupt_ids[0, p] + 1000) % 50257
    mask = np.ones((1, a.seq), np.int64)
    for name, array in [("clean_ids", ids), ("corrupt_ids", corrupt_ids), ("mask", mask)]:
        np.save(os.path.join(work, name + ".npy"), array)
    clean = {"input_ids": f"{work}/clean_ids.npy", "attention_mask": f"{work}/mask.npy"}
    corrupt = {"input_ids": f"{work}/corrupt_ids.npy", "attention_mask": f"{work}/mask.npy"}
    cells = len(TARGETS) * a.seq
    sweep = [a.binary, "sweep", model, "--threads", str(a.threads), "--metric", "logit-diff:100,200"]
    for k, v in clean.items():
        sweep += ["--clean", f"{k}={v}"]
    for k, v in corrupt.items():
        sweep += ["--corrupt", f"{k}={v}"]
    for t in TARGETS:
        sweep += ["--target", t]
    bench = [a.binary, "bench", model, "--threads", str(a.threads), "--runs", str(a.runs), "--json"]
    for k, v in corrupt.items():
        bench += ["--input", f"{k}={v}"]
    rows = []
    for r in range(a.rounds):
        o = json.loads(run([sys.executable, "-c", ORT_CHILD, model, str(a.threads), str(a.runs), json.dumps(corrupt)]))
        out = os.path.join(work, f"sweep{r}")
        t = time.perf_counter()
        text = run(sweep + ["--out", out])
        total = time.perf_counter() - t
        m = re.search(r"swept (\d+) cells in ([\d.]+) s, ([\d.]+) cells/s", text)
        assert m and int(m.group(1)) == cells, text
        cell_time = cells / float(m.group(3))
        ours = json.loads(run(bench))["forward_s"]["median"]
        ort_cells = cells * o["median"]
        rows.append((o["median"], ours, cell_time, total))
        print(f"round {r + 1}: onnxruntime forward {o['median']:.4f} s (x{cells} cells = {ort_cells:.2f} s); "
              f"onnxpatch forward {ours:.4f} s; sweep cells {cell_time:.2f} s ({cell_time / ort_cells:.3f}x), "
              f"whole command {total:.2f} s ({total / ort_cells:.3f}x)", flush=True)
    if a.ort_cells:
        per = json.loads(run([sys.executable, "-c", ORT_CELLS, model, str(a.threads), str(a.ort_cells),
                              json.dumps(clean), json.dumps(corrupt), TARGETS[6]]))["per_cell"]
        print(f"onnxruntime way (rewrite, new session, run): {per:.2f} s per cell")
    med = lambda xs: sorted(xs)[len(xs) // 2]
    o, ours, c, t = (med([row[i] for row in rows]) for i in range(4))
    print(f"\n{len(TARGETS)} targets x {a.seq} positions = {cells} cells, {a.threads} thread(s), {a.rounds} rounds (medians)")
    print(f"onnxruntime forward {o:.4f} s, onnxpatch forward {ours:.4f} s ({ours / o:.2f}x)")
    print(f"sweep cells {c:.2f} s = {c / (cells * o):.3f} x (cells x onnxruntime forward); "
          f"whole command {t:.2f} s = {t / (cells * o):.3f} x")


if __name__ == "__main__":
    main()
