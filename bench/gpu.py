#!/usr/bin/env python3
"""tmix's CUDA mixers vs PyTorch on one GPU, in one run.

Two steps, because the GPU machine has no LLVM 22 to compile with:

    python3 bench/gpu.py prepare --out gpu-artifacts   # here: ONNX + .so
    python3 bench/gpu.py run --dir gpu-artifacts       # on the GPU machine

`prepare` writes, for every case below, an ONNX Attention-23 model in bf16
and its tmix-compile --target=cuda library (softmax; sigmoid and linear
through --mixer), plus manifest.json. `run` needs torch with CUDA and only
the C ABI of the libraries (tmix-c/Model.h, tmix_model_run_device on torch
tensors' device pointers); it prints two tables:

  correctness  each case against an fp32 PyTorch reference of the same
               math on the same random inputs; tmix passes when its max
               error is at most 2x that of PyTorch's own bf16 computation
               (FlashAttention's rule), every output element compared.
               Cases cover causal and not, GQA, boolean masks, Lq != Lk
               and lengths that are not multiples of the 64-row tile.
  speed        FlashAttention-3's shapes (16k tokens: B = 16384/L,
               H = 2048/D, D in {64, 128}, L in {1024, 4096, 16384},
               causal and not, bf16): TFLOP/s of tmix and of
               torch.nn.functional.scaled_dot_product_attention with the
               flash and cuDNN backends, timed with CUDA events in the same
               process (FLOPs = 4 B H L^2 D, halved when causal), the ratio
               tmix/flash and the share of the H100's 989 TFLOP/s dense
               bf16 peak; plus sigmoid and linear mixers against eager
               PyTorch implementations of the same math, and tmix sigmoid
               vs tmix softmax at the same shape.

  models       the exporter graphs of test/data/models compiled with
               --target=cuda (f32 products) and --precision=bf16, run on
               their stored inputs through tmix_model_run (host buffers)
               and compared with onnxruntime's stored outputs: max abs
               error, tolerance 1e-3 (f32) and 3e-2 + 3e-2 |expected|
               (bf16), every element.

Not part of the test suite. --quick keeps L <= 4096.
"""
import argparse
import ctypes
import json
import math
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
H100_BF16_PEAK = 989e12

# (name, B, Hq, Hkv, Lq, Lk, D, causal, mask, mixer)
CORRECTNESS = [
    ("full", 2, 4, 4, 256, 256, 64, 0, False, "softmax"),
    ("causal", 2, 4, 4, 256, 256, 64, 1, False, "softmax"),
    ("tail", 1, 3, 3, 200, 200, 128, 1, False, "softmax"),
    ("gqa", 1, 8, 2, 333, 333, 64, 0, False, "softmax"),
    ("mask", 2, 2, 2, 130, 130, 64, 0, True, "softmax"),
    ("lq!=lk", 1, 4, 4, 100, 300, 128, 0, False, "softmax"),
    ("d96", 1, 2, 2, 77, 77, 96, 1, False, "softmax"),
    ("sigmoid", 2, 4, 4, 256, 256, 64, 0, False, "sigmoid"),
    ("sigmoid-causal", 1, 4, 2, 200, 200, 128, 1, False, "sigmoid"),
    ("linear-causal", 1, 4, 4, 256, 256, 64, 1, False, "linear"),
]


def speed_cases(quick):
    cases = []
    for d in (64, 128):
        for L in (1024, 4096) if quick else (1024, 4096, 16384):
            for causal in (0, 1):
                b, h = 16384 // L, 2048 // d
                cases.append((f"fa3 L={L} D={d}{' causal' if causal else ''}",
                              b, h, h, L, L, d, causal, False, "softmax"))
    for mixer in ("sigmoid", "linear"):
        for causal in (0, 1):
            cases.append((f"{mixer} L=4096 D=64{' causal' if causal else ''}",
                          4, 32, 32, 4096, 4096, 64, causal, False, mixer))
    return cases


