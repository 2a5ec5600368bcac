"""ONNX backend node tests through tmix: import, convert, run, compare.

    python onnx_conformance.py [--filter SUBSTR] [--report docs/onnx-conformance.md]
    python onnx_conformance.py --compiled [--filter SUBSTR]
    python onnx_conformance.py --compare [--filter SUBSTR]

Each test is imported with tmix-translate. Tests that convert are compiled
in batches (one module, one shared library per batch) through the reference
pipeline and run in a child process, so a crash loses one batch, which is
then retried test by test. Outputs are compared with the suite's own
tolerances (rtol 1e-3, atol 1e-7, atol 1e-3 for f16 outputs; exact for integers and
booleans).

With --compiled, each test that imports and converts (the same import step,
including its --bind-input retry) is instead compiled on its own by
tmix-compile, with its defaults (attention fusion on, BLAS, OpenMP), the same
--bind-input flags and --input-shape for any input the graph declares
without a static shape, and run through tmix.runtime.Model (the
libtmix_runtime C API), fed by graph input name; batches of such tests run in
a child process exactly as above. --compare runs both modes and lists every
test that passes in the reference mode but not compiled.

Every test ends in one of:
  pass         - every output matches
  fail         - converted but produced wrong outputs or crashed
  error        - tmix claims the op but could not convert or compile it
  unsupported  - an op, element type or input kind tmix does not claim
"""
import argparse
import collections
import concurrent.futures
import multiprocessing
import os
import queue as queue_module
import re
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))

from tmix import runtime  # noqa: E402
from tmix.reference import (TMIX_OPT, TMIX_TRANSLATE,  # noqa: E402
                            CompiledModule, function_signature)
from tmix.runtime import TMIX_COMPILE  # noqa: E402

ARCHIVE = os.path.join(HERE, "..", "data", "onnx-node-tests", "node.tar.xz")
XFAIL_FILE = os.path.join(HERE, "onnx_node_xfail.txt")
BATCH = 40

# Ops tmix does not claim at all: these need no xfail entry.
_UNCLAIMED_OPS = [
    r"unsupported op \(no conversion rule",
    r"not supported before opset",
    r"has type GRAPH, which is not supported",
    r"is random; tmix compiles inference graphs",
]

# Messages that mean "not claimed by tmix" rather than "claimed but broken".
_UNCLAIMED = [
    r"unsupported op \(no conversion rule",
    r"not supported before opset",
    r"unsupported element type",
    r"is not a tensor \(sequences, maps and optionals",
    r"is a sequence, which the model ABI does not carry",
    r"has type GRAPH, which is not supported",
    r"is random; tmix compiles inference graphs",
    r"must be a constant integer tensor",
    r"must be constants \(the result length must be static\)",
    r"is not supported: tmix never materialises the attention scores",
]


def load_xfails():
    xfails = {}
    if os.path.exists(XFAIL_FILE):
        for line in open(XFAIL_FILE):
            line = line.split("#", 1)[0].strip()
            if line:
                name, reason = line.split(":", 1)
                xfails[name.strip()] = reason.strip()
    return xfails


def extract(dest):
    with tarfile.open(ARCHIVE) as tar:
        tar.extractall(dest, filter="data")
    return os.path.join(dest, "node")


def _read_pb(path):
    import onnx
    from onnx import numpy_helper
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def _inputs_outputs(case_dir):
    data = os.path.join(case_dir, "test_data_set_0")
    def numbered(prefix):
        files = sorted((f for f in os.listdir(data) if f.startswith(prefix)),
                       key=lambda f: int(re.findall(r"\d+", f)[0]))
        return [_read_pb(os.path.join(data, f)) for f in files]
    return numbered("input_"), numbered("output_")


def _function_name(test):
    return "t_" + re.sub(r"\W", "_", test)


_NEEDS_CONSTANT = (r"must be a constant integer tensor|must be constants \(the result"
                   r"|must be a constant")


