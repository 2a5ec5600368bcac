//===- Tensor.cpp - ONNX shape and data-movement ops -----------*- C++ -*-===//
//
// Shapes are static, so Shape/Size/Range/ConstantOfShape are constants and
// everything computed from them folds. Data movement on real tensors uses
// tensor/linalg ops the fusion passes can see through (reshape, transpose,
// extract_slice); gathers are generics reading their source directly.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "mlir/IR/Matchers.h"
#include "tmix/Utils.h"

#include <limits>

using namespace mlir;
using namespace mlir::tmix::onnx_to_tmix;

namespace {

Value i64Constant(Node &n, ArrayRef<int64_t> values, bool scalar = false) {
  auto type = RankedTensorType::get(
      scalar ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{(int64_t)values.size()},
      n.b.getI64Type());
  return arith::ConstantOp::create(n.b, n.loc,
                                   DenseElementsAttr::get(type, values));
}

} // namespace

/// Gather-style rules index with integers only.
LogicalResult mlir::tmix::onnx_to_tmix::integerIndices(Node &n, unsigned i) {
  if (getElementTypeOrSelf(n.input(i)).isSignlessInteger() &&
      !getElementTypeOrSelf(n.input(i)).isInteger(1))
    return success();
  n.emitError() << "indices must be int32 or int64, got "
                << getElementTypeOrSelf(n.input(i));
  return failure();
}

/// An index tensor element read as an index into a dimension of `size`:
/// negative values count from the end, and the result is clamped to the
/// dimension so that an out-of-range index never reads outside the data
/// (checkIndices reports such indices).
Value mlir::tmix::onnx_to_tmix::toIndex(OpBuilder &b, Location l, Value v,
                                        int64_t size) {
  Value i = b.createOrFold<arith::IndexCastOp>(l, b.getIndexType(), v);
  Value zero = arith::ConstantIndexOp::create(b, l, 0);
  Value neg =
      b.createOrFold<arith::CmpIOp>(l, arith::CmpIPredicate::slt, i, zero);
  Value wrapped = b.createOrFold<arith::AddIOp>(
      l, i, arith::ConstantIndexOp::create(b, l, size));
  Value in = b.createOrFold<arith::SelectOp>(l, neg, wrapped, i);
  Value last =
      arith::ConstantIndexOp::create(b, l, std::max<int64_t>(size - 1, 0));
  return b.createOrFold<arith::MaxSIOp>(
      l, zero, b.createOrFold<arith::MinSIOp>(l, in, last));
}

