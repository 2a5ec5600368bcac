//===- Compiler.cpp - ONNX model to a shared library ------------*- C++ -*-===//
//
// import -> convert-onnx-to-tmix -> the target's pipeline -> LLVM IR -> O3
// -> object, then clang links the object, a generated table of the model's
// inputs and outputs with its exported entry points, and the model support
// library (lib/ModelSupport) into the output.
//
//===----------------------------------------------------------------------===//

#include "tmix/Compiler.h"
#include "tmix-c/Model.h"

#include "tmix/Conversion/Passes.h"
#include "tmix/Import/OnnxImporter.h"
#include "tmix/InitAll.h"
#include "tmix/Target/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Frontend/Driver/CodeGenOptions.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <chrono>
#include <csignal>
#include <dlfcn.h>
#include <thread>
#include <unistd.h>

using namespace mlir;
using namespace mlir::tmix;

namespace {

/// --weights=auto keeps the weights in the library below this many bytes.
constexpr int64_t kAutoExternalBytes = int64_t(64) << 20;

/// One input or output of the compiled entry point.
struct TensorSpec {
  std::string name;
  tmix_dtype dtype;
  SmallVector<int64_t> shape;
};

/// The tmix_dtype of element type `t`, or failure.
FailureOr<tmix_dtype> dtypeOf(Type t) {
  if (t.isF32())
    return TMIX_DTYPE_F32;
  if (t.isF16())
    return TMIX_DTYPE_F16;
  if (t.isBF16())
    return TMIX_DTYPE_BF16;
  if (t.isF64())
    return TMIX_DTYPE_F64;
  if (t.isInteger(1))
    return TMIX_DTYPE_BOOL;
  if (auto i = dyn_cast<IntegerType>(t)) {
    if (i.isUnsigned()) {
      switch (i.getWidth()) {
      case 64:
        return TMIX_DTYPE_U64;
      case 32:
        return TMIX_DTYPE_U32;
      case 16:
        return TMIX_DTYPE_U16;
      case 8:
        return TMIX_DTYPE_U8;
      case 4:
        return TMIX_DTYPE_U4;
      case 2:
        return TMIX_DTYPE_U2;
      }
      return failure();
    }
    switch (i.getWidth()) {
    case 64:
      return TMIX_DTYPE_I64;
    case 32:
      return TMIX_DTYPE_I32;
    case 16:
      return TMIX_DTYPE_I16;
    case 8:
      return TMIX_DTYPE_I8;
    case 4:
      return TMIX_DTYPE_I4;
    case 2:
      return TMIX_DTYPE_I2;
    }
  }
  if (isa<Float8E4M3FNType>(t))
    return TMIX_DTYPE_F8E4M3FN;
  if (isa<Float8E4M3FNUZType>(t))
    return TMIX_DTYPE_F8E4M3FNUZ;
  if (isa<Float8E5M2Type>(t))
    return TMIX_DTYPE_F8E5M2;
  if (isa<Float8E5M2FNUZType>(t))
    return TMIX_DTYPE_F8E5M2FNUZ;
  if (isa<Float8E8M0FNUType>(t))
    return TMIX_DTYPE_F8E8M0;
  if (isa<Float4E2M1FNType>(t))
    return TMIX_DTYPE_F4E2M1;
  return failure();
}

/// The model's inputs and outputs, named as in the ONNX graph.
LogicalResult describeSignature(func::FuncOp func,
                                SmallVectorImpl<TensorSpec> &inputs,
                                SmallVectorImpl<TensorSpec> &outputs) {
  auto spec = [&](Type type, std::string name,
                  SmallVectorImpl<TensorSpec> &into) -> LogicalResult {
    auto t = dyn_cast<RankedTensorType>(type);
    if (!t || !t.hasStaticShape())
      return func.emitError() << "'" << name << "' has type " << type
                              << ": compiled models need static shapes "
                                 "(give them with --input-shape)";
    FailureOr<tmix_dtype> dtype = dtypeOf(t.getElementType());
    if (failed(dtype))
      return func.emitError()
             << "'" << name << "' has element type " << t.getElementType()
             << ", which the model ABI does not carry";
    into.push_back({name, *dtype, SmallVector<int64_t>(t.getShape())});
    return success();
  };
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    auto name = func.getArgAttrOfType<StringAttr>(i, "onnx.name");
    if (failed(spec(type, name ? name.str() : "input" + std::to_string(i),
                    inputs)))
      return failure();
  }
  auto names = func->getAttrOfType<ArrayAttr>("onnx.output_names");
  for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
    std::string name = "output" + std::to_string(i);
    if (names && i < names.size())
      if (auto s = dyn_cast<StringAttr>(names[i]))
        name = s.str();
    if (failed(spec(type, name, outputs)))
      return failure();
  }
  return success();
}

