//===- Resize.cpp - ONNX Resize and Upsample --------------------*- C++ -*-===//
//
// Resize is separable: each resized axis is one gather-and-weigh step.
// Shapes and scales are static, so which input positions each output
// position reads and with which weights (nearest, linear or cubic, with or
// without antialiasing, every coordinate transformation) is computed here,
// once, as the ONNX reference defines it, and becomes two constant tables
// per axis; the IR only gathers and sums.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tmix::onnx_to_tmix;

namespace {

struct ResizeAttrs {
  std::string mode, coordinates, nearestMode;
  double cubicA, extrapolation;
  bool antialias, excludeOutside;
};

/// The weights of the `n` neighbours of a position `ratio` past the pixel
/// on its left (ratio in (0, 1]).
SmallVector<double> weightsAt(const ResizeAttrs &a, double ratio,
                              double scale) {
  if (a.mode == "nearest") {
    if (ratio == std::floor(ratio))
      return {0, 1};
    bool right = a.nearestMode == "round_prefer_floor" ? ratio > 0.5
                 : a.nearestMode == "round_prefer_ceil"
                     ? ratio >= 0.5
                     : a.nearestMode == "ceil";
    return {right ? 0.0 : 1.0, right ? 1.0 : 0.0};
  }
  if (a.mode == "linear") {
    if (!a.antialias)
      return {1 - ratio, ratio};
    double s = std::min(scale, 1.0);
    int64_t start = static_cast<int64_t>(std::floor(-1 / s) + 1);
    int64_t footprint = 2 - 2 * start;
    SmallVector<double> w;
    double sum = 0;
    for (int64_t i = start; i < start + footprint; ++i) {
      double v = std::clamp(1 - std::abs((i - ratio) * s), 0.0, 1.0);
      w.push_back(v);
      sum += v;
    }
    for (double &v : w)
      v /= sum;
    return w;
  }
  double A = a.cubicA;
  if (!a.antialias) {
    double r1 = ratio + 1, q = 1 - ratio, q1 = q + 1;
    return {((A * r1 - 5 * A) * r1 + 8 * A) * r1 - 4 * A,
            ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1,
            ((A + 2) * q - (A + 3)) * q * q + 1,
            ((A * q1 - 5 * A) * q1 + 8 * A) * q1 - 4 * A};
  }
  double s = std::min(scale, 1.0);
  auto coeff = [&](double x) {
    x = std::abs(x);
    if (x <= 1)
      return (A + 2) * x * x * x - (A + 3) * x * x + 1;
    if (x < 2)
      return A * x * x * x - 5 * A * x * x + 8 * A * x - 4 * A;
    return 0.0;
  };
  int64_t start = static_cast<int64_t>(std::floor(-2 / s) + 1);
  SmallVector<double> w;
  double sum = 0;
  for (int64_t i = start; i < 2 - start; ++i) {
    w.push_back(coeff(s * (i - ratio)));
    sum += w.back();
  }
  for (double &v : w)
    v /= sum;
  return w;
}

/// One resized axis: for each output position, `n` clamped input indices
/// and their weights, and whether it lies outside a crop (extrapolated).
struct AxisPlan {
  int64_t out = 0, n = 0;
  SmallVector<int64_t> index;
  SmallVector<double> weight;
  SmallVector<bool> outside;
};

AxisPlan planAxis(const ResizeAttrs &a, int64_t in, int64_t out, double scale,
                  double roiStart, double roiEnd) {
  AxisPlan p;
  p.out = out;
  double outWidth = scale * in;
  for (int64_t y = 0; y < out; ++y) {
    double x;
    const std::string &m = a.coordinates;
    bool outside = false;
    if (m == "align_corners") {
      x = outWidth == 1 ? 0.0 : y * double(in - 1) / (outWidth - 1);
    } else if (m == "asymmetric") {
      x = y / scale;
    } else if (m == "tf_crop_and_resize") {
      x = outWidth == 1 ? (roiEnd - roiStart) * (in - 1) / 2
                        : y * (roiEnd - roiStart) * (in - 1) / (outWidth - 1);
      x += roiStart * (in - 1);
      outside = x < 0 || x > in - 1;
    } else if (m == "pytorch_half_pixel") {
      x = outWidth == 1 ? -0.5 : (y + 0.5) / scale - 0.5;
    } else if (m == "half_pixel_symmetric") {
      double adjustment = out / outWidth, center = in / 2.0;
      x = center * (1 - adjustment) + (y + 0.5) / scale - 0.5;
    } else { // half_pixel
      x = (y + 0.5) / scale - 0.5;
    }
    double left = std::floor(x);
    double ratio = x == left ? 1.0 : x - left;
    SmallVector<double> w = weightsAt(a, ratio, scale);
    int64_t n = w.size();
    // The n neighbours nearest to x, ties to the smaller index, in the
    // edge-padded input.
    int64_t pad = (n + 1) / 2;
    double padded = x + pad;
    double p0 = std::floor(padded), frac = padded - p0;
    int64_t offset = n % 2 == 0
                         ? (frac == 0 ? -(n / 2) : -(n / 2) + 1)
                         : (frac <= 0.5 ? -((n - 1) / 2) : -((n - 1) / 2) + 1);
    int64_t start = static_cast<int64_t>(p0) + offset - pad;
    if (a.excludeOutside) {
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) {
        if (start + k < 0 || start + k >= in)
          w[k] = 0;
        sum += w[k];
      }
      for (double &v : w)
        v /= sum == 0 ? 1 : sum;
    }
    p.n = n;
    for (int64_t k = 0; k < n; ++k) {
      p.index.push_back(std::clamp<int64_t>(start + k, 0, in - 1));
      p.weight.push_back(w[k]);
    }
    p.outside.push_back(outside);
  }
  return p;
}

