//===- Rules.h - convert-onnx-to-tmix rule interface -----------*- C++ -*-===//
//
// A rule gives one ONNX op its meaning. It sees the node through `Node`
// (converted inputs, attributes, builder) and returns the node's results.
// Rules build IR through `generic` and friends, which fold to constants
// whenever every input is constant, so shape subgraphs disappear.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_LIB_CONVERSION_ONNXTOTMIX_RULES_H
#define TMIX_LIB_CONVERSION_ONNXTOTMIX_RULES_H

#include "onnx/IR/OnnxDialect.h"
#include "tmix/IR/TMixDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <functional>

namespace mlir::tmix::onnx_to_tmix {

/// Unsigned integer types keep their signedness in tensor types (the ONNX
/// type); scalars in bodies are signless, so rules that care (casts,
/// comparisons, division, quantization) ask the tensor type.
bool isUnsigned(Type t);

/// One node under conversion.
class Node {
public:
  Node(onnxir::NodeOp op, int64_t opset, OpBuilder &b, ArrayRef<Value> inputs,
       int64_t foldLimit, bool indexChecks = true)
      : b(b), loc(op.getLoc()), opset(opset), foldLimit(foldLimit),
        indexChecks(indexChecks), op(op), inputs(inputs) {}

  OpBuilder &b;
  Location loc;
  int64_t opset;
  int64_t foldLimit;
  /// Out-of-range run-time indices are reported, not only clamped.
  bool indexChecks;

  StringRef opType() { return op.getOpType(); }
  unsigned numInputs() const { return inputs.size(); }
  /// Input `i`, or null when the node omits it.
  Value input(unsigned i) const {
    return i < inputs.size() ? inputs[i] : Value();
  }
  RankedTensorType type(unsigned i) const {
    return cast<RankedTensorType>(inputs[i].getType());
  }
  /// True when input `i` has an unsigned integer element type.
  bool isUnsignedInput(unsigned i) const {
    return input(i) && isUnsigned(getElementTypeOrSelf(input(i)));
  }
  unsigned numResults() { return op->getNumResults(); }
  bool resultUsed(unsigned i) {
    return i < op->getNumResults() && !op->getResult(i).use_empty();
  }

  Attribute attr(StringRef name) {
    DictionaryAttr attrs = op.getAttrsAttr();
    return attrs ? attrs.get(name) : Attribute();
  }
  int64_t getInt(StringRef name, int64_t dflt);
  double getFloat(StringRef name, double dflt);
  std::string getString(StringRef name, StringRef dflt);
  std::optional<SmallVector<int64_t>> getInts(StringRef name);

  /// The constant value of input `i`, or null if it is not a constant.
  DenseElementsAttr constant(unsigned i) const;
  /// Input `i` as host integers; an error if it is not a constant.
  FailureOr<SmallVector<int64_t>> constantInts(unsigned i, StringRef what);

