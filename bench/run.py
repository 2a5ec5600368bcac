#!/usr/bin/env python3
"""tmix vs ONNX Runtime on this machine, in one run.

    python3 bench/run.py [--quick] [--out results.json]

Sections, each printed as a table as soon as it is measured:

  peak       f32 FMA peak of this machine (bench/peak.c, compiled now with
             clang-22 -O3 -march=native -fopenmp), all threads and one.
  attention  the ONNX Attention op (opset 23) alone, q/k/v [1, 12, L, 64],
             is_causal 0 and 1: tmix (tmix-compile .so) vs onnxruntime,
             median latency, GFLOP/s (4 B H L^2 D, halved when causal),
             share of the peak, max abs difference of the outputs.
  e2e        2-layer BERT-base- and GPT-2-small-shaped models
             (tmix.synthetic, hidden 768, 12 heads, batch 1): tmix vs
             onnxruntime, then tmix with each mixer (--mixer) vs tmix softmax.
  long       a 1-layer GPT-2-shaped model at L=8192 (4096 when 8192 is too
             slow): each mixer vs softmax.
  checks     the cost of the run-time Gather index checks: the e2e models
             compiled with and without them (--no-index-checks), measured
             in turn.
  int8       (--only int8) the same Hugging Face models quantized by
             onnxruntime.quantization.quantize_dynamic: ONNX Runtime on
             that model, tmix on that model, tmix --quantize=int8 on the f32
             model, interleaved; output drift of each from fp32.
  hf         Hugging Face BERT-base, GPT-2 small and a LLaMA-architecture
             GQA model at published sizes (bench/export_hf.py), batch 1 and
             8, L 128 and 512: tmix vs onnxruntime fp32 in interleaved
             rounds, matmul GFLOP/s and share of the peak, max abs
             difference (--only hf runs it alone).

Compiled libraries (and the ONNX files they come from) are cached in
$TMPDIR/tmix-bench-cache keyed by the model bytes, the flags and the
tmix-compile binary, so a second run skips compilation; compile times are
measured when a library is built and reported (marked "cached" on a hit).
Not part of the test suite; see bench/README.md.
"""
import argparse
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

from tmix import runtime, synthetic  # noqa: E402

MIXERS = ("softmax", "linear", "sigmoid", "pool")
TOL = 1e-3            # flag outputs further than this (max abs) from the reference
LONG_LIMIT_S = 60.0   # the long-sequence section drops to L/2 past this
SETTLE_S = 0.3        # pause between measurements (OpenMP / ORT spin-wait)


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------

def log(*args):
    print(*args, flush=True)


def table(title, headers, rows, notes=()):
    """Prints rows (lists of str) under headers, columns right-aligned
    except the first."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]

    def line(r):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(r, widths)))
    out = [f"== {title} ==", line(headers),
           "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    out += [f"  {n}" for n in notes]
    text = "\n".join(out)
    log(text + "\n")
    return text


def fmt(x, spec=".2f", none="-"):
    return none if x is None else format(x, spec)


def measure(fn, target_s, min_runs=3, max_runs=1000):
    """Median latency of fn() in ms after a warm-up call; the number of
    runs is chosen from a second (timed) warm-up so that the timed runs
    take about target_s, and is at least min_runs."""
    time.sleep(SETTLE_S)
    fn()
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    runs = int(max(min_runs, min(max_runs, target_s / max(first, 1e-6))))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return dict(median_ms=1e3 * statistics.median(times),
                min_ms=1e3 * times[0], max_ms=1e3 * times[-1], runs=runs)


def ort_session(model_bytes, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model_bytes, so,
                                providers=["CPUExecutionProvider"])


def max_abs(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.shape != b.shape:
        return float("inf")
    if not np.all(np.isfinite(a)):
        return float("nan")
    return float(np.max(np.abs(a - b)))


def error_ok(err):
    return err is not None and math.isfinite(err) and err <= TOL


def err_text(err):
    if err is None:
        return "-"
    return f"{err:.1e}" + ("" if error_ok(err) else " !")


class Cache:
    """ONNX files and the libraries tmix-compile builds from them."""

    def __init__(self, directory, fresh):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.fresh = fresh
        tool = []
        for path in (runtime.TMIX_COMPILE,
                     os.path.join(os.path.dirname(runtime.RUNTIME_LIB),
                                  "libtmix_model_support.a")):
            st = os.stat(path)
            tool.append(f"{os.path.realpath(path)}:{st.st_size}:"
                        f"{st.st_mtime_ns}")
        self.tool = "\n".join(tool)

    def onnx(self, model):
        data = model.SerializeToString()
        digest = hashlib.sha256(data).hexdigest()[:20]
        path = os.path.join(self.dir, f"{digest}.onnx")
        if not os.path.exists(path):
            tmp = path + f".tmp{os.getpid()}"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        return path, data

    def compile(self, onnx_path, **options):
        """(runtime.Model, info) for onnx_path compiled with options;
        info: compile_s (when built), cached, report (mixer report JSON),
        retried (the first attempt's error, when a retry was needed)."""
        st = os.stat(onnx_path)
        key = hashlib.sha256("\n".join(
            [os.path.basename(onnx_path), f"{st.st_size}:{st.st_mtime_ns}",
             self.tool,
             json.dumps(options, sort_keys=True)]).encode()).hexdigest()[:20]
        so = os.path.join(self.dir, f"{key}.so")
        meta_path = os.path.join(self.dir, f"{key}.json")
        if not self.fresh and os.path.exists(so) and os.path.exists(meta_path):
            with open(meta_path) as f:
                info = json.load(f)
            info["cached"] = True
            return runtime.Model(so), info
        report = os.path.join(self.dir, f"{key}.report.json")
        info = dict(cached=False, retried=None)
        for attempt in range(2):
            t0 = time.perf_counter()
            try:
                model = runtime.compile(onnx_path, so, mixer_report=report,
                                        mixer_report_format="json",
                                        **options)
                break
            except RuntimeError as e:
                if attempt == 1:
                    raise
                # Once more: the build directory may be mid-rebuild.
                info["retried"] = str(e).strip().splitlines()[-1]
                log(f"  tmix-compile failed, retrying once: {info['retried']}")
                time.sleep(5)
        info["compile_s"] = time.perf_counter() - t0
        try:
            with open(report) as f:
                info["report"] = json.load(f)
        except (OSError, ValueError):
            info["report"] = None
        with open(meta_path, "w") as f:
            json.dump(info, f)
        return model, info


def compile_text(info):
    if info is None:
        return "-"
    text = f"{info['compile_s']:.1f}s"
    return text + " (cached)" if info.get("cached") else text


def sites_text(report, mixer):
    """From a mixer report: attention sites found (softmax) or
    'replaced/found' (other mixers)."""
    if not report:
        return "?"
    t = report.get("totals", {})
    if mixer == "softmax":
        return str(t.get("sites", "?"))
    return f"{t.get('replaced', '?')}/{t.get('sites', '?')}"


def short_error(e):
    lines = [l for l in str(e).strip().splitlines() if l.strip()]
    return lines[-1][:160] if lines else type(e).__name__


# ----------------------------------------------------------------------------
# (b) FMA peak
# ----------------------------------------------------------------------------

def peak(cache, seconds, threads):
    src = os.path.join(HERE, "peak.c")
    exe = os.path.join(cache.dir, "peak")
    cmd = ["clang-22", "-O3", "-march=native", "-fopenmp", src, "-o", exe]
    subprocess.run(cmd, check=True)
    results = {}
    for n in sorted({threads, 1}, reverse=True):
        out = subprocess.run([exe, str(seconds), str(n)], check=True,
                             capture_output=True, text=True).stdout
        results[n] = json.loads(out)
    allr, one = results[threads], results[1]
    table("(b) FMA peak (f32, bench/peak.c)",
          ["threads", "isa", "GFLOP/s (wall)", "GFLOP/s (CPU time)",
           "per thread (CPU time)"],
          [[r["threads"], r["isa"], fmt(r["gflops"], ".1f"),
            fmt(r["gflops_cpu"], ".1f"),
            fmt(r["gflops_cpu"] / r["threads"], ".1f")]
           for r in ([allr, one] if threads != 1 else [allr])],
          [f"{allr['chains']} independent {allr['lanes']}-lane FMA chains "
           "per thread, 2 FLOP per lane per FMA, best of 3 repetitions.",
           "wall: all FLOPs / wall time; CPU time: sum over threads of "
           "FLOPs / the thread's CPU time (not lowered by other processes "
           "sharing the cores).",
           f"peak used below = the {threads}-thread CPU-time figure: "
           f"{max(allr['gflops_cpu'], allr['gflops']):.1f} GFLOP/s."])
    return dict(all=allr, one=one,
                gflops=max(allr["gflops_cpu"], allr["gflops"]),
                compile=" ".join(cmd))


# ----------------------------------------------------------------------------
# (a) the Attention op alone
# ----------------------------------------------------------------------------

def attention_model(B, H, L, D, causal):
    shape = [B, H, L, D]
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, shape)
              for n in ("q", "k", "v")]
    output = helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"],
                            is_causal=int(causal), name="attention")
    graph = helper.make_graph([node], "attention", inputs, [output])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 23)],
                              producer_name="tmix.bench")
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model


