//===- Normalization.cpp - ONNX normalisation ops ---------------*- C++ -*-===//
//
// InstanceNormalization, GroupNormalization, BatchNormalization, LRN,
// MeanVarianceNormalization and LpNormalization: statistics reduced in the
// accumulator type with `reduce`, then one element-wise body each.
// (LayerNormalization and RMSNormalization live beside attention in
// Neural.cpp, where fusion looks for them.)
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tmix::onnx_to_tmix;

namespace {

Value addF(OpBuilder &b, Location l, Value x, Value y) {
  return b.createOrFold<arith::AddFOp>(l, x, y);
}
Value subF(OpBuilder &b, Location l, Value x, Value y) {
  return b.createOrFold<arith::SubFOp>(l, x, y);
}
Value mulF(OpBuilder &b, Location l, Value x, Value y) {
  return b.createOrFold<arith::MulFOp>(l, x, y);
}
Value divF(OpBuilder &b, Location l, Value x, Value y) {
  return b.createOrFold<arith::DivFOp>(l, x, y);
}

/// Population mean and variance of `x` over the `reduced` dims (kept as 1).
struct Moments {
  Value mean, var;
};

FailureOr<Moments> momentsOf(Node &n, Value x, ArrayRef<bool> reduced,
                             Type acc) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t count = 1;
  for (auto [d, r] : llvm::zip(type.getShape(), reduced))
    if (r)
      count *= d;
  Attribute zero = n.b.getFloatAttr(acc, 0);
  auto scaled = [&](Value sum) {
    return elementwise(
        n, sum, acc, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
          return divF(b, l, a[0],
                      fconst(b, l, acc, std::max<int64_t>(count, 1)));
        });
  };
  FailureOr<Value> mean = scaled(reduce(n, x, reduced, acc, zero, addF));
  if (failed(mean))
    return failure();
  FailureOr<Value> sq =
      elementwise(n, {x, *mean}, acc,
                  [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                    Value d = subF(b, l, convertScalar(b, l, a[0], acc), a[1]);
                    return mulF(b, l, d, d);
                  });
  if (failed(sq))
    return failure();
  FailureOr<Value> var = scaled(reduce(n, *sq, reduced, acc, zero, addF));
  if (failed(var))
    return failure();
  return Moments{*mean, *var};
}

/// `v` of shape [C] as [1, C, 1, ...] for a rank-`rank` operand.
Value perChannel(Node &n, Value v, int64_t rank) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(rank, 1);
  shape[1] = t.getNumElements();
  return reshape(n, v, shape);
}

/// (x - mean) / sqrt(var + eps) * scale + bias, with every operand
/// broadcast to x.
FailureOr<Value> normalize(Node &n, Value x, Moments m, Value scale, Value bias,
                           double eps, Type acc) {
  Type elt = getElementTypeOrSelf(x);
  SmallVector<Value> ins = {x, m.mean, m.var};
  if (scale)
    ins.push_back(scale);
  if (bias)
    ins.push_back(bias);
  return elementwise(
      n, ins, elt, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value v = subF(b, l, convertScalar(b, l, a[0], acc), a[1]);
        v = mulF(b, l, v,
                 b.createOrFold<math::RsqrtOp>(
                     l, addF(b, l, a[2], fconst(b, l, acc, eps))));
        unsigned k = 3;
        if (scale)
          v = mulF(b, l, v, convertScalar(b, l, a[k++], acc));
        if (bias)
          v = addF(b, l, v, convertScalar(b, l, a[k++], acc));
        return convertScalar(b, l, v, elt);
      });
}

LogicalResult expectFloat(Node &n, unsigned minRank) {
  auto t = n.type(0);
  if (!isa<FloatType>(t.getElementType()) || t.getRank() < minRank) {
    n.emitError() << "expects a float input of rank >= " << minRank << ", got "
                  << t;
    return failure();
  }
  return success();
}