/// Makes an index out of [-bound, bound) an error. `bounds` has one entry
/// per element of the last dimension of `indices` (GatherND's index
/// tuples) or a single entry for every element. Constant indices are
/// checked here; others at run time: the largest and smallest index are
/// compared with the bound, and a violation calls tmix_rt_index_error
/// (value, bound, check), which the model's run reports as an error naming
/// the node (the check's entry in the function's `tmix.index_checks`).
LogicalResult mlir::tmix::onnx_to_tmix::checkIndices(Node &n, Value indices,
                                                     ArrayRef<int64_t> bounds) {
  auto type = cast<RankedTensorType>(indices.getType());
  bool perTuple = bounds.size() > 1;
  auto boundOf = [&](int64_t flat) {
    return bounds.size() == 1 ? bounds[0]
                              : bounds[flat % type.getShape().back()];
  };
  auto outOfRange = [&](int64_t value, int64_t bound) {
    n.emitError() << "index " << value << " is out of range [" << -bound << ", "
                  << bound << ")";
    return failure();
  };
  if (DenseElementsAttr c = getConstantElements(indices, n.foldLimit)) {
    int64_t flat = 0;
    for (const APInt &v : c.getValues<APInt>()) {
      int64_t value = v.getSExtValue(), bound = boundOf(flat++);
      if (value < -bound || value >= bound)
        return outOfRange(value, bound);
    }
    return success();
  }
  if (type.getNumElements() == 0 || !n.indexChecks)
    return success();
  for (int64_t bound : bounds)
    if (bound == 0) {
      n.emitError() << "indices address a dimension of size 0";
      return failure();
    }

  OpBuilder &b = n.b;
  Location loc = n.loc;
  MLIRContext *ctx = b.getContext();
  Type i64 = b.getI64Type();
  int64_t rank = type.getRank();
  int64_t tuple = perTuple ? type.getShape().back() : 1;
  // The extremes of each tuple entry (or of all indices), over every other
  // dimension.
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::reduction);
  SmallVector<AffineExpr> out;
  if (perTuple) {
    iters.back() = utils::IteratorType::parallel;
    out.push_back(b.getAffineDimExpr(rank - 1));
  }
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, out, ctx)};
  auto extreme = [&](bool isMax) {
    SmallVector<int64_t> shape;
    if (perTuple)
      shape.push_back(tuple);
    Value init = linalg::FillOp::create(
                     b, loc,
                     arith::ConstantIntOp::create(
                         b, loc, i64,
                         isMax ? std::numeric_limits<int64_t>::min()
                               : std::numeric_limits<int64_t>::max())
                         .getResult(),
                     tensor::EmptyOp::create(b, loc, shape, i64).getResult())
                     .getResult(0);
    return linalg::GenericOp::create(
               b, loc, init.getType(), indices, init, maps, iters,
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 Value v = args[0];
                 if (v.getType() != i64)
                   v = arith::ExtSIOp::create(nb, nl, i64, v);
                 Value r = isMax ? arith::MaxSIOp::create(nb, nl, v, args[1])
                                       .getResult()
                                 : arith::MinSIOp::create(nb, nl, v, args[1])
                                       .getResult();
                 linalg::YieldOp::create(nb, nl, r);
               })
        .getResult(0);
  };
  Value highest = extreme(true), lowest = extreme(false);

  // The check's name, and the function the runtime reports through.
  Operation *parent = b.getInsertionBlock()->getParentOp();
  auto func = dyn_cast<func::FuncOp>(parent);
  if (!func)
    func = parent->getParentOfType<func::FuncOp>();
  auto module = func->getParentOfType<ModuleOp>();
  SmallVector<Attribute> names;
  if (auto existing = func->getAttrOfType<ArrayAttr>("tmix.index_checks"))
    names.assign(existing.begin(), existing.end());
  int64_t check = names.size();
  names.push_back(b.getStringAttr(n.describe()));
  func->setAttr("tmix.index_checks", b.getArrayAttr(names));
  constexpr StringLiteral kReport = "tmix_rt_index_error";
  if (!module.lookupSymbol(kReport)) {
    OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
    auto decl = func::FuncOp::create(mb, loc, kReport,
                                     mb.getFunctionType({i64, i64, i64}, {}));
    decl.setPrivate();
  }
  for (int64_t j = 0; j < tuple; ++j) {
    SmallVector<Value> at;
    if (perTuple)
      at.push_back(arith::ConstantIndexOp::create(b, loc, j));
    Value hi = tensor::ExtractOp::create(b, loc, highest, at);
    Value lo = tensor::ExtractOp::create(b, loc, lowest, at);
    int64_t bound = perTuple ? bounds[j] : bounds[0];
    Value upper = arith::ConstantIntOp::create(b, loc, i64, bound);
    Value lower = arith::ConstantIntOp::create(b, loc, i64, -bound);
    Value tooHigh =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, hi, upper);
    Value tooLow =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lo, lower);
    Value bad = arith::OrIOp::create(b, loc, tooHigh, tooLow);
    scf::IfOp::create(b, loc, bad, [&](OpBuilder &tb, Location tl) {
      Value value = arith::SelectOp::create(tb, tl, tooHigh, hi, lo);
      func::CallOp::create(
          tb, tl, kReport, TypeRange(),
          ValueRange{value, upper,
                     arith::ConstantIntOp::create(tb, tl, i64, check)});
      scf::YieldOp::create(tb, tl);
    });
  }
  return success();
}

