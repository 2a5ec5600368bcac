//===- tmix-compile.cpp - ONNX model to a shared library -------*- C++ -*-===//
//
// tmix-compile model.onnx -o model.so [--mixer=linear --layers=0-3 ...]
//
// Every compile option is a flag here, bound to CompileOptions through
// getCompileOptionInfos (tmix/Options.def); MLIR's pass-manager debug flags
// (--mlir-print-ir-after-all, --mlir-timing, ...) apply to every pass
// manager of the compile.
//
//===----------------------------------------------------------------------===//

#include "tmix/Compiler.h"
#include "tmix/InitAll.h"
#include "tmix/Target/Target.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <deque>
#include <memory>

using namespace mlir;
using namespace mlir::tmix;
namespace cl = llvm::cl;

static cl::OptionCategory category("tmix-compile options");
static cl::opt<std::string> input(cl::Positional, cl::Required,
                                  cl::desc("<model.onnx>"), cl::cat(category));
static cl::opt<std::string> output("o", cl::Required,
                                   cl::desc("Output shared library"),
                                   cl::value_desc("model.so"),
                                   cl::cat(category));
static cl::opt<bool> timing("timing",
                            cl::desc("Print the time of each phase to stderr"),
                            cl::cat(category));
static cl::opt<bool> quiet("quiet",
                           cl::desc("No progress on a terminal (errors only)"),
                           cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "tmix-compile") << message << "\n";
  return 1;
}

/// A command-line flag for each compile option, storing into `options`;
/// the names and help of --no-X flags live in `texts`.
static std::vector<std::unique_ptr<cl::Option>>
bindFlags(CompileOptions &options, std::deque<std::string> &texts,
          std::vector<StringRef> &negated) {
  std::vector<std::unique_ptr<cl::Option>> flags;
  for (const OptionInfo &info : getCompileOptionInfos()) {
    if (info.scope == OptionScope::Internal)
      continue;
    auto desc = cl::desc(info.help);
    if (bool *b = info.get<bool>(options)) {
      flags.push_back(std::make_unique<cl::opt<bool, true>>(
          info.flag, desc, cl::location(*b), cl::cat(category)));
      if (*b) {
        negated.push_back(texts.emplace_back(("no-" + info.flag).str()));
        StringRef help =
            texts.emplace_back(("Turn --" + info.flag + " off").str());
        flags.push_back(std::make_unique<cl::opt<bool>>(
            negated.back(), cl::desc(help), cl::cat(category)));
      }
    } else if (int64_t *i = info.get<int64_t>(options)) {
      flags.push_back(std::make_unique<cl::opt<int64_t, true>>(
          info.flag, desc, cl::location(*i), cl::cat(category)));
    } else if (std::string *s = info.get<std::string>(options)) {
      flags.push_back(std::make_unique<cl::opt<std::string, true>>(
          info.flag, desc, cl::location(*s), cl::cat(category)));
    } else if (auto *list = info.get<std::vector<std::string>>(options)) {
      auto flag =
          std::make_unique<cl::list<std::string, std::vector<std::string>>>(
              info.flag, desc, cl::location(*list), cl::cat(category));
      if (info.commaSeparated)
        flag->setMiscFlag(cl::CommaSeparated);
      flags.push_back(std::move(flag));
    }
  }
  return flags;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  CompileOptions options;
  std::deque<std::string> texts;
  std::vector<StringRef> negated;
  std::vector<std::unique_ptr<cl::Option>> flags =
      bindFlags(options, texts, negated);
  // Pass names for --mlir-print-ir-after=PASS and friends.
  registerAllTMixPasses();
  registerUpstreamPassesForTMix();
  registerPassManagerCLOptions();
  registerMLIRContextCLOptions();
  registerAsmPrinterCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "tmix-compile: " << getVersionString() << "\n";
  });
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "tmix: compile an ONNX model to a shared "
                              "library (C ABI in tmix-c/Model.h)\n\n"
                              "MLIR's pass-manager flags (--mlir-timing, "
                              "--mlir-print-ir-after-all, ...) are accepted; "
                              "--help-hidden lists them.\n");
  for (StringRef flag : negated)
    if (auto *opt = static_cast<cl::opt<bool> *>(
            cl::getRegisteredOptions().lookup(flag));
        opt && *opt)
      *lookupCompileOption(flag.drop_front(3))->get<bool>(options) = false;
  if (llvm::Error e = validateCompileOptions(options))
    return fail(llvm::toString(std::move(e)));

  auto buffer = llvm::MemoryBuffer::getFile(input, /*IsText=*/false);
  if (!buffer)
    return fail("cannot open '" + input + "': " + buffer.getError().message());
  if (llvm::sys::fs::is_directory(input))
    return fail("'" + input + "' is a directory, not a model");
  MLIRContext context(MLIRContext::Threading::DISABLED);
  // One line per error: the op is named in the message already.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);

  CompileHooks hooks;
  // The model's file (mapped) is let go once imported.
  hooks.sourceConsumed = [&] { buffer->reset(); };
  hooks.configurePassManager = [](PassManager &pm) {
    if (failed(applyPassManagerCLOptions(pm)))
      return failure();
    applyDefaultTimingPassManagerCLOptions(pm);
    return success();
  };
  // Progress on a terminal: "[3/6] lower ... 12.3 s"; --timing prints
  // one line per phase wherever stderr goes.
  bool progress =
      !quiet && !timing && llvm::sys::Process::StandardErrIsDisplayed();
  bool lineOpen = false;
  if (progress) {
    hooks.phaseStarted = [&](StringRef phase, unsigned index, unsigned count) {
      llvm::errs() << llvm::format("tmix-compile: [%u/%u] %-8s ...", index,
                                   count, phase.str().c_str());
      llvm::errs().flush();
      lineOpen = true;
    };
    // A diagnostic starts a line of its own.
    context.getDiagEngine().registerHandler([&](Diagnostic &) {
      if (lineOpen)
        llvm::errs() << "\n";
      lineOpen = false;
      return failure();
    });
  }
  if (progress || timing)
    hooks.phaseDone = [&](StringRef phase, double seconds) {
      if (progress)
        llvm::errs() << llvm::format(" %.1f s\n", seconds);
      else
        llvm::errs() << llvm::format("tmix-compile: %-10s %8.3f s\n",
                                     phase.str().c_str(), seconds);
      lineOpen = false;
    };
  CompileSource source{(*buffer)->getBuffer(), input.getValue(),
                       llvm::sys::path::parent_path(input).str()};
  return failed(compileOnnxModel(context, source, output, options, hooks));
}
