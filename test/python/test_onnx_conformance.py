"""The ONNX backend node tests (1802 cases) through tmix.

Every test either passes, or is an op tmix does not claim, or is listed in
onnx_node_xfail.txt with its reason; a listed test that starts passing must
be removed from the list. See onnx_conformance.py.
"""
import os

import pytest

import onnx_conformance as conformance


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("onnx-node")
    node_dir = conformance.extract(str(tmp))
    return conformance.run(node_dir, workdir=str(tmp))


def test_every_result_is_accounted_for(results):
    xfails = conformance.load_xfails()
    unexpected = [f"{t}: {s}: {d}" for t, (s, d) in sorted(results.items())
                  if conformance.needs_xfail(t, s, d) and t not in xfails]
    assert not unexpected, "\n".join(unexpected)


def test_no_stale_xfails(results):
    xfails = conformance.load_xfails()
    stale = [t for t in xfails if t in results and results[t][0] == "pass"]
    missing = [t for t in xfails if t not in results]
    assert not stale, "now passing, remove from xfail list: " + ", ".join(stale)
    assert not missing, "unknown tests in xfail list: " + ", ".join(missing)


def test_no_wrong_outputs(results):
    """Whatever converts computes the right answer: listed tests may be
    rejected for a stated form, never produce wrong output or crash."""
    broken = [f"{t}: {s}: {d}" for t, (s, d) in sorted(results.items())
              if s == "fail"]
    assert not broken, "\n".join(broken)


def test_summary(results):
    counts = conformance.summarize(results)
    print(f"\nonnx node tests: {counts['pass']} passed, {counts['fail']} "
          f"failed, {counts['error']} errors, {counts['unsupported']} "
          "unsupported")
    # 85% of the 1802 tests (issue 16).
    assert counts["pass"] >= 1532


def test_compiled_matches_reference(results, tmp_path):
    """Every test that passes through the reference pipeline also passes
    when compiled by tmix-compile and run through libtmix_runtime
    (onnx_conformance.py --compiled). The whole suite: about 4 minutes with
    2 jobs on 2 cores."""
    node_dir = conformance.extract(str(tmp_path))
    compiled = conformance.run(node_dir, workdir=str(tmp_path), compiled=True)
    counts = conformance.summarize(compiled)
    print(f"\nonnx node tests, compiled: {counts['pass']} passed, "
          f"{counts['fail']} failed, {counts['error']} errors, "
          f"{counts['unsupported']} unsupported")
    lost = conformance.regressions(results, compiled)
    assert not lost, "pass in the reference mode, not compiled:\n" + "\n".join(
        f"{t}: {s}: {d}" for t, (s, d) in lost.items())


def test_attention_after_fusion(results, tmp_path):
    """The ONNX Attention node tests pass with tmix-fuse-attention applied
    (the _expanded ones are then real fused sites), exactly as without."""
    node_dir = conformance.extract(str(tmp_path))
    fused = conformance.run(node_dir, "test_attention", workdir=str(tmp_path),
                            fuse=True)
    for test, (status, detail) in fused.items():
        assert status == results[test][0], f"{test}: {status}: {detail}"


def test_expanded_attention_fuses(tmp_path):
    """Every expanded ONNX Attention graph fuses to one tmix.attention,
    except those that also export the scores (qk_matmul_output: a second
    use), apply the mask before the softcap, or compute in fp16."""
    import subprocess

    from tmix.reference import TMIX_OPT, import_onnx

    node_dir = conformance.extract(str(tmp_path))
    not_fused = []
    for test in sorted(os.listdir(node_dir)):
        if not (test.startswith("test_attention") and
                test.endswith("_expanded")):
            continue
        text = import_onnx(os.path.join(node_dir, test, "model.onnx"))
        fused = subprocess.run([TMIX_OPT, "--tmix-fuse-attention"],
                               input=text, capture_output=True, text=True,
                               check=True).stdout
        if fused.count("tmix.attention") != 1 or "linalg.softmax" in fused:
            not_fused.append(test)
    expected = [t for t in not_fused if "qk_matmul" in t or "fp16" in t or
                "softcap_neginf_mask" in t]
    assert not_fused == expected
    assert len(not_fused) <= 22
