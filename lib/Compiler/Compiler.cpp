//===- Compiler.cpp - ONNX model to a shared library ------------*- C++ -*-===//
//
// import -> convert-onnx-to-tmix -> tmix-cpu-pipeline -> LLVM IR -> O3 ->
// object, then clang links the object, a generated table of the model's
// inputs and outputs, and the ABI support library into the output.
//
//===----------------------------------------------------------------------===//

#include "tmix/Compiler.h"
#include "tmix-c/Model.h"

#include "onnx/IR/OnnxDialect.h"
#include "tmix/Conversion/Passes.h"
#include "tmix/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Frontend/Driver/CodeGenOptions.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <chrono>

using namespace mlir;
using namespace mlir::tmix;

namespace {

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
    if (i.isUnsigned() && i.getWidth() == 8)
      return TMIX_DTYPE_U8;
    if (i.isUnsigned())
      return failure();
    switch (i.getWidth()) {
    case 64:
      return TMIX_DTYPE_I64;
    case 32:
      return TMIX_DTYPE_I32;
    case 16:
      return TMIX_DTYPE_I16;
    case 8:
      return TMIX_DTYPE_I8;
    }
  }
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

/// The generated half of the model ABI: tensor tables and the entry
/// trampoline (ModelSupport.c is the other half).
/// With external weights, `weightBytes` > 0 sizes the buffer the compiled
/// code reads them from, and `weightsId` names the file that fills it.
/// `cudaArch` (e.g. 90) > 0 marks a GPU model: its entry point takes the
/// device copy of the weights as one more descriptor.
std::string abiSource(StringRef entry, ArrayRef<TensorSpec> inputs,
                      ArrayRef<TensorSpec> outputs, uint64_t weightBytes,
                      uint64_t weightsId, unsigned cudaArch) {
  std::string src;
  llvm::raw_string_ostream os(src);
  // Self-contained: the struct below is tmix_tensor_info of tmix-c/Model.h.
  os << "#include <stdint.h>\n\ntypedef struct {\n  const char *name;\n  "
        "int dtype;\n  int32_t rank;\n  const int64_t *shape;\n} "
        "tmix_tensor_info;\n\n";
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
  size_t n = inputs.size() + outputs.size() + (cudaArch && weightBytes);
  os << "\nextern void _mlir_ciface_" << entry << "(";
  for (size_t i = 0; i < n; ++i)
    os << (i ? ", " : "") << "void *";
  os << ");\n\nvoid tmix__entry(void **d) {\n  _mlir_ciface_" << entry << "(";
  for (size_t i = 0; i < n; ++i)
    os << (i ? ", " : "") << "d[" << i << "]";
  os << ");\n}\n";
  return src;
}

/// Phase timer printing "tmix-compile: <phase> <seconds>".
class Phases {
public:
  explicit Phases(llvm::raw_ostream *os) : os(os) {}
  void done(StringRef phase) {
    auto now = std::chrono::steady_clock::now();
    if (os)
      *os << llvm::format("tmix-compile: %-10s %8.3f s\n", phase.str().c_str(),
                          std::chrono::duration<double>(now - last).count());
    last = now;
  }

private:
  llvm::raw_ostream *os;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
};

/// Removes a temporary file on scope exit unless released.
struct TempFile {
  SmallString<128> path;
  ~TempFile() {
    if (!path.empty())
      llvm::sys::fs::remove(path);
  }
};

LogicalResult runTool(Location loc, StringRef program, ArrayRef<StringRef> args,
                      StringRef what) {
  std::string message;
  SmallVector<StringRef> argv = {program};
  argv.append(args.begin(), args.end());
  TempFile log;
  int fd;
  if (llvm::sys::fs::createTemporaryFile("tmix-link", "log", fd, log.path))
    return emitError(loc) << "cannot create a temporary file for " << what;
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
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

/// The directory of the running executable.
std::string toolDir() {
  static int anchor;
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, &anchor);
  return llvm::sys::path::parent_path(exe).str();
}

} // namespace

