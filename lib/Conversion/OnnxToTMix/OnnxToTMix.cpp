//===- OnnxToTMix.cpp - convert-onnx-to-tmix driver ------------*- C++ -*-===//
//
// Walks each imported function in order, converts every onnx.node through
// the rule table, and keeps the function signature in step with the types
// the rules produce. Also the shared IR-building helpers of Rules.h.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"
#include "tmix/Conversion/Passes.h"
#include "tmix/Utils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"

namespace mlir::tmix {
#define GEN_PASS_DEF_CONVERTONNXTOTMIXPASS
#include "tmix/Conversion/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;
using namespace mlir::tmix;
using namespace mlir::tmix::onnx_to_tmix;

//===----------------------------------------------------------------------===//
// Node
//===----------------------------------------------------------------------===//

std::string Node::describe() {
  std::string name = op.getName() ? op.getName()->str() : std::string();
  if (name.empty())
    if (auto loc = dyn_cast<NameLoc>(op.getLoc()))
      name = loc.getName().str(); // unnamed node: its first output's name
  std::string type = op.getDomain().empty()
                         ? op.getOpType().str()
                         : (op.getDomain() + "::" + op.getOpType()).str();
  return "node '" + name + "' (" + type + ", opset " + std::to_string(opset) +
         ")";
}

InFlightDiagnostic Node::emitError() {
  return op.emitError() << describe() << ": ";
}

int64_t Node::getInt(StringRef name, int64_t dflt) {
  if (auto a = dyn_cast_or_null<IntegerAttr>(attr(name)))
    return a.getInt();
  return dflt;
}

double Node::getFloat(StringRef name, double dflt) {
  if (auto a = dyn_cast_or_null<FloatAttr>(attr(name)))
    return a.getValueAsDouble();
  if (auto a = dyn_cast_or_null<IntegerAttr>(attr(name)))
    return static_cast<double>(a.getInt());
  return dflt;
}

std::string Node::getString(StringRef name, StringRef dflt) {
  if (auto a = dyn_cast_or_null<StringAttr>(attr(name)))
    return a.str();
  return dflt.str();
}

std::optional<SmallVector<int64_t>> Node::getInts(StringRef name) {
  if (auto a = dyn_cast_or_null<DenseI64ArrayAttr>(attr(name)))
    return SmallVector<int64_t>(a.asArrayRef());
  if (auto a = dyn_cast_or_null<IntegerAttr>(attr(name)))
    return SmallVector<int64_t>{a.getInt()};
  return std::nullopt;
}

DenseElementsAttr Node::constant(unsigned i) const {
  return getConstantElements(input(i), foldLimit);
}

FailureOr<SmallVector<int64_t>> Node::constantInts(unsigned i, StringRef what) {
  DenseElementsAttr c = constant(i);
  if (!c || !c.getElementType().isInteger()) {
    emitError() << what
                << " must be a constant integer tensor (computed from static "
                   "shapes or initializers)";
    return failure();
  }
  SmallVector<int64_t> values;
  for (const APInt &v : c.getValues<APInt>())
    values.push_back(c.getElementType().isInteger(1) ? v.getZExtValue()
                                                     : v.getSExtValue());
  return values;
}

FailureOr<int64_t> Node::constantInt(unsigned i, StringRef what) {
  FailureOr<SmallVector<int64_t>> values = constantInts(i, what);
  if (failed(values))
    return failure();
  if (values->size() != 1) {
    emitError() << what << " must hold one value, got " << values->size();
    return failure();
  }
  return values->front();
}

FailureOr<SmallVector<int64_t>> Node::axesAttr(int64_t rank) {
  SmallVector<int64_t> axes;
  std::optional<SmallVector<int64_t>> given = getInts("axes");
  if (!given) {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
    return axes;
  }
  for (int64_t a : *given) {
    FailureOr<int64_t> r = axis(a, rank, "axes");
    if (failed(r))
      return failure();
    axes.push_back(*r);
  }
  return axes;
}

FailureOr<int64_t> Node::axis(int64_t a, int64_t rank, StringRef what) {
  int64_t r = a < 0 ? a + rank : a;
  if (r < 0 || r >= rank) {
    emitError() << what << " " << a << " is out of range for rank " << rank;
    return failure();
  }
  return r;
}

//===----------------------------------------------------------------------===//
// RuleTable
//===----------------------------------------------------------------------===//

static std::string ruleKey(StringRef domain, StringRef opType) {
  return (domain + "::" + opType).str();
}

void RuleTable::add(StringRef opType, int64_t since, Rule rule,
                    unsigned minInputs, StringRef domain) {
  auto &entries = rules[ruleKey(domain, opType)];
  entries.push_back({since, minInputs, std::move(rule)});
  llvm::sort(entries, [](auto &a, auto &b) { return a.since < b.since; });
}

const RuleTable::Entry *RuleTable::lookup(StringRef domain, StringRef opType,
                                          int64_t opset,
                                          int64_t *earliest) const {
  auto it = rules.find(ruleKey(domain, opType));
  if (it == rules.end())
    return nullptr;
  *earliest = it->second.front().since;
  const Entry *best = nullptr;
  for (const Entry &entry : it->second)
    if (entry.since <= opset)
      best = &entry;
  return best;
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

SmallVector<int64_t> onnx_to_tmix::stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

Value onnx_to_tmix::constantOf(OpBuilder &b, Location loc,
                               RankedTensorType type, Attribute scalar) {
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, scalar));
}