/// `s` as a C string literal.
std::string cString(StringRef s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\%03o", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// The generated half of the model ABI: tensor tables, the exported entry
/// points named `<prefix>_model_*` around ModelSupport.c's internal ones,
/// and the trampoline into the compiled function. With external weights,
/// `weightBytes` > 0 sizes the buffer the compiled code reads them from,
/// and `weightsId` names the file that fills it. `cudaArch` (e.g. 90) > 0
/// marks a GPU model: its entry point takes the device copy of the weights
/// as one more descriptor. `checks` names the run-time index checks.
std::string abiSource(StringRef entry, StringRef prefix,
                      ArrayRef<TensorSpec> inputs, ArrayRef<TensorSpec> outputs,
                      uint64_t weightBytes, uint64_t weightsId,
                      unsigned cudaArch, ArrayRef<std::string> checks,
                      ArrayRef<std::pair<std::string, std::string>> timed) {
  std::string src;
  llvm::raw_string_ostream os(src);
  // Self-contained: the struct below is tmix_tensor_info of tmix-c/Model.h.
  os << "#include <stdint.h>\n\ntypedef struct {\n  const char *name;\n  "
        "int dtype;\n  int32_t rank;\n  const int64_t *shape;\n} "
        "tmix_tensor_info;\ntypedef struct tmix_model tmix_model;\n\n";
  // Page-aligned and zero-initialised: no bytes in the library file.
  os << "unsigned char tmix__weights[" << std::max<uint64_t>(weightBytes, 1)
     << "] __attribute__((aligned(4096)));\n"
     << "const uint64_t tmix__weights_bytes = " << weightBytes << "ull;\n"
     << "const uint64_t tmix__weights_id = " << weightsId << "ull;\n"
     << "const int32_t tmix__cuda_arch = " << cudaArch << ";\n\n";
  auto table = [&](StringRef kind, ArrayRef<TensorSpec> specs) {
    for (auto [i, s] : llvm::enumerate(specs)) {
      os << "static const int64_t " << kind << "_shape" << i << "[] = {";
      llvm::interleaveComma(s.shape, os);
      if (s.shape.empty())
        os << "0";
      os << "};\n";
    }
    os << "const int32_t tmix__num_" << kind << " = " << specs.size() << ";\n";
    os << "const tmix_tensor_info tmix__" << kind << "[] = {\n";
    for (auto [i, s] : llvm::enumerate(specs))
      os << "  {" << cString(s.name) << ", " << int(s.dtype) << ", "
         << s.shape.size() << ", " << kind << "_shape" << i << "},\n";
    if (specs.empty())
      os << "  {0, 0, 0, 0},\n";
    os << "};\n";
  };
  table("inputs", inputs);
  table("outputs", outputs);
  os << "const int32_t tmix__num_checks = " << checks.size() << ";\n"
     << "const char *const tmix__checks[] = {";
  for (const std::string &check : checks)
    os << cString(check) << ", ";
  os << "0};\n";
  // Profiled operations (--profile): the op and the ONNX nodes of each.
  os << "const int32_t tmix__num_profile_sites = " << timed.size() << ";\n"
     << "const char *const tmix__profile_sites[] = {";
  for (const auto &[op, nodes] : timed)
    os << cString(op) << ", " << cString(nodes) << ", ";
  os << "0};\n";
  size_t n = inputs.size() + outputs.size() + (cudaArch && weightBytes);
  os << "\nextern void _mlir_ciface_" << entry << "(";
  for (size_t i = 0; i < n; ++i)
    os << (i ? ", " : "") << "void *";
  os << ");\n\nvoid tmix__entry(void **d) {\n  _mlir_ciface_" << entry << "(";
  for (size_t i = 0; i < n; ++i)
    os << (i ? ", " : "") << "d[" << i << "]";
  os << ");\n}\n\n";
  // The exported ABI, under the library's prefix.
  struct Export {
    const char *ret, *name, *params, *args;
  };
  const Export exports[] = {
      {"uint32_t", "abi_version", "void", ""},
      {"tmix_model *", "create", "void", ""},
      {"void", "destroy", "tmix_model *m", "m"},
      {"int32_t", "num_inputs", "void", ""},
      {"int32_t", "num_outputs", "void", ""},
      {"const tmix_tensor_info *", "input", "int32_t i", "i"},
      {"const tmix_tensor_info *", "output", "int32_t i", "i"},
      {"int32_t", "run",
       "tmix_model *m, const void *const *in, void *const *out", "m, in, out"},
      {"int32_t", "run_device",
       "tmix_model *m, const void *const *in, void *const *out", "m, in, out"},
      {"const char *", "last_error", "const tmix_model *m", "m"},
      {"int32_t", "profile_num_sites", "void", ""},
      {"int32_t", "profile_site",
       "int32_t i, const char **op, const char **nodes, uint64_t *calls, "
       "uint64_t *total_ns",
       "i, op, nodes, calls, total_ns"},
      {"int32_t", "profile_num_events", "void", ""},
      {"int32_t", "profile_event",
       "int32_t i, int32_t *site, uint64_t *start_ns, uint64_t *duration_ns",
       "i, site, start_ns, duration_ns"},
      {"void", "profile_reset", "void", ""}};
  for (const Export &e : exports)
    os << e.ret << " tmix__model_" << e.name << "(" << e.params << ");\n"
       << e.ret << " " << prefix << "_model_" << e.name << "(" << e.params
       << ") {\n  " << (StringRef(e.ret) == "void" ? "" : "return ")
       << "tmix__model_" << e.name << "(" << e.args << ");\n}\n";
  return src;
}

/// Removes a file on scope exit (and on a fatal signal) unless released.
struct TempFile {
  SmallString<128> path;
  void track() { llvm::sys::RemoveFileOnSignal(path); }
  void release() {
    llvm::sys::DontRemoveFileOnSignal(path);
    path.clear();
  }
  ~TempFile() {
    if (path.empty())
      return;
    llvm::sys::fs::remove(path);
    llvm::sys::DontRemoveFileOnSignal(path);
  }
};

/// Temporary files of a compile are `<output>.tmix-<pid>-XXXXXX<suffix>`
/// beside the output, so a compile can tell its own from those a killed
/// compile left behind.
class Scratch {
public:
  Scratch(StringRef output) : output(output.str()) {}

  /// Removes `<output>.tmix-<pid>-*` files whose process no longer runs.
  void removeStale() {
    StringRef dir = llvm::sys::path::parent_path(output);
    std::string stem = (llvm::sys::path::filename(output) + ".tmix-").str();
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir.empty() ? "." : dir, ec), end;
         !ec && it != end; it.increment(ec)) {
      StringRef name = llvm::sys::path::filename(it->path());
      if (!name.consume_front(stem))
        continue;
      int pid;
      if (name.consumeInteger(10, pid) || !name.starts_with("-") || pid <= 0 ||
          pid == getpid())
        continue;
      if (::kill(pid, 0) == 0 || errno != ESRCH)
        continue; // its compile may still be running
      llvm::sys::fs::remove(it->path());
    }
  }

  /// A new empty file `<output>.tmix-<pid>-XXXXXX<suffix>`, removed on
  /// failure and on fatal signals.
  LogicalResult create(TempFile &file, StringRef suffix) {
    int fd;
    std::string model =
        (output + ".tmix-" + Twine(getpid()) + "-%%%%%%" + suffix).str();
    if (llvm::sys::fs::createUniqueFile(model, fd, file.path))
      return failure();
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
    file.track();
    return success();
  }