def _scalar_inputs(case_dir):
    """Names of graph inputs declared with one element (flags, depths)."""
    import onnx
    graph = onnx.load(os.path.join(case_dir, "model.onnx"),
                      load_external_data=False).graph
    return {i.name for i in graph.input
            if i.type.tensor_type.HasField("shape") and all(
                d.HasField("dim_value") and d.dim_value == 1
                for d in i.type.tensor_type.shape.dim)}


def _graph_inputs(case_dir):
    import onnx
    graph = onnx.load(os.path.join(case_dir, "model.onnx"),
                      load_external_data=False).graph
    inits = {i.name for i in graph.initializer}
    return [(i.name, i.type.tensor_type.elem_type) for i in graph.input
            if i.name not in inits]


def _declared_shapes(case_dir):
    """[(name, shape)] of the graph inputs that are not initializers; shape
    is None without a shape, with None for each dimension not a number."""
    import onnx
    graph = onnx.load(os.path.join(case_dir, "model.onnx"),
                      load_external_data=False).graph
    inits = {i.name for i in graph.initializer}
    shapes = []
    for i in graph.input:
        if i.name in inits:
            continue
        t = i.type.tensor_type
        shapes.append((i.name, [d.dim_value if d.HasField("dim_value") else None
                                for d in t.shape.dim]
                       if t.HasField("shape") else None))
    return shapes


def _translate(case_dir, fn, bind=(), fuse=False):
    cmd = [TMIX_TRANSLATE, "--import-onnx", os.path.join(case_dir, "model.onnx"),
           f"--onnx-function-name={fn}", "--onnx-inline-limit=100000000",
           "--mlir-print-local-scope"]
    cmd += [f"--bind-input={name}={path}" for name, path in bind]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if fuse and proc.returncode == 0:
        proc = subprocess.run([TMIX_OPT, "--tmix-fuse-attention",
                               "--mlir-print-local-scope"], input=proc.stdout,
                              capture_output=True, text=True)
    return proc


def import_case(args):
    """(test, status, detail, mlir text or None, bound input indices).

    Values that decide shapes (axes, target shapes, k, ...) must be known at
    compile time. When a test feeds them as graph inputs, the integer and
    single-element inputs, and any input the error names (Resize's scales),
    are bound to the test's data with --bind-input and the import retried.
    """
    node_dir, test, fuse = args
    case_dir = os.path.join(node_dir, test)
    fn = _function_name(test)
    proc = _translate(case_dir, fn, fuse=fuse)
    bound = []
    if proc.returncode != 0 and re.search(_NEEDS_CONSTANT, proc.stderr):
        data = os.path.join(case_dir, "test_data_set_0")
        ints = {7, 6}  # INT64, INT32
        scalars = _scalar_inputs(case_dir)
        named = set(re.findall(r"\w+", proc.stderr))
        bound = [i for i, (name, t) in enumerate(_graph_inputs(case_dir))
                 if (t in ints or name in scalars or name in named)
                 and os.path.exists(
                     os.path.join(data, f"input_{i}.pb"))]
        names = _graph_inputs(case_dir)
        proc = _translate(case_dir, fn, [
            (names[i][0], os.path.join(data, f"input_{i}.pb")) for i in bound],
            fuse=fuse)
    if proc.returncode != 0:
        first = next((l for l in proc.stderr.splitlines() if "error:" in l),
                     proc.stderr.strip()[:300] or f"exit {proc.returncode}")
        message = first.split("error: ", 1)[-1]
        status = ("unsupported" if any(re.search(p, message) for p in _UNCLAIMED)
                  else "error")
        return test, status, message, None, bound
    return test, "converted", "", proc.stdout, bound


def _module_body(text):
    """The operations inside `module { ... }` of a printed module."""
    start = text.index("module")
    body = text[text.index("{", start) + 1:text.rindex("}")]
    return body