  /// "node 'NAME' (OP, opset N)".
  std::string describe();
  /// An error prefixed with "node 'NAME' (OP, opset N): ".
  InFlightDiagnostic emitError();
  /// Resolves a possibly negative axis; an error when out of range.
  FailureOr<int64_t> axis(int64_t axis, int64_t rank, StringRef what = "axis");
  /// Input `i` as one host integer (a scalar or one-element constant).
  FailureOr<int64_t> constantInt(unsigned i, StringRef what);
  /// The `axes` attribute resolved against `rank`, or every dim without it.
  FailureOr<SmallVector<int64_t>> axesAttr(int64_t rank);

private:
  onnxir::NodeOp op;
  ArrayRef<Value> inputs;
};

using Results = FailureOr<SmallVector<Value>>;
using Rule = std::function<Results(Node &)>;

/// A rule's single result.
inline Results one(Value v) { return SmallVector<Value>{v}; }
inline Results one(FailureOr<Value> v) {
  if (failed(v))
    return failure();
  return SmallVector<Value>{*v};
}

/// Rules keyed by (domain, op type), each with the opset it applies from.
class RuleTable {
public:
  /// Registers `rule` from `sinceOpset` on; the driver rejects nodes that
  /// omit any of the first `minInputs` inputs before the rule runs.
  void add(StringRef opType, int64_t sinceOpset, Rule rule,
           unsigned minInputs = 1, StringRef domain = "");
  struct Entry {
    int64_t since;
    unsigned minInputs;
    Rule rule;
  };
  /// The entry with the highest `since` <= opset; null if none applies.
  /// `earliest` receives the lowest opset with a rule, if any.
  const Entry *lookup(StringRef domain, StringRef opType, int64_t opset,
                      int64_t *earliest) const;

private:
  llvm::StringMap<SmallVector<Entry>> rules;
};

void addElementwiseRules(RuleTable &table);
void addTensorRules(RuleTable &table);
void addNeuralRules(RuleTable &table);
void addAttentionRules(RuleTable &table);
void addQuantizationRules(RuleTable &table);
void addNormalizationRules(RuleTable &table);
void addIndexingRules(RuleTable &table);
void addResizeRules(RuleTable &table);

//===----------------------------------------------------------------------===//
// IR-building helpers shared by the rules
//===----------------------------------------------------------------------===//

/// Builds the scalar at output index `ivs` from the input scalars `args`.
/// Bodies must use `createOrFold` so that constant inputs fold.
using ScalarFn =
    function_ref<Value(OpBuilder &, Location, ValueRange ivs, ValueRange args)>;

/// out[i] = fn(i, ins[k][maps[k](i)]...) over a static `shape`. When every
/// input is a constant and the result has at most `foldLimit` elements, the
/// result is computed at conversion time (the same `fn` on constants).
Value generic(Node &n, ArrayRef<int64_t> shape, Type elementType,
              ValueRange ins, ArrayRef<AffineMap> maps, ScalarFn fn);

/// Numpy-broadcasting element-wise op; the result shape also broadcasts
/// with `extraShape` (Expand). Errors name the incompatible shapes.
FailureOr<Value> elementwise(Node &n, ValueRange ins, Type elementType,
                             ScalarFn fn, ArrayRef<int64_t> extraShape = {});

/// Broadcast shape of `shapes` (numpy rules), or failure.
FailureOr<SmallVector<int64_t>>
broadcastShapes(Node &n, ArrayRef<SmallVector<int64_t>> shapes);

/// `t` (a scalar or shaped type) with an unsigned element type made signless.
Type signless(Type t);
/// `x` bitcast to an element type of the same width and bits; `x` itself if
/// it already has it (constants fold).
Value bitcastElements(Node &n, Value x, Type elementType);

/// Scalar conversion between any integer/float types with ONNX Cast rules.
/// `v` is signless; `fromUnsigned` says how to read it. `to` may be
/// unsigned; the result is its signless form.
Value convertScalar(OpBuilder &b, Location loc, Value v, Type to,
                    bool fromUnsigned = false);

/// True for the 8- and 4-bit float formats (float8 e4m3fn/e4m3fnuz/e5m2/
/// e5m2fnuz/e8m0, float4 e2m1): tensors keep them, bodies see their bits
/// as signless integers.
bool isNarrowFloat(Type t);

/// `v`, the body scalar of a `from` element (signless bits for unsigned
/// and narrow float types), converted to `to` with ONNX Cast rules; narrow
/// float results round to nearest even and saturate (or overflow to
/// Inf/NaN), e8m0 rounds by `roundMode`. Returns `to`'s body form.
Value convertElement(OpBuilder &b, Location loc, Value v, Type from, Type to,
                     bool saturate = true, StringRef roundMode = "up");

/// `x` converted element by element to `elementType` (x itself if equal).
FailureOr<Value> convertTensor(Node &n, Value x, Type elementType,
                               bool saturate = true,
                               StringRef roundMode = "up");

/// Numpy matmul of static tensors (f16/bf16 accumulate in f32).
FailureOr<Value> matmulOf(Node &n, Value a, Value b);
/// Conv of float or i32 tensors as one generic: out[n, m, o...] +=
/// x[n, g(m)*C/G + c, o*s + k*d ...] * w[m, c, k...], with the node's
/// attributes (groups, strides, dilations, pads, auto_pad) and an optional
/// bias per output channel.
Results convOf(Node &n, Value x, Value w, Value bias);

/// The type sums and products of `elt` accumulate in: f32 for narrower
/// floats, `elt` otherwise.
Type accumulatorFor(Type elt);
/// Reduces `x` over the `reduced` dims (kept as size 1) with `combine`,
/// accumulating in `acc` from `init`.
Value reduce(Node &n, Value x, ArrayRef<bool> reduced, Type acc, Attribute init,
             function_ref<Value(OpBuilder &, Location, Value, Value)> combine);

/// The index of the first (or, with `last`, the last) largest or smallest
/// element along `axis`, as i64 with that dim kept as 1.
FailureOr<Value> argIndex(Node &n, Value x, int64_t axis, bool isMax,
                          bool last);

/// The element type an ONNX TensorProto data type code names, or null for
/// codes tmix does not support.
Type onnxElementType(Builder &b, int64_t code);
/// Indices (input `i`) must be int32 or int64.
LogicalResult integerIndices(Node &n, unsigned i);
/// An index element read as an index into a dimension of `size`: negative
/// values count from the end; clamped to the dimension.
Value toIndex(OpBuilder &b, Location l, Value v, int64_t size);
/// Makes an index outside [-bound, bound) an error: at
/// conversion time when constant, at run time otherwise (one bound for all
/// elements, or one per entry of the last dimension).
LogicalResult checkIndices(Node &n, Value indices, ArrayRef<int64_t> bounds);

Value reshape(Node &n, Value x, ArrayRef<int64_t> shape);
Value transpose(Node &n, Value x, ArrayRef<int64_t> perm);
Value constantOf(OpBuilder &b, Location loc, RankedTensorType type,
                 Attribute scalar);
/// A scalar float constant of type `t`.
Value fconst(OpBuilder &b, Location loc, Type t, double v);
/// Row-major strides of a static shape.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape);

} // namespace mlir::tmix::onnx_to_tmix

#endif // TMIX_LIB_CONVERSION_ONNXTOTMIX_RULES_H