def attention_section(cache, lengths, target_s, threads, peak_gflops):
    B, H, D = 1, 12, 64
    rows, results = [], []
    for L in lengths:
        for causal in (0, 1):
            flops = 4.0 * B * H * L * L * D / (2 if causal else 1)
            r = dict(B=B, H=H, L=L, D=D, causal=causal, flops=flops)
            log(f"attention L={L} causal={causal} ...")
            rng = np.random.default_rng(L + causal)
            feeds = {n: rng.standard_normal((B, H, L, D), dtype=np.float32)
                     for n in ("q", "k", "v")}
            path, data = cache.onnx(attention_model(B, H, L, D, causal))
            sess = ort_session(data, threads)
            ref = sess.run(None, feeds)[0]
            r["ort"] = measure(lambda: sess.run(None, feeds), target_s)
            del sess
            try:
                model, info = cache.compile(path)
                r["compile"] = info
                r["error"] = max_abs(model.run(feeds)["y"], ref)
                r["tmix"] = measure(lambda: model.run(feeds), target_s)
                del model
            except RuntimeError as e:
                r["failure"] = short_error(e)
                log(f"  tmix FAILED: {e}")
            for impl in ("tmix", "ort"):
                if impl in r:
                    g = flops / (r[impl]["median_ms"] * 1e-3) / 1e9
                    r[impl]["gflops"] = g
                    r[impl]["peak_share"] = g / peak_gflops
            if "tmix" in r:
                r["speedup"] = r["ort"]["median_ms"] / r["tmix"]["median_ms"]
            results.append(r)
            t, o = r.get("tmix"), r["ort"]
            rows.append([
                f"L={L} {'causal' if causal else 'full'}",
                fmt(flops / 1e9, ".1f"),
                fmt(t and t["median_ms"], ".2f", "FAIL"),
                fmt(o["median_ms"], ".2f"),
                fmt(t and t["gflops"], ".1f"), fmt(o["gflops"], ".1f"),
                fmt(r.get("speedup"), ".2f") + ("x" if "speedup" in r else ""),
                fmt(t and 100 * t["peak_share"], ".1f"),
                fmt(100 * o["peak_share"], ".1f"),
                err_text(r.get("error")),
                f"{t['runs']}/{o['runs']}" if t else f"-/{o['runs']}",
                compile_text(r.get("compile")),
            ])
    notes = [f"q,k,v [1,12,L,64] f32; FLOP = 4*B*H*L*L*D, halved for causal; "
             f"%peak = GFLOP/s / measured {peak_gflops:.1f} GFLOP/s.",
             "tmix/ORT = ORT median / tmix median (>1: tmix faster); "
             f"max|d| = max abs(tmix - ORT), '!' when > {TOL:g}."]
    notes += [f"L={r['L']} causal={r['causal']}: tmix failed: {r['failure']}"
              for r in results if "failure" in r]
    table("(a) ONNX Attention-23 alone: tmix vs onnxruntime",
          ["config", "GFLOP", "tmix ms", "ORT ms", "tmix GF/s", "ORT GF/s",
           "tmix/ORT", "tmix %pk", "ORT %pk", "max|d|", "runs", "compile"],
          rows, notes)
    return results


