//===- Pipelines.h - tmix pass pipelines ------------------------*- C++ -*-===//

#ifndef TMIX_PIPELINES_H
#define TMIX_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace tmix {

/// Options of `tmix-reference-pipeline`.
struct ReferencePipelineOptions
    : public PassPipelineOptions<ReferencePipelineOptions> {
  Option<bool> decompose{*this, "decompose",
                         llvm::cl::desc("Run tmix-decompose first"),
                         llvm::cl::init(true)};
  Option<bool> cInterface{
      *this, "c-interface",
      llvm::cl::desc("Emit _mlir_ciface_ wrappers taking memref descriptors"),
      llvm::cl::init(true)};
};

/// The executable reference: tmix ops decomposed to naive linalg, bufferized
/// (function results become out-parameters), lowered to loops and to the
/// LLVM dialect. No tiling, fusion or vectorisation: correctness only.
void buildReferencePipeline(OpPassManager &pm,
                            const ReferencePipelineOptions &options);

/// Options of `tmix-cpu-pipeline` and `tmix-cuda-pipeline` (the GPU-only
/// ones are ignored on the CPU, and the BLAS/OpenMP ones on the GPU).
struct ModelPipelineOptions : public PassPipelineOptions<ModelPipelineOptions> {
  Option<bool> fuse{*this, "fuse",
                    llvm::cl::desc("Raise decomposed attention first"),
                    llvm::cl::init(true)};
  Option<std::string> mixer{
      *this, "mixer",
      llvm::cl::desc("Replace attention sites with this mixer (linear, "
                     "sigmoid, pool); empty keeps softmax")};
  ListOption<std::string> layers{
      *this, "layers",
      llvm::cl::desc("Sites to replace: indices or ranges in graph order")};
  ListOption<std::string> nodes{
      *this, "nodes", llvm::cl::desc("Sites to replace, by ONNX node name")};
  Option<std::string> featureMap{*this, "feature-map",
                                 llvm::cl::desc("Linear mixer feature map"),
                                 llvm::cl::init("elu_plus_one")};
  Option<std::string> sigmoidBias{
      *this, "sigmoid-bias",
      llvm::cl::desc("Sigmoid mixer bias; -log(Lk) when empty")};
  Option<int64_t> poolWindow{*this, "pool-window",
                             llvm::cl::desc("Pool mixer window (0 = global)"),
                             llvm::cl::init(0)};
  Option<std::string> report{
      *this, "mixer-report",
      llvm::cl::desc("Write the mixer report here ('-' = stdout)")};
  Option<std::string> reportFormat{
      *this, "mixer-report-format",
      llvm::cl::desc("Mixer report format: text or json"),
      llvm::cl::init("text")};
  // Measured on AVX-512 with OpenBLAS tiles (docs/CpuBackend.md).
  Option<int64_t> tileQ{*this, "tile-q",
                        llvm::cl::desc("Query rows per attention tile"),
                        llvm::cl::init(128)};
  Option<int64_t> tileK{*this, "tile-k",
                        llvm::cl::desc("Keys per attention tile"),
                        llvm::cl::init(256)};
  Option<int64_t> chunk{*this, "chunk",
                        llvm::cl::desc("Tokens per chunk of causal linear "
                                       "attention"),
                        llvm::cl::init(64)};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run the iterations of tiled loops on OpenMP threads"),
      llvm::cl::init(true)};
  Option<bool> blas{*this, "blas",
                    llvm::cl::desc("Run f32 matmuls with the support "
                                   "library's BLAS sgemm"),
                    llvm::cl::init(true)};
  Option<bool> cInterface{
      *this, "c-interface",
      llvm::cl::desc("Emit _mlir_ciface_ wrappers taking memref descriptors"),
      llvm::cl::init(true)};
  Option<std::string> weightsFile{
      *this, "weights-file",
      llvm::cl::desc("Move large constants to this side file (empty: keep "
                     "them in the object)")};
  Option<int64_t> weightsMinBytes{
      *this, "weights-min-bytes",
      llvm::cl::desc("Smallest constant moved to the weights file"),
      llvm::cl::init(4096)};
  Option<int64_t> weightsEmbedLimit{
      *this, "weights-embed-limit",
      llvm::cl::desc("Keep constants embedded when they total fewer bytes"),
      llvm::cl::init(0)};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("GPU: type of attention and matmul products (f16, "
                     "bf16; empty: the model's type)")};
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("GPU: NVIDIA architecture"),
                           llvm::cl::init("sm_90")};
  Option<std::string> ptxFeatures{
      *this, "ptx-features", llvm::cl::desc("GPU: PTX ISA version feature"),
      llvm::cl::init("+ptx80")};
};
using CpuPipelineOptions = ModelPipelineOptions;

/// The whole-model CPU pipeline: converted ONNX (linalg + tmix) in, LLVM
/// dialect out.
void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options);

/// The whole-model NVIDIA GPU pipeline: converted ONNX in, LLVM dialect
/// host code out, with the kernels as PTX in a gpu.binary launched through
/// the mgpu* runtime functions (lib/Compiler/CudaSupport.c).
void buildCudaPipeline(OpPassManager &pm, const ModelPipelineOptions &options);

/// Registers every tmix pipeline with the pass registry.
void registerTMixPipelines();

} // namespace tmix
} // namespace mlir

#endif // TMIX_PIPELINES_H
