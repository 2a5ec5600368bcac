// Parses a tmix module, decomposes it with the installed passes, and prints
// the op counts before and after.
#include "tmix/IR/TMixDialect.h"
#include "tmix/InitAll.h"
#include "tmix/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

static const char *kModule = R"mlir(
func.func @f(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>,
             %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<top_left>}
     : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
       -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}
)mlir";

int main() {
  mlir::DialectRegistry registry;
  mlir::tmix::registerAllTMixDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(kModule, &context);
  if (!module)
    return 1;
  auto count = [&](llvm::StringRef dialect) {
    int n = 0;
    module->walk([&](mlir::Operation *op) {
      n += op->getDialect() &&
           op->getDialect()->getNamespace() == dialect;
    });
    return n;
  };
  llvm::outs() << "before: tmix=" << count("tmix") << "\n";
  mlir::PassManager pm(&context);
  pm.addPass(mlir::tmix::createTMixDecomposePass());
  if (mlir::failed(pm.run(*module)))
    return 2;
  llvm::outs() << "after: tmix=" << count("tmix")
               << " linalg=" << (count("linalg") > 0 ? "yes" : "no") << "\n";
  return 0;
}
