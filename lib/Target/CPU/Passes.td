//===- Passes.td - tmix passes for x86 CPUs -*- tablegen -*-===//

#ifndef TMIX_TARGET_CPU_PASSES_TD
#define TMIX_TARGET_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def TMixMatmulToBlasPass : Pass<"tmix-matmul-to-blas", "::mlir::ModuleOp"> {
  let summary = "Call a BLAS sgemm for f32 matmuls on buffers (CPU)";
  let description = [{
    Replaces `linalg.matmul` and `linalg.batch_matmul` on f32 memrefs (the
    default indexing maps, no casts) with calls to `tmix_rt_sgemm_f32` /
    `tmix_rt_sgemm_batched_f32`, which take memref descriptors (C interface)
    and accumulate into the output, reading transposed operands through
    their strides; the model support library runs them in its packed
    AVX-512 GEMM (OpenBLAS without AVX-512); docs/CpuBackend.md says why
    (measured). A 2-D matmul whose B is a weight (a view, through ops with
    constant operands, of a constant `memref.global` or of the externalized
    weights) calls `tmix_rt_sgemm_f32_constb` instead, with a private
    zero-initialised `memref<1xi64>` global of its own in which the library
    keeps B packed after the first call. Every call ends with i32 flags.
    Bit 0 is set when C accumulates the product, clear when the call
    replaces a `linalg.fill` of +0.0 into C that precedes the matmul with
    nothing but views, allocations and constants in between (the fill is
    erased; the library writes C = A B). Bit 1 (`bf16-weights`, calls with
    a constant B only) asks for the product in bf16 with f32 accumulation.
    Integer products (the generics the conversion builds for MatMulInteger,
    QLinearMatMul and quantized matmuls: over (m, n, k), i8 `a[m, k]` and
    `b[k, n]` sign- or zero-extended, each minus an optional zero point per
    tensor or per row/column, accumulated into an i32 `c[m, n]`) call
    `tmix_rt_igemm_i8` (`_constb` with a slot when B is a weight) with the
    zero points as 1-D i8 views (empty when absent) and flags: bit 0 as
    above, bits 2 and 3 when A and B are unsigned. The library runs them on
    AMX-INT8 tiles where the CPU has them.
    Runs after bufferization and tmix-externalize-weights; other matmuls
    are left to linalg-to-loops.
  }];
  let options = [
    Option<"packWeights", "pack-weights", "bool", /*default=*/"true",
           "Give matmuls with constant B a packed-weights slot">,
    Option<"foldZeroFills", "fold-zero-fills", "bool", /*default=*/"true",
           "Fold a zero fill of C into the call (C = A B)">,
    Option<"bf16Weights", "bf16-weights", "bool", /*default=*/"false",
           "Products with weights in bf16 (AMX) with f32 accumulation">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numCalls", "num-calls", "Number of matmuls turned into calls">,
    Statistic<"numPackedWeights", "num-packed-weights",
              "Number of calls that keep their constant B packed">,
    Statistic<"numZeroFillsFolded", "num-zero-fills-folded",
              "Number of zero fills of C folded into calls">,
    Statistic<"numIntegerCalls", "num-integer-calls",
              "Number of int8 products turned into calls">
  ];
}

def TMixInlineAllocaScopesPass : Pass<"tmix-inline-alloca-scopes"> {
  let summary = "Inline memref.alloca_scope ops that hold no alloca";
  let description = [{
    convert-scf-to-openmp wraps each parallel loop body in a
    `memref.alloca_scope`, whose region must stay one block; the loops
    inside the body then cannot be lowered to control flow. Scopes without
    a `memref.alloca` bound nothing and are inlined (tmix allocates tiles
    on the heap).
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def TMixParallelizeGenericsPass : Pass<"tmix-parallelize-generics"> {
  let summary = "Split large linalg.generic ops into scf.forall chunks";
  let description = [{
    Tiles each `linalg.generic` that is not already inside an `scf.forall`
    (element-wise chains, normalisations, reductions along an inner axis)
    along its outermost parallel loop with at least two iterations into
    `chunks` pieces of an `scf.forall`, so that the CPU pipeline runs them
    on all cores. Ops with fewer than `min-elements` iterations in total
    stay serial (a parallel region costs microseconds).
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
  let options = [
    Option<"chunks", "chunks", "int64_t", "4",
           "Pieces per op (OpenMP spreads them over the threads)">,
    Option<"minElements", "min-elements", "int64_t", "32768",
           "Smallest iteration space worth a parallel region">
  ];
  let statistics = [
    Statistic<"numSplit", "num-split", "Number of ops split">
  ];
}

def TMixProfileOpsPass : Pass<"tmix-profile-ops", "::mlir::ModuleOp"> {
  let summary = "Time every top-level operation of the model's functions";
  let description = [{
    Wraps each top-level operation of every public function (a matmul call,
    a fused element-wise nest, a tiled mixer's parallel loop, a copy) in
    calls to `tmix_rt_profile_enter(site)` and `tmix_rt_profile_exit(site)`,
    which the model support library turns into per-site totals and a trace
    of the last run (`tmix-run --profile`). Operations that do no work at run
    time (constants, views, casts, allocations and deallocations, the
    return) and calls to the module's own private helpers are left alone.
    The module gets `tmix.profile_sites`: one `{op, nodes}` entry per site,
    in site order, naming the operation and the ONNX nodes it computes
    (from its location). Runs on buffers, before lowering to LLVM.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
  let statistics = [
    Statistic<"numSites", "num-sites", "Number of operations timed">
  ];
}

#endif // TMIX_TARGET_CPU_PASSES_TD