namespace {

/// Axes from the `axes` input (newer opsets) or attribute (older ones).
FailureOr<std::optional<SmallVector<int64_t>>> axesOf(Node &n, unsigned input) {
  if (n.input(input)) {
    FailureOr<SmallVector<int64_t>> axes = n.constantInts(input, "axes");
    if (failed(axes))
      return failure();
    return std::optional(*axes);
  }
  return n.getInts("axes");
}

Results squeezeLike(Node &n, bool unsqueeze) {
  Value x = n.input(0);
  auto shape = n.type(0).getShape();
  FailureOr<std::optional<SmallVector<int64_t>>> axes = axesOf(n, 1);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> out;
  if (unsqueeze) {
    if (!*axes) {
      n.emitError() << "requires axes";
      return failure();
    }
    int64_t rank = shape.size() + (*axes)->size();
    SmallVector<bool> inserted(rank, false);
    for (int64_t a : **axes) {
      FailureOr<int64_t> r = n.axis(a, rank);
      if (failed(r))
        return failure();
      inserted[*r] = true;
    }
    unsigned k = 0;
    for (int64_t i = 0; i < rank; ++i)
      out.push_back(inserted[i] ? 1 : shape[k++]);
  } else {
    SmallVector<bool> drop(shape.size(), false);
    if (*axes) {
      for (int64_t a : **axes) {
        FailureOr<int64_t> r = n.axis(a, shape.size());
        if (failed(r))
          return failure();
        if (shape[*r] != 1) {
          n.emitError() << "cannot squeeze axis " << a << " of size "
                        << shape[*r];
          return failure();
        }
        drop[*r] = true;
      }
    } else {
      for (size_t i = 0; i < shape.size(); ++i)
        drop[i] = shape[i] == 1;
    }
    for (size_t i = 0; i < shape.size(); ++i)
      if (!drop[i])
        out.push_back(shape[i]);
  }
  return one(reshape(n, x, out));
}

/// Concatenation of static tensors along `axis`.
Value concat(Node &n, ArrayRef<Value> ins, int64_t axis) {
  auto first = cast<RankedTensorType>(ins[0].getType());
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : ins)
    shape[axis] += cast<RankedTensorType>(v.getType()).getDimSize(axis);
  // Constant inputs: concatenate the attributes block by block.
  SmallVector<DenseElementsAttr> consts;
  for (Value v : ins) {
    DenseElementsAttr c;
    if (!matchPattern(v, m_Constant(&c)))
      break;
    consts.push_back(c);
  }
  if (consts.size() == ins.size() &&
      ShapedType::getNumElements(shape) <= n.foldLimit) {
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i)
      outer *= shape[i];
    SmallVector<Attribute> values;
    SmallVector<SmallVector<Attribute>> all;
    for (DenseElementsAttr c : consts)
      all.emplace_back(c.getValues<Attribute>());
    for (int64_t o = 0; o < outer; ++o)
      for (auto [c, vals] : llvm::zip(consts, all)) {
        int64_t block = c.getNumElements() / std::max<int64_t>(outer, 1);
        values.append(vals.begin() + o * block, vals.begin() + (o + 1) * block);
      }
    return arith::ConstantOp::create(
        n.b, n.loc,
        DenseElementsAttr::get(
            RankedTensorType::get(shape, first.getElementType()), values));
  }
  Value out =
      tensor::EmptyOp::create(n.b, n.loc, shape, first.getElementType());
  int64_t offset = 0;
  for (Value v : ins) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<OpFoldResult> offsets(shape.size(), n.b.getIndexAttr(0));
    offsets[axis] = n.b.getIndexAttr(offset);
    SmallVector<OpFoldResult> sizes, strides(shape.size(), n.b.getIndexAttr(1));
    for (int64_t d : t.getShape())
      sizes.push_back(n.b.getIndexAttr(d));
    out = tensor::InsertSliceOp::create(n.b, n.loc, v, out, offsets, sizes,
                                        strides);
    offset += t.getDimSize(axis);
  }
  return out;
}