/// `x` resized along `axis` by `plan`: nearest picks one element per
/// output position (any element type); linear and cubic sum weighted
/// neighbours in `acc` and return `acc`.
Value applyAxis(Node &n, Value x, int64_t axis, const AxisPlan &plan,
                const ResizeAttrs &a, Type acc) {
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = plan.out;
  OpBuilder &b = n.b;
  bool nearest = a.mode == "nearest";
  int64_t taps = nearest ? 1 : plan.n;
  SmallVector<APInt> idx;
  SmallVector<Attribute> w;
  for (int64_t o = 0; o < plan.out; ++o)
    for (int64_t k = 0; k < plan.n; ++k) {
      double weight = plan.weight[o * plan.n + k];
      if (nearest && weight != 1)
        continue;
      idx.push_back(APInt(64, plan.index[o * plan.n + k]));
      w.push_back(b.getFloatAttr(acc, weight));
    }
  auto tableType = [&](Type elt) {
    return RankedTensorType::get({plan.out, taps}, elt);
  };
  Value idxT = arith::ConstantOp::create(
      b, n.loc, DenseElementsAttr::get(tableType(b.getI64Type()), idx));
  Value wT = nearest ? Value()
                     : arith::ConstantOp::create(
                           b, n.loc, DenseElementsAttr::get(tableType(acc), w));
  Value outsideT;
  if (llvm::is_contained(plan.outside, true))
    outsideT = arith::ConstantOp::create(
        b, n.loc,
        DenseElementsAttr::get(RankedTensorType::get({plan.out}, b.getI1Type()),
                               ArrayRef(plan.outside)));
  Type elt = signless(t.getElementType());
  x = bitcastElements(n, x, elt);
  Value y = generic(
      n, shape, nearest ? elt : acc, {}, {},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
        Value v;
        for (int64_t k = 0; k < taps; ++k) {
          Value kk = arith::ConstantIndexOp::create(b, l, k);
          Value i = b.createOrFold<tensor::ExtractOp>(
              l, idxT, ValueRange{ivs[axis], kk});
          SmallVector<Value> pos(ivs);
          pos[axis] =
              b.createOrFold<arith::IndexCastOp>(l, b.getIndexType(), i);
          Value e = b.createOrFold<tensor::ExtractOp>(l, x, pos);
          if (nearest) {
            v = e;
            break;
          }
          Value term = b.createOrFold<arith::MulFOp>(
              l,
              b.createOrFold<tensor::ExtractOp>(l, wT,
                                                ValueRange{ivs[axis], kk}),
              convertScalar(b, l, e, acc));
          v = v ? b.createOrFold<arith::AddFOp>(l, v, term) : term;
        }
        if (outsideT) {
          Type vt = v.getType();
          Value fill = isa<FloatType>(vt)
                           ? fconst(b, l, vt, a.extrapolation)
                           : arith::ConstantOp::create(
                                 b, l,
                                 b.getIntegerAttr(vt, static_cast<int64_t>(
                                                          a.extrapolation)));
          v = b.createOrFold<arith::SelectOp>(
              l,
              b.createOrFold<tensor::ExtractOp>(l, outsideT,
                                                ValueRange{ivs[axis]}),
              fill, v);
        }
        return v;
      });
  return nearest ? bitcastElements(n, y, t.getElementType()) : y;
}

