//===- Elementwise.cpp - ONNX element-wise ops -----------------*- C++ -*-===//
//
// Every element-wise ONNX op is one scalar body over numpy broadcasting;
// constant inputs fold through the same body.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tmix::onnx_to_tmix;

namespace {

using Scalar2 = function_ref<Value(OpBuilder &, Location, Value, Value)>;
using Scalar1 = function_ref<Value(OpBuilder &, Location, Value)>;

/// All inputs must share one element type (ONNX has no implicit promotion).
LogicalResult sameElementTypes(Node &n, ValueRange ins) {
  for (Value v : ins)
    if (getElementTypeOrSelf(v) != getElementTypeOrSelf(ins.front())) {
      n.emitError() << "inputs have different element types "
                    << getElementTypeOrSelf(ins.front()) << " and "
                    << getElementTypeOrSelf(v);
      return failure();
    }
  return success();
}

using Body2 = std::function<Value(OpBuilder &, Location, Value, Value)>;

/// A binary op with separate float, signed and unsigned integer bodies
/// (null = unsupported; a null `onUInt` means `onInt` fits both).
Rule binary(Body2 onFloat, Body2 onInt, bool producesBool = false,
            Body2 onUInt = nullptr) {
  return [=](Node &n) -> FailureOr<SmallVector<Value>> {
    SmallVector<Value> ins = {n.input(0), n.input(1)};
    if (!ins[0] || !ins[1]) {
      n.emitError() << "expects two inputs";
      return failure();
    }
    if (failed(sameElementTypes(n, ins)))
      return failure();
    Type elt = getElementTypeOrSelf(ins[0]);
    bool isFloat = isa<FloatType>(elt);
    if ((isFloat && !onFloat) || (!isFloat && !onInt)) {
      n.emitError() << "element type " << elt << " is not supported";
      return failure();
    }
    Type out = producesBool ? n.b.getI1Type() : elt;
    const Body2 &onInteger = isUnsigned(elt) && onUInt ? onUInt : onInt;
    return one(elementwise(
        n, ins, out, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
          return isFloat ? onFloat(b, l, a[0], a[1])
                         : onInteger(b, l, a[0], a[1]);
        }));
  };
}

Rule unaryFloat(std::function<Value(OpBuilder &, Location, Value)> fn) {
  return [=](Node &n) -> FailureOr<SmallVector<Value>> {
    Value x = n.input(0);
    Type elt = getElementTypeOrSelf(x);
    if (!isa<FloatType>(elt)) {
      n.emitError() << "expects a float input, got " << elt;
      return failure();
    }
    return one(elementwise(n, x, elt,
                           [&](OpBuilder &b, Location l, ValueRange,
                               ValueRange a) { return fn(b, l, a[0]); }));
  };
}

template <typename FOp, typename IOp, typename UOp = IOp> Rule arithBinary() {
  auto build = [](auto tag) -> Body2 {
    return [](OpBuilder &b, Location l, Value x, Value y) {
      return b.createOrFold<decltype(tag)>(l, x, y);
    };
  };
  return binary(build(FOp()), build(IOp()), /*producesBool=*/false,
                build(UOp()));
}

Rule compare(arith::CmpFPredicate fp, arith::CmpIPredicate ip,
             arith::CmpIPredicate up) {
  auto integer = [](arith::CmpIPredicate p) -> Body2 {
    return [=](OpBuilder &b, Location l, Value x, Value y) {
      return b.createOrFold<arith::CmpIOp>(l, p, x, y);
    };
  };
  return binary(
      [=](OpBuilder &b, Location l, Value x, Value y) {
        return b.createOrFold<arith::CmpFOp>(l, fp, x, y);
      },
      integer(ip), /*producesBool=*/true, integer(up));
}

/// Min, Max, Sum, Mean over any number of broadcast inputs.
Rule variadic(Body2 onFloat, Body2 onInt, bool mean = false,
              Body2 onUInt = nullptr) {
  return [=](Node &n) -> FailureOr<SmallVector<Value>> {
    SmallVector<Value> ins;
    for (unsigned i = 0; i < n.numInputs(); ++i)
      if (n.input(i))
        ins.push_back(n.input(i));
    if (ins.empty()) {
      n.emitError() << "expects at least one input";
      return failure();
    }
    if (failed(sameElementTypes(n, ins)))
      return failure();
    Type elt = getElementTypeOrSelf(ins[0]);
    bool isFloat = isa<FloatType>(elt);
    if (!isFloat && (mean || !onInt)) {
      n.emitError() << "element type " << elt << " is not supported";
      return failure();
    }
    const Body2 &onInteger = isUnsigned(elt) && onUInt ? onUInt : onInt;
    return one(elementwise(
        n, ins, elt, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
          Value acc = a[0];
          for (Value v : a.drop_front())
            acc = isFloat ? onFloat(b, l, acc, v) : onInteger(b, l, acc, v);
          if (mean)
            acc = b.createOrFold<arith::DivFOp>(
                l, acc, fconst(b, l, elt, static_cast<double>(a.size())));
          return acc;
        }));
  };
}

