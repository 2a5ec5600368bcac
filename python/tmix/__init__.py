"""tmix: a compiler for transformer token mixers.

Compile an ONNX model to a shared library for this CPU (or an NVIDIA GPU)
and run it, in-process:

    import tmix
    model = tmix.compile("model.onnx")                 # a path, bytes or an
    outputs = model.run({"input_ids": ids})            # onnx.ModelProto
    model = tmix.compile("model.onnx", mixer="linear", layers="0-3")
    model.report["totals"]                            # the mixer report

Keyword options are tmix-compile's flags with '_' for '-' (`tmix.options()`
lists them with their defaults): target, mixer, layers, nodes,
feature_map, input_shape, weights, name, ... Inputs and outputs are numpy
arrays, or torch tensors (any DLPack array) on the model's device; outputs
follow the inputs' kind. Errors are tmix.CompileError (compilation) and
RuntimeError (running), each with the compiler's or runtime's message.

Submodules: tmix.reference (MLIR through the executable reference
pipeline, on numpy arrays), tmix.runtime (the same Model, loaded from a
library file), tmix.synthetic (BERT/GPT-2/LLaMA-shaped test models).
"""
from tmix import _paths

# A source checkout finds the extension in the build tree.
if _paths.EXTENSION_DIR not in __path__:
    __path__.append(_paths.EXTENSION_DIR)

__all__ = ["compile", "Model", "CompileError", "options", "__version__"]


def __getattr__(name):
    # The native module and numpy load on first use, so that tmix.cuda and
    # tmix.reference import without them.
    if name not in __all__:
        raise AttributeError(f"module 'tmix' has no attribute '{name}'")
    try:
        from tmix import _tmix
    except ImportError as error:
        raise ImportError(
            "tmix's native module is missing: install the package (pip "
            "install .) or build the checkout (scripts/build.sh); " +
            str(error)) from None
    if name == "__version__":
        return _tmix.version().split()[1]
    from tmix import model
    return getattr(model, name)
