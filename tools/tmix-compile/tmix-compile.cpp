//===- tmix-compile.cpp - ONNX model to a shared library -------*- C++ -*-===//
//
// tmix-compile model.onnx -o model.so [--mixer=linear --layers=0-3 ...]
//
//===----------------------------------------------------------------------===//

#include "tmix/Compiler.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("tmix-compile options");
static cl::opt<std::string> input(cl::Positional, cl::Required,
                                  cl::desc("<model.onnx>"), cl::cat(category));
static cl::opt<std::string> output("o", cl::Required,
                                   cl::desc("Output shared library"),
                                   cl::value_desc("model.so"),
                                   cl::cat(category));
static cl::opt<std::string> target("target", cl::init("cpu"),
                                   cl::desc("Target: cpu or cuda"),
                                   cl::cat(category));
static cl::opt<std::string>
    precision("precision",
              cl::desc("cuda: compute attention and matmuls of f32 models "
                       "in f16 or bf16 (f32 accumulation)"),
              cl::cat(category));
static cl::opt<std::string> gpuArch("gpu-arch", cl::init("sm_90"),
                                    cl::desc("cuda: NVIDIA architecture"),
                                    cl::cat(category));
static cl::opt<std::string>
    targetCpu("target-cpu",
              cl::desc("CPU to compile for (default: this machine's)"),
              cl::cat(category));
static cl::opt<std::string>
    mixer("mixer",
          cl::desc("Replace attention with linear, sigmoid or pool mixing"),
          cl::cat(category));
static cl::list<std::string>
    layers("layers", cl::CommaSeparated,
           cl::desc("Attention sites to replace: indices or ranges (0,2-4)"),
           cl::cat(category));
static cl::list<std::string>
    nodes("nodes", cl::CommaSeparated,
          cl::desc("Attention sites to replace, by ONNX node name or scope/"),
          cl::cat(category));
static cl::opt<std::string> featureMap("feature-map",
                                       cl::desc("Linear mixer feature map"),
                                       cl::cat(category));
static cl::opt<std::string> sigmoidBias("sigmoid-bias",
                                        cl::desc("Sigmoid mixer bias"),
                                        cl::cat(category));
static cl::opt<int64_t> poolWindow("pool-window", cl::init(0),
                                   cl::desc("Pool mixer window (0 = global)"),
                                   cl::cat(category));
static cl::opt<std::string>
    mixerReport("mixer-report",
                cl::desc("Write the mixer report to this file ('-' = stdout)"),
                cl::cat(category));
static cl::opt<std::string> mixerReportFormat("mixer-report-format",
                                              cl::init("text"),
                                              cl::desc("text or json"),
                                              cl::cat(category));
static cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Static shape of a graph input, NAME:DIMS; repeatable"),
    cl::cat(category));
static cl::list<std::string>
    bindInputs("bind-input",
               cl::desc("Specialise an input to a TensorProto, NAME=FILE.pb"),
               cl::cat(category));
static cl::opt<int64_t> tileQ("tile-q", cl::init(128),
                              cl::desc("Query rows per attention tile"),
                              cl::cat(category));
static cl::opt<int64_t> tileK("tile-k", cl::init(256),
                              cl::desc("Keys per attention tile"),
                              cl::cat(category));
static cl::opt<bool> noParallel("no-parallel",
                                cl::desc("Run on one thread (no OpenMP)"),
                                cl::cat(category));
static cl::opt<bool> noBlas("no-blas",
                            cl::desc("Compile f32 matmuls as loops instead of "
                                     "calling the BLAS sgemm"),
                            cl::cat(category));
static cl::opt<bool> noFuse("no-fuse",
                            cl::desc("Do not raise decomposed attention"),
                            cl::cat(category));
static cl::opt<std::string>
    emit("emit", cl::init("so"),
         cl::desc("Output kind: so, obj, llvm (IR) or mlir (lowered)"),
         cl::cat(category));