# ----------------------------------------------------------------------------
# (c) end to end and (d) long sequences
# ----------------------------------------------------------------------------

def mixer_label(kind, mixer, info):
    """The mixer as compiled: 'pool (kept softmax)' when the compiler kept
    softmax at every site (the reason is in the mixer report)."""
    rep = info and info.get("report")
    if mixer == "softmax" or not rep:
        return mixer
    t = rep.get("totals", {})
    if t.get("replaced") == 0:
        return f"{mixer} (kept softmax)"
    if t.get("replaced") != t.get("sites"):
        return f"{mixer} ({t.get('replaced')}/{t.get('sites')} sites)"
    return mixer


def kept_reasons(mix):
    """Notes for mixers the compiler did not put in place, from its report."""
    notes = []
    for m in mix.values():
        rep = (m.get("compile") or {}).get("report") or {}
        if m["mixer"] == "softmax":
            continue
        reasons = sorted({s.get("reason") for s in rep.get("sites", [])
                          if s.get("status") != "replaced"} - {None})
        if reasons:
            notes.append(f"{m['mixer']}: kept softmax at "
                         f"{rep['totals']['sites'] - rep['totals']['replaced']}"
                         f" site(s): {'; '.join(reasons)}")
    return notes


def run_mixers(cache, kind, path, feeds, target_s, ort_ref, oracle, layers,
               weights=None, mixers=MIXERS, known=None):
    """tmix latency for every mixer on one model; error vs ORT (softmax) and
    vs the fp64 synthetic.forward oracle (when `oracle`)."""
    out = {}
    for mixer in mixers:
        m = dict(mixer=mixer)
        opts = {} if mixer == "softmax" else {"mixer": mixer}
        t0 = time.perf_counter()
        try:
            model, info = cache.compile(path, **opts)
            if known and mixer in known:
                info = known[mixer]  # compiled moments ago (long probe)
            m["compile"] = info
            m["label"] = mixer_label(kind, mixer, info)
            y = model.run(feeds)["y"]
            if ort_ref is not None and mixer == "softmax":
                m["error_ort"] = max_abs(y, ort_ref)
            if oracle:
                expected = synthetic.forward(
                    kind, weights, feeds,
                    synthetic.replaced_mixers(kind, layers, mixer))
                m["error_fp64"] = max_abs(y, expected)
            first = time.perf_counter() - t0
            m["first_s"] = first
            m["tmix"] = measure(lambda: model.run(feeds), target_s)
            del model
        except RuntimeError as e:
            m["failure"] = short_error(e)
            m["label"] = mixer
            log(f"  tmix {kind} mixer={mixer} FAILED: {e}")
        out[mixer] = m
    base = out.get("softmax", {}).get("tmix")
    for m in out.values():
        if base and "tmix" in m:
            m["speedup_vs_softmax"] = base["median_ms"] / m["tmix"]["median_ms"]
    return out


def e2e_section(cache, lengths, hidden, heads, layers, target_s, threads):
    results, rows_ort, rows_mix = [], [], []
    for kind in ("bert", "gpt2"):
        for L in lengths:
            log(f"e2e {kind} L={L} ...")
            model, weights = synthetic.build(kind, layers=layers,
                                             hidden=hidden, heads=heads,
                                             batch=1, seq=L, seed=0,
                                             check=False)
            feeds = synthetic.make_inputs(kind, weights)
            path, data = cache.onnx(model)
            del model
            sess = ort_session(data, threads)
            ref = sess.run(None, feeds)[0]
            ort_t = measure(lambda: sess.run(None, feeds), target_s)
            del sess
            # fp64 oracle for the mixers at the smallest length only.
            oracle = L == min(lengths)
            mix = run_mixers(cache, kind, path, feeds, target_s, ref, oracle,
                             layers, weights)
            r = dict(kind=kind, L=L, hidden=hidden, heads=heads,
                     layers=layers, ort=ort_t, mixers=mix)
            soft = mix["softmax"]
            if "tmix" in soft:
                r["speedup_vs_ort"] = (ort_t["median_ms"]
                                       / soft["tmix"]["median_ms"])
            results.append(r)
            rows_ort.append([
                f"{kind} L={L}",
                fmt(soft.get("tmix") and soft["tmix"]["median_ms"], ".2f",
                    "FAIL"),
                fmt(ort_t["median_ms"], ".2f"),
                fmt(r.get("speedup_vs_ort"), ".2f") +
                ("x" if "speedup_vs_ort" in r else ""),
                err_text(soft.get("error_ort")),
                f"{soft['tmix']['runs']}/{ort_t['runs']}"
                if "tmix" in soft else f"-/{ort_t['runs']}",
                compile_text(soft.get("compile")),
            ])
            for mixer in MIXERS:
                m = mix[mixer]
                rows_mix.append([
                    f"{kind} L={L}", m["label"],
                    sites_text(m.get("compile", {}).get("report"), mixer),
                    fmt(m.get("tmix") and m["tmix"]["median_ms"], ".2f",
                        "FAIL"),
                    fmt(m.get("speedup_vs_softmax"), ".2f") +
                    ("x" if "speedup_vs_softmax" in m else ""),
                    err_text(m.get("error_fp64")),
                    compile_text(m.get("compile")),
                ])
    shape = (f"{layers} layers, hidden {hidden}, {heads} heads, batch 1; "
             "bert: bidirectional + padding mask (last quarter padded), "
             "gpt2: causal")
    failures = [f"{r['kind']} L={r['L']} {m['mixer']}: tmix failed: "
                f"{m['failure']}" for r in results
                for m in r["mixers"].values() if "failure" in m]
    table("(c1) end to end: tmix (softmax) vs onnxruntime",
          ["model", "tmix ms", "ORT ms", "tmix/ORT", "max|d|", "runs",
           "compile"], rows_ort,
          [shape, "tmix/ORT = ORT median / tmix median (>1: tmix faster); "
           f"max|d| = max abs(tmix - ORT) on y, '!' when > {TOL:g}."]
          + failures)
    table("(c2) end to end: tmix mixers vs tmix softmax",
          ["model", "mixer", "sites", "tmix ms", "vs softmax", "max|d| fp64",
           "compile"], rows_mix,
          ["sites = fused attention sites (softmax) or replaced/found "
           "(tmix mixer report); vs softmax = softmax median / mixer median.",
           "max|d| fp64: vs tmix.synthetic.forward (float64 numpy, same "
           f"mixers) at L={min(lengths)} only; '!' when > {TOL:g}.",
           "a mixer marked (kept softmax) runs softmax attention: its time "
           "is a second softmax measurement."]
          + sorted({f"{r['kind']} {n}" for r in results
                    for n in kept_reasons(r["mixers"])})
          + failures)
    return results