def _compare(got, expected):
    if got.shape != expected.shape:
        return f"shape {got.shape} != expected {expected.shape}"
    if expected.dtype.kind in "biu":
        if not np.array_equal(got, expected):
            return f"{np.sum(got != expected)} elements differ"
        return None
    g, e = got.astype(np.float64), expected.astype(np.float64)
    # The suite's tolerances; f16/bf16 outputs also get one unit of their
    # precision (2^-10), which rtol 1e-3 alone does not cover.
    atol = 1e-3 if expected.dtype == np.float16 else 1e-7
    tol = atol + 1e-3 * np.abs(e)
    with np.errstate(invalid="ignore"):  # inf - inf where both are inf
        bad = ~((np.abs(g - e) <= tol) | (np.isnan(g) & np.isnan(e)) |
                ((g == e) & np.isinf(e)))
    if bad.any():
        return (f"{bad.sum()} of {bad.size} elements outside tolerance, "
                f"max abs error {np.nanmax(np.abs(g - e)):.3e}")
    return None


def _check(got, expected):
    """(status, detail) of outputs `got` against the test's `expected`."""
    problems = [f"output {i}: {p}" for i, (g, e) in
                enumerate(zip(got, expected)) if (p := _compare(g, e))]
    if len(got) != len(expected):
        problems.append(f"{len(got)} outputs, expected {len(expected)}")
    return ("fail" if problems else "pass"), "; ".join(problems)


def _test_data(case_dir, bound):
    """The test's inputs without the bound ones, and its outputs."""
    inputs, expected = _inputs_outputs(case_dir)
    return [a for i, a in enumerate(inputs) if i not in bound], expected


def _run_reference(module, case):
    test, case_dir, fn, text, bound = case
    inputs, expected = _test_data(case_dir, bound)
    ins, outs = function_signature(text, fn)
    if len(ins) != len(inputs):
        return "error", f"{len(inputs)} test inputs for {len(ins)} arguments"
    inputs = [np.asarray(a, dtype=d).reshape(s)
              for a, (s, d) in zip(inputs, ins)]
    return _check(module.call(fn, inputs, outs), expected)


def compile_command(case_dir, bound, output):
    """tmix-compile for one test: the same inputs bound as by import_case,
    and the test data's shape for inputs the graph leaves dynamic."""
    data = os.path.join(case_dir, "test_data_set_0")
    names = _graph_inputs(case_dir)
    cmd = [TMIX_COMPILE, os.path.join(case_dir, "model.onnx"), "-o", output]
    cmd += [f"--bind-input={names[i][0]}={os.path.join(data, f'input_{i}.pb')}"
            for i in bound]
    dynamic = [(i, name) for i, (name, shape) in
               enumerate(_declared_shapes(case_dir))
               if i not in bound and (shape is None or None in shape)]
    if dynamic:
        inputs, _ = _inputs_outputs(case_dir)
        cmd += [f"--input-shape={name}:"
                + "x".join(str(d) for d in inputs[i].shape)
                for i, name in dynamic if i < len(inputs)]
    return cmd


