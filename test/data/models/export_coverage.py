"""Export tiny Hugging Face architectures to ONNX as op-coverage test data.

What it makes (next to this script, in test/data/models/):

  bloom.torchscript.op17.onnx        BloomModel (eager attention); ALiBi
                                     positions are a CumSum over the
                                     attention mask
  vit.interp.torchscript.op17.onnx   ViTModel (image_size 32, patch 8) called
                                     with interpolate_pos_encoding=True on
                                     48x40 images: the 4x4 position table is
                                     resized by Resize mode=cubic
                                     (cubic_coeff_a -0.75, half_pixel)
  llama.dynamo.op23.onnx             LlamaModel with GQA (4 query heads, 2 KV
                                     heads), dynamo exporter, opset 23,
                                     optimize=True: Attention,
                                     RotaryEmbedding and RMSNormalization
  modernbert.dynamo.unoptimized.onnx ModernBertModel, dynamo exporter,
                                     opset 18, optimize=False: the MLP's
                                     chunk(2) stays SplitToSequence (scalar
                                     split) + SequenceAt; the sliding-window
                                     mask has an int64 Abs
  t5.eager.torchscript.op17.onnx     T5EncoderModel (eager attention);
                                     bidirectional relative-position buckets
                                     take Abs of an int64 tensor

and for each NAME.onnx a NAME.io.npz holding the graph inputs under their
graph input names, `ort_output` (ONNX Runtime, CPU, first graph output) and
`torch_output` (PyTorch eager, the same tensor).  Every model is wrapped so
that its only output is `last_hidden_state`.  Batch and sequence (image
height and width for ViT) are dynamic axes; the script also reruns each
graph at another batch/sequence (image) size against torch to check that.
Token inputs are batch 2 x 16 with the last row's final 4 positions padded
(attention_mask 0); hidden size 32, 2 layers, 4 heads, vocab 1000.

Dynamo exports have their per-node metadata_props (stack traces, FX node
text) removed to keep the files small and free of local paths.  The Llama
wrapper passes position_ids = arange(sequence) expanded to the batch (the
values LlamaModel uses by default): with the default (1, sequence)
positions the fused RotaryEmbedding gets a (1, sequence, 4) cos/sin cache,
which the ONNX spec does not allow and ONNX Runtime rejects for batch > 1.

How to run (from the repository root, with the bench-only venv that has
torch, transformers, onnx, onnxruntime, onnxscript and numpy):

  /work/benchvenv/bin/python test/data/models/export_coverage.py [names]

`names` is an optional subset of: bloom vit llama modernbert t5 (default:
all).  A model whose export fails is reported and the others continue; the
exit status is non-zero if any failed.

Attribution: the models are Hugging Face transformers architectures
(https://github.com/huggingface/transformers, Apache-2.0), built from config
objects with random weights (torch.manual_seed(0)); no pretrained weights
are used or downloaded.
"""

from __future__ import annotations

import collections
import inspect
import os
import sys
import traceback
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import transformers

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-4

warnings.filterwarnings("ignore")


# ----------------------------------------------------------------------------
# helpers


class LastHidden(torch.nn.Module):
    """Calls a Hugging Face model with keyword inputs and returns only
    last_hidden_state, so the graph has a single output."""

    def __init__(self, model, input_names, **extra):
        super().__init__()
        self.model = model
        self.input_names = list(input_names)
        self.extra = extra

    def forward(self, *args):
        kwargs = dict(zip(self.input_names, args))
        kwargs.update(self.extra)
        return self.model(**kwargs, return_dict=True).last_hidden_state


def seed_all():
    torch.manual_seed(0)
    np.random.seed(0)