bool onnx_to_tmix::isUnsigned(Type t) {
  auto i = dyn_cast<IntegerType>(t);
  return i && i.isUnsigned();
}

Type onnx_to_tmix::signless(Type t) {
  if (auto shaped = dyn_cast<ShapedType>(t))
    return shaped.clone(signless(shaped.getElementType()));
  if (isUnsigned(t) || isNarrowFloat(t))
    return IntegerType::get(t.getContext(), t.getIntOrFloatBitWidth());
  return t;
}

Value onnx_to_tmix::bitcastElements(Node &n, Value x, Type elementType) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getElementType() == elementType)
    return x;
  auto to = type.clone(elementType);
  DenseElementsAttr c;
  if (matchPattern(x, m_Constant(&c)))
    return arith::ConstantOp::create(n.b, n.loc, c.bitcast(elementType));
  return tensor::BitcastOp::create(n.b, n.loc, to, x);
}

Value onnx_to_tmix::fconst(OpBuilder &b, Location loc, Type t, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
}

Value onnx_to_tmix::convertScalar(OpBuilder &b, Location loc, Value v, Type to,
                                  bool fromUnsigned) {
  bool toUnsigned = isUnsigned(to);
  to = signless(to);
  Type from = v.getType();
  if (from == to)
    return v;
  auto fromF = dyn_cast<FloatType>(from), toF = dyn_cast<FloatType>(to);
  if (fromF && toF)
    return fromF.getWidth() < toF.getWidth()
               ? b.createOrFold<arith::ExtFOp>(loc, to, v)
               : b.createOrFold<arith::TruncFOp>(loc, to, v);
  if (!fromF && toF)
    return from.isInteger(1) || fromUnsigned
               ? b.createOrFold<arith::UIToFPOp>(loc, to, v)
               : b.createOrFold<arith::SIToFPOp>(loc, to, v);
  if (fromF && !toF) {
    if (to.isInteger(1)) {
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(from, 0));
      return b.createOrFold<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, v,
                                           zero);
    }
    return toUnsigned ? b.createOrFold<arith::FPToUIOp>(loc, to, v)
                      : b.createOrFold<arith::FPToSIOp>(loc, to, v);
  }
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (to.isInteger(1)) {
    Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(from, 0));
    return b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, v,
                                         zero);
  }
  if (fw < tw)
    return from.isInteger(1) || fromUnsigned
               ? b.createOrFold<arith::ExtUIOp>(loc, to, v)
               : b.createOrFold<arith::ExtSIOp>(loc, to, v);
  if (fw == tw)
    return v; // Only the signedness changes: the same bits.
  return b.createOrFold<arith::TruncIOp>(loc, to, v);
}