private:
  std::string output;
};

/// Phases, timed and reported through the hooks.
class Phases {
public:
  Phases(const CompileHooks &hooks, unsigned count)
      : hooks(hooks), count(count) {}
  void start(StringRef phase) {
    current = phase.str();
    start_ = std::chrono::steady_clock::now();
    if (hooks.phaseStarted)
      hooks.phaseStarted(phase, ++index, count);
  }
  void done() {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count();
    if (hooks.phaseDone)
      hooks.phaseDone(current, seconds);
  }

private:
  const CompileHooks &hooks;
  unsigned count, index = 0;
  std::string current;
  std::chrono::steady_clock::time_point start_;
};

/// Runs `program` with `args`; on failure, its output in one line.
LogicalResult runTool(Location loc, StringRef program, ArrayRef<StringRef> args,
                      StringRef what, Scratch &scratch) {
  std::string message;
  SmallVector<StringRef> argv = {program};
  argv.append(args.begin(), args.end());
  TempFile log;
  if (failed(scratch.create(log, ".log")))
    return emitError(loc) << "cannot create a temporary file for " << what;
  std::optional<StringRef> redirects[] = {std::nullopt, log.path, log.path};
  int rc = llvm::sys::ExecuteAndWait(program, argv, std::nullopt, redirects, 0,
                                     0, &message);
  if (rc != 0) {
    auto text = llvm::MemoryBuffer::getFile(log.path);
    std::string detail = text ? (*text)->getBuffer().trim().str() : message;
    std::replace(detail.begin(), detail.end(), '\n', ' ');
    return emitError(loc) << what << " failed (" << program
                          << "): " << (detail.empty() ? message : detail);
  }
  return success();
}

