//===- ReplaceAttention.cpp - tmix-replace-attention ------------*- C++ -*-===//
//
// Swaps chosen tmix.attention sites for sigmoid, linear or pooling mixers
// and reports, per site, what each mixer costs. Sites that a mixer cannot
// express faithfully (a mask it cannot honour, a softcap, causal decode with
// Lq != Lk) are kept, with a remark saying why.
//
//===----------------------------------------------------------------------===//

#include "tmix/IR/TMixDialect.h"
#include "tmix/Passes.h"
#include "tmix/Utils.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include <cmath>

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXREPLACEATTENTIONPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;
using namespace mlir::tmix;

namespace {

bool matchesNode(ArrayRef<std::string> names, StringRef selector) {
  return llvm::any_of(names, [&](StringRef name) {
    return name == selector ||
           (selector.ends_with("/") && name.starts_with(selector));
  });
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << '?';
        else
          os << d;
      },
      "x");
  return out;
}

/// One row of the report.
struct SiteRecord {
  unsigned index;
  SmallVector<std::string> names;
  SmallVector<int64_t> query, key, value, mask;
  bool hasMask;
  CausalMode causal;
  StringRef after;
  std::string status; // replaced, skipped, kept
  std::string reason;
  MixerCost before, cost;
};

class ReplaceAttentionPass
    : public tmix::impl::TMixReplaceAttentionPassBase<ReplaceAttentionPass> {
public:
  using Base::Base;
  ReplaceAttentionPass(const TMixReplaceAttentionPassOptions &options,
                       MixerReportSink sink)
      : Base(options), sink(std::move(sink)) {}

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<RegisteredOperationName> target =
        lookupMixer(&getContext(), mixer);
    if (!target) {
      error(module, "unknown mixer '" + mixer + "' (expected " +
                        llvm::join(getMixerNames().drop_back(), ", ") + " or " +
                        getMixerNames().back() + ")");
      return signalPassFailure();
    }
    auto *replacement = target->getInterface<MixerOpInterface>();
    bool keep = target->getTypeID() == TypeID::get<AttentionOp>();
    std::optional<ReplacementOptions> options = parseOptions(module);
    if (!options)
      return signalPassFailure();

    SmallVector<AttentionOp> sites;
    module.walk([&](AttentionOp op) { sites.push_back(op); });
    FailureOr<llvm::SmallBitVector> selected = select(module, sites);
    if (failed(selected))
      return signalPassFailure();

    SmallVector<SiteRecord, 0> records;
    for (auto [i, op] : llvm::enumerate(sites)) {
      auto site = cast<MixerOpInterface>(op.getOperation());
      SiteRecord r{unsigned(i),
                   getNodeNames(op.getLoc()),
                   SmallVector<int64_t>(op.getQuery().getType().getShape()),
                   SmallVector<int64_t>(op.getKey().getType().getShape()),
                   SmallVector<int64_t>(op.getValue().getType().getShape()),
                   {},
                   bool(op.getMask()),
                   op.getCausal(),
                   AttentionOp::getMixerName(),
                   "kept",
                   "",
                   {},
                   {}};
      if (op.getMask())
        r.mask.assign(
            cast<RankedTensorType>(op.getMask().getType()).getShape().begin(),
            cast<RankedTensorType>(op.getMask().getType()).getShape().end());
      MixerSite shape = site.getSite();
      r.before = r.cost = site.estimateCost();
      if (!(*selected)[i] || keep) {
        r.reason = (*selected)[i] ? "" : "not selected";
        records.push_back(std::move(r));
        continue;
      }
      OpBuilder b(op);
      std::string note;
      FailureOr<Value> out =
          replacement->buildReplacement(b, site, *options, note);
      if (failed(out)) {
        op.emitRemark() << "kept softmax attention: " << note;
        r.status = "skipped";
        r.reason = note;
        ++numSkipped;
        records.push_back(std::move(r));
        continue;
      }
      op.emitRemark() << "replaced softmax attention with " << note;
      r.status = "replaced";
      r.after = replacement->getMixerName();
      r.cost = replacement->estimateCostAt(shape);
      records.push_back(std::move(r));
      SmallVector<Value> operands(op->getOperands());
      op.getOutput().replaceAllUsesWith(*out);
      op.erase();
      eraseDeadProducers(operands);
      ++numReplaced;
    }
    if (report.empty() && !sink)
      return;
    std::string json;
    {
      llvm::raw_string_ostream os(json);
      writeJson(os, records);
    }
    if (sink)
      sink(json);
    if (!report.empty() && failed(writeReport(module, records, json)))
      return signalPassFailure();
  }