/// x[starts:ends:steps] per dimension (already clamped).
Value slice(Node &n, Value x, ArrayRef<int64_t> starts, ArrayRef<int64_t> sizes,
            ArrayRef<int64_t> steps) {
  auto type = cast<RankedTensorType>(x.getType());
  if (llvm::is_contained(sizes, 0))
    return tensor::EmptyOp::create(n.b, n.loc, sizes, type.getElementType());
  bool positive = llvm::all_of(steps, [](int64_t s) { return s > 0; });
  DenseElementsAttr c;
  if (positive && !matchPattern(x, m_Constant(&c))) {
    SmallVector<OpFoldResult> o, s, st;
    for (size_t i = 0; i < starts.size(); ++i) {
      o.push_back(n.b.getIndexAttr(starts[i]));
      s.push_back(n.b.getIndexAttr(sizes[i]));
      st.push_back(n.b.getIndexAttr(steps[i]));
    }
    return tensor::ExtractSliceOp::create(
        n.b, n.loc, RankedTensorType::get(sizes, type.getElementType()), x, o,
        s, st);
  }
  SmallVector<AffineExpr> exprs;
  for (size_t i = 0; i < starts.size(); ++i)
    exprs.push_back(n.b.getAffineDimExpr(i) * steps[i] + starts[i]);
  return generic(
      n, sizes, type.getElementType(), x,
      AffineMap::get(starts.size(), 0, exprs, n.b.getContext()),
      [](OpBuilder &, Location, ValueRange, ValueRange a) { return a[0]; });
}

