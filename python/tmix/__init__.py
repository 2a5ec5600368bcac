"""tmix: a compiler for transformer token mixers (Python side).

`tmix.reference` compiles MLIR through the executable reference pipeline and
runs it on numpy arrays.
"""