FailureOr<Value> onnx_to_tmix::convertTensor(Node &n, Value x, Type elementType,
                                             bool saturate,
                                             StringRef roundMode) {
  Type from = getElementTypeOrSelf(x);
  if (from == elementType)
    return x;
  return elementwise(n, x, elementType,
                     [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                       return convertElement(b, l, a[0], from, elementType,
                                             saturate, roundMode);
                     });
}

/// Evaluates `fn` element by element on constants; null if any element does
/// not fold.
static DenseElementsAttr foldGeneric(Node &n, ArrayRef<int64_t> shape,
                                     Type elementType,
                                     ArrayRef<DenseElementsAttr> ins,
                                     ArrayRef<AffineMap> maps, ScalarFn fn) {
  OwningOpRef<ModuleOp> scratch = ModuleOp::create(n.loc);
  OpBuilder fb = OpBuilder::atBlockEnd(scratch->getBody());
  int64_t count = ShapedType::getNumElements(shape);
  SmallVector<int64_t> strides = stridesOf(shape);
  SmallVector<SmallVector<int64_t>> inStrides;
  SmallVector<SmallVector<Attribute>> inValues;
  for (DenseElementsAttr in : ins) {
    inStrides.push_back(stridesOf(cast<ShapedType>(in.getType()).getShape()));
    inValues.emplace_back(in.getValues<Attribute>());
  }
  SmallVector<Attribute> results;
  results.reserve(count);
  SmallVector<int64_t> idx(shape.size());
  for (int64_t flat = 0; flat < count; ++flat) {
    for (size_t d = 0; d < shape.size(); ++d)
      idx[d] = (flat / strides[d]) % shape[d];
    SmallVector<Value> ivs, args;
    for (int64_t i : idx)
      ivs.push_back(arith::ConstantIndexOp::create(fb, n.loc, i));
    for (auto [k, map] : llvm::enumerate(maps)) {
      SmallVector<int64_t> at = map.compose(idx);
      int64_t off = 0;
      for (auto [a, s] : llvm::zip(at, inStrides[k]))
        off += a * s;
      args.push_back(arith::ConstantOp::create(
          fb, n.loc, cast<TypedAttr>(inValues[k][off])));
    }
    Value r = fn(fb, n.loc, ivs, args);
    Attribute a;
    if (!matchPattern(r, m_Constant(&a)))
      return {};
    results.push_back(a);
    // Keep the scratch module small.
    for (Operation &op : llvm::make_early_inc_range(
             llvm::reverse(scratch->getBody()->getOperations())))
      op.erase();
  }
  return DenseElementsAttr::get(RankedTensorType::get(shape, elementType),
                                results);
}

Value onnx_to_tmix::generic(Node &n, ArrayRef<int64_t> shape, Type elementType,
                            ValueRange unsignedIns, ArrayRef<AffineMap> maps,
                            ScalarFn fn) {
  // Bodies compute on signless scalars; unsigned and narrow float tensors
  // are bitcast.
  if (signless(elementType) != elementType)
    return bitcastElements(
        n, generic(n, shape, signless(elementType), unsignedIns, maps, fn),
        elementType);
  SmallVector<Value> ins;
  for (Value in : unsignedIns)
    ins.push_back(bitcastElements(n, in, signless(getElementTypeOrSelf(in))));
  int64_t count = ShapedType::getNumElements(shape);
  SmallVector<DenseElementsAttr> constants;
  for (Value in : ins) {
    DenseElementsAttr c;
    if (!matchPattern(in, m_Constant(&c)))
      break;
    constants.push_back(c);
  }
  if (constants.size() == ins.size() && count <= n.foldLimit)
    if (DenseElementsAttr folded =
            foldGeneric(n, shape, elementType, constants, maps, fn))
      return arith::ConstantOp::create(n.b, n.loc, folded);

  auto type = RankedTensorType::get(shape, elementType);
  Value init = tensor::EmptyOp::create(n.b, n.loc, shape, elementType);
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(n.b.getMultiDimIdentityMap(shape.size()));
  SmallVector<utils::IteratorType> iters(shape.size(),
                                         utils::IteratorType::parallel);
  auto op = linalg::GenericOp::create(
      n.b, n.loc, type, ins, init, allMaps, iters,
      [&](OpBuilder &bb, Location l, ValueRange args) {
        SmallVector<Value> ivs;
        for (unsigned d = 0; d < shape.size(); ++d)
          ivs.push_back(linalg::IndexOp::create(bb, l, d));
        Value r = fn(bb, l, ivs, args.drop_back());
        linalg::YieldOp::create(bb, l, r);
        for (Value iv : ivs)
          if (iv.use_empty())
            iv.getDefiningOp()->erase();
      });
  return op.getResult(0);
}