def checks_section(cache, target_s):
    """tmix with Gather index checks vs without, on the bundled exporter
    graphs (their embeddings gather token ids), interleaved in rounds."""
    models = os.path.join(ROOT, "test", "data", "models")
    results, rows = [], []
    for name in sorted(f[:-5] for f in os.listdir(models)
                       if f.endswith(".onnx")):
        log(f"checks {name} ...")
        path = os.path.join(models, name + ".onnx")
        io = np.load(os.path.join(models, name + ".io.npz"))
        on, _ = cache.compile(path)
        off, _ = cache.compile(path, index_checks=False)
        feeds = {n: io[n] for n, _, _ in on.inputs}
        same = max_abs(next(iter(on.run(feeds).values())),
                       next(iter(off.run(feeds).values())))
        # Rounds of one measurement each, in turn, so drift cancels.
        ratios, times = [], {"on": [], "off": []}
        for _ in range(3):
            for key, m in (("on", on), ("off", off)):
                times[key].append(measure(lambda: m.run(feeds),
                                          target_s / 3)["median_ms"])
            ratios.append(times["on"][-1] / times["off"][-1])
        r = dict(model=name, on_ms=statistics.median(times["on"]),
                 off_ms=statistics.median(times["off"]),
                 ratio=statistics.median(ratios), max_abs=same)
        results.append(r)
        rows.append([name, fmt(r["on_ms"], ".3f"), fmt(r["off_ms"], ".3f"),
                     fmt(r["ratio"], ".3f"), f"{same:.1e}"])
    table("(e) cost of the Gather index checks (bundled exporter graphs)",
          ["model", "checks ms", "no checks ms", "checks/none", "max|d|"],
          rows, ["checks/none = median over 3 interleaved rounds of "
                 "(with checks / without); max|d| between the two outputs "
                 "(0: the checks change no result)."])
    return results


