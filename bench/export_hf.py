#!/usr/bin/env python3
"""Hugging Face architectures at their published sizes, random weights,
exported to ONNX for bench/ (never needed by the test suite).

    python3 bench/export_hf.py [--out DIR] [bert-base gpt2 llama-gqa ...]

Run with a Python that has torch and transformers (a bench-only virtual
environment: python3 -m venv v && v/bin/pip install torch transformers
onnx). Models are written once to DIR (default $TMPDIR/tmix-bench-models) as
<name>.onnx, exported by torch.onnx.export (TorchScript, opset 17) with
dynamic batch and sequence axes; compile them with --input-shape. Beside
each, <name>.bf16ref.npz holds one input and the model's output in fp32 and
in PyTorch's bf16, for the bf16 accuracy check of bench/run.py.

  bert-base   BertModel, bert-base-uncased's config (12 layers, hidden 768)
  gpt2        GPT2Model, gpt2's config (12 layers, hidden 768), no cache
  llama-gqa   LlamaModel with a LLaMA-architecture GQA config (hidden 1024,
              16 query and 4 key/value heads, 8 layers, intermediate 2816)
"""
import argparse
import os
import sys
import tempfile

import torch
import transformers

CONFIGS = {
    "bert-base": lambda: (transformers.BertModel, transformers.BertConfig(
        vocab_size=30522, hidden_size=768, num_hidden_layers=12,
        num_attention_heads=12, intermediate_size=3072,
        max_position_embeddings=512, attn_implementation="eager")),
    "gpt2": lambda: (transformers.GPT2Model, transformers.GPT2Config(
        vocab_size=50257, n_embd=768, n_layer=12, n_head=12, n_positions=1024,
        use_cache=False, attn_implementation="eager")),
    "llama-gqa": lambda: (transformers.LlamaModel, transformers.LlamaConfig(
        vocab_size=32000, hidden_size=1024, num_hidden_layers=8,
        num_attention_heads=16, num_key_value_heads=4,
        intermediate_size=2816, max_position_embeddings=4096,
        use_cache=False, attn_implementation="eager")),
}


class Wrapped(torch.nn.Module):
    """The model's last hidden state from ids and a padding mask (every
    model takes the mask, as served models do; without it transformers'
    decoders look for packed sequences with aten::diff, which the
    TorchScript exporter lacks)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids,
                          attention_mask=attention_mask).last_hidden_state


def build(name):
    cls, config = CONFIGS[name]()
    torch.manual_seed(0)
    return Wrapped(cls(config).eval()), config


def bf16_reference(name, out_dir):
    """<name>.bf16ref.npz: ids and mask [1, 128] and the model's output in
    fp32 and with PyTorch's own bf16 (weights and activations), the
    reference of FlashAttention's accuracy rule for tmix --precision=bf16
    (bench/run.py --only hf)."""
    path = os.path.join(out_dir, name + ".bf16ref.npz")
    if os.path.exists(path):
        return path
    import numpy as np
    model, config = build(name)
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(0, config.vocab_size, (1, 128), generator=gen)
    mask = torch.ones(1, 128, dtype=torch.int64)
    with torch.no_grad():
        fp32 = model(ids, mask).float().numpy()
        bf16 = model.to(torch.bfloat16)(ids, mask).float().numpy()
    tmp = path + f".tmp{os.getpid()}.npz"
    np.savez(tmp, input_ids=ids.numpy(), attention_mask=mask.numpy(),
             fp32=fp32, bf16=bf16)
    os.replace(tmp, path)
    return path


def export(name, out_dir):
    path = os.path.join(out_dir, name + ".onnx")
    if os.path.exists(path):
        return path
    model, config = build(name)
    ids = torch.randint(0, config.vocab_size, (1, 128))
    args = (ids, torch.ones(1, 128, dtype=torch.int64))
    names = ["input_ids", "attention_mask"]
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "sequence"}
    tmp = path + f".tmp{os.getpid()}"
    with torch.no_grad():
        torch.onnx.export(model, args, tmp, input_names=names,
                          output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    os.replace(tmp, path)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(),
                                                  "tmix-bench-models"))
    ap.add_argument("names", nargs="*", default=list(CONFIGS))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.names:
        print(export(name, args.out), flush=True)
        print(bf16_reference(name, args.out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