FailureOr<SmallVector<int64_t>>
onnx_to_tmix::broadcastShapes(Node &n, ArrayRef<SmallVector<int64_t>> shapes) {
  size_t rank = 0;
  for (const auto &s : shapes)
    rank = std::max(rank, s.size());
  SmallVector<int64_t> out(rank, 1);
  for (const auto &s : shapes) {
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t &o = out[rank - s.size() + i];
      int64_t d = s[i];
      if (d == o || d == 1)
        continue;
      if (o == 1) {
        o = d;
        continue;
      }
      auto diag = n.emitError() << "shapes cannot be broadcast together:";
      for (const auto &t : shapes) {
        diag << " [";
        llvm::interleave(t, diag, ",");
        diag << "]";
      }
      return failure();
    }
  }
  return out;
}

FailureOr<Value> onnx_to_tmix::elementwise(Node &n, ValueRange ins,
                                           Type elementType, ScalarFn fn,
                                           ArrayRef<int64_t> extraShape) {
  SmallVector<SmallVector<int64_t>> shapes;
  for (Value in : ins)
    shapes.emplace_back(cast<RankedTensorType>(in.getType()).getShape());
  if (!extraShape.empty() || ins.empty())
    shapes.emplace_back(extraShape);
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(n, shapes);
  if (failed(shape))
    return failure();
  SmallVector<AffineMap> maps;
  for (Value in : ins) {
    auto s = cast<RankedTensorType>(in.getType()).getShape();
    SmallVector<AffineExpr> exprs;
    size_t offset = shape->size() - s.size();
    for (size_t i = 0; i < s.size(); ++i)
      exprs.push_back(s[i] == 1 && (*shape)[offset + i] != 1
                          ? n.b.getAffineConstantExpr(0)
                          : n.b.getAffineDimExpr(offset + i));
    maps.push_back(AffineMap::get(shape->size(), 0, exprs, n.b.getContext()));
  }
  return generic(n, *shape, elementType, ins, maps, fn);
}

Value onnx_to_tmix::reshape(Node &n, Value x, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getShape() == shape)
    return x;
  auto target = RankedTensorType::get(shape, type.getElementType());
  if (DenseElementsAttr c; matchPattern(x, m_Constant(&c)))
    return arith::ConstantOp::create(n.b, n.loc, c.reshape(target));
  if (shape.size() < type.getShape().size())
    if (auto re = getReassociationIndicesForCollapse(type.getShape(), shape))
      return tensor::CollapseShapeOp::create(n.b, n.loc, target, x, *re);
  if (shape.size() > type.getShape().size())
    if (auto re = getReassociationIndicesForCollapse(shape, type.getShape()))
      return tensor::ExpandShapeOp::create(n.b, n.loc, target, x, *re);
  // No single collapse/expand: go through the flat form.
  Value flat = x;
  int64_t count = type.getNumElements();
  auto flatType = RankedTensorType::get({count}, type.getElementType());
  if (type.getRank() != 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t i = 0; i < type.getRank(); ++i)
      all[0].push_back(i);
    flat = tensor::CollapseShapeOp::create(
        n.b, n.loc, flatType, x,
        type.getRank() ? all : SmallVector<ReassociationIndices>{});
  }
  if (shape.size() == 1)
    return flat;
  SmallVector<ReassociationIndices> all(1);
  for (size_t i = 0; i < shape.size(); ++i)
    all[0].push_back(i);
  return tensor::ExpandShapeOp::create(
      n.b, n.loc, target, flat,
      shape.empty() ? SmallVector<ReassociationIndices>{} : all);
}