Results sliceRule(Node &n) {
  Value x = n.input(0);
  auto shape = n.type(0).getShape();
  int64_t rank = shape.size();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (n.opset < 10) {
    starts = n.getInts("starts").value_or(SmallVector<int64_t>{});
    ends = n.getInts("ends").value_or(SmallVector<int64_t>{});
    axes = n.getInts("axes").value_or(SmallVector<int64_t>{});
  } else {
    auto s = n.constantInts(1, "starts");
    auto e = n.constantInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (n.input(3)) {
      auto a = n.constantInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (n.input(4)) {
      auto st = n.constantInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    n.emitError() << "starts, ends, axes and steps have different lengths";
    return failure();
  }
  SmallVector<int64_t> outStart(rank, 0), outSize(shape), outStep(rank, 1);
  for (size_t k = 0; k < axes.size(); ++k) {
    FailureOr<int64_t> a = n.axis(axes[k], rank);
    if (failed(a))
      return failure();
    int64_t dim = shape[*a], step = steps[k];
    if (step == 0) {
      n.emitError() << "slice step is 0";
      return failure();
    }
    int64_t s = starts[k] < 0 ? starts[k] + dim : starts[k];
    int64_t e = ends[k] < 0 ? ends[k] + dim : ends[k];
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      outSize[*a] = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, -1, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      outSize[*a] = s > e ? (s - e - step - 1) / -step : 0;
    }
    outStart[*a] = s;
    outStep[*a] = step;
  }
  return one(slice(n, x, outStart, outSize, outStep));
}

Results gatherRule(Node &n) {
  if (failed(integerIndices(n, 1)))
    return failure();
  // The body reads `data` directly: signless, as scalars in bodies are.
  Value data = bitcastElements(n, n.input(0),
                               signless(n.type(0).getElementType())),
        indices = n.input(1);
  auto dshape = n.type(0).getShape();
  auto ishape = n.type(1).getShape();
  FailureOr<int64_t> axis = n.axis(n.getInt("axis", 0), dshape.size());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(dshape.begin(), dshape.begin() + *axis);
  shape.append(ishape.begin(), ishape.end());
  shape.append(dshape.begin() + *axis + 1, dshape.end());
  SmallVector<AffineExpr> iexprs;
  for (size_t i = 0; i < ishape.size(); ++i)
    iexprs.push_back(n.b.getAffineDimExpr(*axis + i));
  int64_t dimSize = dshape[*axis];
  if (failed(checkIndices(n, indices, {dimSize})))
    return failure();
  return one(
      generic(n, shape, n.type(0).getElementType(), indices,
              AffineMap::get(shape.size(), 0, iexprs, n.b.getContext()),
              [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange a) {
                SmallVector<Value> at(ivs.begin(), ivs.begin() + *axis);
                at.push_back(toIndex(b, l, a[0], dimSize));
                at.append(ivs.begin() + *axis + ishape.size(), ivs.end());
                return b.createOrFold<tensor::ExtractOp>(l, data, at);
              }));
}

Results gatherElementsRule(Node &n) {
  if (failed(integerIndices(n, 1)))
    return failure();
  // The body reads `data` directly: signless, as scalars in bodies are.
  Value data = bitcastElements(n, n.input(0),
                               signless(n.type(0).getElementType())),
        indices = n.input(1);
  auto dshape = n.type(0).getShape();
  FailureOr<int64_t> axis = n.axis(n.getInt("axis", 0), dshape.size());
  if (failed(axis))
    return failure();
  auto ishape = n.type(1).getShape();
  if (ishape.size() != dshape.size()) {
    n.emitError() << "indices must have the data's rank " << dshape.size()
                  << ", got " << ishape.size();
    return failure();
  }
  if (failed(checkIndices(n, indices, {dshape[*axis]})))
    return failure();
  return one(
      generic(n, ishape, n.type(0).getElementType(), indices,
              n.b.getMultiDimIdentityMap(ishape.size()),
              [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange a) {
                SmallVector<Value> at(ivs);
                at[*axis] = toIndex(b, l, a[0], dshape[*axis]);
                return b.createOrFold<tensor::ExtractOp>(l, data, at);
              }));
}

Results gatherNDRule(Node &n) {
  if (failed(integerIndices(n, 1)))
    return failure();
  // The body reads `data` directly: signless, as scalars in bodies are.
  Value data = bitcastElements(n, n.input(0),
                               signless(n.type(0).getElementType())),
        indices = n.input(1);
  auto dshape = n.type(0).getShape();
  auto ishape = n.type(1).getShape();
  int64_t batch = n.getInt("batch_dims", 0);
  if (ishape.empty() || batch < 0 ||
      batch >= static_cast<int64_t>(ishape.size())) {
    n.emitError() << "indices of type " << n.type(1)
                  << " do not fit batch_dims = " << batch;
    return failure();
  }
  int64_t k = ishape.back();
  if (batch + k > static_cast<int64_t>(dshape.size())) {
    n.emitError() << "indices address " << batch + k << " dimensions of a rank-"
                  << dshape.size() << " input";
    return failure();
  }
  if (failed(checkIndices(n, indices, dshape.slice(batch, k))))
    return failure();
  SmallVector<int64_t> shape(ishape.begin(), ishape.end() - 1);
  shape.append(dshape.begin() + batch + k, dshape.end());
  int64_t lead = ishape.size() - 1;
  return one(generic(
      n, shape, n.type(0).getElementType(), {}, {},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
        SmallVector<Value> at(ivs.begin(), ivs.begin() + batch);
        SmallVector<Value> base(ivs.begin(), ivs.begin() + lead);
        for (int64_t j = 0; j < k; ++j) {
          SmallVector<Value> where(base);
          where.push_back(arith::ConstantIndexOp::create(b, l, j));
          Value idx = b.createOrFold<tensor::ExtractOp>(l, indices, where);
          at.push_back(toIndex(b, l, idx, dshape[batch + j]));
        }
        at.append(ivs.begin() + lead, ivs.end());
        return b.createOrFold<tensor::ExtractOp>(l, data, at);
      }));
}

