//===- IntegerMatmul.cpp - the int8 product the CPU calls a kernel for ----===//

#include "IntegerMatmul.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::tmix::cpu;

namespace {

/// One factor of the product: ext(x), ext(x) - ext(z) or ext(x) - constant.
struct Factor {
  int64_t x = -1, z = -1;
  std::optional<int64_t> zConstant;
  bool isUnsigned = false;
};

/// The block argument number that `e` extends from i8, or -1.
int64_t extendedArg(Value e, bool &isUnsigned) {
  Operation *def = e.getDefiningOp();
  if (!def || !isa<arith::ExtSIOp, arith::ExtUIOp>(def))
    return -1;
  auto arg = dyn_cast<BlockArgument>(def->getOperand(0));
  if (!arg || !arg.getType().isInteger(8))
    return -1;
  isUnsigned = isa<arith::ExtUIOp>(def);
  return arg.getArgNumber();
}

std::optional<Factor> matchFactor(Value v) {
  Factor f;
  auto sub = v.getDefiningOp<arith::SubIOp>();
  f.x = extendedArg(sub ? sub.getLhs() : v, f.isUnsigned);
  if (f.x < 0)
    return std::nullopt;
  if (!sub)
    return f;
  APInt constant;
  if (matchPattern(sub.getRhs(), m_ConstantInt(&constant))) {
    f.zConstant = constant.getSExtValue();
    return f;
  }
  bool zUnsigned = false;
  f.z = extendedArg(sub.getRhs(), zUnsigned);
  if (f.z < 0 || zUnsigned != f.isUnsigned)
    return std::nullopt;
  return f;
}

} // namespace

std::optional<IntegerMatmul>
mlir::tmix::cpu::matchIntegerMatmul(linalg::GenericOp op) {
  if (op.getNumLoops() != 3 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 1 ||
      op.getIteratorTypesArray()[2] != utils::IteratorType::reduction)
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
             k = getAffineDimExpr(2, ctx);
  auto out = dyn_cast<ShapedType>(op.getDpsInits()[0].getType());
  if (!out || !out.getElementType().isInteger(32) || out.getRank() != 2 ||
      op.getMatchingIndexingMap(op.getDpsInitOperand(0)) !=
          AffineMap::get(3, 0, {m, n}, ctx))
    return std::nullopt;
  Block *body = op.getBody();
  auto add =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::AddIOp>();
  if (!add)
    return std::nullopt;
  Value acc = body->getArguments().back();
  Value prod = add.getLhs() == acc   ? add.getRhs()
               : add.getRhs() == acc ? add.getLhs()
                                     : Value();
  auto mul = prod ? prod.getDefiningOp<arith::MulIOp>() : nullptr;
  if (!mul)
    return std::nullopt;
  std::optional<Factor> f0 = matchFactor(mul.getLhs()),
                        f1 = matchFactor(mul.getRhs());
  if (!f0 || !f1)
    return std::nullopt;
  // Every input is one of the four roles, used once.
  int64_t roles = 2 + (f0->z >= 0) + (f1->z >= 0);
  if (op.getNumDpsInputs() != roles)
    return std::nullopt;
  auto mapOf = [&](int64_t arg) {
    return op.getMatchingIndexingMap(op.getDpsInputOperand(arg));
  };
  if (mapOf(f0->x) != AffineMap::get(3, 0, {m, k}, ctx))
    std::swap(f0, f1);
  if (mapOf(f0->x) != AffineMap::get(3, 0, {m, k}, ctx) ||
      mapOf(f1->x) != AffineMap::get(3, 0, {k, n}, ctx))
    return std::nullopt;
  AffineMap scalar = AffineMap::get(3, 0, {}, ctx);
  if (f0->z >= 0 && mapOf(f0->z) != scalar &&
      mapOf(f0->z) != AffineMap::get(3, 0, {m}, ctx))
    return std::nullopt;
  if (f1->z >= 0 && mapOf(f1->z) != scalar &&
      mapOf(f1->z) != AffineMap::get(3, 0, {n}, ctx))
    return std::nullopt;
  IntegerMatmul r;
  r.a = op.getDpsInputs()[f0->x];
  r.b = op.getDpsInputs()[f1->x];
  if (f0->z >= 0)
    r.azp = op.getDpsInputs()[f0->z];
  if (f1->z >= 0)
    r.bzp = op.getDpsInputs()[f1->z];
  r.azpConstant = f0->zConstant;
  r.bzpConstant = f1->zConstant;
  r.aUnsigned = f0->isUnsigned;
  r.bUnsigned = f1->isUnsigned;
  return r;
}
