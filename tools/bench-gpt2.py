#!/usr/bin/env python3
"""Side-by-side benchmark: onnxruntime vs onnxpatch on the GPT-2-small-shaped export.

Makes the model with tools/make-gpt2-small.py when missing (random weights, not committed), then
alternates rounds of onnxruntime, `onnxpatch bench` and the sgemm floor (the same matrix products
called straight from C: tools/sgemm-floor.c, compiled here with cc -lopenblas, on the OpenBLAS
kernels onnxpatch reports using) in one go with the same threads, and prints the forward-time ratios and both processes' peak RSS. Each side runs in
its own child process so peak RSS is per tool.

    pip install onnx==1.23.2 onnxruntime numpy   (plus torch transformers onnxscript to make the model)
    swift build -c release
    python3 tools/bench-gpt2.py [--dir /work/cache/gpt2-small] [--threads 2] [--runs 10] [--rounds 3]
"""
import argparse, json, os, subprocess, sys, tempfile, textwrap

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)

ORT_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np, onnxruntime as ort
    model, threads, runs, warmup, feeds_json = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    feeds = {k: np.load(v) for k, v in json.loads(feeds_json).items()}
    so = ort.SessionOptions(); so.intra_op_num_threads = threads; so.inter_op_num_threads = 1
    t = time.perf_counter(); s = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"]); load = time.perf_counter() - t
    for _ in range(warmup): s.run(None, feeds)
    times = []
    for _ in range(runs):
        t = time.perf_counter(); s.run(None, feeds); times.append(time.perf_counter() - t)
    times.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"load_s": load, "forward_s": {"min": times[0], "median": times[len(times)//2], "max": times[-1]}, "peak_rss": rss}))
""")


def child_rss_run(cmd):
    """Runs cmd and returns (stdout, peak RSS in bytes of that child)."""
    out = subprocess.run(["/usr/bin/env", "python3", "-c",
                          "import resource,subprocess,sys;"
                          "p=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
                          "sys.stderr.write(p.stderr);print(p.stdout);"
                          "print('RSS',resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss*1024);"
                          "sys.exit(p.returncode)"] + cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"error: {' '.join(cmd[:3])}… failed:\n{out.stderr}")
    body, _, rss = out.stdout.rpartition("RSS ")
    return body, int(rss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/work/cache/gpt2-small")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seq", type=int, default=128, help="sequence length (the inputs are cut to it)")
    ap.add_argument("--binary", default=os.path.join(root, ".build/release/onnxpatch"))
    a = ap.parse_args()
    model = os.path.join(a.dir, "model.onnx")
    if not os.path.exists(model):
        subprocess.run([sys.executable, os.path.join(here, "make-gpt2-small.py"), a.dir], check=True)
    feeds = {n: os.path.join(a.dir, n + ".npy") for n in ("input_ids", "attention_mask")}
    if a.seq != 128:
        import numpy as np
        tmp = tempfile.mkdtemp()
        for n, path in list(feeds.items()):
            cut = np.ascontiguousarray(np.load(path)[:, :a.seq])
            feeds[n] = os.path.join(tmp, n + ".npy")
            np.save(feeds[n], cut)
    size = os.path.getsize(model)
    floor_bin = os.path.join(tempfile.mkdtemp(), "sgemm-floor")
    subprocess.run(["cc", "-O2", os.path.join(here, "sgemm-floor.c"), "-o", floor_bin, "-lopenblas"], check=True)
    ours, theirs, floors = [], [], []
    for r in range(a.rounds):
        body, rss = child_rss_run([sys.executable, "-c", ORT_CHILD, model, str(a.threads), str(a.runs), str(a.warmup), json.dumps(feeds)])
        o = json.loads(body); o["peak_rss"] = rss; theirs.append(o)
        cmd = [a.binary, "bench", model, "--threads", str(a.threads), "--runs", str(a.runs), "--warmup", str(a.warmup), "--json"]
        for k, v in feeds.items():
            cmd += ["--input", f"{k}={v}"]
        body, rss = child_rss_run(cmd)
        p = json.loads(body); p["peak_rss"] = rss; ours.append(p)
        # The floor on the same OpenBLAS kernels onnxpatch chose (it may override OpenBLAS's pick).
        env = dict(os.environ, OPENBLAS_CORETYPE=p["blas_core"]) if "blas_core" in p else None
        floors.append(json.loads(subprocess.run([floor_bin, str(a.seq), str(a.threads)], capture_output=True, text=True,
                                                check=True, env=env).stdout)["total_s"])
        print(f"round {r+1}: onnxruntime median {o['forward_s']['median']:.4f} s, onnxpatch median {p['forward_s']['median']:.4f} s "
              f"(ratio {p['forward_s']['median']/o['forward_s']['median']:.2f}x, matmul share {p.get('matmul_share', 0)*100:.1f}%), "
              f"sgemm floor {floors[-1]:.4f} s")
    med = lambda xs: sorted(xs)[len(xs)//2]
    ort_t = med([o["forward_s"]["median"] for o in theirs]); our_t = med([p["forward_s"]["median"] for p in ours])
    print(f"\nmodel {size/1e6:.0f} MB, sequence {a.seq}, batch 1, {a.threads} threads, {a.rounds} rounds x {a.runs} runs")
    print(f"forward median: onnxruntime {ort_t:.4f} s, onnxpatch {our_t:.4f} s, ratio {our_t/ort_t:.2f}x")
    share = med([p.get("matmul_share", 0) for p in ours])
    floor = med(floors)
    print(f"sgemm floor (the same products straight from C, OpenBLAS {ours[-1].get('blas_core', '?')} kernels): "
          f"{floor:.4f} s; onnxpatch / floor {our_t/floor:.2f}x, "
          f"onnxruntime / floor {ort_t/floor:.2f}x")
    print(f"onnxpatch's own matrix products: {share*100:.1f}% of op time; forward / own products {1/share if share else 0:.3f}x")
    print(f"load: onnxruntime {med([o['load_s'] for o in theirs]):.3f} s, onnxpatch {med([p['load_s'] for p in ours]):.3f} s")
    print(f"peak RSS: onnxruntime {max(o['peak_rss'] for o in theirs)/1e9:.2f} GB ({max(o['peak_rss'] for o in theirs)/size:.2f}x file), "
          f"onnxpatch {max(p['peak_rss'] for p in ours)/1e9:.2f} GB ({max(p['peak_rss'] for p in ours)/size:.2f}x file)")


if __name__ == "__main__":
    main()