def token_inputs(vocab, batch=2, seq=16, pad=4, seed=0):
    """Random token ids (never 0, which is pad in several configs) and an
    attention mask whose last row has `pad` right-padded positions (right
    padding, so no query row of a causal model is fully masked)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, vocab, size=(batch, seq), dtype=np.int64)
    mask = np.ones((batch, seq), dtype=np.int64)
    mask[-1, seq - pad:] = 0
    return {"input_ids": ids, "attention_mask": mask}


def alt_token_inputs(vocab):
    """Other batch and sequence sizes than the exported ones."""
    return token_inputs(vocab, batch=3, seq=11, pad=3, seed=1)


def op_histogram(model: onnx.ModelProto):
    """Op-type histogram over the main graph and all subgraphs, keyed by
    'domain::Op' for non-default domains."""
    hist = collections.Counter()

    def walk(graph):
        for node in graph.node:
            key = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}::{node.op_type}"
            hist[key] += 1
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    walk(attr.g)
                elif attr.type == onnx.AttributeProto.GRAPHS:
                    for g in attr.graphs:
                        walk(g)

    walk(model.graph)
    return hist


def all_nodes(model: onnx.ModelProto):
    def walk(graph):
        for node in graph.node:
            yield graph, node
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    yield from walk(attr.g)
                elif attr.type == onnx.AttributeProto.GRAPHS:
                    for g in attr.graphs:
                        yield from walk(g)

    yield from walk(model.graph)


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def input_elem_types(model: onnx.ModelProto):
    """Element type (TensorProto enum) of each value after shape inference,
    so the checks can see the dtype an op really runs on."""
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    types = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        if vi.type.HasField("tensor_type"):
            types[vi.name] = vi.type.tensor_type.elem_type
    for init in inferred.graph.initializer:
        types[init.name] = init.data_type
    for _, node in all_nodes(inferred):
        if node.op_type == "Constant":
            v = attr(node, "value")
            if v is not None:
                types[node.output[0]] = v.data_type
    return types


def compare(sess, output_name, torch_module, inputs):
    """Max abs difference between ORT and torch eager on `inputs`."""
    ort_out = sess.run([output_name], inputs)[0]
    with torch.no_grad():
        torch_out = torch_module(*[torch.from_numpy(v) for v in inputs.values()])
    torch_out = torch_out.detach().cpu().numpy()
    if ort_out.shape != torch_out.shape:
        raise RuntimeError(f"ORT shape {ort_out.shape} != torch shape {torch_out.shape}")
    diff = float(np.max(np.abs(ort_out.astype(np.float64) - torch_out.astype(np.float64))))
    return ort_out, torch_out, diff


def finish(name, model_proto_path, torch_module, inputs, checks, alt_inputs):
    """Load the exported model, run ORT and torch, save NAME.io.npz, print
    the histogram and the op checks, and rerun ORT vs torch on `alt_inputs`
    (other batch/sequence/image sizes) to check that the dynamic axes really
    are dynamic.  Returns True if everything held."""
    model = onnx.load(model_proto_path)
    onnx.checker.check_model(model, full_check=False)
    graph_inputs = [i.name for i in model.graph.input]
    graph_outputs = [o.name for o in model.graph.output]
    feed = {}
    for gi in graph_inputs:
        if gi not in inputs:
            raise RuntimeError(f"{name}: graph input {gi!r} not among the prepared inputs {list(inputs)}")
        feed[gi] = inputs[gi]

    sess = ort.InferenceSession(model_proto_path, providers=["CPUExecutionProvider"])
    ort_out, torch_out, diff = compare(sess, graph_outputs[0], torch_module, inputs)

    npz_path = os.path.join(HERE, name + ".io.npz")
    np.savez(npz_path, **feed, ort_output=ort_out, torch_output=torch_out)

    hist = op_histogram(model)
    opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    size = os.path.getsize(model_proto_path)
    print(f"  wrote {os.path.basename(model_proto_path)} ({size} bytes), "
          f"{os.path.basename(npz_path)} ({os.path.getsize(npz_path)} bytes)")
    print(f"  opsets: {opsets}")
    for gi in graph_inputs:
        v = feed[gi]
        dims = [d.dim_param or d.dim_value for d in
                next(i for i in model.graph.input if i.name == gi).type.tensor_type.shape.dim]
        print(f"  input  {gi}: {v.dtype} {tuple(v.shape)}  graph dims {dims}")
    out_dims = [d.dim_param or d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
    print(f"  output {graph_outputs[0]}: {ort_out.dtype} {tuple(ort_out.shape)}  graph dims {out_dims}"
          + (f"  (graph has {len(graph_outputs)} outputs)" if len(graph_outputs) > 1 else ""))
    print(f"  op histogram ({sum(hist.values())} nodes): "
          + ", ".join(f"{k}:{v}" for k, v in sorted(hist.items())))
    ok = True
    for label, passed in checks(model):
        print(f"  check  {label}: {'yes' if passed else 'NO'}")
        ok &= bool(passed)
    good = diff <= TOL and np.isfinite(ort_out).all()
    print(f"  ORT vs torch max abs diff: {diff:.3e} ({'ok' if good else 'ABOVE ' + str(TOL)})")
    alt_shapes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in alt_inputs.items())
    try:
        _, _, alt_diff = compare(sess, graph_outputs[0], torch_module, alt_inputs)
        alt_good = alt_diff <= TOL
        print(f"  other shapes ({alt_shapes}): max abs diff {alt_diff:.3e} "
              f"({'ok' if alt_good else 'ABOVE ' + str(TOL)})")
    except Exception as e:
        alt_good = False
        print(f"  other shapes ({alt_shapes}): FAILED {type(e).__name__}: {e}")
    good &= alt_good
    if size >= 1 << 20:
        print(f"  WARNING: {size} bytes is over 1 MiB")
    return ok and good


def has_op(model, op_type, domain=("", "ai.onnx")):
    return any(n.op_type == op_type and n.domain in domain for _, n in all_nodes(model))


def path_of(name):
    return os.path.join(HERE, name + ".onnx")


def export_torchscript(module, inputs, path, dynamic_axes, opset=17):
    names = list(inputs)
    torch.onnx.export(
        module,
        tuple(torch.from_numpy(v) for v in inputs.values()),
        path,
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes=dynamic_axes,
        opset_version=opset,
        do_constant_folding=True,
        dynamo=False,
    )


def export_dynamo(module, inputs, path, dynamic_shapes, opset, optimize):
    names = list(inputs)
    dynamic_shapes = tuple(dynamic_shapes)
    params = inspect.signature(module.forward).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        dynamic_shapes = (dynamic_shapes,)  # forward(*args): one entry for args
    prog = torch.onnx.export(
        module,
        tuple(torch.from_numpy(v) for v in inputs.values()),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_shapes=dynamic_shapes,
        opset_version=opset,
        dynamo=True,
        optimize=optimize,
        external_data=False,
    )
    # The dynamo exporter stores a per-node stack trace / FX node / name
    # scope in metadata_props (over half of the file, with this machine's
    # paths in it); drop it.  Ops, attributes and weights are untouched.
    for node in prog.model.graph.all_nodes():
        node.metadata_props.clear()
    prog.save(path, external_data=False)
    return prog


# ----------------------------------------------------------------------------
# models


def export_bloom():
    name = "bloom.torchscript.op17"
    seed_all()
    cfg = transformers.BloomConfig(
        vocab_size=1000, hidden_size=32, n_layer=2, n_head=4,
        use_cache=False, attn_implementation="eager",
    )
    model = transformers.BloomModel(cfg).eval()
    inputs = token_inputs(cfg.vocab_size)
    mod = LastHidden(model, inputs, use_cache=False).eval()
    dyn = {k: {0: "batch", 1: "sequence"} for k in inputs}
    dyn["last_hidden_state"] = {0: "batch", 1: "sequence"}
    export_torchscript(mod, inputs, path_of(name), dyn, opset=17)

    def checks(m):
        yield "CumSum present (ALiBi)", has_op(m, "CumSum")

    return finish(name, path_of(name), mod, inputs, checks, alt_token_inputs(cfg.vocab_size))


def export_vit():
    name = "vit.interp.torchscript.op17"
    seed_all()
    cfg = transformers.ViTConfig(
        image_size=32, patch_size=8, num_channels=3, hidden_size=32,
        num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        attn_implementation="eager",
    )
    model = transformers.ViTModel(cfg, add_pooling_layer=False).eval()
    rng = np.random.default_rng(0)
    # 48 x 40 is not the configured 32 x 32: the 4x4 position table is
    # bicubically resized to 6x5.
    inputs = {"pixel_values": rng.standard_normal((2, 3, 48, 40)).astype(np.float32)}
    mod = LastHidden(model, inputs, interpolate_pos_encoding=True).eval()
    dyn = {"pixel_values": {0: "batch", 2: "height", 3: "width"},
           "last_hidden_state": {0: "batch", 1: "tokens"}}
    export_torchscript(mod, inputs, path_of(name), dyn, opset=17)

    def checks(m):
        cubic = [n for _, n in all_nodes(m) if n.op_type == "Resize"
                 and attr(n, "mode", b"nearest") in (b"cubic", "cubic")]
        yield "Resize present", has_op(m, "Resize")
        desc = ""
        if cubic:
            n = cubic[0]
            desc = (f" (cubic_coeff_a={attr(n, 'cubic_coeff_a', -0.75)}, "
                    f"coordinate_transformation_mode={attr(n, 'coordinate_transformation_mode', b'half_pixel').decode()})")
        yield "Resize mode=cubic" + desc, bool(cubic)

    # Another non-config size (7x4 patches) for the dynamic height/width.
    alt = {"pixel_values": np.random.default_rng(1).standard_normal((3, 3, 56, 32)).astype(np.float32)}
    return finish(name, path_of(name), mod, inputs, checks, alt)


class LastHiddenWithPositions(LastHidden):
    """As LastHidden, and passes position_ids = arange(sequence) expanded to
    (batch, sequence): the same positions LlamaModel uses by default, but
    with a real batch dimension.  Without it the default position_ids are
    (1, sequence), and onnxscript's RotaryEmbedding fusion then feeds
    RotaryEmbedding a cos/sin cache of shape (1, sequence, head/2), which
    the ONNX spec does not allow (it must be (batch, sequence, rot/2)) and
    ONNX Runtime rejects for batch > 1."""

    def forward(self, input_ids, attention_mask):
        batch, seq = input_ids.shape
        position_ids = torch.arange(seq, device=input_ids.device).unsqueeze(0).expand(batch, seq)
        return self.model(input_ids=input_ids, attention_mask=attention_mask,
                          position_ids=position_ids, return_dict=True, **self.extra).last_hidden_state


def export_llama():
    name = "llama.dynamo.op23"
    seed_all()
    cfg = transformers.LlamaConfig(
        vocab_size=1000, hidden_size=32, intermediate_size=64,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=128, use_cache=False, attn_implementation="sdpa",
    )
    model = transformers.LlamaModel(cfg).eval()
    inputs = token_inputs(cfg.vocab_size)
    mod = LastHiddenWithPositions(model, inputs, use_cache=False).eval()
    batch, seq = torch.export.Dim("batch", min=1, max=64), torch.export.Dim("sequence", min=2, max=128)
    dyn = tuple({0: batch, 1: seq} for _ in inputs)
    # optimize=True (the default) runs onnxscript.optimizer.optimize, which in
    # onnxscript 0.7 includes the opset-23 ONNX fusions (RMSNormalization,
    # RotaryEmbedding, GQA); torch's SDPA already exports as Attention at 23.
    export_dynamo(mod, inputs, path_of(name), dyn, opset=23, optimize=True)

    def checks(m):
        yield "RotaryEmbedding (ONNX domain) present", has_op(m, "RotaryEmbedding")
        yield "Attention (ONNX domain) present", has_op(m, "Attention")
        yield "RMSNormalization (ONNX domain) present", has_op(m, "RMSNormalization")

    return finish(name, path_of(name), mod, inputs, checks, alt_token_inputs(cfg.vocab_size))


def export_modernbert():
    name = "modernbert.dynamo.unoptimized"
    if not hasattr(transformers, "ModernBertModel"):
        print(f"  transformers {transformers.__version__} has no ModernBertModel; skipped")
        return True
    seed_all()
    cfg = transformers.ModernBertConfig(
        vocab_size=1000, hidden_size=32, intermediate_size=64,
        num_hidden_layers=2, num_attention_heads=4,
        max_position_embeddings=128, local_attention=8,
        pad_token_id=0, bos_token_id=1, eos_token_id=2, cls_token_id=1, sep_token_id=2,
        attn_implementation="eager",
    )
    model = transformers.ModernBertModel(cfg).eval()
    inputs = token_inputs(cfg.vocab_size)
    mod = LastHidden(model, inputs).eval()
    batch, seq = torch.export.Dim("batch", min=1, max=64), torch.export.Dim("sequence", min=2, max=128)
    dyn = tuple({0: batch, 1: seq} for _ in inputs)
    export_dynamo(mod, inputs, path_of(name), dyn, opset=18, optimize=False)

    def checks(m):
        yield "SplitToSequence present", has_op(m, "SplitToSequence")
        yield "SequenceAt present", has_op(m, "SequenceAt")

    return finish(name, path_of(name), mod, inputs, checks, alt_token_inputs(cfg.vocab_size))


def export_t5():
    name = "t5.eager.torchscript.op17"
    seed_all()
    cfg = transformers.T5Config(
        vocab_size=1000, d_model=32, d_kv=8, d_ff=64, num_layers=2,
        num_heads=4, relative_attention_num_buckets=32,
        relative_attention_max_distance=128, use_cache=False,
        attn_implementation="eager",
    )
    model = transformers.T5EncoderModel(cfg).eval()
    inputs = token_inputs(cfg.vocab_size)
    mod = LastHidden(model, inputs).eval()
    dyn = {k: {0: "batch", 1: "sequence"} for k in inputs}
    dyn["last_hidden_state"] = {0: "batch", 1: "sequence"}
    export_torchscript(mod, inputs, path_of(name), dyn, opset=17)

    def checks(m):
        types = input_elem_types(m)
        abs_types = [onnx.TensorProto.DataType.Name(types.get(n.input[0], 0))
                     for _, n in all_nodes(m) if n.op_type == "Abs"]
        yield f"Abs present (input types {abs_types})", bool(abs_types)
        yield "integer Abs", any(t.startswith("INT") for t in abs_types)

    return finish(name, path_of(name), mod, inputs, checks, alt_token_inputs(cfg.vocab_size))


EXPORTS = {
    "bloom": export_bloom,
    "vit": export_vit,
    "llama": export_llama,
    "modernbert": export_modernbert,
    "t5": export_t5,
}


def main(argv):
    names = argv[1:] or list(EXPORTS)
    unknown = [n for n in names if n not in EXPORTS]
    if unknown:
        print(f"unknown model(s) {unknown}; choose from {list(EXPORTS)}", file=sys.stderr)
        return 2
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, onnx {onnx.__version__}, "
          f"onnxruntime {ort.__version__}")
    failed = []
    for n in names:
        print(f"== {n}")
        try:
            if not EXPORTS[n]():
                failed.append(n)
        except Exception as e:  # report and continue with the others
            traceback.print_exc()
            print(f"  FAILED: {type(e).__name__}: {e}")
            failed.append(n)
    print("failed or incomplete: " + (", ".join(failed) if failed else "none"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
