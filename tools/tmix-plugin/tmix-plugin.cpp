//===- tmix-plugin.cpp - tmix as an mlir-opt plugin ------------*- C++ -*-===//

#include "tmix/IR/TMixDialect.h"
#include "tmix/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "TMix", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            mlir::tmix::registerTMixDialect(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "TMixPasses", LLVM_VERSION_STRING,
          []() { mlir::tmix::registerAllTMixPasses(); }};
}
