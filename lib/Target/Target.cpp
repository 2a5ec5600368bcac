//===- Target.cpp - the target registry and option checks -------*- C++ -*-===//
//
// The list of targets, validateCompileOptions (the one place options are
// checked: generic rules here, target rules in each TargetBackend), and the
// tmix-<target>-pipeline registrations, whose options are expanded from
// Options.def.
//
//===----------------------------------------------------------------------===//

#include "tmix/Target/Target.h"
#include "tmix/IR/TMixDialect.h"
#include "tmix/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tmix;

TargetBackend::~TargetBackend() = default;

ArrayRef<const TargetBackend *> tmix::getTargets() {
  static const TargetBackend *const targets[] = {&getCpuTarget(),
                                                 &getCudaTarget()};
  return targets;
}

const TargetBackend *tmix::lookupTarget(StringRef name) {
  for (const TargetBackend *target : getTargets())
    if (target->getName() == name)
      return target;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

ArrayRef<OptionInfo> tmix::getCompileOptionInfos() {
  static const OptionInfo infos[] = {
#define TMIX_OPTION(SCOPE, TYPE, FIELD, FLAG, DEFAULT, HELP)                   \
  {OptionScope::SCOPE, FLAG, HELP, &CompileOptions::FIELD, false},
#define TMIX_LIST_OPTION(SCOPE, FIELD, FLAG, COMMAS, HELP)                     \
  {OptionScope::SCOPE, FLAG, HELP, &CompileOptions::FIELD, COMMAS},
#include "tmix/Options.def"
  };
  return infos;
}

const OptionInfo *tmix::lookupCompileOption(StringRef flag) {
  std::string dashed = flag.str();
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  for (const OptionInfo &info : getCompileOptionInfos())
    if (info.flag == dashed)
      return &info;
  return nullptr;
}

namespace {
llvm::Error invalid(const Twine &message) {
  return llvm::createStringError(message.str());
}

/// "a, b or c" / "a, b, c" of `values`.
std::string listOf(ArrayRef<StringRef> values, StringRef lastSeparator) {
  std::string out;
  for (auto [i, v] : llvm::enumerate(values)) {
    if (i)
      out += i + 1 == values.size() ? lastSeparator.str() : ", ";
    out += v.str();
  }
  return out;
}

llvm::Error checkOneOf(StringRef flag, StringRef value,
                       ArrayRef<StringRef> allowed) {
  if (llvm::is_contained(allowed, value))
    return llvm::Error::success();
  return invalid("--" + flag + "=" + value + " is not one of " +
                 listOf(allowed, ", "));
}
} // namespace

llvm::Error tmix::validateCompileOptions(const CompileOptions &o) {
  const CompileOptions defaults;
  SmallVector<StringRef> targets;
  for (const TargetBackend *target : getTargets())
    targets.push_back(target->getName());
  const TargetBackend *target = lookupTarget(o.target);
  if (!target)
    return checkOneOf("target", o.target, targets);
  if (llvm::Error e = checkOneOf("emit", o.emit, {"so", "obj", "llvm", "mlir"}))
    return e;
  if (llvm::Error e =
          checkOneOf("weights", o.weights, {"embed", "external", "auto"}))
    return e;
  if (o.name.empty() || !(llvm::isAlpha(o.name[0]) || o.name[0] == '_') ||
      !llvm::all_of(o.name,
                    [](char c) { return llvm::isAlnum(c) || c == '_'; }))
    return invalid("--name=" + o.name +
                   " is not a C identifier (letters, digits and '_', not "
                   "starting with a digit)");

  // Mixers, and the options that only mean something with one.
  if (!o.mixer.empty())
    if (llvm::Error e = checkOneOf("mixer", o.mixer, getMixerNames()))
      return e;
  auto needsMixer = [&](StringRef flag, StringRef mixer) -> llvm::Error {
    if (mixer.empty() ? !o.mixer.empty() : o.mixer == mixer)
      return llvm::Error::success();
    return invalid("--" + flag + " needs --mixer" +
                   (mixer.empty() ? "" : "=" + mixer) +
                   (mixer.empty() ? " (the mixer to put at those sites)" : ""));
  };
  if (!o.layers.empty())
    if (llvm::Error e = needsMixer("layers", ""))
      return e;
  if (!o.nodes.empty())
    if (llvm::Error e = needsMixer("nodes", ""))
      return e;
  if (!symbolizeFeatureMap(o.featureMap))
    return checkOneOf("feature-map", o.featureMap,
                      {"elu_plus_one", "relu", "identity"});
  if (o.featureMap != defaults.featureMap)
    if (llvm::Error e = needsMixer("feature-map", "linear"))
      return e;
  if (!o.sigmoidBias.empty()) {
    double bias;
    if (StringRef(o.sigmoidBias).getAsDouble(bias) || !std::isfinite(bias))
      return invalid("--sigmoid-bias=" + o.sigmoidBias +
                     " is not a finite number");
    if (llvm::Error e = needsMixer("sigmoid-bias", "sigmoid"))
      return e;
  }
  if (o.poolWindow < 0)
    return invalid("--pool-window=" + Twine(o.poolWindow) +
                   " is negative (0 = global)");
  if (o.poolWindow != defaults.poolWindow)
    if (llvm::Error e = needsMixer("pool-window", "pool"))
      return e;
  if (llvm::Error e = checkOneOf("mixer-report-format", o.mixerReportFormat,
                                 {"text", "json"}))
    return e;
  if (o.mixerReportFormat != defaults.mixerReportFormat &&
      o.mixerReport.empty())
    return invalid("--mixer-report-format needs --mixer-report (the file "
                   "to write)");

  for (auto [flag, value] : {std::pair<StringRef, int64_t>{"tile-q", o.tileQ},
                             {"tile-k", o.tileK},
                             {"chunk", o.chunk}})
    if (value <= 0)
      return invalid("--" + flag + "=" + Twine(value) + " is not positive");
  if (o.weightsMinBytes <= 0 || o.weightsEmbedLimit < 0)
    return invalid("weights-min-bytes must be positive and "
                   "weights-embed-limit non-negative");
  return target->validate(o);
}

//===----------------------------------------------------------------------===//
// tmix-<target>-pipeline
//===----------------------------------------------------------------------===//

namespace {
/// The Pipeline and Internal options of Options.def as pass-pipeline
/// options.
struct TargetPipelineOptions
    : public PassPipelineOptions<TargetPipelineOptions> {
#define TMIX_OPTION(SCOPE, TYPE, FIELD, FLAG, DEFAULT, HELP)                   \
  std::optional<Option<TYPE>> FIELD =                                          \
      makeOption<TYPE>(OptionScope::SCOPE, FLAG, HELP, DEFAULT);
#define TMIX_LIST_OPTION(SCOPE, FIELD, FLAG, COMMAS, HELP)                     \
  std::optional<ListOption<std::string>> FIELD =                               \
      makeList(OptionScope::SCOPE, FLAG, HELP);
#include "tmix/Options.def"

  template <typename T, typename D>
  std::optional<Option<T>> makeOption(OptionScope scope, StringRef flag,
                                      StringRef help, D defaultValue) {
    if (scope == OptionScope::Driver)
      return std::nullopt;
    return std::optional<Option<T>>(std::in_place, *this, flag,
                                    llvm::cl::desc(help),
                                    llvm::cl::init(T(defaultValue)));
  }
  std::optional<ListOption<std::string>>
  makeList(OptionScope scope, StringRef flag, StringRef help) {
    if (scope == OptionScope::Driver)
      return std::nullopt;
    return std::optional<ListOption<std::string>>(std::in_place, *this, flag,
                                                  llvm::cl::desc(help));
  }

  CompileOptions toCompileOptions(StringRef targetName) const {
    CompileOptions o;
    o.target = targetName.str();
#define TMIX_OPTION(SCOPE, TYPE, FIELD, FLAG, DEFAULT, HELP)                   \
  if (FIELD)                                                                   \
    o.FIELD = FIELD->getValue();
#define TMIX_LIST_OPTION(SCOPE, FIELD, FLAG, COMMAS, HELP)                     \
  if (FIELD)                                                                   \
    o.FIELD.assign(FIELD->begin(), FIELD->end());
#include "tmix/Options.def"
    return o;
  }
};
} // namespace

void tmix::registerTargetPipelines() {
  for (const TargetBackend *target : getTargets()) {
    std::string name = ("tmix-" + target->getName() + "-pipeline").str();
    registerPassPipeline(
        name, target->getDescription(),
        [target](OpPassManager &pm, StringRef text,
                 function_ref<LogicalResult(const Twine &)> errorHandler) {
          std::unique_ptr<TargetPipelineOptions> options =
              TargetPipelineOptions::createFromString(text);
          if (!options)
            return errorHandler("invalid options '" + text + "'");
          CompileOptions compile = options->toCompileOptions(target->getName());
          if (llvm::Error e = validateCompileOptions(compile))
            return errorHandler(llvm::toString(std::move(e)));
          target->buildPipeline(pm, compile, PipelineHooks());
          return success();
        },
        [](function_ref<void(const mlir::detail::PassOptions &)> print) {
          print(TargetPipelineOptions());
        });
  }
}