Value onnx_to_tmix::transpose(Node &n, Value x, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(x.getType());
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return x;
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  if (DenseElementsAttr c; matchPattern(x, m_Constant(&c))) {
    // out[i] = x[perm^-1 applied]: same folding path as every generic.
    SmallVector<AffineExpr> exprs(perm.size());
    for (auto [i, p] : llvm::enumerate(perm))
      exprs[p] = n.b.getAffineDimExpr(i);
    AffineMap map = AffineMap::get(perm.size(), 0, exprs, n.b.getContext());
    return generic(
        n, shape, type.getElementType(), x, map,
        [](OpBuilder &, Location, ValueRange, ValueRange a) { return a[0]; });
  }
  Value init =
      tensor::EmptyOp::create(n.b, n.loc, shape, type.getElementType());
  return linalg::TransposeOp::create(n.b, n.loc, x, init, perm).getResult()[0];
}

//===----------------------------------------------------------------------===//
// Sequences
//===----------------------------------------------------------------------===//

namespace {

/// The sequence ops tmix converts when every sequence's length is known
/// at conversion time: a sequence is the list of its tensors.
bool isSequenceOp(onnxir::NodeOp node) {
  return node.getDomain().empty() &&
         llvm::is_contained({"SplitToSequence", "SequenceConstruct",
                             "SequenceEmpty", "SequenceAt", "SequenceLength",
                             "SequenceInsert", "SequenceErase",
                             "ConcatFromSequence"},
                            node.getOpType());
}

/// A constant scalar position into a sequence of `size` (negative counts
/// from the end; `size` itself allowed when `insert`).
FailureOr<int64_t> sequencePosition(Node &n, unsigned i, int64_t size,
                                    bool insert, int64_t dflt) {
  if (!n.input(i))
    return dflt;
  FailureOr<int64_t> pos = n.constantInt(i, "position");
  if (failed(pos))
    return failure();
  int64_t p = *pos < 0 ? *pos + size : *pos;
  if (p < 0 || p > size || (p == size && !insert)) {
    n.emitError() << "position " << *pos
                  << " is out of range for a sequence of " << size;
    return failure();
  }
  return p;
}

/// SplitToSequence: `x` cut along the axis into pieces of the sizes given
/// (1-D split), of one size (scalar split, the last piece shorter) or of 1
/// (no split; keepdims = 0 drops the axis).
FailureOr<SmallVector<Value>> splitToSequence(Node &n) {
  auto t = n.type(0);
  FailureOr<int64_t> axis = n.axis(n.getInt("axis", 0), t.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = t.getDimSize(*axis);
  SmallVector<int64_t> sizes;
  bool drop = false;
  if (!n.input(1)) {
    sizes.assign(dim, 1);
    drop = !n.getInt("keepdims", 1);
  } else {
    auto split = n.constantInts(1, "split");
    if (failed(split))
      return failure();
    if (n.type(1).getRank() == 0) {
      int64_t each = (*split)[0];
      if (each <= 0) {
        n.emitError() << "split must be positive, got " << each;
        return failure();
      }
      for (int64_t at = 0; at < dim; at += each)
        sizes.push_back(std::min(each, dim - at));
    } else {
      sizes = *split;
      int64_t total = 0;
      for (int64_t s : sizes)
        total += s < 0 ? dim + 1 : s;
      if (total != dim) {
        n.emitError() << "split sizes do not add up to the axis size " << dim;
        return failure();
      }
    }
  }
  SmallVector<Value> pieces;
  int64_t offset = 0;
  for (int64_t size : sizes) {
    SmallVector<int64_t> offsets(t.getRank(), 0), shape(t.getShape()),
        strides(t.getRank(), 1);
    offsets[*axis] = offset;
    shape[*axis] = size;
    Value piece = tensor::ExtractSliceOp::create(
        n.b, n.loc, RankedTensorType::get(shape, t.getElementType()),
        n.input(0), ValueRange{}, ValueRange{}, ValueRange{}, offsets, shape,
        strides);
    if (drop) {
      shape.erase(shape.begin() + *axis);
      piece = reshape(n, piece, shape);
    }
    pieces.push_back(piece);
    offset += size;
  }
  return pieces;
}

} // namespace

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {
struct ConvertOnnxToTMixPass
    : tmix::impl::ConvertOnnxToTMixPassBase<ConvertOnnxToTMixPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *) override {
    addElementwiseRules(table);
    addTensorRules(table);
    addNeuralRules(table);
    addAttentionRules(table);
    addQuantizationRules(table);
    addNormalizationRules(table);
    addIndexingRules(table);
    addResizeRules(table);
    return success();
  }