# ----------------------------------------------------------------- prepare
def attention_model(path, b, hq, hkv, lq, lk, d, causal, mask):
    import onnx
    from onnx import TensorProto, helper
    bf16 = TensorProto.BFLOAT16
    inputs = [helper.make_tensor_value_info("q", bf16, [b, hq, lq, d]),
              helper.make_tensor_value_info("k", bf16, [b, hkv, lk, d]),
              helper.make_tensor_value_info("v", bf16, [b, hkv, lk, d])]
    names = ["q", "k", "v"]
    if mask:
        inputs.append(helper.make_tensor_value_info("mask", TensorProto.BOOL,
                                                    [lq, lk]))
        names.append("mask")
    node = helper.make_node("Attention", names, ["y"], is_causal=causal)
    graph = helper.make_graph(
        [node], "attention", inputs,
        [helper.make_tensor_value_info("y", bf16, [b, hq, lq, d])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    onnx.save(model, path)


def prepare(args):
    compiler = os.path.join(args.build, "bin", "tmix-compile")
    os.makedirs(args.out, exist_ok=True)
    manifest = []
    for kind, cases in (("correctness", CORRECTNESS),
                        ("speed", speed_cases(args.quick))):
        for case in cases:
            name, b, hq, hkv, lq, lk, d, causal, mask, mixer = case
            stem = "%s-%d-%d-%d-%d-%d-%d-%d-%d" % (
                kind[0], b, hq, hkv, lq, lk, d, causal, mask)
            onnx_path = os.path.join(args.out, stem + ".onnx")
            if not os.path.exists(onnx_path):
                attention_model(onnx_path, b, hq, hkv, lq, lk, d, causal, mask)
            lib = f"{stem}-{mixer}.so"
            flags = ["--target=cuda"]
            if mixer != "softmax":
                flags.append(f"--mixer={mixer}")
            subprocess.run([compiler, onnx_path, "-o",
                            os.path.join(args.out, lib), *flags], check=True)
            manifest.append(dict(kind=kind, name=name, b=b, hq=hq, hkv=hkv,
                                 lq=lq, lk=lk, d=d, causal=causal, mask=mask,
                                 mixer=mixer, lib=lib))
            print("compiled", lib, flush=True)
    models = os.path.join(ROOT, "test", "data", "models")
    for onnx_name in sorted(os.listdir(models)):
        if not onnx_name.endswith(".onnx"):
            continue
        stem = onnx_name[:-5]
        shutil.copy(os.path.join(models, stem + ".io.npz"), args.out)
        for precision in ("f32", "bf16"):
            lib = f"m-{stem}-{precision}.so"
            flags = ["--target=cuda"] + (["--precision=bf16"]
                                         if precision == "bf16" else [])
            subprocess.run([compiler, os.path.join(models, onnx_name), "-o",
                            os.path.join(args.out, lib), *flags], check=True)
            manifest.append(dict(kind="model", name=stem, precision=precision,
                                 lib=lib, io=stem + ".io.npz"))
            print("compiled", lib, flush=True)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


# --------------------------------------------------------------------- run
class _Info(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64))]


class TmixModel:
    """A tmix-compile library through its C ABI (tmix-c/Model.h)."""

    def __init__(self, path):
        lib = ctypes.CDLL(os.path.abspath(path))
        lib.tmix_model_create.restype = ctypes.c_void_p
        lib.tmix_model_last_error.argtypes = [ctypes.c_void_p]
        lib.tmix_model_last_error.restype = ctypes.c_char_p
        for fn in ("tmix_model_run", "tmix_model_run_device"):
            getattr(lib, fn).argtypes = [ctypes.c_void_p] * 3
            getattr(lib, fn).restype = ctypes.c_int32
        for fn in ("tmix_model_input", "tmix_model_output"):
            getattr(lib, fn).argtypes = [ctypes.c_int32]
            getattr(lib, fn).restype = ctypes.POINTER(_Info)
        lib.tmix_model_destroy.argtypes = [ctypes.c_void_p]
        self.lib, self.model = lib, lib.tmix_model_create()
        error = lib.tmix_model_last_error(self.model).decode()
        if error:
            raise RuntimeError(error)

    def describe(self, outputs=False):
        """[(name, dtype code, shape)] of the inputs or outputs."""
        count = (self.lib.tmix_model_num_outputs if outputs
                 else self.lib.tmix_model_num_inputs)()
        fn = self.lib.tmix_model_output if outputs else self.lib.tmix_model_input
        infos = [fn(i).contents for i in range(count)]
        return [(i.name.decode(), i.dtype,
                 tuple(i.shape[d] for d in range(i.rank))) for i in infos]

    def _call(self, fn, inputs, outputs):
        ins = (ctypes.c_void_p * max(len(inputs), 1))(*inputs)
        outs = (ctypes.c_void_p * max(len(outputs), 1))(*outputs)
        if fn(self.model, ins, outs):
            raise RuntimeError(
                self.lib.tmix_model_last_error(self.model).decode())

    def __call__(self, inputs, outputs):
        """Runs on torch CUDA tensors."""
        self._call(self.lib.tmix_model_run_device,
                   [t.data_ptr() for t in inputs],
                   [t.data_ptr() for t in outputs])

    def run_host(self, arrays, outputs):
        """Runs on contiguous numpy arrays."""
        self._call(self.lib.tmix_model_run,
                   [a.ctypes.data for a in arrays],
                   [o.ctypes.data for o in outputs])


