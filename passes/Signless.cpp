//===- Signless.cpp - tmix-signless ----------------------------*- C++ -*-===//
//
// The conversion keeps ONNX's unsigned integer and narrow float types in
// tensor types so that rules can read them; bufferization (tensor.bitcast has
// no buffer form) and the LLVM lowering want signless types. By the time this
// runs every op already computes on signless scalars, so retyping is a
// relabelling of the same bits.
//
//===----------------------------------------------------------------------===//

#include "tmix/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXSIGNLESSPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;

namespace {

Type signless(Type t) {
  if (auto i = dyn_cast<IntegerType>(t))
    return i.isUnsigned() ? IntegerType::get(t.getContext(), i.getWidth()) : t;
  // Narrow float formats have no LLVM type: their bits, as the conversion's
  // bodies already read them.
  if (isa<Float8E4M3FNType, Float8E4M3FNUZType, Float8E5M2Type,
          Float8E5M2FNUZType, Float4E2M1FNType, Float8E8M0FNUType>(t))
    return IntegerType::get(t.getContext(), t.getIntOrFloatBitWidth());
  if (auto shaped = dyn_cast<ShapedType>(t)) {
    Type elt = signless(shaped.getElementType());
    return elt == shaped.getElementType() ? t : shaped.clone(elt);
  }
  if (auto fn = dyn_cast<FunctionType>(t)) {
    SmallVector<Type> ins, outs;
    for (Type in : fn.getInputs())
      ins.push_back(signless(in));
    for (Type out : fn.getResults())
      outs.push_back(signless(out));
    return FunctionType::get(t.getContext(), ins, outs);
  }
  return t;
}

/// `attr` with its unsigned types made signless; `attr` itself otherwise.
Attribute signless(Attribute attr) {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    Type elt = signless(dense.getElementType());
    return elt == dense.getElementType() ? attr : dense.bitcast(elt);
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    auto type = cast<ShapedType>(signless(resource.getType()));
    return type == resource.getType()
               ? attr
               : DenseResourceElementsAttr::get(type, resource.getRawHandle());
  }
  if (auto type = dyn_cast<TypeAttr>(attr))
    return TypeAttr::get(signless(type.getValue()));
  return attr;
}

class SignlessPass : public tmix::impl::TMixSignlessPassBase<SignlessPass> {
public:
  void runOnOperation() override {
    SmallVector<tensor::BitcastOp> noOps;
    getOperation().walk([&](Operation *op) {
      for (NamedAttribute named : op->getAttrs()) {
        Attribute attr = signless(named.getValue());
        if (attr != named.getValue())
          op->setAttr(named.getName(), attr);
      }
      auto retype = [&](Value v) {
        Type t = signless(v.getType());
        if (t == v.getType())
          return;
        v.setType(t);
        ++numRetyped;
      };
      for (Value result : op->getResults())
        retype(result);
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            retype(arg);
      if (auto bitcast = dyn_cast<tensor::BitcastOp>(op))
        noOps.push_back(bitcast);
    });
    for (tensor::BitcastOp op : noOps)
      if (op.getSource().getType() == op.getType()) {
        op.replaceAllUsesWith(op.getSource());
        op.erase();
      }
  }
};

} // namespace