Results splitRule(Node &n) {
  Value x = n.input(0);
  auto shape = n.type(0).getShape();
  FailureOr<int64_t> axis = n.axis(n.getInt("axis", 0), shape.size());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> parts;
  if (n.opset >= 13 && n.input(1)) {
    auto s = n.constantInts(1, "split");
    if (failed(s))
      return failure();
    parts = *s;
  } else if (auto s = n.getInts("split"); s && n.opset < 13) {
    parts = *s;
  } else {
    int64_t count = n.opset >= 18 ? n.getInt("num_outputs", n.numResults())
                                  : n.numResults();
    if (count <= 0) {
      n.emitError() << "num_outputs must be positive, got " << count;
      return failure();
    }
    int64_t chunk = (shape[*axis] + count - 1) / count;
    for (int64_t i = 0, left = shape[*axis]; i < count; ++i, left -= chunk)
      parts.push_back(std::min(chunk, left));
  }
  int64_t total = 0;
  for (int64_t p : parts)
    total += p;
  if (total != shape[*axis]) {
    n.emitError() << "split sizes add up to " << total << ", but axis " << *axis
                  << " has size " << shape[*axis];
    return failure();
  }
  SmallVector<Value> results;
  int64_t offset = 0;
  for (int64_t p : parts) {
    SmallVector<int64_t> starts(shape.size(), 0), sizes(shape),
        steps(shape.size(), 1);
    starts[*axis] = offset;
    sizes[*axis] = p;
    results.push_back(slice(n, x, starts, sizes, steps));
    offset += p;
  }
  return results;
}

Results reshapeRule(Node &n) {
  auto in = n.type(0).getShape();
  FailureOr<SmallVector<int64_t>> target = n.constantInts(1, "shape");
  if (failed(target))
    return failure();
  bool allowZero = n.getInt("allowzero", 0);
  int64_t known = 1, infer = -1;
  SmallVector<int64_t> shape(*target);
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == 0 && !allowZero) {
      if (i >= in.size()) {
        n.emitError() << "shape entry " << i << " copies a missing dimension";
        return failure();
      }
      d = in[i];
    }
    if (d == -1) {
      if (infer >= 0) {
        n.emitError() << "shape has more than one -1";
        return failure();
      }
      infer = i;
      continue;
    }
    known *= d;
  }
  int64_t count = ShapedType::getNumElements(in);
  if (infer >= 0)
    shape[infer] = known ? count / known : 0;
  if (ShapedType::getNumElements(shape) != count) {
    auto diag = n.emitError() << "cannot reshape " << n.type(0) << " to [";
    llvm::interleave(*target, diag, ",");
    diag << "]";
    return failure();
  }
  return one(reshape(n, n.input(0), shape));
}

Results constantRule(Node &n) {
  Builder &b = n.b;
  TypedAttr value;
  if (auto v = dyn_cast_or_null<ElementsAttr>(n.attr("value")))
    value = cast<TypedAttr>(v);
  else if (auto f = dyn_cast_or_null<FloatAttr>(n.attr("value_float")))
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                   b.getF32FloatAttr(f.getValueAsDouble()));
  else if (auto i = dyn_cast_or_null<IntegerAttr>(n.attr("value_int")))
    value =
        DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()), i);
  else if (auto fs =
               dyn_cast_or_null<DenseF32ArrayAttr>(n.attr("value_floats")))
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)fs.size()}, b.getF32Type()),
        fs.asArrayRef());
  else if (auto is = dyn_cast_or_null<DenseI64ArrayAttr>(n.attr("value_ints")))
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)is.size()}, b.getI64Type()),
        is.asArrayRef());
  if (!value) {
    n.emitError() << "needs a value, value_float(s) or value_int(s) attribute "
                     "(string and sparse constants are not supported)";
    return failure();
  }
  return one(arith::ConstantOp::create(n.b, n.loc, value));
}

Results trilu(Node &n) {
  Value x = n.input(0);
  auto shape = n.type(0).getShape();
  if (shape.size() < 2) {
    n.emitError() << "expects rank >= 2";
    return failure();
  }
  int64_t k = 0;
  if (n.input(1)) {
    auto kv = n.constantInts(1, "k");
    if (failed(kv))
      return failure();
    k = kv->front();
  }
  bool upper = n.getInt("upper", 1);
  Type elt = n.type(0).getElementType();
  unsigned r = shape.size();
  return one(generic(
      n, shape, elt, x, n.b.getMultiDimIdentityMap(r),
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange a) {
        // Keep x[i][j] where j - i >= k (upper) or j - i <= k (lower).
        Value diff = b.createOrFold<arith::SubIOp>(l, ivs[r - 1], ivs[r - 2]);
        Value kk = arith::ConstantIndexOp::create(b, l, k);
        Value keep = b.createOrFold<arith::CmpIOp>(
            l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
            diff, kk);
        Value zero = arith::ConstantOp::create(b, l, b.getZeroAttr(elt));
        return b.createOrFold<arith::SelectOp>(l, keep, a[0], zero);
      }));
}
} // namespace