/// Cast and CastLike: `saturate` (opset 19) for float8 results and
/// `round_mode` (opset 25) for e8m0.
FailureOr<SmallVector<Value>> castTo(Node &n, Type elt) {
  std::string mode = n.getString("round_mode", "up");
  if (mode != "up" && mode != "down" && mode != "nearest") {
    n.emitError() << "attribute 'round_mode' must be up, down or nearest, got '"
                  << mode << "'";
    return failure();
  }
  return one(convertTensor(n, n.input(0), elt, n.getInt("saturate", 1), mode));
}

Value sigmoid(OpBuilder &b, Location l, Value x) {
  Type t = x.getType();
  Value one = fconst(b, l, t, 1.0);
  Value e = b.createOrFold<math::ExpOp>(l, b.createOrFold<arith::NegFOp>(l, x));
  return b.createOrFold<arith::DivFOp>(
      l, one, b.createOrFold<arith::AddFOp>(l, one, e));
}

/// 0.5 x (1 + erf(x / sqrt 2)), or the tanh approximation.
Value gelu(OpBuilder &b, Location l, Value x, bool tanhApprox) {
  Type t = x.getType();
  Value half = fconst(b, l, t, 0.5), one = fconst(b, l, t, 1.0);
  Value inner;
  if (tanhApprox) {
    Value x3 = b.createOrFold<arith::MulFOp>(
        l, x, b.createOrFold<arith::MulFOp>(l, x, x));
    Value poly = b.createOrFold<arith::AddFOp>(
        l, x, b.createOrFold<arith::MulFOp>(l, fconst(b, l, t, 0.044715), x3));
    inner = b.createOrFold<math::TanhOp>(
        l, b.createOrFold<arith::MulFOp>(
               l, fconst(b, l, t, std::sqrt(2.0 / M_PI)), poly));
  } else {
    inner = b.createOrFold<math::ErfOp>(
        l, b.createOrFold<arith::MulFOp>(l, x, fconst(b, l, t, M_SQRT1_2)));
  }
  return b.createOrFold<arith::MulFOp>(
      l, b.createOrFold<arith::MulFOp>(l, half, x),
      b.createOrFold<arith::AddFOp>(l, one, inner));
}

} // namespace

Type mlir::tmix::onnx_to_tmix::onnxElementType(Builder &b, int64_t code) {
  switch (code) {
  case 1:
    return b.getF32Type();
  case 11:
    return b.getF64Type();
  case 10:
    return b.getF16Type();
  case 16:
    return b.getBF16Type();
  case 7:
    return b.getI64Type();
  case 6:
    return b.getI32Type();
  case 5:
    return b.getI16Type();
  case 3:
    return b.getI8Type();
  case 2:
    return b.getIntegerType(8, /*isSigned=*/false);
  case 4:
    return b.getIntegerType(16, /*isSigned=*/false);
  case 12:
    return b.getIntegerType(32, /*isSigned=*/false);
  case 13:
    return b.getIntegerType(64, /*isSigned=*/false);
  case 9:
    return b.getI1Type();
  case 17:
    return b.getType<Float8E4M3FNType>();
  case 18:
    return b.getType<Float8E4M3FNUZType>();
  case 19:
    return b.getType<Float8E5M2Type>();
  case 20:
    return b.getType<Float8E5M2FNUZType>();
  case 21:
    return b.getIntegerType(4, /*isSigned=*/false);
  case 22:
    return b.getIntegerType(4);
  case 23:
    return b.getType<Float4E2M1FNType>();
  case 24:
    return b.getType<Float8E8M0FNUType>();
  case 25:
    return b.getIntegerType(2, /*isSigned=*/false);
  case 26:
    return b.getIntegerType(2);
  default:
    return {};
  }
}