llvm::Expected<unsigned> mlir::tmix::parseCudaArch(StringRef chip) {
  auto invalid = [&] {
    return llvm::createStringError(
        "%s is not an NVIDIA architecture with bf16 tensor cores (sm_80 or "
        "newer, e.g. sm_90)",
        chip.str().c_str());
  };
  StringRef digits = chip;
  unsigned version = 0;
  if (!digits.consume_front("sm_") || digits.consumeInteger(10, version) ||
      version < 80)
    return invalid();
  // A name the backend does not know would only warn, and leave PTX for
  // its default processor.
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTargetMC();
  llvm::Triple triple("nvptx64-nvidia-cuda");
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("this LLVM has no NVPTX backend: " + error);
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!info || !info->isCPUStringValid(chip))
    return invalid();
  return version;
}

LogicalResult mlir::tmix::compileOnnxModel(MLIRContext &context,
                                           StringRef bytes,
                                           StringRef sourceName,
                                           StringRef outputPath,
                                           const CompileOptions &options) {
  Location loc = FileLineColLoc::get(&context, sourceName, 0, 0);
  Phases phases(options.timing);
  DialectRegistry registry;
  registerAllTMixDialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();

  std::unique_ptr<ModelPipelineOptions> pipeline =
      ModelPipelineOptions::createFromString(options.pipelineOptions);
  if (!pipeline)
    return emitError(loc) << "invalid pipeline options '"
                          << options.pipelineOptions << "'";
  bool cuda = options.target == "cuda";
  if (!cuda && options.target != "cpu")
    return emitError(loc) << "target '" << options.target
                          << "' is not one of cpu, cuda";
  unsigned cudaArch = 0;
  if (cuda) {
    llvm::Expected<unsigned> arch = parseCudaArch(pipeline->chip);
    if (!arch)
      return emitError(loc)
             << "GPU architecture " << llvm::toString(arch.takeError());
    cudaArch = *arch;
  }
  // GPU models upload their weights once per instance, from the side file.
  if (cuda && options.weights == "embed")
    return emitError(loc) << "--target=cuda keeps the weights in '"
                          << outputPath << ".weights' (--weights=embed is "
                          << "for the CPU)";
  if (options.weights != "embed" && options.weights != "external" &&
      options.weights != "auto")
    return emitError(loc) << "weights mode '" << options.weights
                          << "' is not one of embed, external, auto";
  // Like the library, the weights file is written beside the output and
  // renamed at the end.
  std::string weightsPath = (outputPath + ".weights").str();
  TempFile weights;
  if (options.weights != "embed") {
    int fd;
    if (llvm::sys::fs::createUniqueFile(weightsPath + "-%%%%%%.tmp", fd,
                                        weights.path))
      return emitError(loc) << "cannot create '" << weightsPath << "'";
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
    pipeline->weightsFile = weights.path.str().str();
    pipeline->weightsEmbedLimit =
        options.weights == "auto" && !cuda ? options.autoExternalBytes : 0;
    if (cuda)
      pipeline->weightsMinBytes = 1;
  }

  OwningOpRef<ModuleOp> module =
      importOnnxModel(&context, bytes, sourceName, options.import);
  if (!module)
    return failure();
  phases.done("import");
  {
    PassManager pm(&context);
    pm.addPass(createConvertOnnxToTMixPass());
    if (failed(pm.run(*module)))
      return failure();
  }
  phases.done("convert");
  auto func = module->lookupSymbol<func::FuncOp>(options.import.functionName);
  if (!func)
    return emitError(loc) << "no function '" << options.import.functionName
                          << "' after import";
  SmallVector<TensorSpec> inputs, outputs;
  if (failed(describeSignature(func, inputs, outputs)))
    return failure();
  // Half-precision models compute every product in their type, including
  // those of mixers whose tiled forms accumulate in f32.
  if (cuda && pipeline->precision.empty())
    for (const TensorSpec &spec : inputs)
      if (spec.dtype == TMIX_DTYPE_BF16 || spec.dtype == TMIX_DTYPE_F16)
        pipeline->precision = spec.dtype == TMIX_DTYPE_BF16 ? "bf16" : "f16";
  // The names now live in the ABI tables; LLVM has no use for them.
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    func.removeArgAttr(i, StringAttr::get(&context, "onnx.name"));
  for (StringRef attr : {"onnx.output_names", "onnx.graph_name"})
    func->removeAttr(attr);
  {
    PassManager pm(&context);
    if (cuda)
      buildCudaPipeline(pm, *pipeline);
    else
      buildCpuPipeline(pm, *pipeline);
    if (failed(pm.run(*module)))
      return failure();
  }
  phases.done("lower");
  uint64_t weightBytes = 0, weightsId = 0;
  if (auto info =
          (*module)->getAttrOfType<DictionaryAttr>("tmix.external_weights")) {
    weightBytes =
        cast<IntegerAttr>(info.get("bytes")).getValue().getZExtValue();
    weightsId = cast<IntegerAttr>(info.get("id")).getValue().getZExtValue();
    (*module)->removeAttr("tmix.external_weights");
  }

  // Everything is written next to the output and renamed at the end.
  TempFile result;
  int resultFd;
  if (llvm::sys::fs::createUniqueFile(outputPath + "-%%%%%%.tmp", resultFd,
                                      result.path))
    return emitError(loc) << "cannot create '" << outputPath << "'";
  llvm::sys::Process::SafelyCloseFileDescriptor(resultFd);
  auto finish = [&]() -> LogicalResult {
    // The weights first: a library never appears without its file. A stale
    // file from an earlier compile goes.
    if (weightBytes) {
      if (std::error_code ec = llvm::sys::fs::rename(weights.path, weightsPath))
        return emitError(loc)
               << "cannot write '" << weightsPath << "': " << ec.message();
      weights.path.clear();
    } else if (llvm::sys::fs::exists(weightsPath)) {
      llvm::sys::fs::remove(weightsPath);
    }
    if (std::error_code ec = llvm::sys::fs::rename(result.path, outputPath))
      return emitError(loc)
             << "cannot write '" << outputPath << "': " << ec.message();
    result.path.clear();
    return success();
  };

  if (options.emit == "mlir") {
    std::error_code ec;
    llvm::raw_fd_ostream os(result.path, ec);
    module->print(os);
    return finish();
  }

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
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
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
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features.getString(), targetOptions, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return emitError(loc) << "cannot target CPU '" << cpu << "'";
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  optimize(*llvmModule, *machine, triple);
  phases.done("optimize");

  if (options.emit == "llvm") {
    std::error_code ec;
    llvm::raw_fd_ostream os(result.path, ec);
    llvmModule->print(os, nullptr);
    return finish();
  }

  TempFile object;
  int objectFd;
  if (llvm::sys::fs::createTemporaryFile("tmix-model", "o", objectFd,
                                         object.path))
    return emitError(loc) << "cannot create a temporary object file";
  {
    llvm::raw_fd_ostream os(objectFd, /*shouldClose=*/true);
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return emitError(loc) << "the target cannot emit object files";
    codegen.run(*llvmModule);
  }
  phases.done("codegen");
  if (options.emit == "obj") {
    if (std::error_code ec = llvm::sys::fs::copy_file(object.path, result.path))
      return emitError(loc)
             << "cannot write '" << outputPath << "': " << ec.message();
    return finish();
  }

  TempFile abi;
  int abiFd;
  if (llvm::sys::fs::createTemporaryFile("tmix-abi", "c", abiFd, abi.path))
    return emitError(loc) << "cannot create a temporary file";
  {
    llvm::raw_fd_ostream os(abiFd, /*shouldClose=*/true);
    os << abiSource(options.import.functionName, inputs, outputs, weightBytes,
                    weightsId, cudaArch);
  }
  std::string dir = toolDir();
  std::string support = dir + "/../lib/libtmix_model_support.a";
  if (!llvm::sys::fs::exists(support))
    return emitError(loc) << "the model support library is missing: "
                          << support;
  // Only the model ABI is exported.
  TempFile exports;
  int exportsFd;
  if (llvm::sys::fs::createTemporaryFile("tmix-exports", "map", exportsFd,
                                         exports.path))
    return emitError(loc) << "cannot create a temporary file";
  {
    llvm::raw_fd_ostream os(exportsFd, /*shouldClose=*/true);
    os << "{ global: tmix_model_*; local: *; };\n";
  }
  std::string versionScript =
      "-Wl,--version-script=" + exports.path.str().str();
  std::string out = result.path.str().str();
  if (failed(runTool(loc, TMIX_CLANG, {"-shared",   "-fPIC",
                                       "-O2",       "-x",
                                       "c",         abi.path,
                                       "-x",        "none",
                                       object.path, "-Wl,--whole-archive",
                                       support,     "-Wl,--no-whole-archive",
                                       "-fopenmp",  "-lopenblas",
                                       "-lmvec",    "-lm",
                                       "-ldl",      versionScript,
                                       "-o",        out},
                     "linking the model library")))
    return failure();
  phases.done("link");
  return finish();
}
