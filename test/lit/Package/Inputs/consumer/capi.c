/* Registers tmix through its C API and parses and verifies a tmix op. */
#include "mlir-c/IR.h"
#include "tmix-c/TMix.h"

#include <stdio.h>

static void print(MlirStringRef s, void *data) {
  (void)data;
  fwrite(s.data, 1, s.length, stdout);
}

int main(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  tmixRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  mlirDialectHandleLoadDialect(mlirGetDialectHandle__tmix__(), ctx);
  const char *src =
      "func.func @p(%x: tensor<1x2x5x3xf32>) -> tensor<1x2x5x3xf32> {\n"
      "  %y = tmix.pool_mixer %x {window = 3 : i64, causal} : "
      "tensor<1x2x5x3xf32>\n"
      "  return %y : tensor<1x2x5x3xf32>\n}\n";
  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(src));
  if (mlirModuleIsNull(module))
    return 1;
  MlirOperation op = mlirModuleGetOperation(module);
  printf("verified: %d\n", mlirOperationVerify(op));
  mlirOperationPrint(op, print, NULL);
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return 0;
}