def _run_compiled(so_dir, case):
    test, case_dir, fn, text, bound = case
    so = os.path.join(so_dir, test + ".so")
    proc = subprocess.run(compile_command(case_dir, bound, so),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        first = next((l for l in proc.stderr.splitlines() if "error:" in l),
                     proc.stderr.strip()[:300] or f"exit {proc.returncode}")
        return "error", "tmix-compile: " + first.split("error: ", 1)[-1]
    model = runtime.Model(so)
    inputs, expected = _test_data(case_dir, bound)
    names = [n for i, (n, _) in enumerate(_graph_inputs(case_dir))
             if i not in bound]
    specs = {name: (dtype, shape) for name, dtype, shape in model.inputs}
    if len(specs) != len(inputs) or set(specs) != set(names[:len(inputs)]):
        return "error", (f"{len(inputs)} test inputs {names[:len(inputs)]} "
                         f"for model inputs {list(specs)}")
    feeds = {n: np.asarray(a, dtype=specs[n][0]).reshape(specs[n][1])
             for n, a in zip(names, inputs)}
    got = model.run(feeds)
    # By position: graph outputs may repeat a name, which the dict merges.
    return _check(list(got.values()), expected)


def _run_batch(so_dir, cases, queue, compiled):
    """Child process: compile the batch (reference: one module for all;
    compiled: one library per test) and run each case; report results."""
    if not compiled:
        text = ("module {\n" + "\n".join(_module_body(c[3]) for c in cases) +
                "\n}\n")
        try:
            module = CompiledModule(text, workdir=so_dir)
        except Exception as e:  # compile failure: report and let parent split
            queue.put(("compile-failed", str(e)[-2000:]))
            return
    for case in cases:
        try:
            if compiled:
                status, detail = _run_compiled(so_dir, case)
            else:
                status, detail = _run_reference(module, case)
            queue.put((case[0], status, detail))
        except Exception as e:
            queue.put((case[0], "error", f"{type(e).__name__}: {e}"[:300]))
    queue.put(("done", ""))


def run_batch(cases, workdir, compiled=False):
    """Compiles and runs cases; isolates crashes and compile failures."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    so_dir = tempfile.mkdtemp(dir=workdir)
    proc = ctx.Process(target=_run_batch, args=(so_dir, cases, queue, compiled))
    proc.start()
    results, compile_error, finished = {}, None, False
    idle = 0
    while True:
        try:
            item = queue.get(timeout=1)
            idle = 0
        except queue_module.Empty:
            # A dead child sends nothing more; a live one gets 10 minutes
            # of silence before it counts as hung.
            idle += 1
            if not proc.is_alive() and queue.empty():
                break
            if idle > 600:
                break
            continue
        if item[0] == "done":
            finished = True
            break
        if item[0] == "compile-failed":
            compile_error = item[1]
            break
        results[item[0]] = item[1:]
    proc.join(timeout=60)
    if proc.is_alive():
        proc.kill()
    if finished:
        return results
    remaining = [c for c in cases if c[0] not in results]
    if len(cases) == 1:
        reason = ("does not compile: " + compile_error.strip().splitlines()[-1]
                  if compile_error else f"crashed (exit code {proc.exitcode})")
        results[cases[0][0]] = ("error" if compile_error else "fail", reason)
        return results
    # Split what is left to find the culprit.
    half = len(remaining) // 2 or 1
    for part in (remaining[:half], remaining[half:]):
        if part:
            results.update(run_batch(part, workdir, compiled))
    return results


def run(node_dir, filter_text="", jobs=2, workdir=None, fuse=False,
        compiled=False, select=None):
    """Results per test; with `fuse`, tmix-fuse-attention runs after the
    import so that the fused graphs are checked against the same data.
    With `compiled`, converted tests are compiled by tmix-compile and run
    through tmix.runtime instead of the reference pipeline. `select`, if
    given, is a predicate on test names applied after `filter_text`."""
    tests = sorted(t for t in os.listdir(node_dir)
                   if t.startswith("test_") and filter_text in t and
                   (select is None or select(t)))
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        imported = list(pool.map(import_case,
                                 [(node_dir, t, fuse) for t in tests]))
    results = {}
    converted = []
    for test, status, detail, text, bound in imported:
        if status == "converted":
            converted.append((test, os.path.join(node_dir, test),
                              _function_name(test), text, bound))
        else:
            results[test] = (status, detail)
    workdir = workdir or tempfile.mkdtemp(prefix="tmix-conformance-")
    batches = [converted[i:i + BATCH] for i in range(0, len(converted), BATCH)]
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for batch_results in pool.map(
                lambda b: run_batch(b, workdir, compiled), batches):
            results.update(batch_results)
    return results


def op_of(node_dir, test):
    import onnx
    m = onnx.load(os.path.join(node_dir, test, "model.onnx"),
                  load_external_data=False)
    ops = [n.op_type for n in m.graph.node]
    return ops[0] if len(ops) == 1 else ("(expanded) " + test.split("_expanded")[0]
                                          if test.endswith("_expanded")
                                          else ops[0] if ops else "?")


def summarize(results):
    counts = collections.Counter(status for status, _ in results.values())
    return counts


def regressions(reference, compiled):
    """{test: (status, detail)} of the tests that pass in the reference
    mode but not compiled."""
    return {t: compiled.get(t, ("missing", "not run compiled"))
            for t, (status, _) in sorted(reference.items())
            if status == "pass" and compiled.get(t, ("",))[0] != "pass"}


def write_report(path, node_dir, results, xfails):
    per_op = collections.defaultdict(collections.Counter)
    for test, (status, _) in results.items():
        import onnx
        m = onnx.load(os.path.join(node_dir, test, "model.onnx"),
                      load_external_data=False)
        op = m.graph.node[0].op_type if len(m.graph.node) == 1 else (
            "expanded / multi-node")
        per_op[op][status] += 1
    counts = summarize(results)
    lines = [
        "# ONNX node-test conformance",
        "",
        "Generated by `test/python/onnx_conformance.py --report` from the 1802",
        "ONNX backend node tests (opsets up to 27) run through",
        "`tmix-translate --import-onnx` and `tmix-reference-pipeline`.",
        "",
        f"**{counts['pass']} pass**, {counts['fail']} fail, {counts['error']} "
        f"error, {counts['unsupported']} unsupported (op, element type or "
        f"input kind not claimed); {len(xfails)} entries in the xfail list.",
        "",
        "| op | pass | fail | error | unsupported |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for op in sorted(per_op):
        c = per_op[op]
        lines.append(f"| {op} | {c['pass']} | {c['fail']} | {c['error']} | "
                     f"{c['unsupported']} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def needs_xfail(test, status, detail):
    """A non-passing test of a claimed op, or any attention test, must be
    listed with its reason."""
    if status == "pass":
        return False
    if test.startswith(("test_attention", "test_linear_attention")):
        return True
    return not any(re.search(p, detail) for p in _UNCLAIMED_OPS)


def write_xfails(path, results):
    with open(path, "w") as f:
        f.write("# ONNX node tests that do not pass, for ops tmix claims (and every\n"
                "# attention test), each with the reason. Regenerate with\n"
                "#   python onnx_conformance.py --write-xfail\n"
                "# Ops with no conversion rule at all are not listed.\n")
        for test in sorted(results):
            status, detail = results[test]
            if needs_xfail(test, status, detail):
                f.write(f"{test}: {detail}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filter", default="")
    parser.add_argument("--report")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--fuse", action="store_true",
                        help="run tmix-fuse-attention after the import")
    parser.add_argument("--write-xfail", action="store_true",
                        help="rewrite onnx_node_xfail.txt from this run")
    parser.add_argument("--compiled", action="store_true",
                        help="compile each test with tmix-compile and run it "
                        "through tmix.runtime instead of the reference path")
    parser.add_argument("--compare", action="store_true",
                        help="run both modes; list the tests that pass in the "
                        "reference mode but not compiled")
    args = parser.parse_args()
    if (args.compiled or args.compare) and (args.write_xfail or args.report):
        parser.error("--write-xfail and --report describe the reference mode")
    with tempfile.TemporaryDirectory() as tmp:
        node_dir = extract(tmp)
        if args.compare:
            reference = run(node_dir, args.filter, args.jobs, tmp, args.fuse)
            counts = summarize(reference)
            print(f"reference: {counts['pass']} passed, {counts['fail']} "
                  f"failed, {counts['error']} errors, "
                  f"{counts['unsupported']} unsupported")
        results = run(node_dir, args.filter, args.jobs, tmp, args.fuse,
                      compiled=args.compiled or args.compare)
        if args.verbose:
            for test in sorted(results):
                status, detail = results[test]
                print(f"{status:12s} {test}: {detail}")
        if args.write_xfail:
            write_xfails(XFAIL_FILE, results)
        if args.report:
            write_report(args.report, node_dir, results, load_xfails())
    counts = summarize(results)
    mode = " (compiled)" if args.compiled or args.compare else ""
    print(f"onnx node tests{mode}: {counts['pass']} passed, {counts['fail']} "
          f"failed, {counts['error']} errors, {counts['unsupported']} "
          "unsupported")
    if args.compare:
        lost = regressions(reference, results)
        print(f"{len(lost)} pass in the reference mode but not compiled"
              + (":" if lost else ""))
        for test, (status, detail) in lost.items():
            print(f"  {status:12s} {test}: {detail}")
        sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
