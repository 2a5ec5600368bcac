//===- InitAll.h - one registration point for tmix --------------*- C++ -*-===//
//
// Every tool, the mlir-opt plugin, the C API and Python register through
// these functions, so each sees the same dialects, passes and pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_INITALL_H
#define TMIX_INITALL_H

namespace mlir {
class DialectRegistry;
namespace tmix {

/// Registers the tmix dialect only.
void registerTMixDialect(DialectRegistry &registry);

/// Registers the tmix dialect plus the upstream dialects and interface
/// models (bufferization, inlining) that tmix pipelines produce or need.
void registerAllTMixDialects(DialectRegistry &registry);

/// Registers the tmix passes and pipelines.
void registerAllTMixPasses();

/// Registers the upstream passes that tmix pipelines are built from, so
/// tmix-opt can run each step on its own.
void registerUpstreamPassesForTMix();

} // namespace tmix
} // namespace mlir

#endif // TMIX_INITALL_H