Results instanceNorm(Node &n) {
  if (failed(expectFloat(n, 3)))
    return failure();
  auto t = n.type(0);
  Type acc = accumulatorFor(t.getElementType());
  SmallVector<bool> reduced(t.getRank(), true);
  reduced[0] = reduced[1] = false;
  FailureOr<Moments> m = momentsOf(n, n.input(0), reduced, acc);
  if (failed(m))
    return failure();
  return one(normalize(n, n.input(0), *m,
                       perChannel(n, n.input(1), t.getRank()),
                       perChannel(n, n.input(2), t.getRank()),
                       n.getFloat("epsilon", 1e-5), acc));
}

/// Statistics over [N, G, C/G * spatial]; scale and bias per channel
/// (opset 21) or per group (opset 18).
Results groupNorm(Node &n) {
  if (failed(expectFloat(n, 2)))
    return failure();
  auto t = n.type(0);
  int64_t groups = n.getInt("num_groups", 0), c = t.getDimSize(1);
  if (groups <= 0 || c % groups) {
    n.emitError() << "num_groups = " << groups << " does not divide the " << c
                  << " channels";
    return failure();
  }
  int64_t perGroup = t.getNumElements() / (t.getDimSize(0) * groups);
  Type acc = accumulatorFor(t.getElementType());
  if (n.getInt("stash_type", 1) != 1)
    acc = t.getElementType();
  Value grouped = reshape(n, n.input(0), {t.getDimSize(0), groups, perGroup});
  FailureOr<Moments> m = momentsOf(n, grouped, {false, false, true}, acc);
  if (failed(m))
    return failure();
  Value scale = n.input(1), bias = n.input(2);
  int64_t params = cast<RankedTensorType>(scale.getType()).getNumElements();
  if (params == groups && groups != c) {
    // One scale per group: apply it in the grouped shape.
    FailureOr<Value> y = normalize(
        n, grouped, *m, reshape(n, scale, {1, groups, 1}),
        reshape(n, bias, {1, groups, 1}), n.getFloat("epsilon", 1e-5), acc);
    if (failed(y))
      return failure();
    return one(reshape(n, *y, t.getShape()));
  }
  if (params != c) {
    n.emitError() << "scale has " << params << " elements; expected " << c
                  << " (one per channel)";
    return failure();
  }
  FailureOr<Value> y = normalize(n, grouped, *m, Value(), Value(),
                                 n.getFloat("epsilon", 1e-5), acc);
  if (failed(y))
    return failure();
  Value back = reshape(n, *y, t.getShape());
  Type elt = t.getElementType();
  return one(elementwise(
      n,
      {back, perChannel(n, scale, t.getRank()),
       perChannel(n, bias, t.getRank())},
      elt, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value v = mulF(b, l, convertScalar(b, l, a[0], acc),
                       convertScalar(b, l, a[1], acc));
        return convertScalar(
            b, l, addF(b, l, v, convertScalar(b, l, a[2], acc)), elt);
      }));
}

/// Inference uses the given statistics; training mode those of the batch
/// and also returns the running mean and variance.
Results batchNorm(Node &n) {
  if (failed(expectFloat(n, 2)))
    return failure();
  auto t = n.type(0);
  int64_t rank = t.getRank();
  Type acc = accumulatorFor(t.getElementType());
  double eps = n.getFloat("epsilon", 1e-5);
  Value scale = perChannel(n, n.input(1), rank),
        bias = perChannel(n, n.input(2), rank);
  Value mean = perChannel(n, n.input(3), rank),
        var = perChannel(n, n.input(4), rank);
  if (!n.getInt("training_mode", 0)) {
    FailureOr<Moments> m = Moments{mean, var};
    // The given statistics may be narrower than acc.
    for (Value *v : {&m->mean, &m->var}) {
      FailureOr<Value> c = convertTensor(n, *v, acc);
      if (failed(c))
        return failure();
      *v = *c;
    }
    return one(normalize(n, n.input(0), *m, scale, bias, eps, acc));
  }
  SmallVector<bool> reduced(rank, true);
  reduced[1] = false;
  FailureOr<Moments> m = momentsOf(n, n.input(0), reduced, acc);
  if (failed(m))
    return failure();
  FailureOr<Value> y = normalize(n, n.input(0), *m, scale, bias, eps, acc);
  if (failed(y))
    return failure();
  SmallVector<Value> results = {*y};
  double momentum = n.getFloat("momentum", 0.9);
  Type statElt = getElementTypeOrSelf(n.input(3));
  int64_t c = t.getDimSize(1);
  for (auto [given, batch] : {std::pair{mean, m->mean}, {var, m->var}}) {
    FailureOr<Value> running = elementwise(
        n, {reshape(n, given, {c}), reshape(n, batch, {c})}, statElt,
        [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
          Value v = addF(b, l,
                         mulF(b, l, convertScalar(b, l, a[0], acc),
                              fconst(b, l, acc, momentum)),
                         mulF(b, l, a[1], fconst(b, l, acc, 1 - momentum)));
          return convertScalar(b, l, v, statElt);
        });
    if (failed(running))
      return failure();
    results.push_back(*running);
  }
  return results;
}