/// The weights file's write on a thread of its own, while LLVM compiles
/// (BERT-base's 435 MB took 0.75 s of a 6.5 s compile to write). Waits for
/// it when destroyed, before the context whose buffers it reads.
class BackgroundWrite {
public:
  ~BackgroundWrite() { wait(); }
  void start(WeightsWriteJob job) {
    wait();
    thread = std::thread([this, job = std::move(job)] { error = job(); });
  }
  /// The write's error message, empty on success or when none ran.
  std::string wait() {
    if (thread.joinable())
      thread.join();
    return error;
  }

private:
  std::thread thread;
  std::string error;
};

/// LLVM's O3 for `machine`, with glibc's vector math library (libmvec)
/// known to the vectoriser so that loops calling expf/tanhf/... vectorise.
void optimize(llvm::Module &module, llvm::TargetMachine &machine,
              const llvm::Triple &triple) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  std::unique_ptr<llvm::TargetLibraryInfoImpl> libraries(
      llvm::driver::createTLII(triple, llvm::driver::VectorLibrary::LIBMVEC));
  fam.registerPass([&] { return llvm::TargetLibraryAnalysis(*libraries); });
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3)
      .run(module, mam);
}

/// The directory this library's code was loaded from (a tool's bin/, or
/// the Python extension's folder).
std::string codeDir() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void *>(&codeDir), &info) && info.dli_fname) {
    SmallString<256> path(info.dli_fname);
    llvm::sys::fs::make_absolute(path);
    return llvm::sys::path::parent_path(path).str();
  }
  static int anchor;
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, &anchor);
  return llvm::sys::path::parent_path(exe).str();
}