/// A float input (roi, scales) as host doubles; empty when absent or empty.
FailureOr<SmallVector<double>> constantFloats(Node &n, unsigned i,
                                              StringRef what) {
  SmallVector<double> values;
  if (!n.input(i) || n.type(i).getNumElements() == 0)
    return values;
  DenseElementsAttr c = n.constant(i);
  if (!c || !isa<FloatType>(c.getElementType())) {
    n.emitError() << what
                  << " must be a constant float tensor (an initializer or "
                     "computed from static shapes)";
    return failure();
  }
  for (APFloat v : c.getValues<APFloat>())
    values.push_back(v.convertToDouble());
  return values;
}

/// Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) and Upsample.
Rule resize(bool upsample) {
  return [=](Node &n) -> Results {
    auto t = n.type(0);
    int64_t rank = t.getRank();
    bool v10 = upsample || n.opset < 11;
    ResizeAttrs a;
    a.mode = n.getString("mode", "nearest");
    a.coordinates =
        v10 ? "asymmetric"
            : n.getString("coordinate_transformation_mode", "half_pixel");
    a.nearestMode =
        v10 ? "floor" : n.getString("nearest_mode", "round_prefer_floor");
    a.cubicA = n.getFloat("cubic_coeff_a", -0.75);
    a.extrapolation = n.getFloat("extrapolation_value", 0.0);
    a.antialias = n.getInt("antialias", 0);
    a.excludeOutside = n.getInt("exclude_outside", 0);
    std::string policy = n.getString("keep_aspect_ratio_policy", "stretch");
    static const char *const coordinateModes[] = {
        "half_pixel",    "half_pixel_symmetric", "pytorch_half_pixel",
        "align_corners", "asymmetric",           "tf_crop_and_resize"};
    static const char *const nearestModes[] = {
        "round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    if (a.mode == "bilinear" || a.mode == "trilinear")
      a.mode = "linear"; // Upsample-7/9 spellings.
    if ((a.mode != "nearest" && a.mode != "linear" && a.mode != "cubic") ||
        !llvm::is_contained(coordinateModes, a.coordinates) ||
        !llvm::is_contained(nearestModes, a.nearestMode) ||
        (policy != "stretch" && policy != "not_larger" &&
         policy != "not_smaller") ||
        (a.antialias && a.mode == "nearest")) {
      n.emitError() << "unsupported attributes: mode '" << a.mode
                    << "', coordinate_transformation_mode '" << a.coordinates
                    << "', nearest_mode '" << a.nearestMode
                    << "', keep_aspect_ratio_policy '" << policy
                    << "', antialias " << a.antialias;
      return failure();
    }
    Type elt = t.getElementType();
    if (a.mode != "nearest" && !isa<FloatType>(elt)) {
      n.emitError() << a.mode << " resizing expects a float input, got " << elt;
      return failure();
    }
    unsigned scalesAt = v10 ? 1 : 2;
    FailureOr<SmallVector<double>> roi =
        v10 ? FailureOr<SmallVector<double>>(SmallVector<double>())
            : constantFloats(n, 1, "roi");
    FailureOr<SmallVector<double>> scales =
        constantFloats(n, scalesAt, "scales");
    if (failed(roi) || failed(scales))
      return failure();
    SmallVector<int64_t> sizes;
    if (!v10 && n.input(3) && n.type(3).getNumElements()) {
      auto s = n.constantInts(3, "sizes");
      if (failed(s))
        return failure();
      sizes = *s;
    }
    if (scales->empty() == sizes.empty()) {
      n.emitError() << "exactly one of scales and sizes must be given";
      return failure();
    }
    FailureOr<SmallVector<int64_t>> axesOr = n.axesAttr(rank);
    if (failed(axesOr))
      return failure();
    SmallVector<int64_t> &axes = *axesOr;
    size_t count = axes.size();
    if ((!scales->empty() && scales->size() != count) ||
        (!sizes.empty() && sizes.size() != count) ||
        (!roi->empty() && roi->size() != 2 * count)) {
      n.emitError() << "scales, sizes and roi must have one entry per axis ("
                    << count << ", roi twice that)";
      return failure();
    }
    // Per dim: scale, output size, roi.
    SmallVector<double> scale(rank, 1.0), roiStart(rank, 0.0),
        roiEnd(rank, 1.0);
    SmallVector<int64_t> out(t.getShape());
    for (size_t i = 0; i < count; ++i) {
      int64_t d = axes[i];
      if (!roi->empty()) {
        roiStart[d] = (*roi)[i];
        roiEnd[d] = (*roi)[count + i];
      }
      if (!scales->empty()) {
        if (!((*scales)[i] > 0)) {
          n.emitError() << "scales must be positive, got " << (*scales)[i];
          return failure();
        }
        scale[d] = (*scales)[i];
        out[d] = static_cast<int64_t>(scale[d] * t.getDimSize(d));
      } else {
        if (sizes[i] <= 0) {
          n.emitError() << "sizes must be positive, got " << sizes[i];
          return failure();
        }
        out[d] = sizes[i];
        scale[d] = double(sizes[i]) / t.getDimSize(d);
      }
    }
    if (!sizes.empty() && policy != "stretch") {
      double s = scale[axes[0]];
      for (int64_t d : axes)
        s = policy == "not_larger" ? std::min(s, scale[d])
                                   : std::max(s, scale[d]);
      for (int64_t d : axes) {
        scale[d] = s;
        out[d] = static_cast<int64_t>(s * t.getDimSize(d) + 0.5);
      }
    }
    Type acc = isa<FloatType>(elt) ? accumulatorFor(elt) : Type();
    Value y = n.input(0);
    for (int64_t d : axes) {
      int64_t in = t.getDimSize(d);
      if (std::abs(scale[d] - 1.0) < 1e-9 && out[d] == in &&
          std::abs(roiStart[d]) < 1e-9 && std::abs(roiEnd[d] - 1) < 1e-9)
        continue;
      if (in == 0 || out[d] == 0) {
        n.emitError() << "cannot resize dimension " << d << " from " << in
                      << " to " << out[d];
        return failure();
      }
      AxisPlan plan = planAxis(a, in, out[d], scale[d], roiStart[d], roiEnd[d]);
      y = applyAxis(n, y, d, plan, a, acc);
    }
    FailureOr<Value> r = convertTensor(n, y, elt);
    if (failed(r))
      return failure();
    return one(*r);
  };
}

} // namespace

void mlir::tmix::onnx_to_tmix::addResizeRules(RuleTable &t) {
  t.add("Resize", 10, resize(/*upsample=*/false));
  t.add("Upsample", 9, resize(/*upsample=*/true), 2);
}