  LogicalResult convertFunction(func::FuncOp func, DictionaryAttr opsets) {
    // Graph inputs must be static: shapes are resolved at conversion time.
    for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
      auto t = dyn_cast<RankedTensorType>(arg.getType());
      if (t && t.hasStaticShape())
        continue;
      auto name = func.getArgAttrOfType<StringAttr>(i, "onnx.name");
      return emitError(func.getLoc())
             << "graph input '" << (name ? name.getValue() : "?")
             << "' has type " << arg.getType()
             << ", which is not fully static; give its shape with "
                "--input-shape="
             << (name ? name.getValue() : "NAME") << ":DIMS";
    }
    auto opsetOf = [&](onnxir::NodeOp node) -> int64_t {
      StringRef domain = node.getDomain();
      auto version = opsets.getAs<IntegerAttr>(
          domain.empty() ? StringRef(onnxir::kDefaultDomain) : domain);
      return version ? version.getInt() : 1;
    };
    if (failed(checkRulesExist(func, opsetOf)))
      return failure();
    sequences.clear();
    IRMapping mapping;
    SmallVector<Operation *> dead;
    WalkResult walk = func.walk([&](onnxir::NodeOp node) -> WalkResult {
      StringRef domain = node.getDomain();
      int64_t opset = opsetOf(node);
      SmallVector<Value> inputs;
      const SmallVector<Value> *sequence = nullptr;
      for (Value in : node.getInputs()) {
        if (isa<NoneType>(in.getType())) {
          inputs.push_back(Value());
          continue;
        }
        if (auto it = sequences.find(in); it != sequences.end()) {
          if (!isSequenceOp(node) || sequence) {
            node.emitError() << "node '" << node.getName().value_or("") << "' ("
                             << node.getOpType()
                             << ") takes a sequence, which only the sequence "
                                "ops do";
            return WalkResult::interrupt();
          }
          sequence = &it->second;
          inputs.push_back(Value());
          continue;
        }
        Value mapped = mapping.lookupOrDefault(in);
        auto t = dyn_cast<RankedTensorType>(mapped.getType());
        if (!t || !t.hasStaticShape()) {
          node.emitError() << "node input of type " << mapped.getType()
                           << " is not a static tensor";
          return WalkResult::interrupt();
        }
        inputs.push_back(mapped);
      }
      OpBuilder b(node);
      Node n(node, opset, b, inputs, foldLimit, indexChecks);
      if (isSequenceOp(node)) {
        if (failed(convertSequenceOp(node, n, sequence, mapping)))
          return WalkResult::interrupt();
        dead.push_back(node);
        ++numConverted;
        return WalkResult::advance();
      }
      int64_t earliest = 0;
      // checkRulesExist reported nodes without a rule.
      const RuleTable::Entry *rule =
          table.lookup(domain, node.getOpType(), opset, &earliest);
      for (unsigned i = 0; i < rule->minInputs; ++i)
        if (!n.input(i)) {
          n.emitError() << "expects at least " << rule->minInputs
                        << " inputs, input " << i << " is missing";
          return WalkResult::interrupt();
        }
      Operation *before = node->getPrevNode();
      FailureOr<SmallVector<Value>> results = rule->rule(n);
      if (failed(results))
        return WalkResult::interrupt();
      // Rules check what they rely on; this catches input types a rule did
      // not anticipate before they reach later passes without the node name.
      for (Operation *op = before ? before->getNextNode()
                                  : &node->getBlock()->front();
           op && op != node; op = op->getNextNode())
        if (failed(verify(op))) {
          n.emitError() << "cannot be converted for these input types (see "
                           "the error above)";
          return WalkResult::interrupt();
        }
      for (auto [i, result] : llvm::enumerate(node.getResults())) {
        if (result.use_empty())
          continue;
        if (i >= results->size() || !(*results)[i]) {
          n.emitError() << "output " << i << " is not supported";
          return WalkResult::interrupt();
        }
        Value converted = (*results)[i];
        // A declared type must agree with the computed one.
        if (auto declared = dyn_cast<RankedTensorType>(result.getType())) {
          auto got = cast<RankedTensorType>(converted.getType());
          if (declared.getElementType() != got.getElementType() ||
              failed(verifyCompatibleShape(declared, got))) {
            n.emitError() << "output " << i << " is declared as " << declared
                          << " but computes " << got;
            return WalkResult::interrupt();
          }
        }
        mapping.map(result, converted);
        if (isa<arith::ConstantOp>(converted.getDefiningOp()))
          ++numFolded;
      }
      dead.push_back(node);
      ++numConverted;
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    // Rewire the return and the signature, then drop the onnx ops.
    Operation *ret = func.getBody().back().getTerminator();
    for (OpOperand &operand : ret->getOpOperands()) {
      if (sequences.count(operand.get()))
        return emitError(ret->getLoc())
               << "graph output " << operand.getOperandNumber()
               << " is a sequence, which the model ABI does not carry";
      operand.set(mapping.lookupOrDefault(operand.get()));
    }
    func.setType(FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                   ret->getOperandTypes()));
    for (Operation *op : llvm::reverse(dead)) {
      op->dropAllUses();
      op->erase();
    }
    func.walk([](onnxir::NoneOp op) { op.erase(); });
    func->removeAttr(onnxir::kOpsetImportAttr);
    return success();
  }