/// y = x / (bias + alpha / size * sum of x^2 over `size` neighbouring
/// channels) ^ beta.
Results lrn(Node &n) {
  if (failed(expectFloat(n, 2)))
    return failure();
  auto t = n.type(0);
  int64_t size = n.getInt("size", 0);
  if (size <= 0) {
    n.emitError() << "attribute 'size' must be positive, got " << size;
    return failure();
  }
  double alpha = n.getFloat("alpha", 1e-4), beta = n.getFloat("beta", 0.75),
         bias = n.getFloat("bias", 1.0);
  Type elt = t.getElementType(), acc = accumulatorFor(elt);
  int64_t rank = t.getRank(), c = t.getDimSize(1);
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  Value x = n.input(0);
  return one(generic(
      n, t.getShape(), elt, x, n.b.getMultiDimIdentityMap(rank),
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange a) {
        // The window is at most `size` channels: unrolled, with the reads
        // outside [0, C) skipped at build time where the channel is
        // constant and clamped and masked otherwise.
        Value sum = fconst(b, l, acc, 0);
        for (int64_t off = -before; off <= after; ++off) {
          Value ch = b.createOrFold<arith::AddIOp>(
              l, ivs[1], arith::ConstantIndexOp::create(b, l, off));
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value inside = b.createOrFold<arith::AndIOp>(
              l,
              b.createOrFold<arith::CmpIOp>(l, arith::CmpIPredicate::sge, ch,
                                            zero),
              b.createOrFold<arith::CmpIOp>(
                  l, arith::CmpIPredicate::slt, ch,
                  arith::ConstantIndexOp::create(b, l, c)));
          Value clamped = b.createOrFold<arith::MaxSIOp>(
              l, zero,
              b.createOrFold<arith::MinSIOp>(
                  l, ch, arith::ConstantIndexOp::create(b, l, c - 1)));
          SmallVector<Value> at(ivs);
          at[1] = clamped;
          Value v = convertScalar(
              b, l, b.createOrFold<tensor::ExtractOp>(l, x, at), acc);
          v = b.createOrFold<arith::SelectOp>(l, inside, mulF(b, l, v, v),
                                              fconst(b, l, acc, 0));
          sum = addF(b, l, sum, v);
        }
        Value den = addF(b, l, fconst(b, l, acc, bias),
                         mulF(b, l, fconst(b, l, acc, alpha / size), sum));
        den = b.createOrFold<math::PowFOp>(l, den, fconst(b, l, acc, beta));
        return convertScalar(
            b, l, divF(b, l, convertScalar(b, l, a[0], acc), den), elt);
      }));
}

/// (x - mean) / (sqrt(var) + 1e-9) over `axes` (the ONNX function body).
Results meanVarianceNorm(Node &n) {
  if (failed(expectFloat(n, 1)))
    return failure();
  auto t = n.type(0);
  SmallVector<int64_t> axes =
      n.getInts("axes").value_or(SmallVector<int64_t>{0, 2, 3});
  SmallVector<bool> reduced(t.getRank(), false);
  for (int64_t a : axes) {
    FailureOr<int64_t> r = n.axis(a, t.getRank(), "axes");
    if (failed(r))
      return failure();
    reduced[*r] = true;
  }
  Type elt = t.getElementType(), acc = accumulatorFor(elt);
  FailureOr<Moments> m = momentsOf(n, n.input(0), reduced, acc);
  if (failed(m))
    return failure();
  return one(
      elementwise(n, {n.input(0), m->mean, m->var}, elt,
                  [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                    Value v = subF(b, l, convertScalar(b, l, a[0], acc), a[1]);
                    Value sd = addF(b, l, b.createOrFold<math::SqrtOp>(l, a[2]),
                                    fconst(b, l, acc, 1e-9));
                    return convertScalar(b, l, divF(b, l, v, sd), elt);
                  }));
}

