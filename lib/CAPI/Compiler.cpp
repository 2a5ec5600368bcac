//===- Compiler.cpp - C API of tmix-compile's library -----------*- C++ -*-===//

#include "tmix-c/Compiler.h"
#include "tmix/Compiler.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace mlir::tmix;

struct tmix_compile_options {
  CompileOptions options;
};

namespace {
char *copy(const std::string &text) {
  char *out = static_cast<char *>(std::malloc(text.size() + 1));
  if (out)
    std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

int32_t fail(char **error, const std::string &message) {
  if (error)
    *error = copy(message);
  return 1;
}

/// Applies `update` to the field of option `name` if it has type T; else an
/// error naming what is wrong.
template <typename T>
int32_t set(tmix_compile_options *o, const char *name, const char *kind,
            char **error, function_ref<void(T &)> update) {
  if (error)
    *error = nullptr;
  const OptionInfo *info = o && name ? lookupCompileOption(name) : nullptr;
  if (!info || info->scope == OptionScope::Internal)
    return fail(error, std::string("unknown compile option '") +
                           (name ? name : "(null)") + "'");
  T *field = info->get<T>(o->options);
  if (!field)
    return fail(error, std::string("compile option '") + name +
                           "' does not take " + kind);
  update(*field);
  return 0;
}

int32_t compile(const CompileSource &source, const char *output,
                const tmix_compile_options *options, char **report,
                char **error, std::function<void()> sourceConsumed = {}) {
  if (report)
    *report = nullptr;
  if (!output || !options)
    return fail(error, "no output path or options given");
  MLIRContext context(MLIRContext::Threading::DISABLED);
  context.printOpOnDiagnostic(false);
  std::string messages;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Error)
      return success();
    llvm::raw_string_ostream os(messages);
    if (!messages.empty())
      os << "\n";
    if (auto loc = dyn_cast<FileLineColLoc>(diag.getLocation()))
      if (!loc.getFilename().getValue().empty() &&
          loc.getFilename().getValue() != "<model>")
        os << loc.getFilename().getValue() << ": ";
    os << diag;
    return success();
  });
  CompileResult result;
  result.wantMixerReport = report != nullptr;
  CompileHooks hooks;
  hooks.sourceConsumed = std::move(sourceConsumed);
  if (failed(compileOnnxModel(context, source, output, options->options, hooks,
                              &result)))
    return fail(error, messages.empty() ? "compilation failed" : messages);
  if (report && !result.mixerReport.empty())
    *report = copy(result.mixerReport);
  return 0;
}
} // namespace

extern "C" {

tmix_compile_options *tmix_compile_options_create(void) {
  return new tmix_compile_options();
}

void tmix_compile_options_destroy(tmix_compile_options *options) {
  delete options;
}

int32_t tmix_compile_options_set_bool(tmix_compile_options *options,
                                      const char *name, int32_t value,
                                      char **error) {
  return set<bool>(options, name, "a bool", error,
                   [&](bool &field) { field = value != 0; });
}

int32_t tmix_compile_options_set_int(tmix_compile_options *options,
                                     const char *name, int64_t value,
                                     char **error) {
  return set<int64_t>(options, name, "an integer", error,
                      [&](int64_t &field) { field = value; });
}

int32_t tmix_compile_options_set_string(tmix_compile_options *options,
                                        const char *name, const char *value,
                                        char **error) {
  return set<std::string>(
      options, name, "a string", error,
      [&](std::string &field) { field = value ? value : ""; });
}

int32_t tmix_compile_options_append(tmix_compile_options *options,
                                    const char *name, const char *value,
                                    char **error) {
  return set<std::vector<std::string>>(options, name, "a list", error,
                                       [&](std::vector<std::string> &field) {
                                         field.push_back(value ? value : "");
                                       });
}

int32_t tmix_compile_file(const char *model_path, const char *output_path,
                          const tmix_compile_options *options, char **report,
                          char **error) {
  if (error)
    *error = nullptr;
  if (!model_path)
    return fail(error, "no model path given");
  auto buffer = llvm::MemoryBuffer::getFile(model_path, /*IsText=*/false);
  if (!buffer)
    return fail(error, std::string("cannot open '") + model_path +
                           "': " + buffer.getError().message());
  StringRef dir = llvm::sys::path::parent_path(model_path);
  // The file is let go once imported.
  return compile(
      {(*buffer)->getBuffer(), model_path, dir.empty() ? "." : dir.str()},
      output_path, options, report, error, [&] { buffer->reset(); });
}

int32_t tmix_compile_bytes(const void *data, size_t size, const char *base_dir,
                           const char *output_path,
                           const tmix_compile_options *options, char **report,
                           char **error) {
  if (error)
    *error = nullptr;
  if (!data && size)
    return fail(error, "no model bytes given");
  return compile({StringRef(static_cast<const char *>(data), size), "",
                  base_dir ? base_dir : "."},
                 output_path, options, report, error);
}

void tmix_compile_free_error(char *error) { std::free(error); }

} // extern "C"