def reference(torch, q, k, v, mask, causal, mixer):
    """The op's math in q's dtype (fp32 for the reference)."""
    hq, hkv = q.shape[1], k.shape[1]
    if hq != hkv:
        k = k.repeat_interleave(hq // hkv, dim=1)
        v = v.repeat_interleave(hq // hkv, dim=1)
    lq, lk, d = q.shape[2], k.shape[2], q.shape[3]
    visible = torch.ones(lq, lk, dtype=torch.bool, device=q.device)
    if causal:
        visible = torch.tril(visible)
    if mask is not None:
        visible = visible & mask
    if mixer == "linear":
        # tmix-replace-attention's linear mixer: elu+1 feature map, scale 1,
        # normalised with eps 1e-6.
        fq = torch.nn.functional.elu(q) + 1
        fk = torch.nn.functional.elu(k) + 1
        a = (fq @ fk.transpose(-1, -2)) * visible
        return (a @ v) / (a.sum(-1, keepdim=True) + 1e-6)
    s = (q @ k.transpose(-1, -2)) / math.sqrt(d)
    if mixer == "sigmoid":
        w = torch.sigmoid(s - math.log(lk)) * visible
        return w @ v
    s = s.masked_fill(~visible, float("-inf"))
    return torch.nan_to_num(torch.softmax(s, -1)) @ v


def timed(torch, fn, repeats=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(repeats):
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    times.sort()
    return times[len(times) // 2]


def run(args):
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    with open(os.path.join(args.dir, "manifest.json")) as f:
        manifest = json.load(f)
    gen = torch.Generator(device="cuda").manual_seed(0)
    correct, speed = [], []
    models = []
    for case in manifest:
        if case["kind"] == "model":
            models.append(check_model(args.dir, case))
            continue
        if args.quick and case["lq"] > 4096:
            continue
        b, hq, hkv, lq, lk, d = (case[k] for k in
                                 ("b", "hq", "hkv", "lq", "lk", "d"))
        def rand(*shape):
            return torch.rand(*shape, device="cuda", generator=gen) * 2 - 1
        q, k, v = rand(b, hq, lq, d), rand(b, hkv, lk, d), rand(b, hkv, lk, d)
        mask = (torch.rand(lq, lk, device="cuda", generator=gen) > 0.3
                if case["mask"] else None)
        qb, kb, vb = (t.bfloat16().contiguous() for t in (q, k, v))
        out = torch.empty(b, hq, lq, d, device="cuda", dtype=torch.bfloat16)
        inputs = [qb, kb, vb] + ([mask.contiguous()] if mask is not None
                                 else [])
        try:
            model = TmixModel(os.path.join(args.dir, case["lib"]))
            torch.cuda.synchronize()
            model(inputs, [out])
        except RuntimeError as e:
            print(f"{case['name']}: tmix failed: {e}", flush=True)
            (correct if case["kind"] == "correctness" else speed).append(
                dict(case, error=str(e)))
            continue
        if case["kind"] == "correctness":
            ref = reference(torch, q, k, v, mask, case["causal"],
                            case["mixer"])
            ours = (out.float() - ref).abs().max().item()
            theirs = (reference(torch, qb, kb, vb, mask, case["causal"],
                                case["mixer"]).float() - ref).abs().max().item()
            correct.append(dict(case, tmix=ours, torch_bf16=theirs,
                                ok=ours <= 2 * theirs + 1e-6))
            continue
        flops = 4 * b * hq * lq * lk * d / (2 if case["causal"] else 1)
        row = dict(case, tmix=flops / timed(torch, lambda: model(inputs, [out])))
        if case["mixer"] == "softmax":
            for backend, key in ((SDPBackend.FLASH_ATTENTION, "flash"),
                                 (SDPBackend.CUDNN_ATTENTION, "cudnn")):
                try:
                    with sdpa_kernel(backend):
                        row[key] = flops / timed(torch, lambda: (
                            torch.nn.functional.scaled_dot_product_attention(
                                qb, kb, vb, is_causal=bool(case["causal"]))))
                except RuntimeError as e:
                    row[key] = None
                    print(f"{case['name']}: {key} unavailable: {e}")
        else:
            row["eager"] = flops / timed(torch, lambda: reference(
                torch, qb, kb, vb, None, case["causal"], case["mixer"]))
        speed.append(row)
        del model
    print("\ncorrectness (max |error| vs fp32 PyTorch; pass: <= 2x PyTorch bf16)")
    print(f"{'case':<16}{'mixer':<9}{'tmix':>11}{'torch bf16':>12}  ok")
    for r in correct:
        if "error" in r:
            print(f"{r['name']:<16}{r['mixer']:<9}  FAILED: {r['error']}")
        else:
            print(f"{r['name']:<16}{r['mixer']:<9}{r['tmix']:>11.2e}"
                  f"{r['torch_bf16']:>12.2e}  {'yes' if r['ok'] else 'NO'}")
    print("\nmodels (vs onnxruntime's stored outputs)")
    for r in models:
        print(f"{r['name']:<32}{r['precision']:<6}"
              + (f"max |error| {r['error']:.2e}  {'yes' if r['ok'] else 'NO'}"
                 if "failure" not in r else f"FAILED: {r['failure']}"))
    print("\nspeed (TFLOP/s, bf16; peak 989)")
    print(f"{'case':<28}{'tmix':>8}{'flash':>8}{'cudnn':>8}{'eager':>8}"
          f"{'tmix/flash':>12}{'%peak':>7}")
    fmt = lambda x: f"{x / 1e12:8.1f}" if x else f"{'-':>8}"
    for r in speed:
        if "error" in r:
            print(f"{r['name']:<28}  FAILED: {r['error']}")
            continue
        ratio = (f"{r['tmix'] / r['flash']:12.2f}" if r.get("flash")
                 else f"{'-':>12}")
        print(f"{r['name']:<28}{fmt(r['tmix'])}{fmt(r.get('flash'))}"
              f"{fmt(r.get('cudnn'))}{fmt(r.get('eager'))}{ratio}"
              f"{100 * r['tmix'] / H100_BF16_PEAK:7.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(correctness=correct, speed=speed), f, indent=1)
    return 0 if all(r.get("ok") for r in correct + models) else 1


def check_model(directory, case):
    """A compiled exporter graph on its stored inputs vs onnxruntime."""
    import numpy as np
    io = np.load(os.path.join(directory, case["io"]))
    codes = {1: np.float32, 2: np.float16, 4: np.float64, 5: np.int64,
             6: np.int32, 7: np.int16, 8: np.int8, 9: np.uint8, 10: np.bool_}
    try:
        model = TmixModel(os.path.join(directory, case["lib"]))
        arrays = [np.ascontiguousarray(io[name], dtype=codes[code])
                  for name, code, _ in model.describe()]
        outputs = [np.empty(shape, codes[code])
                   for _, code, shape in model.describe(outputs=True)]
        model.run_host(arrays, outputs)
    except (RuntimeError, KeyError) as e:
        return dict(case, failure=str(e))
    expected = io["ort_output"].astype(np.float64)
    err = np.abs(outputs[0].astype(np.float64) - expected)
    if case["precision"] == "bf16":
        ok = bool((err <= 3e-2 + 3e-2 * np.abs(expected)).all())
    else:
        ok = bool(err.max() <= 1e-3)
    return dict(case, error=float(err.max()), ok=ok and np.isfinite(
        outputs[0]).all())


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--out", default=os.path.join(ROOT, "gpu-artifacts"))
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--quick", action="store_true")
    r = sub.add_parser("run")
    r.add_argument("--dir", default=os.path.join(ROOT, "gpu-artifacts"))
    r.add_argument("--quick", action="store_true")
    r.add_argument("--json")
    args = parser.parse_args()
    return prepare(args) if args.step == "prepare" else run(args)


if __name__ == "__main__":
    sys.exit(main())