private:
  MixerReportSink sink;

  std::optional<ReplacementOptions> parseOptions(ModuleOp module) {
    ReplacementOptions r;
    r.poolWindow = poolWindow;
    std::optional<FeatureMap> fm = symbolizeFeatureMap(featureMap);
    if (!fm)
      return error(module, "unknown feature-map '" + featureMap +
                               "' (expected elu_plus_one, relu or identity)");
    r.featureMap = *fm;
    if (!sigmoidBias.empty()) {
      double bias;
      if (StringRef(sigmoidBias).getAsDouble(bias) || !std::isfinite(bias))
        return error(module, "sigmoid-bias '" + sigmoidBias +
                                 "' is not a finite number");
      r.sigmoidBias = bias;
    }
    if (poolWindow < 0)
      return error(module, "pool-window must be >= 0 (0 = global), got " +
                               std::to_string(poolWindow));
    if (reportFormat != "text" && reportFormat != "json")
      return error(module, "unknown report-format '" + reportFormat +
                               "' (expected text or json)");
    return r;
  }

  static std::nullopt_t error(ModuleOp module, const Twine &message) {
    module.emitError() << "tmix-replace-attention: " << message;
    return std::nullopt;
  }
  /// Sites chosen by `layers` and `nodes` (all when both are empty).
  FailureOr<llvm::SmallBitVector> select(ModuleOp module,
                                         MutableArrayRef<AttentionOp> sites) {
    llvm::SmallBitVector chosen(sites.size(), layers.empty() && nodes.empty());
    for (const std::string &entry : layers) {
      StringRef text(entry);
      auto [first, last] = text.split('-');
      unsigned lo, hi;
      if (first.trim().getAsInteger(10, lo) ||
          (last.empty() ? (hi = lo, false)
                        : last.trim().getAsInteger(10, hi)) ||
          hi < lo) {
        error(module, "layers entry '" + entry +
                          "' is not an index or a range like 2-5");
        return failure();
      }
      if (hi >= sites.size()) {
        error(module, "layers entry '" + entry + "' names no site: the " +
                          "module has " + std::to_string(sites.size()) +
                          " attention site(s)");
        return failure();
      }
      chosen.set(lo, hi + 1);
    }
    for (const std::string &name : nodes) {
      bool any = false;
      for (auto [i, op] : llvm::enumerate(sites))
        if (matchesNode(getNodeNames(op.getLoc()), name)) {
          chosen.set(i);
          any = true;
        }
      if (!any) {
        error(module, "nodes entry '" + name +
                          "' matches no attention site's ONNX node");
        return failure();
      }
    }
    return chosen;
  }

  /// Erases what only the replaced site used (q and k for pooling).
  void eraseDeadProducers(ArrayRef<Value> roots) {
    SmallVector<Operation *> worklist;
    for (Value v : roots)
      if (Operation *def = v ? v.getDefiningOp() : nullptr)
        worklist.push_back(def);
    llvm::SmallPtrSet<Operation *, 16> erased;
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      if (erased.contains(op) || !isOpTriviallyDead(op))
        continue;
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp())
          worklist.push_back(def);
      erased.insert(op);
      op->erase();
      ++numErased;
    }
  }

  LogicalResult writeReport(ModuleOp module, ArrayRef<SiteRecord> records,
                            StringRef json) {
    std::string error;
    auto file = mlir::openOutputFile(report, &error);
    if (!file) {
      module.emitError() << "tmix-replace-attention: cannot write report '"
                         << report << "': " << error;
      return failure();
    }
    if (reportFormat == "json")
      file->os() << json;
    else
      writeText(file->os(), records);
    file->keep();
    return success();
  }

  /// Costs summed over all sites, and how many were replaced.
  struct Totals {
    MixerCost before, after;
    int64_t replaced = 0;
  };
  static Totals sum(ArrayRef<SiteRecord> records) {
    Totals t;
    for (const SiteRecord &r : records) {
      t.before.flops += r.before.flops;
      t.before.bytes += r.before.bytes;
      t.after.flops += r.cost.flops;
      t.after.bytes += r.cost.bytes;
      t.replaced += r.status == "replaced";
    }
    return t;
  }

  void writeJson(raw_ostream &os, ArrayRef<SiteRecord> records) {
    llvm::json::OStream j(os, 2);
    // Unknown (dynamic) sizes and costs are null.
    auto costs = [&](const MixerCost &before, const MixerCost &after) {
      for (auto [key, x] : {std::pair{"flops_before", before.flops},
                            {"flops_after", after.flops},
                            {"bytes_before", before.bytes},
                            {"bytes_after", after.bytes}}) {
        if (std::isnan(x))
          j.attribute(key, nullptr);
        else
          j.attribute(key, x);
      }
    };
    auto shape = [&](StringRef key, ArrayRef<int64_t> dims) {
      j.attributeArray(key, [&] {
        for (int64_t d : dims)
          ShapedType::isDynamic(d) ? j.value(nullptr) : j.value(d);
      });
    };
    Totals totals = sum(records);
    j.object([&] {
      j.attribute("mixer", mixer);
      j.attributeArray("sites", [&] {
        for (const SiteRecord &r : records)
          j.object([&] {
            j.attribute("index", r.index);
            j.attributeArray("nodes", [&] {
              for (const std::string &n : r.names)
                j.value(n);
            });
            shape("query", r.query);
            shape("key", r.key);
            shape("value", r.value);
            if (r.hasMask)
              shape("mask", r.mask);
            else
              j.attribute("mask", nullptr);
            j.attribute("causal", stringifyCausalMode(r.causal));
            j.attribute("before", "softmax");
            j.attribute("after", r.after);
            j.attribute("status", r.status);
            if (!r.reason.empty())
              j.attribute("reason", r.reason);
            costs(r.before, r.cost);
          });
      });
      j.attributeObject("totals", [&] {
        j.attribute("sites", int64_t(records.size()));
        j.attribute("replaced", totals.replaced);
        costs(totals.before, totals.after);
      });
    });
    os << "\n";
  }

  void writeText(raw_ostream &os, ArrayRef<SiteRecord> records) {
    auto sig = [](double x, double unit) {
      if (std::isnan(x))
        return std::string("?");
      std::string out;
      llvm::raw_string_ostream(out) << llvm::format("%.4g", x / unit);
      return out;
    };
    auto giga = [&](double x) { return sig(x, 1e9); };
    auto mega = [&](double x) { return sig(x, 1e6); };
    os << "tmix mixer report (mixer=" << mixer << ")\n";
    const char *row = "{0,-4} {1,-14} {2,-14} {3,-11} {4,-18} {5,-20} "
                      "{6,-18} {7,-9} {8}\n";
    os << llvm::formatv(row, "site", "q", "k", "causal", "mixer", "GFLOP",
                        "MB moved", "status", "onnx nodes / reason");
    for (const SiteRecord &r : records) {
      std::string names = llvm::join(r.names, ",");
      if (names.empty())
        names = "-";
      os << llvm::formatv(
          row, r.index, formatShape(r.query), formatShape(r.key),
          stringifyCausalMode(r.causal), ("softmax -> " + r.after).str(),
          giga(r.before.flops) + " -> " + giga(r.cost.flops),
          mega(r.before.bytes) + " -> " + mega(r.cost.bytes), r.status,
          names + (r.reason.empty() ? "" : " (" + r.reason + ")"));
    }
    Totals t = sum(records);
    os << llvm::formatv(row, "all", "", "", "", "",
                        giga(t.before.flops) + " -> " + giga(t.after.flops),
                        mega(t.before.bytes) + " -> " + mega(t.after.bytes),
                        llvm::formatv("{0}/{1}", t.replaced, records.size()),
                        "sites replaced");
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tmix::createTMixReplaceAttentionPass(
    const TMixReplaceAttentionPassOptions &options, MixerReportSink sink) {
  return std::make_unique<ReplaceAttentionPass>(options, std::move(sink));
}