  /// One error for every op type without a rule (naming the first such
  /// node, then the other op types), before any conversion work.
  LogicalResult checkRulesExist(func::FuncOp func,
                                function_ref<int64_t(onnxir::NodeOp)> opsetOf) {
    auto keyOf = [&](onnxir::NodeOp node) {
      StringRef domain = node.getDomain();
      return (domain.empty() ? "" : (domain + "::").str()) +
             node.getOpType().str() + ", opset " +
             std::to_string(opsetOf(node));
    };
    onnxir::NodeOp first;
    std::string firstWhy;
    // Other op types (in order of appearance) and their node counts.
    SmallVector<std::pair<std::string, unsigned>> others;
    func.walk([&](onnxir::NodeOp node) {
      StringRef domain = node.getDomain();
      int64_t opset = opsetOf(node), earliest = 0;
      if (isSequenceOp(node) ||
          table.lookup(domain, node.getOpType(), opset, &earliest))
        return;
      std::string why =
          earliest ? "not supported before opset " + std::to_string(earliest)
                   : "unsupported op (no conversion rule for domain '" +
                         (domain.empty() ? StringRef(onnxir::kDefaultDomain)
                                         : domain)
                             .str() +
                         "')";
      if (!first) {
        first = node;
        firstWhy = why;
        return;
      }
      std::string key = keyOf(node);
      if (key == keyOf(first))
        return;
      auto it = llvm::find_if(others, [&](auto &o) { return o.first == key; });
      if (it == others.end())
        others.push_back({key, 1});
      else
        ++it->second;
    });
    if (!first)
      return success();
    OpBuilder b(first);
    SmallVector<Value> none;
    Node n(first, opsetOf(first), b, none, foldLimit);
    auto diag = n.emitError() << firstWhy;
    if (!others.empty()) {
      diag << "; also without a rule:";
      bool comma = false;
      for (auto &[key, count] : others) {
        diag << (comma ? "," : "") << " " << key << " (" << count
             << (count == 1 ? " node)" : " nodes)");
        comma = true;
      }
    }
    return failure();
  }