void mlir::tmix::onnx_to_tmix::addTensorRules(RuleTable &t) {
  t.add("Constant", 1, constantRule, 0);
  t.add("Shape", 1, [](Node &n) -> Results {
    auto shape = n.type(0).getShape();
    int64_t rank = shape.size();
    int64_t start = n.getInt("start", 0), end = n.getInt("end", rank);
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
    return one(
        i64Constant(n, shape.slice(start, std::max<int64_t>(end - start, 0))));
  });
  t.add("Size", 1, [](Node &n) -> Results {
    return one(i64Constant(n, {n.type(0).getNumElements()}, /*scalar=*/true));
  });
  t.add("ConstantOfShape", 9, [](Node &n) -> Results {
    auto shape = n.constantInts(0, "shape");
    if (failed(shape))
      return failure();
    Attribute scalar = n.b.getF32FloatAttr(0);
    Type elt = n.b.getF32Type();
    if (auto v = dyn_cast_or_null<DenseElementsAttr>(n.attr("value"))) {
      elt = v.getElementType();
      scalar = *v.getValues<Attribute>().begin();
    }
    return one(
        constantOf(n.b, n.loc, RankedTensorType::get(*shape, elt), scalar));
  });
  t.add(
      "Range", 11,
      [](Node &n) -> Results {
        DenseElementsAttr s = n.constant(0), l = n.constant(1),
                          d = n.constant(2);
        if (!s || !l || !d) {
          n.emitError()
              << "start, limit and delta must be constants (the result "
                 "length must be static)";
          return failure();
        }
        if (s.getNumElements() != 1 || l.getNumElements() != 1 ||
            d.getNumElements() != 1) {
          n.emitError() << "start, limit and delta must be scalars";
          return failure();
        }
        Type elt = s.getElementType();
        auto get = [&](DenseElementsAttr a) {
          Attribute v = *a.getValues<Attribute>().begin();
          if (auto f = dyn_cast<FloatAttr>(v))
            return f.getValueAsDouble();
          return static_cast<double>(cast<IntegerAttr>(v).getInt());
        };
        double start = get(s), limit = get(l), delta = get(d);
        if (delta == 0) {
          n.emitError() << "delta is 0";
          return failure();
        }
        double length = std::ceil((limit - start) / delta);
        if (!(length <= static_cast<double>(n.foldLimit))) {
          n.emitError() << "Range would have " << length
                        << " elements; at most " << n.foldLimit
                        << " are materialised at compile time";
          return failure();
        }
        int64_t count = std::max<int64_t>(static_cast<int64_t>(length), 0);
        SmallVector<Attribute> values;
        for (int64_t i = 0; i < count; ++i) {
          double v = start + i * delta;
          values.push_back(isa<FloatType>(elt)
                               ? Attribute(n.b.getFloatAttr(elt, v))
                               : Attribute(n.b.getIntegerAttr(
                                     elt, static_cast<int64_t>(v))));
        }
        return one(arith::ConstantOp::create(
            n.b, n.loc,
            DenseElementsAttr::get(RankedTensorType::get({count}, elt),
                                   values)));
      },
      3);
  t.add("Reshape", 5, reshapeRule, 2);
  t.add("Flatten", 1, [](Node &n) -> Results {
    auto shape = n.type(0).getShape();
    int64_t a = n.getInt("axis", 1);
    if (a < 0)
      a += shape.size();
    if (a < 0 || a > static_cast<int64_t>(shape.size())) {
      n.emitError() << "axis " << n.getInt("axis", 1)
                    << " is out of range for rank " << shape.size();
      return failure();
    }
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i)
      (i < a ? outer : inner) *= shape[i];
    return one(reshape(n, n.input(0), {outer, inner}));
  });
  t.add("Squeeze", 1, [](Node &n) { return squeezeLike(n, false); });
  t.add("Unsqueeze", 1, [](Node &n) { return squeezeLike(n, true); });
  t.add("Transpose", 1, [](Node &n) -> Results {
    int64_t rank = n.type(0).getRank();
    SmallVector<int64_t> perm =
        n.getInts("perm").value_or(SmallVector<int64_t>{});
    if (perm.empty())
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    SmallVector<int64_t> sorted(perm);
    llvm::sort(sorted);
    if (!llvm::equal(sorted, llvm::seq<int64_t>(0, rank))) {
      n.emitError() << "perm is not a permutation of 0.." << rank - 1;
      return failure();
    }
    return one(transpose(n, n.input(0), perm));
  });
  t.add("Concat", 4, [](Node &n) -> Results {
    for (unsigned i = 1; i < n.numInputs(); ++i)
      if (n.input(i) &&
          (n.type(i).getRank() != n.type(0).getRank() ||
           n.type(i).getElementType() != n.type(0).getElementType())) {
        n.emitError() << "input " << i << " of type " << n.type(i)
                      << " does not match input 0 of type " << n.type(0);
        return failure();
      }
    SmallVector<Value> ins;
    for (unsigned i = 0; i < n.numInputs(); ++i)
      if (n.input(i) && n.type(i).getNumElements() != 0)
        ins.push_back(n.input(i));
    if (ins.empty())
      return one(n.input(0));
    FailureOr<int64_t> axis = n.axis(n.getInt("axis", 0), n.type(0).getRank());
    if (failed(axis))
      return failure();
    for (Value v : ins) {
      auto s = cast<RankedTensorType>(v.getType()).getShape();
      auto f = cast<RankedTensorType>(ins[0].getType()).getShape();
      for (size_t d = 0; d < s.size(); ++d)
        if (static_cast<int64_t>(d) != *axis && s[d] != f[d]) {
          n.emitError() << "inputs differ in dimension " << d << " (" << f[d]
                        << " vs " << s[d] << ")";
          return failure();
        }
    }
    return one(concat(n, ins, *axis));
  });
  t.add("Slice", 1, sliceRule);
  t.add("Split", 1, splitRule);
  t.add("Gather", 1, gatherRule, 2);
  t.add("GatherElements", 11, gatherElementsRule, 2);
  t.add("GatherND", 11, gatherNDRule, 2);
  t.add(
      "Expand", 8,
      [](Node &n) -> Results {
        auto shape = n.constantInts(1, "shape");
        if (failed(shape))
          return failure();
        FailureOr<Value> v = elementwise(
            n, n.input(0), n.type(0).getElementType(),
            [](OpBuilder &, Location, ValueRange, ValueRange a) {
              return a[0];
            },
            *shape);
        if (failed(v))
          return failure();
        return one(*v);
      },
      2);
  t.add(
      "Tile", 6,
      [](Node &n) -> Results {
        auto repeats = n.constantInts(1, "repeats");
        if (failed(repeats))
          return failure();
        auto in = n.type(0).getShape();
        if (repeats->size() != in.size()) {
          n.emitError() << "repeats has " << repeats->size()
                        << " entries for a rank-" << in.size() << " input";
          return failure();
        }
        SmallVector<int64_t> shape;
        SmallVector<AffineExpr> exprs;
        for (auto [i, d] : llvm::enumerate(in)) {
          if ((*repeats)[i] < 0) {
            n.emitError() << "repeats must be non-negative";
            return failure();
          }
          shape.push_back(d * (*repeats)[i]);
          exprs.push_back(d ? n.b.getAffineDimExpr(i) % d
                            : n.b.getAffineConstantExpr(0));
        }
        return one(
            generic(n, shape, n.type(0).getElementType(), n.input(0),
                    AffineMap::get(in.size(), 0, exprs, n.b.getContext()),
                    [](OpBuilder &, Location, ValueRange, ValueRange a) {
                      return a[0];
                    }));
      },
      2);
  t.add("Trilu", 14, trilu);
}