def long_section(cache, L, hidden, heads, target_s, limit_s):
    """The 1-layer gpt2 model at L (L/2 if softmax at L takes longer than
    limit_s to compile and run once, or fails)."""
    tried = []
    while True:
        log(f"long gpt2 1 layer L={L} ...")
        model, weights = synthetic.build("gpt2", layers=1, hidden=hidden,
                                         heads=heads, batch=1, seq=L, seed=0,
                                         check=False)
        feeds = synthetic.make_inputs("gpt2", weights)
        path, _ = cache.onnx(model)
        del model
        # Probe: compile + one softmax run, timed, before measuring.
        t0 = time.perf_counter()
        reason, info = None, None
        try:
            probe, info = cache.compile(path)
            t1 = time.perf_counter()
            probe.run(feeds)
            run_s = time.perf_counter() - t1
            del probe
            # A cached compile counts with its recorded compile time.
            probe_s = run_s + (info["compile_s"] if info.get("cached")
                               else t1 - t0)
            if probe_s > limit_s:
                reason = (f"softmax compile + 1 run took {probe_s:.1f} s "
                          f"> {limit_s:.0f} s")
        except RuntimeError as e:
            reason = f"softmax failed: {short_error(e)}"
        if reason is None or L <= 512:
            break
        tried.append(dict(L=L, reason=reason))
        log(f"  L={L}: {reason}; trying L={L // 2}")
        L //= 2
    mix = run_mixers(cache, "gpt2", path, feeds, target_s, None, False, 1,
                     known={"softmax": info} if info else None)
    flops_attn = 4.0 * heads * L * L * (hidden // heads) / 2
    rows = []
    for mixer in MIXERS:
        m = mix[mixer]
        rows.append([mixer if mixer == "softmax" else m["label"],
                     sites_text(m.get("compile", {}).get("report"), mixer),
                     fmt(m.get("tmix") and m["tmix"]["median_ms"], ".1f",
                         "FAIL"),
                     fmt(m.get("speedup_vs_softmax"), ".2f") +
                     ("x" if "speedup_vs_softmax" in m else ""),
                     str(m["tmix"]["runs"]) if "tmix" in m else "-",
                     compile_text(m.get("compile"))])
    notes = [f"gpt2 (tmix.synthetic), 1 layer, hidden {hidden}, {heads} heads, "
             f"batch 1, L={L}: the attention site is q,k,v [1,{heads},{L},"
             f"{hidden // heads}], causal ({flops_attn / 1e9:.3g} GFLOP of "
             "softmax attention); times include the projections and MLP.",
             "tmix only (no onnxruntime here)."]
    notes += [f"L={t['L']} not used: {t['reason']}" for t in tried]
    notes += kept_reasons(mix)
    notes += [f"{m['mixer']}: tmix failed: {m['failure']}"
              for m in mix.values() if "failure" in m]
    table(f"(d) long sequence: tmix mixers vs softmax at L={L}",
          ["mixer", "sites", "tmix ms", "vs softmax", "runs", "compile"],
          rows, notes)
    return dict(L=L, tried=tried, hidden=hidden, heads=heads, layers=1,
                mixers=mix)


def mixer_alone_section(cache, L, target_s):
    """The attention op alone (ONNX Attention-23, causal, [1,12,L,64]) with
    each mixer put in its place by tmix-compile --mixer: the mixers' own
    cost, without the projections and MLP that (d) includes."""
    B, H, D = 1, 12, 64
    log(f"mixer alone L={L} ...")
    path, _ = cache.onnx(attention_model(B, H, L, D, True))
    rng = np.random.default_rng(7)
    feeds = {n: rng.standard_normal((B, H, L, D)).astype(np.float32)
             for n in ("q", "k", "v")}
    rows, results = [], {}
    for mixer in MIXERS:
        options = {} if mixer == "softmax" else {"mixer": mixer}
        try:
            model, info = cache.compile(path, **options)
            timing = measure(lambda: model.run(feeds), target_s)
            del model
            results[mixer] = dict(tmix=timing, compile=info)
        except RuntimeError as e:
            results[mixer] = dict(failure=short_error(e))
    base = results.get("softmax", {}).get("tmix", {}).get("median_ms")
    for mixer in MIXERS:
        r = results[mixer]
        ms = r.get("tmix", {}).get("median_ms")
        if base and ms:
            r["speedup_vs_softmax"] = base / ms
        rows.append([mixer, sites_text(r.get("compile", {}).get("report"),
                                       mixer),
                     fmt(ms, ".1f", "FAIL"),
                     fmt(r.get("speedup_vs_softmax"), ".2f") +
                     ("x" if "speedup_vs_softmax" in r else ""),
                     str(r["tmix"]["runs"]) if "tmix" in r else "-"])
    table(f"(e) the mixer alone at L={L}: causal Attention-23 [1,12,{L},64] "
          "replaced by each mixer",
          ["mixer", "sites", "tmix ms", "vs softmax", "runs"], rows,
          ["linear: normalised elu+1 feature map, chunkwise (64-token chunks);"
           " pool: causal running average (prefix sums)."] +
          [f"{m}: tmix failed: {r['failure']}" for m, r in results.items()
           if "failure" in r])
    return dict(L=L, mixers=results)


# ----------------------------------------------------------------------------
# Summary
# ----------------------------------------------------------------------------

# ----------------------------------------------------------------------------
# (f) Hugging Face models at published sizes
# ----------------------------------------------------------------------------

HF_MODELS = ("bert-base", "gpt2", "llama-gqa")
HF_SHAPES = ((1, 128), (1, 512), (8, 128), (8, 512))
HF_ROUNDS = 3


def hf_flops(model, batch, seq):
    """Matmul FLOPs of one pass: 2 K N per token for every MatMul/Gemm with
    a constant [K, N] weight, plus 4 B L^2 W per attention (one per
    Softmax node, W = the width of the projection feeding it: the Q·K^T
    and P·V products)."""
    inits = {t.name: t.dims for t in model.graph.initializer}
    tokens = batch * seq
    flops, widths = 0, []
    for node in model.graph.node:
        if node.op_type in ("MatMul", "Gemm") and len(node.input) > 1:
            dims = inits.get(node.input[1])
            if dims is not None and len(dims) == 2:
                flops += 2 * dims[0] * dims[1] * tokens
                widths.append(dims[0])
    softmaxes = sum(1 for n in model.graph.node if n.op_type == "Softmax")
    width = max(set(widths), key=widths.count) if widths else 0
    return flops + softmaxes * 4 * batch * seq * seq * width


def hf_feeds(sess, batch, seq, vocab, rng):
    feeds = {}
    for i in sess.get_inputs():
        if "mask" in i.name:
            # Batch rows padded at the end by different amounts, row 0 not.
            mask = np.ones((batch, seq), np.int64)
            for b in range(1, batch):
                mask[b, seq - (b * seq) // (4 * batch):] = 0
            feeds[i.name] = mask
        else:
            feeds[i.name] = rng.integers(0, vocab, (batch, seq),
                                         dtype=np.int64)
    return feeds


def hf_model(models_dir, name, notes):
    """(path, ModelProto without weights, vocabulary size) of a model that
    bench/export_hf.py wrote, or None with a note when it is missing."""
    path = os.path.join(models_dir, name + ".onnx")
    if not os.path.exists(path):
        notes.append(f"{name}: {path} missing (run bench/export_hf.py "
                     "with a torch + transformers Python)")
        return None
    proto = onnx.load(path, load_external_data=False)
    vocab = max(t.dims[0] for t in proto.graph.initializer
                if len(t.dims) == 2)
    return path, proto, vocab


def hf_case(section, name, proto, sess, vocab, batch, seq):
    """(row label, result record, inputs, --input-shape values) of one
    model and shape."""
    log(f"{section} {name} B={batch} L={seq} ...")
    record = dict(model=name, batch=batch, seq=seq,
                  gflop=hf_flops(proto, batch, seq) / 1e9)
    feeds = hf_feeds(sess, batch, seq, vocab,
                     np.random.default_rng(seq + batch))
    return (f"{name} B={batch} L={seq}", record, feeds,
            [f"{n}:{batch}x{seq}" for n in feeds])


def hf_section(cache, models_dir, target_s, threads, peak_gflops, shapes):
    """tmix fp32 (and --precision=bf16 where the CPU has AMX-BF16) vs ONNX
    Runtime fp32, interleaved; then the bf16 accuracy rule against
    PyTorch's own bf16 (bench/export_hf.py's .bf16ref.npz)."""
    bf16 = runtime.has_amx_bf16()
    results, rows, acc_rows, notes = [], [], [], []
    for name in HF_MODELS:
        found = hf_model(models_dir, name, notes)
        if not found:
            continue
        path, proto, vocab = found
        sess = ort_session(path, threads)
        for batch, seq in shapes:
            label, r, feeds, shape_opts = hf_case("hf", name, proto, sess,
                                                  vocab, batch, seq)
            libs = {}
            try:
                libs["f32"], info = cache.compile(path, input_shape=shape_opts)
                if bf16:
                    libs["bf16"], info16 = cache.compile(
                        path, input_shape=shape_opts, precision="bf16")
                    r["compile_bf16"] = info16
            except RuntimeError as e:
                r["failure"] = short_error(e)
                rows.append([label, "FAIL"] + ["-"] * 8 + [r["failure"]])
                results.append(r)
                continue
            ref = sess.run(None, feeds)[0]
            r["ref_max"] = float(np.max(np.abs(ref)))
            for kind, lib in libs.items():
                r[f"max_abs_{kind}"] = max_abs(
                    next(iter(lib.run(feeds).values())), ref)
            # Rounds of tmix (each precision) then ORT: drift and load hit
            # all alike.
            times = {k: [] for k in list(libs) + ["ort"]}
            ratios = {k: [] for k in libs}
            for _ in range(HF_ROUNDS):
                for kind, lib in libs.items():
                    times[kind].append(measure(
                        lambda: lib.run(feeds),
                        target_s / HF_ROUNDS)["median_ms"])
                times["ort"].append(measure(lambda: sess.run(None, feeds),
                                            target_s / HF_ROUNDS)["median_ms"])
                for kind in libs:
                    ratios[kind].append(times["ort"][-1] / times[kind][-1])
            r.update(compile=info, load=os.getloadavg()[0],
                     ort_ms=min(times["ort"]))
            for kind in libs:
                r[f"{kind}_ms"] = min(times[kind])
                r[f"ratio_{kind}"] = statistics.median(ratios[kind])
            share = lambda ms: r["gflop"] / ms * 1e3 / peak_gflops
            r["tmix_peak"], r["ort_peak"] = (share(r["f32_ms"]),
                                             share(r["ort_ms"]))
            libs.clear()
            results.append(r)
            rows.append([
                label, fmt(r["gflop"], ".1f"), fmt(r["f32_ms"], ".1f"),
                fmt(r.get("bf16_ms"), ".1f"), fmt(r["ort_ms"], ".1f"),
                fmt(r["ratio_f32"], ".2f") + "x",
                fmt(r.get("ratio_bf16"), ".2f") +
                ("x" if "ratio_bf16" in r else ""),
                f"{100 * r['tmix_peak']:.0f}% / {100 * r['ort_peak']:.0f}%",
                f"{r['max_abs_f32']:.1e} ({r['ref_max']:.1f})",
                compile_text(info), f"{r['load']:.2f}"])
        del sess
        acc = hf_bf16_accuracy(cache, models_dir, name) if bf16 else None
        if acc:
            results.append(acc)
            acc_rows.append([name, f"{acc['f32_err']:.1e}",
                             f"{acc['bf16_err']:.1e}",
                             f"{acc['torch_bf16_err']:.1e}",
                             f"{acc['rule']:.2f}" +
                             ("" if acc["rule"] <= 2 else " !")])
    table("(f) Hugging Face models at published sizes: tmix vs onnxruntime "
          "fp32",
          ["model", "GFLOP", "tmix ms", "bf16 ms", "ORT ms", "tmix/ORT",
           "bf16/ORT", "% peak tmix/ORT", "max|d| (max|ref|)", "compile",
           "load"], rows,
          ["random weights, exported by bench/export_hf.py (TorchScript, "
           "opset 17, dynamic axes); compiled per shape with --input-shape; "
           "ids random, mask with rows 1.. padded at the end.",
           f"times: best of {HF_ROUNDS} interleaved rounds' medians; "
           "x/ORT: median over rounds of ORT/x (>1: x faster). bf16: "
           "tmix --precision=bf16 (AMX; '-' on CPUs without AMX-BF16).",
           "GFLOP: matmuls with constant weights (2 K N per token) plus "
           "attention products (4 B L^2 W per Softmax); % peak against the "
           f"measured f32 FMA peak {peak_gflops:.0f} GFLOP/s; max|d|: tmix "
           "fp32 vs ORT."] + notes)
    if acc_rows:
        table("(f) bf16 accuracy: FlashAttention's rule against PyTorch's "
              "own bf16",
              ["model", "tmix fp32 err", "tmix bf16 err", "torch bf16 err",
               "tmix/torch bf16"], acc_rows,
              ["max abs error against PyTorch fp32 on the same weights and "
               "input (B=1, L=128, bench/export_hf.py's .bf16ref.npz); the "
               "rule holds when tmix/torch bf16 <= 2 ('!' otherwise)."])
    return results


def hf_bf16_accuracy(cache, models_dir, name):
    """tmix fp32 and bf16 errors against PyTorch fp32, and PyTorch's own
    bf16 error, on the reference input of export_hf.py."""
    ref_path = os.path.join(models_dir, name + ".bf16ref.npz")
    if not os.path.exists(ref_path):
        return None
    ref = np.load(ref_path)
    feeds = {k: ref[k] for k in ("input_ids", "attention_mask")}
    shape_opts = [f"{n}:{'x'.join(map(str, v.shape))}"
                  for n, v in feeds.items()]
    path = os.path.join(models_dir, name + ".onnx")
    out = {}
    for kind, opts in (("f32", {}), ("bf16", {"precision": "bf16"})):
        lib, _ = cache.compile(path, input_shape=shape_opts, **opts)
        out[kind] = max_abs(next(iter(lib.run(feeds).values())), ref["fp32"])
        del lib
    torch_err = max_abs(ref["bf16"], ref["fp32"])
    return dict(model=name, kind="bf16_accuracy", f32_err=out["f32"],
                bf16_err=out["bf16"], torch_bf16_err=torch_err,
                rule=out["bf16"] / torch_err if torch_err else float("inf"))

INT8_SHAPES = ((1, 128), (1, 512))


def int8_model(models_dir, name):
    """The model quantized by onnxruntime.quantization.quantize_dynamic
    (int8 weights, DynamicQuantizeLinear + MatMulInteger), made once."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    src = os.path.join(models_dir, name + ".onnx")
    dst = os.path.join(models_dir, name + ".int8.onnx")
    if not os.path.exists(dst) or os.path.getmtime(dst) < os.path.getmtime(
            src):
        log(f"  quantize_dynamic {name} ...")
        quantize_dynamic(src, dst, weight_type=QuantType.QInt8)
    return dst


def int8_section(cache, models_dir, target_s, threads, shapes):
    """int8: ONNX Runtime on its own quantize_dynamic model, tmix on that
    same model, and tmix --quantize=int8 on the f32 model, against ONNX
    Runtime fp32, in interleaved rounds; output drift of each from fp32."""
    results, rows, notes = [], [], []
    for name in HF_MODELS:
        found = hf_model(models_dir, name, notes)
        if not found:
            continue
        path, proto, vocab = found
        qpath = int8_model(models_dir, name)
        sess32, sess8 = ort_session(path, threads), ort_session(qpath, threads)
        for batch, seq in shapes:
            label, r, feeds, shape_opts = hf_case("int8", name, proto, sess32,
                                                  vocab, batch, seq)
            r["gop"] = r.pop("gflop")
            try:
                on_ort, _ = cache.compile(qpath, input_shape=shape_opts)
                own, info = cache.compile(path, input_shape=shape_opts,
                                          quantize="int8")
            except RuntimeError as e:
                r["failure"] = short_error(e)
                rows.append([label, "FAIL"] + ["-"] * 8 + [r["failure"]])
                results.append(r)
                continue
            fp32 = sess32.run(None, feeds)[0]
            outs = dict(ort8=sess8.run(None, feeds)[0],
                        on_ort=next(iter(on_ort.run(feeds).values())),
                        own=next(iter(own.run(feeds).values())))
            for k, v in outs.items():
                r[f"drift_{k}"] = max_abs(v, fp32)
            runs = dict(ort32=lambda: sess32.run(None, feeds),
                        ort8=lambda: sess8.run(None, feeds),
                        on_ort=lambda: on_ort.run(feeds),
                        own=lambda: own.run(feeds))
            times = {k: [] for k in runs}
            ratios = {k: [] for k in ("on_ort", "own")}
            for _ in range(HF_ROUNDS):
                for k, fn in runs.items():
                    times[k].append(measure(fn, target_s / HF_ROUNDS)[
                        "median_ms"])
                for k in ratios:
                    ratios[k].append(times["ort8"][-1] / times[k][-1])
            for k in runs:
                r[f"{k}_ms"] = min(times[k])
            for k in ratios:
                r[f"ratio_{k}"] = statistics.median(ratios[k])
            r.update(load=os.getloadavg()[0], compile=info)
            results.append(r)
            rows.append([
                label, fmt(r["gop"], ".1f"), fmt(r["ort32_ms"], ".1f"),
                fmt(r["ort8_ms"], ".1f"), fmt(r["on_ort_ms"], ".1f"),
                fmt(r["own_ms"], ".1f"), fmt(r["ratio_on_ort"], ".2f") + "x",
                fmt(r["ratio_own"], ".2f") + "x",
                f"{r['drift_ort8']:.3f} / {r['drift_on_ort']:.3f} / "
                f"{r['drift_own']:.3f}",
                f"{r['gop'] / r['own_ms']:.2f}", f"{r['load']:.2f}"])
            on_ort = own = None
        del sess32, sess8
    table("(g) int8: tmix vs onnxruntime's quantize_dynamic model",
          ["model", "GOP", "ORT fp32 ms", "ORT int8 ms", "tmix on ORT int8",
           "tmix --quantize", "x/ORT int8 (on ORT's)", "x/ORT int8 (own)",
           "drift ORT8 / tmix on ORT8 / own", "TOP/s own", "load"], rows,
          ["ORT int8: onnxruntime.quantization.quantize_dynamic (int8 "
           "weights per tensor, dynamic uint8 activations per tensor), run "
           "by ORT with its graph optimisations; tmix on ORT int8: tmix "
           "compiling that same model; tmix --quantize: tmix --quantize=int8 "
           "of the f32 model (weights per column, activations per row).",
           f"times: best of {HF_ROUNDS} interleaved rounds' medians; x/ORT "
           "int8: median over rounds of ORT int8 / x (>1: x faster).",
           "drift: max abs difference from ORT fp32 on the same input; GOP: "
           "2 K N per token of weight matmuls plus attention products."] +
          notes)
    return results


def summary(pk, att, e2e, long, wall_s):
    rows = []
    rows.append(["FMA peak", f"{pk['gflops']:.1f} GFLOP/s",
                 f"f32 {pk['all']['isa']}, {pk['all']['threads']} threads, "
                 f"CPU time (wall {pk['all']['gflops']:.1f}; 1 thread "
                 f"{pk['one']['gflops_cpu']:.1f})"])
    for r in att:
        name = f"Attention L={r['L']} {'causal' if r['causal'] else 'full'}"
        if "tmix" not in r:
            rows.append([name, "tmix FAILED", r.get("failure", "")])
            continue
        rows.append([name, f"{r['speedup']:.2f}x ORT",
                     f"tmix {r['tmix']['gflops']:.1f} GF/s "
                     f"({100 * r['tmix']['peak_share']:.0f}% pk), ORT "
                     f"{r['ort']['gflops']:.1f} GF/s "
                     f"({100 * r['ort']['peak_share']:.0f}% pk)"
                     + ("" if error_ok(r.get("error")) else
                        f"; max|d| {r.get('error')} > {TOL:g}!")])
    for r in e2e:
        name = f"{r['kind']} L={r['L']}"
        if "speedup_vs_ort" not in r:
            rows.append([name, "tmix FAILED", ""])
            continue
        ups = []
        for mixer in MIXERS[1:]:
            m = r["mixers"][mixer]
            tag = mixer + ("*" if "kept softmax" in m["label"] else "")
            ups.append(f"{tag} {fmt(m.get('speedup_vs_softmax'), '.2f')}x")
        rows.append([name, f"{r['speedup_vs_ort']:.2f}x ORT",
                     "vs softmax: " + ", ".join(ups)])
    ups = [f"{k} {fmt(m.get('speedup_vs_softmax'), '.2f')}x"
           for k, m in long["mixers"].items() if k != "softmax"]
    soft = long["mixers"]["softmax"].get("tmix")
    if long["tried"]:
        ups.append("(" + "; ".join(f"L={t['L']} not run: {t['reason']}"
                                   for t in long["tried"]) + ")")
    rows.append([f"gpt2 1 layer L={long['L']}",
                 f"softmax {fmt(soft and soft['median_ms'], '.0f')} ms",
                 "vs softmax: " + ", ".join(ups)])
    flagged = [f"attention L={r['L']} causal={r['causal']}"
               for r in att if "tmix" in r and not error_ok(r.get("error"))]
    for r in e2e:
        for m in r["mixers"].values():
            for k in ("error_ort", "error_fp64"):
                if k in m and not error_ok(m[k]):
                    flagged.append(f"{r['kind']} L={r['L']} {m['mixer']} {k}")
    failed = ([f"attention L={r['L']} causal={r['causal']}" for r in att
               if "failure" in r]
              + [f"{r['kind']} L={r['L']} {m['mixer']}" for r in e2e
                 for m in r["mixers"].values() if "failure" in m]
              + [f"long L={long['L']} {m['mixer']}"
                 for m in long["mixers"].values() if "failure" in m])
    notes = ["Nx ORT = ORT latency / tmix latency; * = compiler kept softmax.",
             f"accuracy: {'all within ' + format(TOL, 'g') if not flagged else 'FLAGGED ' + ', '.join(flagged)}",
             f"tmix failures: {', '.join(failed) if failed else 'none'}",
             f"wall time {wall_s:.0f} s"]
    table("Summary", ["what", "result", "detail"], rows, notes)
    return dict(flagged=flagged, failed=failed)


# ----------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="tiny sizes (L 128, 256; hidden 256) as a smoke test")
    ap.add_argument("--out", help="write the results as JSON here")
    ap.add_argument("--cache-dir",
                    default=os.path.join(tempfile.gettempdir(),
                                         "tmix-bench-cache"),
                    help="where compiled libraries are kept (default "
                    "%(default)s)")
    ap.add_argument("--fresh", action="store_true",
                    help="recompile even when the cache has a library")
    ap.add_argument("--hf-models",
                    default=os.path.join(tempfile.gettempdir(),
                                         "tmix-bench-models"),
                    help="where bench/export_hf.py wrote the Hugging Face "
                    "models (default %(default)s)")
    ap.add_argument("--only", choices=["checks", "hf", "int8"],
                    help="run this section alone (and the peak)")
    ap.add_argument("--seconds", type=float,
                    help="target timed seconds per measurement (default 2.5, "
                    "0.15 with --quick)")
    args = ap.parse_args()

    start = time.perf_counter()
    threads = os.cpu_count()
    cache = Cache(args.cache_dir, args.fresh)
    if args.quick:
        target = args.seconds or 0.15
        att_L, e2e_L, long_L = (128, 256), (128, 256), 256
        hidden, heads, peak_s = 256, 4, 0.3
    else:
        target = args.seconds or 2.5
        att_L, e2e_L, long_L = (512, 2048, 8192), (128, 512, 2048), 8192
        hidden, heads, peak_s = 768, 12, 1.0

    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                              "HEAD"], capture_output=True,
                             text=True).stdout.strip()
    except OSError:
        rev = "?"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load0 = os.getloadavg()
    machine = dict(cpu=cpu, threads=threads, onnxruntime=ort.__version__,
                   tmix_rev=rev, python=platform.python_version(),
                   load_before=load0, quick=args.quick, target_s=target,
                   cache_dir=args.cache_dir)
    log(f"tmix bench ({'quick' if args.quick else 'full'}): {cpu}, "
        f"{threads} threads, onnxruntime {ort.__version__}, tmix {rev}, "
        f"load avg {load0[0]:.2f}; cache {args.cache_dir}\n")

    pk = peak(cache, peak_s, threads)
    if args.only:
        if args.only == "checks":
            part = checks_section(cache, target)
        elif args.only == "int8":
            part = int8_section(cache, args.hf_models, target, threads,
                                INT8_SHAPES[:1] if args.quick else INT8_SHAPES)
        else:
            part = hf_section(cache, args.hf_models, target, threads,
                              pk["gflops"],
                              HF_SHAPES[:1] if args.quick else HF_SHAPES)
        log(f"load average before {load0[0]:.2f}, after "
            f"{os.getloadavg()[0]:.2f}")
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"machine": machine, "peak": pk, args.only: part},
                          f, indent=1)
        return 0
    att = attention_section(cache, att_L, target, threads, pk["gflops"])
    e2e = e2e_section(cache, e2e_L, hidden, heads, 2, target, threads)
    long = long_section(cache, long_L, hidden, heads, target, LONG_LIMIT_S)
    alone = mixer_alone_section(cache, long_L, target)
    checks = checks_section(cache, target)
    hf = hf_section(cache, args.hf_models, target, threads, pk["gflops"],
                    HF_SHAPES)
    wall = time.perf_counter() - start
    machine["load_after"] = os.getloadavg()
    summ = summary(pk, att, e2e, long, wall)
    log(f"load average before {load0[0]:.2f}, after "
        f"{machine['load_after'][0]:.2f} (other processes on the machine "
        "skew the numbers)")

    if args.out:
        def clean(x):
            if isinstance(x, dict):
                return {k: clean(v) for k, v in x.items()}
            if isinstance(x, (list, tuple)):
                return [clean(v) for v in x]
            if isinstance(x, float) and not math.isfinite(x):
                return str(x)
            return x
        with open(args.out, "w") as f:
            json.dump(clean(dict(machine=machine, peak=pk, attention=att,
                                 e2e=e2e, long=long, mixer_alone=alone,
                                 checks=checks, hf=hf,
                                 summary=summ,
                                 wall_s=wall)), f, indent=1)
        log(f"results written to {args.out}")
    return 1 if summ["failed"] or summ["flagged"] else 0


if __name__ == "__main__":
    sys.exit(main())
