"""The bundled exporter graphs (test/data/models): their stored inputs and
ONNX Runtime's outputs."""
import os

import numpy as np
import onnx

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                      "data", "models")
# The six BERT and GPT-2 exports with static shapes (the graphs with dynamic
# axes there are test_coverage_models.py's).
NAMES = sorted(f[:-5] for f in os.listdir(MODELS)
               if f.endswith(".onnx") and f.startswith(("bert.", "gpt2.")))


def path(name):
    return os.path.join(MODELS, name + ".onnx")


def feeds(name):
    """({graph input name: array}, ONNX Runtime's output, output names)."""
    io = np.load(os.path.join(MODELS, name + ".io.npz"))
    graph = onnx.load(path(name), load_external_data=False).graph
    inits = {i.name for i in graph.initializer}
    inputs = {i.name: io[i.name] for i in graph.input if i.name not in inits}
    return inputs, io["ort_output"], [o.name for o in graph.output]
