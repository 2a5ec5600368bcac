//===- Options.h - tmix's compile options -----------------------*- C++ -*-===//
//
// CompileOptions holds every option of a compile, each declared once in
// Options.def; the pipelines, tmix-compile, the C API and Python bind to
// it. validateCompileOptions is the one place options are checked.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_OPTIONS_H
#define TMIX_OPTIONS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace mlir::tmix {

/// Every option of a compile (Options.def), with its default.
struct CompileOptions {
#define TMIX_OPTION(SCOPE, TYPE, FIELD, FLAG, DEFAULT, HELP)                   \
  TYPE FIELD = DEFAULT;
#define TMIX_LIST_OPTION(SCOPE, FIELD, FLAG, COMMAS, HELP)                     \
  std::vector<std::string> FIELD;
#include "tmix/Options.def"
};

/// How an option is exposed (Options.def's SCOPE).
enum class OptionScope { Pipeline, Driver, Internal };

/// One option of Options.def and the field that holds it.
struct OptionInfo {
  using Field = std::variant<bool CompileOptions::*, int64_t CompileOptions::*,
                             std::string CompileOptions::*,
                             std::vector<std::string> CompileOptions::*>;
  OptionScope scope;
  llvm::StringRef flag, help;
  Field field;
  /// Lists: a command-line value may hold several comma-separated entries.
  bool commaSeparated = false;

  /// The field of `options` if this option has type T, else null.
  template <typename T> T *get(CompileOptions &options) const {
    auto *member = std::get_if<T CompileOptions::*>(&field);
    return member ? &(options.**member) : nullptr;
  }
  template <typename T> const T *get(const CompileOptions &options) const {
    return get<T>(const_cast<CompileOptions &>(options));
  }
};

/// Every option, in Options.def's order.
llvm::ArrayRef<OptionInfo> getCompileOptionInfos();
/// The option named `flag` (its '-' may be given as '_'), or null.
const OptionInfo *lookupCompileOption(llvm::StringRef flag);

/// Checks `options` as a whole: each value is one its option takes, and
/// options that need another (`layers` needs `mixer`) have it. The message
/// names the option as a flag (--layers).
llvm::Error validateCompileOptions(const CompileOptions &options);

} // namespace mlir::tmix

#endif // TMIX_OPTIONS_H