  /// Converts one sequence op: a sequence result is recorded in
  /// `sequences`, a tensor result mapped.
  LogicalResult convertSequenceOp(onnxir::NodeOp node, Node &n,
                                  const SmallVector<Value> *in,
                                  IRMapping &mapping) {
    StringRef op = node.getOpType();
    SmallVector<Value> empty;
    const SmallVector<Value> &seq = in ? *in : empty;
    if (op != "SplitToSequence" && op != "SequenceConstruct" &&
        op != "SequenceEmpty" && !in) {
      n.emitError() << "expects a sequence as its first input";
      return failure();
    }
    auto define = [&](SmallVector<Value> tensors) {
      sequences[node->getResult(0)] = std::move(tensors);
      return success();
    };
    auto produce = [&](FailureOr<Value> v) -> LogicalResult {
      if (failed(v))
        return failure();
      mapping.map(node->getResult(0), *v);
      return success();
    };
    if (op == "SplitToSequence") {
      FailureOr<SmallVector<Value>> pieces = splitToSequence(n);
      return failed(pieces) ? failure() : define(*pieces);
    }
    if (op == "SequenceConstruct") {
      SmallVector<Value> all;
      for (unsigned i = 0; i < n.numInputs(); ++i)
        all.push_back(n.input(i));
      return define(all);
    }
    if (op == "SequenceEmpty")
      return define({});
    if (op == "SequenceLength")
      return produce(constantOf(n.b, n.loc,
                                RankedTensorType::get({}, n.b.getI64Type()),
                                n.b.getI64IntegerAttr(seq.size())));
    if (op == "SequenceAt") {
      FailureOr<int64_t> p = sequencePosition(n, 1, seq.size(), false, 0);
      return failed(p) ? failure() : produce(seq[*p]);
    }
    if (op == "SequenceInsert") {
      if (!n.input(1)) {
        n.emitError() << "expects a tensor to insert";
        return failure();
      }
      FailureOr<int64_t> p =
          sequencePosition(n, 2, seq.size(), true, seq.size());
      if (failed(p))
        return failure();
      SmallVector<Value> out(seq);
      out.insert(out.begin() + *p, n.input(1));
      return define(out);
    }
    if (op == "SequenceErase") {
      FailureOr<int64_t> p =
          sequencePosition(n, 1, seq.size(), false, (int64_t)seq.size() - 1);
      if (failed(p))
        return failure();
      SmallVector<Value> out(seq);
      out.erase(out.begin() + *p);
      return define(out);
    }
    // ConcatFromSequence: the Concat rule on the tensors, each first given
    // a new axis of 1 with new_axis.
    if (seq.empty()) {
      n.emitError() << "cannot concatenate an empty sequence";
      return failure();
    }
    SmallVector<Value> parts(seq);
    if (n.getInt("new_axis", 0)) {
      int64_t rank = cast<RankedTensorType>(parts[0].getType()).getRank();
      FailureOr<int64_t> axis = n.axis(n.getInt("axis", 0), rank + 1);
      if (failed(axis))
        return failure();
      for (Value &v : parts) {
        SmallVector<int64_t> shape(
            cast<RankedTensorType>(v.getType()).getShape());
        shape.insert(shape.begin() + *axis, 1);
        v = reshape(n, v, shape);
      }
    }
    int64_t earliest = 0;
    const RuleTable::Entry *concat = table.lookup("", "Concat", 13, &earliest);
    Node concatNode(node, n.opset, n.b, parts, foldLimit, indexChecks);
    FailureOr<SmallVector<Value>> r = concat->rule(concatNode);
    return failed(r) ? failure() : produce((*r)[0]);
  }

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      auto opsets =
          func->getAttrOfType<DictionaryAttr>(onnxir::kOpsetImportAttr);
      if (!opsets)
        continue;
      if (failed(convertFunction(func, opsets)))
        return signalPassFailure();
    }
  }

  RuleTable table;
  /// Sequence values of the function under conversion, as their tensors.
  DenseMap<Value, SmallVector<Value>> sequences;
};
} // namespace