/// libtmix_model_support.a: $TMIX_MODEL_SUPPORT (programs that link tmix's
/// libraries), in lib/ beside this code (the Python package),
/// or in the lib/ of the build or install tree (tools in bin/, the build
/// tree's Python extension in python/tmix/).
std::string findSupportLibrary() {
  if (const char *env = std::getenv("TMIX_MODEL_SUPPORT"))
    return env;
  std::string dir = codeDir();
  for (const char *rel :
       {"/lib/libtmix_model_support.a", "/../lib/libtmix_model_support.a",
        "/../../lib/libtmix_model_support.a"}) {
    std::string path = dir + rel;
    if (llvm::sys::fs::exists(path))
      return path;
  }
  return dir + "/../lib/libtmix_model_support.a";
}

/// The clang that links models: $TMIX_CLANG, the LLVM tools tmix was built
/// with, or clang-22 on the PATH.
std::string findClang() {
  if (const char *env = std::getenv("TMIX_CLANG"))
    return env;
  if (llvm::sys::fs::can_execute(TMIX_CLANG))
    return TMIX_CLANG;
  if (llvm::ErrorOr<std::string> path =
          llvm::sys::findProgramByName("clang-22"))
    return *path;
  return TMIX_CLANG;
}

/// True if `a` and `b` name the same existing file.
bool sameFile(StringRef a, StringRef b) {
  bool same = false;
  return !a.empty() && !b.empty() && !llvm::sys::fs::equivalent(a, b, same) &&
         same;
}

} // namespace

std::string mlir::tmix::getVersionString() {
  return "tmix " TMIX_VERSION " (LLVM " LLVM_VERSION_STRING ")";
}