/// x / ||x||_p along one axis (p = 1 or 2); 0 where the norm is 0.
Results lpNorm(Node &n) {
  if (failed(expectFloat(n, 1)))
    return failure();
  auto t = n.type(0);
  int64_t p = n.getInt("p", 2);
  if (p != 1 && p != 2) {
    n.emitError() << "attribute 'p' must be 1 or 2, got " << p;
    return failure();
  }
  FailureOr<int64_t> axis = n.axis(n.getInt("axis", -1), t.getRank());
  if (failed(axis))
    return failure();
  SmallVector<bool> reduced(t.getRank(), false);
  reduced[*axis] = true;
  Type elt = t.getElementType(), acc = accumulatorFor(elt);
  Value norm = reduce(n, n.input(0), reduced, acc, n.b.getFloatAttr(acc, 0),
                      [&](OpBuilder &b, Location l, Value s, Value v) {
                        return addF(b, l, s,
                                    p == 1 ? b.createOrFold<math::AbsFOp>(l, v)
                                           : mulF(b, l, v, v));
                      });
  return one(elementwise(
      n, {n.input(0), norm}, elt,
      [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        // A zero norm leaves zeros (the reference's choice), not NaN.
        Value d = p == 2 ? b.createOrFold<math::SqrtOp>(l, a[1]) : a[1];
        Value zero = fconst(b, l, acc, 0);
        Value q = divF(b, l, convertScalar(b, l, a[0], acc), d);
        Value isZero = b.createOrFold<arith::CmpFOp>(
            l, arith::CmpFPredicate::OEQ, d, zero);
        return convertScalar(
            b, l, b.createOrFold<arith::SelectOp>(l, isZero, zero, q), elt);
      }));
}

/// Inference-mode Dropout is the identity with an all-true mask; training
/// mode with a non-zero ratio draws random numbers, which tmix does not.
Results dropout(Node &n) {
  bool training = false;
  if (n.opset >= 12 && n.input(2)) {
    DenseElementsAttr c = n.constant(2);
    if (!c) {
      n.emitError() << "training_mode must be a constant";
      return failure();
    }
    training = c.getSplatValue<bool>();
  }
  if (training) {
    double ratio = n.opset >= 12 ? 0.5 : n.getFloat("ratio", 0.5);
    if (n.opset >= 12 && n.input(1)) {
      DenseElementsAttr r = n.constant(1);
      if (!r) {
        n.emitError() << "ratio must be a constant in training mode";
        return failure();
      }
      ratio = (*r.getValues<APFloat>().begin()).convertToDouble();
    }
    if (ratio != 0) {
      n.emitError() << "training-mode dropout with ratio " << ratio
                    << " is random; tmix compiles inference graphs";
      return failure();
    }
  }
  SmallVector<Value> results = {n.input(0)};
  if (n.resultUsed(1)) {
    auto t = n.type(0);
    results.push_back(constantOf(
        n.b, n.loc, RankedTensorType::get(t.getShape(), n.b.getI1Type()),
        n.b.getBoolAttr(true)));
  }
  return results;
}

} // namespace

void mlir::tmix::onnx_to_tmix::addNormalizationRules(RuleTable &t) {
  t.add("InstanceNormalization", 6, instanceNorm, 3);
  t.add("GroupNormalization", 18, groupNorm, 3);
  t.add("BatchNormalization", 9, batchNorm, 5);
  t.add("LRN", 1, lrn);
  t.add("MeanVarianceNormalization", 9, meanVarianceNorm);
  t.add("LpNormalization", 1, lpNorm);
  t.add("Dropout", 7, dropout);
}