void mlir::tmix::onnx_to_tmix::addElementwiseRules(RuleTable &t) {
  using P = arith::CmpFPredicate;
  using IP = arith::CmpIPredicate;
  t.add("Add", 7, arithBinary<arith::AddFOp, arith::AddIOp>(), 2);
  t.add("Sub", 7, arithBinary<arith::SubFOp, arith::SubIOp>(), 2);
  t.add("Mul", 7, arithBinary<arith::MulFOp, arith::MulIOp>(), 2);
  t.add("Div", 7, arithBinary<arith::DivFOp, arith::DivSIOp, arith::DivUIOp>(),
        2);
  // Pow(T, T1): the exponent may have another type; the result has the
  // base's. Integer powers of integers are exact (math.ipowi).
  t.add(
      "Pow", 7,
      [](Node &n) -> FailureOr<SmallVector<Value>> {
        Type base = getElementTypeOrSelf(n.input(0));
        Type exp = getElementTypeOrSelf(n.input(1));
        return one(elementwise(
            n, {n.input(0), n.input(1)}, base,
            [&](OpBuilder &b, Location l, ValueRange, ValueRange a) -> Value {
              if (isa<FloatType>(base))
                return b.createOrFold<math::PowFOp>(
                    l, a[0], convertScalar(b, l, a[1], base));
              if (!isa<FloatType>(exp))
                return b.createOrFold<math::IPowIOp>(
                    l, a[0], convertScalar(b, l, a[1], base));
              Value x = convertScalar(b, l, a[0], b.getF64Type());
              Value p = b.createOrFold<math::PowFOp>(
                  l, x, convertScalar(b, l, a[1], b.getF64Type()));
              return convertScalar(b, l, p, base);
            }));
      },
      2);
  t.add(
      "Mod", 10,
      [](Node &n) -> FailureOr<SmallVector<Value>> {
        bool fmod = n.getInt("fmod", 0);
        if (!fmod && isa<FloatType>(getElementTypeOrSelf(n.input(0)))) {
          n.emitError() << "fmod must be 1 for float inputs";
          return failure();
        }
        Rule r = binary(
            [](OpBuilder &b, Location l, Value x, Value y) {
              return b.createOrFold<arith::RemFOp>(l, x, y);
            },
            [fmod](OpBuilder &b, Location l, Value x, Value y) -> Value {
              Value rem = b.createOrFold<arith::RemSIOp>(l, x, y);
              if (fmod)
                return rem;
              // Python-style: the result takes the divisor's sign.
              Value zero = arith::ConstantOp::create(
                  b, l, b.getIntegerAttr(x.getType(), 0));
              Value remNeg =
                  b.createOrFold<arith::CmpIOp>(l, IP::slt, rem, zero);
              Value yNeg = b.createOrFold<arith::CmpIOp>(l, IP::slt, y, zero);
              Value nonzero =
                  b.createOrFold<arith::CmpIOp>(l, IP::ne, rem, zero);
              Value fix = b.createOrFold<arith::AndIOp>(
                  l, nonzero, b.createOrFold<arith::XOrIOp>(l, remNeg, yNeg));
              return b.createOrFold<arith::SelectOp>(
                  l, fix, b.createOrFold<arith::AddIOp>(l, rem, y), rem);
            },
            /*producesBool=*/false,
            [](OpBuilder &b, Location l, Value x, Value y) {
              return b.createOrFold<arith::RemUIOp>(l, x, y);
            });
        return r(n);
      },
      2);
  t.add("Min", 8,
        variadic(
            [](OpBuilder &b, Location l, Value x, Value y) {
              return b.createOrFold<arith::MinimumFOp>(l, x, y);
            },
            [](OpBuilder &b, Location l, Value x, Value y) {
              return b.createOrFold<arith::MinSIOp>(l, x, y);
            },
            /*mean=*/false,
            [](OpBuilder &b, Location l, Value x, Value y) {
              return b.createOrFold<arith::MinUIOp>(l, x, y);
            }));
  t.add("Max", 8,
        variadic(
            [](OpBuilder &b, Location l, Value x, Value y) {
              return b.createOrFold<arith::MaximumFOp>(l, x, y);
            },
            [](OpBuilder &b, Location l, Value x, Value y) {
              return b.createOrFold<arith::MaxSIOp>(l, x, y);
            },
            /*mean=*/false,
            [](OpBuilder &b, Location l, Value x, Value y) {
              return b.createOrFold<arith::MaxUIOp>(l, x, y);
            }));
  auto addF = [](OpBuilder &b, Location l, Value x, Value y) {
    return b.createOrFold<arith::AddFOp>(l, x, y);
  };
  auto addI = [](OpBuilder &b, Location l, Value x, Value y) {
    return b.createOrFold<arith::AddIOp>(l, x, y);
  };
  t.add("Sum", 8, variadic(addF, addI));
  t.add("Mean", 8, variadic(addF, nullptr, /*mean=*/true));

  t.add("Equal", 7, compare(P::OEQ, IP::eq, IP::eq), 2);
  t.add("Less", 7, compare(P::OLT, IP::slt, IP::ult), 2);
  t.add("LessOrEqual", 12, compare(P::OLE, IP::sle, IP::ule), 2);
  t.add("Greater", 7, compare(P::OGT, IP::sgt, IP::ugt), 2);
  t.add("GreaterOrEqual", 12, compare(P::OGE, IP::sge, IP::uge), 2);
  auto logical = [](auto build) {
    return binary(nullptr, [=](OpBuilder &b, Location l, Value x, Value y) {
      return build(b, l, x, y);
    });
  };
  t.add("And", 7, logical([](OpBuilder &b, Location l, Value x, Value y) {
          return b.createOrFold<arith::AndIOp>(l, x, y);
        }),
        2);
  t.add("Or", 7, logical([](OpBuilder &b, Location l, Value x, Value y) {
          return b.createOrFold<arith::OrIOp>(l, x, y);
        }),
        2);
  t.add("Xor", 7, logical([](OpBuilder &b, Location l, Value x, Value y) {
          return b.createOrFold<arith::XOrIOp>(l, x, y);
        }),
        2);
  // Bitwise ops are the logical ones on any integer width.
  t.add("BitwiseAnd", 18,
        logical([](OpBuilder &b, Location l, Value x, Value y) {
          return b.createOrFold<arith::AndIOp>(l, x, y);
        }),
        2);
  t.add("BitwiseOr", 18,
        logical([](OpBuilder &b, Location l, Value x, Value y) {
          return b.createOrFold<arith::OrIOp>(l, x, y);
        }),
        2);
  t.add("BitwiseXor", 18,
        logical([](OpBuilder &b, Location l, Value x, Value y) {
          return b.createOrFold<arith::XOrIOp>(l, x, y);
        }),
        2);
  t.add("BitwiseNot", 18, [](Node &n) -> FailureOr<SmallVector<Value>> {
    Type elt = getElementTypeOrSelf(n.input(0));
    if (!isa<IntegerType>(elt) || elt.isInteger(1)) {
      n.emitError() << "expects an integer input, got " << elt;
      return failure();
    }
    return one(
        elementwise(n, n.input(0), elt,
                    [](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                      Value ones = arith::ConstantOp::create(
                          b, l, b.getIntegerAttr(a[0].getType(), -1));
                      return b.createOrFold<arith::XOrIOp>(l, a[0], ones);
                    }));
  });
  t.add(
      "BitShift", 11,
      [](Node &n) -> FailureOr<SmallVector<Value>> {
        std::string dir = n.getString("direction", "");
        if (dir != "LEFT" && dir != "RIGHT") {
          n.emitError() << "attribute 'direction' must be LEFT or RIGHT, got '"
                        << dir << "'";
          return failure();
        }
        Type elt = getElementTypeOrSelf(n.input(0));
        if (!isUnsigned(elt)) {
          n.emitError() << "expects unsigned integer inputs, got " << elt;
          return failure();
        }
        bool left = dir == "LEFT";
        return binary(
            nullptr,
            [left](OpBuilder &b, Location l, Value x, Value y) -> Value {
              // Shifting out every bit gives 0 (LLVM: poison).
              unsigned w = x.getType().getIntOrFloatBitWidth();
              Value width = arith::ConstantOp::create(
                  b, l, b.getIntegerAttr(x.getType(), w));
              Value zero = arith::ConstantOp::create(
                  b, l, b.getIntegerAttr(x.getType(), 0));
              Value r = left ? b.createOrFold<arith::ShLIOp>(l, x, y)
                             : b.createOrFold<arith::ShRUIOp>(l, x, y);
              Value big = b.createOrFold<arith::CmpIOp>(l, IP::uge, y, width);
              return b.createOrFold<arith::SelectOp>(l, big, zero, r);
            })(n);
      },
      2);
  t.add("Not", 1, [](Node &n) -> FailureOr<SmallVector<Value>> {
    if (!getElementTypeOrSelf(n.input(0)).isInteger(1)) {
      n.emitError() << "expects a bool input";
      return failure();
    }
    return one(elementwise(
        n, n.input(0), n.b.getI1Type(),
        [](OpBuilder &b, Location l, ValueRange, ValueRange a) {
          Value t = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
          return b.createOrFold<arith::XOrIOp>(l, a[0], t);
        }));
  });

  t.add("Neg", 6, [](Node &n) -> FailureOr<SmallVector<Value>> {
    Type elt = getElementTypeOrSelf(n.input(0));
    return one(elementwise(
        n, n.input(0), elt,
        [&](OpBuilder &b, Location l, ValueRange, ValueRange a) -> Value {
          if (isa<FloatType>(elt))
            return b.createOrFold<arith::NegFOp>(l, a[0]);
          Value zero =
              arith::ConstantOp::create(b, l, b.getIntegerAttr(elt, 0));
          return b.createOrFold<arith::SubIOp>(l, zero, a[0]);
        }));
  });
  t.add("Abs", 6, [](Node &n) -> FailureOr<SmallVector<Value>> {
    Type elt = getElementTypeOrSelf(n.input(0));
    return one(elementwise(
        n, n.input(0), elt,
        [&](OpBuilder &b, Location l, ValueRange, ValueRange a) -> Value {
          if (isa<FloatType>(elt))
            return b.createOrFold<math::AbsFOp>(l, a[0]);
          if (isUnsigned(elt))
            return a[0];
          return b.createOrFold<math::AbsIOp>(l, a[0]);
        }));
  });
  auto math1 = [](auto tag) {
    using OpT = decltype(tag);
    return unaryFloat([](OpBuilder &b, Location l, Value x) {
      return b.createOrFold<OpT>(l, x);
    });
  };
  t.add("Sqrt", 6, math1(math::SqrtOp()));
  t.add("Exp", 6, math1(math::ExpOp()));
  t.add("Log", 6, math1(math::LogOp()));
  t.add("Erf", 9, math1(math::ErfOp()));
  t.add("Tanh", 6, math1(math::TanhOp()));
  t.add("Sin", 7, math1(math::SinOp()));
  t.add("Cos", 7, math1(math::CosOp()));
  t.add("Floor", 6, math1(math::FloorOp()));
  t.add("Ceil", 6, math1(math::CeilOp()));
  // Halves round to even, as numpy's rint.
  t.add("Round", 11, math1(math::RoundEvenOp()));
  t.add("Reciprocal", 6, unaryFloat([](OpBuilder &b, Location l, Value x) {
          return b.createOrFold<arith::DivFOp>(l, fconst(b, l, x.getType(), 1),
                                               x);
        }));
  t.add("Sigmoid", 6, unaryFloat(sigmoid));
  t.add("Relu", 6, unaryFloat([](OpBuilder &b, Location l, Value x) {
          return b.createOrFold<arith::MaximumFOp>(
              l, x, fconst(b, l, x.getType(), 0));
        }));
  t.add("LeakyRelu", 6, [](Node &n) -> FailureOr<SmallVector<Value>> {
    double alpha = n.getFloat("alpha", 0.01);
    return unaryFloat([alpha](OpBuilder &b, Location l, Value x) {
      Value zero = fconst(b, l, x.getType(), 0);
      Value pos = b.createOrFold<arith::CmpFOp>(l, P::OGT, x, zero);
      Value scaled =
          b.createOrFold<arith::MulFOp>(l, x, fconst(b, l, x.getType(), alpha));
      return b.createOrFold<arith::SelectOp>(l, pos, x, scaled);
    })(n);
  });
  t.add("Softplus", 1, unaryFloat([](OpBuilder &b, Location l, Value x) {
          return b.createOrFold<math::Log1pOp>(
              l, b.createOrFold<math::ExpOp>(l, x));
        }));
  // The activations below follow the ONNX definitions term by term.
  auto withAttrs = [](auto build) {
    return [=](Node &n) -> FailureOr<SmallVector<Value>> {
      return unaryFloat(build(n))(n);
    };
  };
  using Fn = std::function<Value(OpBuilder &, Location, Value)>;
  t.add("Elu", 6, withAttrs([](Node &n) -> Fn {
          double alpha = n.getFloat("alpha", 1.0);
          return [=](OpBuilder &b, Location l, Value x) {
            Type t = x.getType();
            Value neg =
                b.createOrFold<arith::CmpFOp>(l, P::OLT, x, fconst(b, l, t, 0));
            Value em1 = b.createOrFold<math::ExpM1Op>(l, x);
            return b.createOrFold<arith::SelectOp>(
                l, neg,
                b.createOrFold<arith::MulFOp>(l, fconst(b, l, t, alpha), em1),
                x);
          };
        }));
  t.add("Selu", 6, withAttrs([](Node &n) -> Fn {
          double alpha = n.getFloat("alpha", 1.67326319217681884765625);
          double gamma = n.getFloat("gamma", 1.05070102214813232421875);
          return [=](OpBuilder &b, Location l, Value x) {
            Type t = x.getType();
            Value pos =
                b.createOrFold<arith::CmpFOp>(l, P::OGT, x, fconst(b, l, t, 0));
            Value em1 = b.createOrFold<math::ExpM1Op>(l, x);
            Value y = b.createOrFold<arith::SelectOp>(
                l, pos, x,
                b.createOrFold<arith::MulFOp>(l, fconst(b, l, t, alpha), em1));
            return b.createOrFold<arith::MulFOp>(l, fconst(b, l, t, gamma), y);
          };
        }));
  t.add("Celu", 12, withAttrs([](Node &n) -> Fn {
          double alpha = n.getFloat("alpha", 1.0);
          return [=](OpBuilder &b, Location l, Value x) {
            Type t = x.getType();
            Value zero = fconst(b, l, t, 0);
            Value em1 = b.createOrFold<math::ExpM1Op>(
                l, b.createOrFold<arith::DivFOp>(l, x, fconst(b, l, t, alpha)));
            Value negPart = b.createOrFold<arith::MinimumFOp>(
                l, zero,
                b.createOrFold<arith::MulFOp>(l, fconst(b, l, t, alpha), em1));
            return b.createOrFold<arith::AddFOp>(
                l, b.createOrFold<arith::MaximumFOp>(l, zero, x), negPart);
          };
        }));
  // max(0, min(1, alpha x + beta)), times x for HardSwish.
  auto hardSigmoid = [](OpBuilder &b, Location l, Value x, double alpha,
                        double beta) {
    Type t = x.getType();
    Value y = b.createOrFold<arith::AddFOp>(
        l, b.createOrFold<arith::MulFOp>(l, fconst(b, l, t, alpha), x),
        fconst(b, l, t, beta));
    y = b.createOrFold<arith::MinimumFOp>(l, y, fconst(b, l, t, 1));
    return b.createOrFold<arith::MaximumFOp>(l, y, fconst(b, l, t, 0));
  };
  t.add("HardSigmoid", 6, withAttrs([=](Node &n) -> Fn {
          double alpha = n.getFloat("alpha", 0.2),
                 beta = n.getFloat("beta", 0.5);
          return [=](OpBuilder &b, Location l, Value x) {
            return hardSigmoid(b, l, x, alpha, beta);
          };
        }));
  t.add("HardSwish", 14, unaryFloat([=](OpBuilder &b, Location l, Value x) {
          return b.createOrFold<arith::MulFOp>(
              l, x, hardSigmoid(b, l, x, 1.0 / 6, 0.5));
        }));
  t.add("ThresholdedRelu", 10, withAttrs([](Node &n) -> Fn {
          double alpha = n.getFloat("alpha", 1.0);
          return [=](OpBuilder &b, Location l, Value x) {
            Type t = x.getType();
            Value above = b.createOrFold<arith::CmpFOp>(l, P::OGT, x,
                                                        fconst(b, l, t, alpha));
            return b.createOrFold<arith::SelectOp>(l, above, x,
                                                   fconst(b, l, t, 0));
          };
        }));
  t.add(
      "Shrink", 9, withAttrs([](Node &n) -> Fn {
        double bias = n.getFloat("bias", 0.0), lambd = n.getFloat("lambd", 0.5);
        return [=](OpBuilder &b, Location l, Value x) {
          Type t = x.getType();
          Value below = b.createOrFold<arith::CmpFOp>(l, P::OLT, x,
                                                      fconst(b, l, t, -lambd));
          Value above = b.createOrFold<arith::CmpFOp>(l, P::OGT, x,
                                                      fconst(b, l, t, lambd));
          Value lo = b.createOrFold<arith::AddFOp>(l, x, fconst(b, l, t, bias));
          Value hi = b.createOrFold<arith::SubFOp>(l, x, fconst(b, l, t, bias));
          return b.createOrFold<arith::SelectOp>(
              l, below, lo,
              b.createOrFold<arith::SelectOp>(l, above, hi,
                                              fconst(b, l, t, 0)));
        };
      }));
  t.add("Softsign", 1, unaryFloat([](OpBuilder &b, Location l, Value x) {
          Value den =
              b.createOrFold<arith::AddFOp>(l, fconst(b, l, x.getType(), 1),
                                            b.createOrFold<math::AbsFOp>(l, x));
          return b.createOrFold<arith::DivFOp>(l, x, den);
        }));
  // x * tanh(softplus(x)).
  t.add("Mish", 18, unaryFloat([](OpBuilder &b, Location l, Value x) {
          Value sp = b.createOrFold<math::Log1pOp>(
              l, b.createOrFold<math::ExpOp>(l, x));
          return b.createOrFold<arith::MulFOp>(
              l, x, b.createOrFold<math::TanhOp>(l, sp));
        }));
  t.add("Swish", 24, withAttrs([](Node &n) -> Fn {
          double alpha = n.getFloat("alpha", 1.0);
          return [=](OpBuilder &b, Location l, Value x) {
            Value ax = b.createOrFold<arith::MulFOp>(
                l, fconst(b, l, x.getType(), alpha), x);
            return b.createOrFold<arith::MulFOp>(l, x, sigmoid(b, l, ax));
          };
        }));
  // a * sigmoid(alpha * a) * b, with a and b of one shape.
  t.add(
      "SwiGLU", 28,
      [](Node &n) -> FailureOr<SmallVector<Value>> {
        if (n.type(0) != n.type(1) ||
            !isa<FloatType>(n.type(0).getElementType())) {
          n.emitError() << "expects two float inputs of one type and shape, "
                           "got "
                        << n.type(0) << " and " << n.type(1);
          return failure();
        }
        double alpha = n.getFloat("alpha", 1.0);
        Type elt = n.type(0).getElementType();
        return one(elementwise(
            n, {n.input(0), n.input(1)}, elt,
            [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
              Value g = sigmoid(b, l,
                                b.createOrFold<arith::MulFOp>(
                                    l, fconst(b, l, elt, alpha), a[0]));
              return b.createOrFold<arith::MulFOp>(
                  l, b.createOrFold<arith::MulFOp>(l, a[0], g), a[1]);
            }));
      },
      2);
  t.add("Tan", 7, math1(math::TanOp()));
  t.add("Sinh", 9, math1(math::SinhOp()));
  t.add("Cosh", 9, math1(math::CoshOp()));
  t.add("Asin", 7, math1(math::AsinOp()));
  t.add("Acos", 7, math1(math::AcosOp()));
  t.add("Atan", 7, math1(math::AtanOp()));
  t.add("Asinh", 9, math1(math::AsinhOp()));
  t.add("Acosh", 9, math1(math::AcoshOp()));
  t.add("Atanh", 9, math1(math::AtanhOp()));
  t.add("Sign", 9, [](Node &n) -> FailureOr<SmallVector<Value>> {
    Type elt = getElementTypeOrSelf(n.input(0));
    bool uns = isUnsigned(elt);
    return one(elementwise(
        n, n.input(0), elt,
        [&](OpBuilder &b, Location l, ValueRange, ValueRange a) -> Value {
          Value x = a[0];
          Type t = x.getType();
          if (isa<FloatType>(t)) {
            // NaN stays NaN (numpy).
            Value zero = fconst(b, l, t, 0);
            Value pos = b.createOrFold<arith::CmpFOp>(l, P::OGT, x, zero);
            Value neg = b.createOrFold<arith::CmpFOp>(l, P::OLT, x, zero);
            Value r = b.createOrFold<arith::SelectOp>(
                l, neg, fconst(b, l, t, -1),
                b.createOrFold<arith::MulFOp>(l, x, zero));
            return b.createOrFold<arith::SelectOp>(l, pos, fconst(b, l, t, 1),
                                                   r);
          }
          auto ic = [&](int64_t v) -> Value {
            return arith::ConstantOp::create(b, l, b.getIntegerAttr(t, v));
          };
          Value zero = ic(0);
          Value pos = b.createOrFold<arith::CmpIOp>(l, uns ? IP::ugt : IP::sgt,
                                                    x, zero);
          Value r =
              uns ? zero
                  : b.createOrFold<arith::SelectOp>(
                        l, b.createOrFold<arith::CmpIOp>(l, IP::slt, x, zero),
                        ic(-1), zero);
          return b.createOrFold<arith::SelectOp>(l, pos, ic(1), r);
        }));
  });
  t.add(
      "PRelu", 7,
      [](Node &n) -> FailureOr<SmallVector<Value>> {
        auto body = [](OpBuilder &b, Location l, Value x, Value slope,
                       bool isFloat) -> Value {
          Type t = x.getType();
          Value neg = isFloat ? b.createOrFold<arith::CmpFOp>(
                                    l, P::OLT, x, fconst(b, l, t, 0))
                              : b.createOrFold<arith::CmpIOp>(
                                    l, IP::slt, x,
                                    arith::ConstantOp::create(
                                        b, l, b.getIntegerAttr(t, 0)));
          Value scaled = isFloat ? b.createOrFold<arith::MulFOp>(l, x, slope)
                                 : b.createOrFold<arith::MulIOp>(l, x, slope);
          return b.createOrFold<arith::SelectOp>(l, neg, scaled, x);
        };
        return binary([=](OpBuilder &b, Location l, Value x,
                          Value s) { return body(b, l, x, s, true); },
                      [=](OpBuilder &b, Location l, Value x, Value s) {
                        return body(b, l, x, s, false);
                      })(n);
      },
      2);
  t.add("Gelu", 20, [](Node &n) -> FailureOr<SmallVector<Value>> {
    std::string approx = n.getString("approximate", "none");
    if (approx != "none" && approx != "tanh") {
      n.emitError() << "attribute 'approximate' must be 'none' or 'tanh', got '"
                    << approx << "'";
      return failure();
    }
    return unaryFloat([&](OpBuilder &b, Location l, Value x) {
      return gelu(b, l, x, approx == "tanh");
    })(n);
  });
  t.add("IsNaN", 9, [](Node &n) -> FailureOr<SmallVector<Value>> {
    if (!isa<FloatType>(getElementTypeOrSelf(n.input(0)))) {
      n.emitError() << "expects a float input";
      return failure();
    }
    return one(elementwise(
        n, n.input(0), n.b.getI1Type(),
        [](OpBuilder &b, Location l, ValueRange, ValueRange a) {
          return b.createOrFold<arith::CmpFOp>(l, P::UNO, a[0], a[0]);
        }));
  });
  t.add("IsInf", 10, [](Node &n) -> FailureOr<SmallVector<Value>> {
    if (!isa<FloatType>(getElementTypeOrSelf(n.input(0)))) {
      n.emitError() << "expects a float input";
      return failure();
    }
    bool pos = n.getInt("detect_positive", 1),
         neg = n.getInt("detect_negative", 1);
    return one(elementwise(
        n, n.input(0), n.b.getI1Type(),
        [&](OpBuilder &b, Location l, ValueRange, ValueRange a) -> Value {
          Type t = a[0].getType();
          Value r = arith::ConstantOp::create(b, l, b.getBoolAttr(false));
          if (pos)
            r = b.createOrFold<arith::OrIOp>(
                l, r,
                b.createOrFold<arith::CmpFOp>(l, P::OEQ, a[0],
                                              fconst(b, l, t, INFINITY)));
          if (neg)
            r = b.createOrFold<arith::OrIOp>(
                l, r,
                b.createOrFold<arith::CmpFOp>(l, P::OEQ, a[0],
                                              fconst(b, l, t, -INFINITY)));
          return r;
        }));
  });
  t.add("Clip", 11, [](Node &n) -> FailureOr<SmallVector<Value>> {
    SmallVector<Value> ins = {n.input(0)};
    bool lo = static_cast<bool>(n.input(1)), hi = static_cast<bool>(n.input(2));
    if (lo)
      ins.push_back(n.input(1));
    if (hi)
      ins.push_back(n.input(2));
    Type elt = getElementTypeOrSelf(n.input(0));
    bool isFloat = isa<FloatType>(elt), uns = isUnsigned(elt);
    return one(elementwise(
        n, ins, elt, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
          Value x = a[0];
          unsigned k = 1;
          if (lo)
            x = isFloat ? b.createOrFold<arith::MaximumFOp>(l, x, a[k++])
                : uns   ? b.createOrFold<arith::MaxUIOp>(l, x, a[k++])
                        : b.createOrFold<arith::MaxSIOp>(l, x, a[k++]);
          if (hi)
            x = isFloat ? b.createOrFold<arith::MinimumFOp>(l, x, a[k])
                : uns   ? b.createOrFold<arith::MinUIOp>(l, x, a[k])
                        : b.createOrFold<arith::MinSIOp>(l, x, a[k]);
          return x;
        }));
  });
  t.add(
      "Where", 9,
      [](Node &n) -> FailureOr<SmallVector<Value>> {
        SmallVector<Value> ins = {n.input(0), n.input(1), n.input(2)};
        if (!getElementTypeOrSelf(ins[0]).isInteger(1)) {
          n.emitError() << "condition must be bool, got "
                        << getElementTypeOrSelf(ins[0]);
          return failure();
        }
        if (failed(sameElementTypes(n, ArrayRef(ins).drop_front())))
          return failure();
        return one(elementwise(
            n, ins, getElementTypeOrSelf(ins[1]),
            [](OpBuilder &b, Location l, ValueRange, ValueRange a) {
              return b.createOrFold<arith::SelectOp>(l, a[0], a[1], a[2]);
            }));
      },
      3);
  t.add("Cast", 6, [](Node &n) -> FailureOr<SmallVector<Value>> {
    int64_t to = n.getInt("to", 0);
    Type elt = onnxElementType(n.b, to);
    if (!elt) {
      n.emitError() << "attribute 'to' = " << to
                    << " names an unsupported element type";
      return failure();
    }
    return castTo(n, elt);
  });
  t.add(
      "CastLike", 15,
      [](Node &n) -> FailureOr<SmallVector<Value>> {
        return castTo(n, getElementTypeOrSelf(n.input(1)));
      },
      2);
  // The same bits under another type of the same width (bool counts as 8).
  t.add("BitCast", 26, [](Node &n) -> FailureOr<SmallVector<Value>> {
    Type from = getElementTypeOrSelf(n.input(0));
    Type to = onnxElementType(n.b, n.getInt("to", 0));
    auto bits = [](Type t) {
      return t.isInteger(1) ? 8u : t.getIntOrFloatBitWidth();
    };
    if (!to || bits(to) != bits(from)) {
      n.emitError() << "cannot reinterpret " << from << " as "
                    << (to ? to : Type(n.b.getNoneType()))
                    << ": the element widths differ or the type is unknown";
      return failure();
    }
    if (from.isInteger(1) || to.isInteger(1))
      return one(convertTensor(n, n.input(0), to));
    // Element by element (tensor.bitcast between int and float does not
    // bufferize).
    return one(elementwise(
        n, n.input(0), to,
        [&](OpBuilder &b, Location l, ValueRange, ValueRange a) -> Value {
          Type s = signless(to);
          return a[0].getType() == s
                     ? a[0]
                     : b.createOrFold<arith::BitcastOp>(l, s, a[0]);
        }));
  });
  t.add("Identity", 1, [](Node &n) -> FailureOr<SmallVector<Value>> {
    return SmallVector<Value>{n.input(0)};
  });
}
