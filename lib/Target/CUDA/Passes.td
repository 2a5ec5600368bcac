//===- Passes.td - tmix passes for NVIDIA GPUs -*- tablegen -*-===//

#ifndef TMIX_TARGET_CUDA_PASSES_TD
#define TMIX_TARGET_CUDA_PASSES_TD

include "mlir/Pass/PassBase.td"

def TMixGpuKernelsPass : Pass<"tmix-gpu-kernels"> {
  let summary = "Tensor-core GPU kernels for attention mixers and matmuls";
  let description = [{
    Rewrites `tmix.attention`, `tmix.sigmoid_attention` (static shapes, head
    dimensions up to 256) and `linalg.matmul` / `linalg.batch_matmul`
    (static shapes) whose products are computed in f16 or bf16 into
    `gpu.launch` kernels on tensor cores (`nvgpu.mma.sync` m16n8k16 with
    f32 accumulators). Attention is FlashAttention-2's schedule: four warps
    per 64 query rows, key and value tiles in shared memory, running
    statistics and output in registers, no Lq x Lk buffer. Matmuls stage
    64x32 and 32x64 operand tiles through shared memory. Inputs are read
    through `bufferization.to_buffer` and results written to a new
    allocation, so the pass runs before bufferization.

    The product type is `precision` when given (f16, bf16), else the
    operands' type when it is f16 or bf16; f32 products are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
  let options = [
    Option<"precision", "precision", "std::string", "\"\"",
           "Product type: f16, bf16, f32 (empty: the operands' type)">
  ];
  let statistics = [
    Statistic<"numKernels", "num-kernels", "Number of kernels built">
  ];
}

def TMixGpuMapLinalgPass : Pass<"tmix-gpu-map-linalg"> {
  let summary = "Turn linalg ops on buffers into one-thread-per-point GPU kernels";
  let description = [{
    Each linalg op (and `memref.copy`) on buffers outside a `gpu.launch`
    becomes a `gpu.launch` over its parallel iteration space, one thread
    per point in row-major order, reduction dimensions looped in the
    thread. Ops already inside kernels are left alone.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let options = [
    Option<"blockSize", "block-size", "int64_t", "256",
           "Threads per block">
  ];
  let statistics = [
    Statistic<"numKernels", "num-kernels", "Number of kernels built">
  ];
}

def TMixGpuDeviceMemoryPass
    : Pass<"tmix-gpu-device-memory", "::mlir::ModuleOp"> {
  let summary = "Keep every buffer of host code in GPU device memory";
  let description = [{
    Host `memref.alloc`/`alloca`/`dealloc` become `gpu.alloc`/`gpu.dealloc`;
    each use of a constant global gets a device copy (`gpu.memcpy`); the
    external weights global becomes a trailing argument of the public
    function that reads it. Host loads and stores of buffers are errors,
    since those buffers are now on the device.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numConstants", "num-constants",
              "Number of constants copied to the device">
  ];
}

def TMixGpuMathToPtxPass : Pass<"tmix-gpu-math-to-ptx"> {
  let summary = "Write the remaining math ops of GPU kernels as PTX instructions";
  let description = [{
    Scalar `math` floor, ceil, trunc, roundeven, sqrt, absf, fma and exp2 on
    f32 (f16/bf16 through f32) become one PTX instruction each (inline
    assembly), so that convert-gpu-to-nvvm emits no libdevice calls and the
    PTX needs no CUDA toolkit. Run it on kernels after the polynomial
    approximations (tmix-approximate-math); any other math op left is an
    error.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // TMIX_TARGET_CUDA_PASSES_TD
