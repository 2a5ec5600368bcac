//===- Passes.h - target-neutral tmix passes --------------------*- C++ -*-===//
//
// The passes that take tmix from fused attention to tiles and buffers,
// whatever the target: fusion, replacement, tiling, decomposition, and the
// preparation of functions and weights for a compiled artifact. Target
// passes live in tmix/Target/<Target>/Passes.h.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_PASSES_H
#define TMIX_PASSES_H

#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringSet.h"

#include <functional>

namespace mlir {
class RewritePatternSet;
namespace tmix {

#define GEN_PASS_DECL
#include "tmix/Passes.h.inc"

/// Adds the patterns that rewrite tmix ops into their reference
/// linalg-on-tensors form. When `opNames` is non-empty, only ops whose
/// mnemonic (e.g. "attention") it contains are rewritten.
void populateTMixDecomposePatterns(RewritePatternSet &patterns,
                                   const llvm::StringSet<> &opNames = {});

/// Adds the pattern that raises decomposed softmax attention (anchored on
/// linalg.softmax) to tmix.attention.
void populateTMixFuseAttentionPatterns(RewritePatternSet &patterns);

/// The byte buffer that tmix-externalize-weights moves large constants into
/// (defined and filled by the model library, read-only once filled).
inline constexpr llvm::StringLiteral kWeightsBufferName = "tmix__weights";

/// Writes the weights file of tmix-externalize-weights; returns an error
/// message, empty on success.
using WeightsWriteJob = std::function<std::string()>;
/// Takes that job instead of the pass running it: the caller runs it (on
/// another thread, while LLVM compiles) and waits for it before it uses
/// the file or destroys the MLIRContext, whose buffers the job reads.
using WeightsWriteScheduler = std::function<void(WeightsWriteJob job)>;

/// tmix-externalize-weights handing its file write to `schedule`.
std::unique_ptr<Pass> createTMixExternalizeWeightsPass(
    const TMixExternalizeWeightsPassOptions &options,
    WeightsWriteScheduler schedule);

/// Receives tmix-replace-attention's report in its JSON form.
using MixerReportSink = std::function<void(llvm::StringRef json)>;

/// tmix-replace-attention handing its report to `sink` as well (and to the
/// `report` file when one is named).
std::unique_ptr<Pass>
createTMixReplaceAttentionPass(const TMixReplaceAttentionPassOptions &options,
                               MixerReportSink sink);

#define GEN_PASS_REGISTRATION
#include "tmix/Passes.h.inc"

} // namespace tmix
} // namespace mlir

#endif // TMIX_PASSES_H
