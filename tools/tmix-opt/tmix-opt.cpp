//===- tmix-opt.cpp - opt-style driver for tmix ----------------*- C++ -*-===//

#include "tmix/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::tmix::registerAllTMixDialects(registry);
  mlir::tmix::registerAllTMixPasses();
  mlir::tmix::registerUpstreamPassesForTMix();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "tmix optimizer driver\n", registry));
}