static cl::opt<std::string> weights(
    "weights", cl::init("auto"),
    cl::desc("Where the weights go: embed (in the library), external (in "
             "<output>.weights, read when the library is loaded) or auto "
             "(external from 1 GiB)"),
    cl::cat(category));
static cl::opt<bool> timing("timing", cl::desc("Print the time of each phase"),
                            cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "tmix-compile") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "tmix: compile an ONNX model to a shared "
                              "library (C ABI in tmix-c/Model.h)\n");
  if (target != "cpu" && target != "cuda")
    return fail("--target=" + target + " is not one of cpu, cuda");
  if (!precision.empty() && precision != "f32" && precision != "f16" &&
      precision != "bf16")
    return fail("--precision=" + precision + " is not one of f32, f16, bf16");
  if (!precision.empty() && target != "cuda")
    return fail("--precision applies to --target=cuda only");
  if (llvm::Expected<unsigned> arch = tmix::parseCudaArch(gpuArch); !arch)
    return fail("--gpu-arch=" + llvm::toString(arch.takeError()));
  if (!mixer.empty() && mixer != "linear" && mixer != "sigmoid" &&
      mixer != "pool" && mixer != "softmax")
    return fail("--mixer=" + mixer +
                " is not one of linear, sigmoid, pool, softmax");
  if (emit != "so" && emit != "obj" && emit != "llvm" && emit != "mlir")
    return fail("--emit=" + emit + " is not one of so, obj, llvm, mlir");
  if (weights != "embed" && weights != "external" && weights != "auto")
    return fail("--weights=" + weights +
                " is not one of embed, external, auto");

  tmix::CompileOptions options;
  for (const std::string &spec : inputShapes)
    if (auto error = tmix::parseInputShapeSpec(spec, options.import))
      return fail(*error);
  for (const std::string &spec : bindInputs)
    if (auto error = tmix::parseBindInputSpec(spec, options.import))
      return fail(*error);
  StringRef dir = llvm::sys::path::parent_path(input);
  options.import.baseDir = dir.empty() ? "." : dir.str();

  // tmix-cpu-pipeline's options, in its textual form.
  std::string pipeline;
  llvm::raw_string_ostream os(pipeline);
  os << "fuse=" << (noFuse ? "false" : "true")
     << " parallel=" << (noParallel ? "false" : "true")
     << " blas=" << (noBlas ? "false" : "true")
     << " pool-window=" << poolWindow;
  if (tileQ.getNumOccurrences())
    os << " tile-q=" << tileQ;
  if (tileK.getNumOccurrences())
    os << " tile-k=" << tileK;
  auto quoted = [](StringRef v) { return "\"" + v.str() + "\""; };
  if (!mixer.empty())
    os << " mixer=" << quoted(mixer);
  if (!layers.empty())
    os << " layers=" << llvm::join(layers, ",");
  if (!nodes.empty())
    os << " nodes=" << quoted(llvm::join(nodes, ","));
  if (!featureMap.empty())
    os << " feature-map=" << quoted(featureMap);
  if (!sigmoidBias.empty())
    os << " sigmoid-bias=" << quoted(sigmoidBias);
  if (!mixerReport.empty())
    os << " mixer-report=" << quoted(mixerReport)
       << " mixer-report-format=" << quoted(mixerReportFormat);
  if (!precision.empty())
    os << " precision=" << quoted(precision);
  os << " chip=" << quoted(gpuArch);
  options.pipelineOptions = pipeline;
  options.target = target;
  options.targetCpu = targetCpu;
  options.emit = emit;
  options.weights = weights;
  if (timing)
    options.timing = &llvm::errs();

  auto buffer = llvm::MemoryBuffer::getFile(input, /*IsText=*/false);
  if (!buffer)
    return fail("cannot open '" + input + "': " + buffer.getError().message());
  MLIRContext context(MLIRContext::Threading::DISABLED);
  // One line per error: the op is named in the message already.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  if (failed(tmix::compileOnnxModel(context, (*buffer)->getBuffer(), input,
                                    output, options)))
    return 1;
  return 0;
}