LogicalResult
mlir::tmix::compileOnnxModel(MLIRContext &context, const CompileSource &source,
                             StringRef outputPath, const CompileOptions &given,
                             const CompileHooks &hooks, CompileResult *result) {
  StringRef sourceName =
      source.path.empty() ? StringRef("<model>") : StringRef(source.path);
  Location loc = FileLineColLoc::get(&context, sourceName, 0, 0);
  if (llvm::Error e = validateCompileOptions(given))
    return emitError(loc) << llvm::toString(std::move(e));
  CompileOptions options = given;
  const TargetBackend &target = *lookupTarget(options.target);

  std::string weightsPath = (outputPath + ".weights").str();
  if (outputPath.empty())
    return emitError(loc) << "no output path given";
  // Never overwrite what the compile reads.
  for (StringRef out : {outputPath, StringRef(weightsPath)}) {
    if (sameFile(out, source.path))
      return emitError(loc) << "the output '" << out << "' is the input model";
    for (const std::string &spec : options.bindInputs)
      if (sameFile(out, StringRef(spec).split('=').second))
        return emitError(loc)
               << "the output '" << out << "' is the --bind-input file of '"
               << StringRef(spec).split('=').first << "'";
  }
  if (llvm::sys::fs::is_directory(outputPath))
    return emitError(loc) << "the output '" << outputPath << "' is a directory";

  OnnxImportOptions import;
  for (const std::string &spec : options.inputShapes)
    if (std::optional<std::string> error = parseInputShapeSpec(spec, import))
      return emitError(loc) << *error;
  for (const std::string &spec : options.bindInputs)
    if (std::optional<std::string> error = parseBindInputSpec(spec, import))
      return emitError(loc) << *error;
  import.baseDir = source.baseDir.empty() ? "." : source.baseDir;
  import.parsed = hooks.sourceConsumed;

  DialectRegistry registry;
  registerAllTMixDialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();

  Scratch scratch(outputPath);
  scratch.removeStale();
  // Like the library, the weights file is written beside the output and
  // renamed at the end.
  TempFile weights;
  if (options.weights != "embed") {
    if (failed(scratch.create(weights, ".weights")))
      return emitError(loc)
             << "cannot create a file beside '" << outputPath << "'";
    options.weightsFile = weights.path.str().str();
    options.weightsEmbedLimit =
        options.weights == "auto" ? kAutoExternalBytes : 0;
  }

  unsigned count = options.emit == "mlir"   ? 3
                   : options.emit == "llvm" ? 4
                   : options.emit == "obj"  ? 5
                                            : 6;
  Phases phases(hooks, count);
  auto newPassManager = [&]() -> FailureOr<std::unique_ptr<PassManager>> {
    auto pm = std::make_unique<PassManager>(&context);
    if (hooks.configurePassManager && failed(hooks.configurePassManager(*pm)))
      return failure();
    return pm;
  };

  phases.start("import");
  OwningOpRef<ModuleOp> module =
      importOnnxModel(&context, source.bytes, sourceName, import);
  if (!module)
    return failure();
  phases.done();
  phases.start("convert");
  {
    FailureOr<std::unique_ptr<PassManager>> pm = newPassManager();
    if (failed(pm))
      return failure();
    ConvertOnnxToTMixPassOptions convert;
    convert.indexChecks = options.indexChecks && target.reportsIndexErrors();
    (*pm)->addPass(createConvertOnnxToTMixPass(convert));
    if (failed((*pm)->run(*module)))
      return failure();
  }
  phases.done();
  auto func = module->lookupSymbol<func::FuncOp>(import.functionName);
  if (!func)
    return emitError(loc) << "no function '" << import.functionName
                          << "' after import";
  SmallVector<TensorSpec> inputs, outputs;
  if (failed(describeSignature(func, inputs, outputs)))
    return failure();
  target.specialize(options, func.getArgumentTypes());
  // The names now live in the ABI tables; LLVM has no use for them.
  SmallVector<std::string> checks;
  if (auto names = func->getAttrOfType<ArrayAttr>("tmix.index_checks"))
    for (Attribute name : names)
      checks.push_back(cast<StringAttr>(name).str());
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    func.removeArgAttr(i, StringAttr::get(&context, "onnx.name"));
  for (StringRef attr :
       {"onnx.output_names", "onnx.graph_name", "tmix.index_checks"})
    func->removeAttr(attr);

  BackgroundWrite weightsWrite;
  phases.start("lower");
  {
    FailureOr<std::unique_ptr<PassManager>> pm = newPassManager();
    if (failed(pm))
      return failure();
    PipelineHooks pipelineHooks;
    pipelineHooks.weightsWriter = [&](WeightsWriteJob job) {
      weightsWrite.start(std::move(job));
    };
    if (result && result->wantMixerReport)
      pipelineHooks.mixerReport = [result](StringRef json) {
        result->mixerReport = json.str();
      };
    target.buildPipeline(**pm, options, pipelineHooks);
    if (failed((*pm)->run(*module)))
      return failure();
  }
  phases.done();
  SmallVector<std::pair<std::string, std::string>> timed;
  if (auto sites = (*module)->getAttrOfType<ArrayAttr>("tmix.profile_sites")) {
    for (auto site : sites.getAsRange<DictionaryAttr>())
      timed.emplace_back(site.getAs<StringAttr>("op").str(),
                         site.getAs<StringAttr>("nodes").str());
    (*module)->removeAttr("tmix.profile_sites");
  }
  uint64_t weightBytes = 0, weightsId = 0;
  if (auto info =
          (*module)->getAttrOfType<DictionaryAttr>("tmix.external_weights")) {
    weightBytes =
        cast<IntegerAttr>(info.get("bytes")).getValue().getZExtValue();
    weightsId = cast<IntegerAttr>(info.get("id")).getValue().getZExtValue();
    (*module)->removeAttr("tmix.external_weights");
  }

  // Everything is written next to the output and renamed at the end.
  TempFile output;
  if (failed(scratch.create(output, "")))
    return emitError(loc) << "cannot create a file beside '" << outputPath
                          << "'";
  auto finish = [&]() -> LogicalResult {
    if (std::string error = weightsWrite.wait(); !error.empty())
      return emitError(loc) << error;
    // The weights first: a library never appears without its file. A stale
    // file from an earlier compile goes.
    if (weightBytes) {
      if (std::error_code ec = llvm::sys::fs::rename(weights.path, weightsPath))
        return emitError(loc)
               << "cannot write '" << weightsPath << "': " << ec.message();
      weights.release();
      if (result)
        result->weightsPath = weightsPath;
    } else if (llvm::sys::fs::exists(weightsPath)) {
      llvm::sys::fs::remove(weightsPath);
    }
    if (std::error_code ec = llvm::sys::fs::rename(output.path, outputPath))
      return emitError(loc)
             << "cannot write '" << outputPath << "': " << ec.message();
    output.release();
    return success();
  };

  if (options.emit == "mlir") {
    std::error_code ec;
    llvm::raw_fd_ostream os(output.path, ec);
    module->print(os);
    return finish();
  }

  phases.start("optimize");
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, sourceName);
  if (!llvmModule)
    return emitError(loc) << "translation to LLVM IR failed";
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string tripleName = llvm::sys::getProcessTriple();
  llvm::Triple triple(tripleName);
  std::string error;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return emitError(loc) << "no LLVM target for " << tripleName << ": "
                          << error;
  std::string cpu = options.targetCpu.empty()
                        ? llvm::sys::getHostCPUName().str()
                        : options.targetCpu;
  llvm::SubtargetFeatures features;
  if (options.targetCpu.empty())
    for (const auto &f : llvm::sys::getHostCPUFeatures())
      features.AddFeature(f.first(), f.second);
  // Multiply-add pairs become FMAs, as with -ffp-contract=fast: one
  // rounding instead of two, and the polynomial approximations'
  // (tmix-approximate-math) fused multiply-adds come back.
  llvm::TargetOptions targetOptions;
  targetOptions.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  auto newMachine = [&] {
    return std::unique_ptr<llvm::TargetMachine>(llvmTarget->createTargetMachine(
        triple, cpu, features.getString(), targetOptions, llvm::Reloc::PIC_,
        std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  };
  std::unique_ptr<llvm::TargetMachine> machine = newMachine();
  if (!machine)
    return emitError(loc) << "cannot target CPU '" << cpu << "'";
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());

  // A library's module is split in as many partitions as there are cores
  // (at most 4), each optimised and compiled on a thread of its own in a
  // context of its own (the model function and the outlined parallel
  // bodies land in different partitions): BERT-base's 2.7 s of O3 and 1.5
  // s of code generation ran on one core of two.
  unsigned cores =
      std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  unsigned parts = options.emit == "so" ? cores : 1;
  struct Part {
    std::unique_ptr<llvm::LLVMContext> context; // null: llvmContext's module
    std::unique_ptr<llvm::Module> module;
    std::unique_ptr<llvm::TargetMachine> machine;
    TempFile object;
    std::string error;
  };
  std::vector<std::unique_ptr<Part>> partitions;
  if (parts > 1) {
    // Splitting makes local symbols global (hidden): a suffix keeps them
    // from meeting the support library's (the private wrappers MLIR emits
    // for C-interface callees share their names).
    for (llvm::GlobalValue &value : llvmModule->global_values())
      if (value.hasLocalLinkage() && value.hasName())
        value.setName(value.getName() + ".tmix");
    SmallVector<SmallString<0>> bitcode;
    llvm::SplitModule(*llvmModule, parts,
                      [&](std::unique_ptr<llvm::Module> part) {
                        bitcode.emplace_back();
                        llvm::raw_svector_ostream os(bitcode.back());
                        llvm::WriteBitcodeToFile(*part, os);
                      });
    llvmModule.reset();
    for (SmallString<0> &code : bitcode) {
      auto part = std::make_unique<Part>();
      part->context = std::make_unique<llvm::LLVMContext>();
      llvm::Expected<std::unique_ptr<llvm::Module>> parsed =
          llvm::parseBitcodeFile(
              llvm::MemoryBufferRef(StringRef(code.data(), code.size()),
                                    "partition"),
              *part->context);
      if (!parsed)
        return emitError(loc) << "cannot split the module: "
                              << llvm::toString(parsed.takeError());
      part->module = std::move(*parsed);
      part->machine = newMachine();
      if (!part->machine)
        return emitError(loc) << "cannot target CPU '" << cpu << "'";
      partitions.push_back(std::move(part));
    }
  } else {
    partitions.push_back(std::make_unique<Part>());
    partitions.back()->module = std::move(llvmModule);
    partitions.back()->machine = std::move(machine);
  }
  // Runs `work` on every partition, one thread each.
  auto onEachPartition = [&](auto work) {
    std::vector<std::thread> threads;
    for (std::unique_ptr<Part> &part : partitions)
      threads.emplace_back([&work, p = part.get()] { work(*p); });
    for (std::thread &t : threads)
      t.join();
  };
  onEachPartition([&](Part &p) { optimize(*p.module, *p.machine, triple); });
  phases.done();

  if (options.emit == "llvm") {
    std::error_code ec;
    llvm::raw_fd_ostream os(output.path, ec);
    partitions.front()->module->print(os, nullptr);
    return finish();
  }

  phases.start("codegen");
  // One object file per partition.
  auto emitObject = [](llvm::Module &module, llvm::TargetMachine &machine,
                       StringRef path) -> std::string {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec)
      return "cannot write '" + path.str() + "': " + ec.message();
    llvm::legacy::PassManager codegen;
    if (machine.addPassesToEmitFile(codegen, os, nullptr,
                                    llvm::CodeGenFileType::ObjectFile))
      return "the target cannot emit object files";
    codegen.run(module);
    return "";
  };
  SmallVector<std::string> objects;
  for (std::unique_ptr<Part> &part : partitions) {
    if (failed(scratch.create(part->object, ".o")))
      return emitError(loc) << "cannot create a temporary object file";
    objects.push_back(part->object.path.str().str());
  }
  onEachPartition([&](Part &p) {
    p.error = emitObject(*p.module, *p.machine, p.object.path);
  });
  for (std::unique_ptr<Part> &part : partitions)
    if (!part->error.empty())
      return emitError(loc) << part->error;
  phases.done();
  if (options.emit == "obj") {
    if (std::error_code ec = llvm::sys::fs::copy_file(
            partitions.front()->object.path, output.path))
      return emitError(loc)
             << "cannot write '" << outputPath << "': " << ec.message();
    return finish();
  }

  phases.start("link");
  TempFile abi, exports;
  if (failed(scratch.create(abi, ".c")) ||
      failed(scratch.create(exports, ".map")))
    return emitError(loc) << "cannot create a temporary file beside '"
                          << outputPath << "'";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(abi.path, ec);
    os << abiSource(import.functionName, options.name, inputs, outputs,
                    weightBytes, weightsId, target.getCudaArch(options), checks,
                    timed);
  }
  std::string support = findSupportLibrary();
  if (!llvm::sys::fs::exists(support))
    return emitError(loc) << "the model support library is missing: "
                          << support;
  // Only the model ABI is exported.
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(exports.path, ec);
    os << "{ global: " << options.name << "_model_*; local: *; };\n";
  }
  std::string versionScript =
      "-Wl,--version-script=" + exports.path.str().str();
  std::string out = output.path.str().str();
  std::string clang = findClang();
  SmallVector<StringRef> linkArgs = {"-shared", "-fPIC",  "-O2", "-x",
                                     "c",       abi.path, "-x",  "none"};
  linkArgs.append(objects.begin(), objects.end());
  linkArgs.append({"-Wl,--whole-archive", support, "-Wl,--no-whole-archive",
                   "-fopenmp", "-lopenblas", "-lmvec", "-lm", "-ldl",
                   versionScript, "-o", out});
  if (failed(
          runTool(loc, clang, linkArgs, "linking the model library", scratch)))
    return failure();
  phases.done();
  return finish();
}
