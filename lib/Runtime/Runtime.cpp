//===- Runtime.cpp - libtmix_runtime: load and run compiled models --------===//
//
// Plain C++ and libdl only, so that the runtime can ship without MLIR/LLVM.
// Built without exceptions: nothing can unwind through the C API.
//
//===----------------------------------------------------------------------===//

#include "tmix-c/Runtime.h"

#include <dlfcn.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using AbiVersionFn = uint32_t (*)();
using CreateFn = tmix_model *(*)();
using DestroyFn = void (*)(tmix_model *);
using CountFn = int32_t (*)();
using InfoFn = const tmix_tensor_info *(*)(int32_t);
using RunFn = int32_t (*)(tmix_model *, const void *const *, void *const *);
using LastErrorFn = const char *(*)(const tmix_model *);

// Upper bound on inputs/outputs, so that a corrupt library reporting a huge
// count fails cleanly instead of exhausting memory.
constexpr int32_t kMaxTensors = 1 << 16;

// A dtype as the integer a C caller may have put there: loading an
// out-of-range value through the enum type would be undefined in C++.
int32_t rawDtype(const tmix_dtype &dtype) {
  static_assert(sizeof(tmix_dtype) == sizeof(int32_t), "C enum size");
  int32_t value;
  std::memcpy(&value, &dtype, sizeof(value));
  return value;
}

size_t dtypeSize(int32_t dtype) {
  switch (dtype) {
  case TMIX_DTYPE_F64:
  case TMIX_DTYPE_I64:
    return 8;
  case TMIX_DTYPE_F32:
  case TMIX_DTYPE_I32:
    return 4;
  case TMIX_DTYPE_F16:
  case TMIX_DTYPE_BF16:
  case TMIX_DTYPE_I16:
    return 2;
  case TMIX_DTYPE_I8:
  case TMIX_DTYPE_U8:
  case TMIX_DTYPE_BOOL:
    return 1;
  default:
    return 0;
  }
}

const char *dtypeName(int32_t dtype) {
  switch (dtype) {
  case TMIX_DTYPE_F32:
    return "float32";
  case TMIX_DTYPE_F16:
    return "float16";
  case TMIX_DTYPE_BF16:
    return "bfloat16";
  case TMIX_DTYPE_F64:
    return "float64";
  case TMIX_DTYPE_I64:
    return "int64";
  case TMIX_DTYPE_I32:
    return "int32";
  case TMIX_DTYPE_I16:
    return "int16";
  case TMIX_DTYPE_I8:
    return "int8";
  case TMIX_DTYPE_U8:
    return "uint8";
  case TMIX_DTYPE_BOOL:
    return "bool";
  default:
    return "unknown";
  }
}

std::string dtypeString(const tmix_dtype &dtype) {
  int32_t raw = rawDtype(dtype);
  return dtypeSize(raw) ? dtypeName(raw)
                        : "unknown dtype " + std::to_string(raw);
}

char *copyError(const std::string &message) {
  char *result = static_cast<char *>(std::malloc(message.size() + 1));
  if (result)
    std::memcpy(result, message.c_str(), message.size() + 1);
  return result;
}

std::string shapeString(int32_t rank, const int64_t *shape) {
  std::string result = "[";
  for (int32_t i = 0; i < rank; ++i) {
    if (i)
      result += ",";
    result += std::to_string(shape[i]);
  }
  return result + "]";
}

std::string typeString(const tmix_tensor_info &info) {
  return dtypeString(info.dtype) + shapeString(info.rank, info.shape);
}

// Byte size of a tensor described by `info`; false on overflow.
bool tensorBytes(const tmix_tensor_info &info, size_t &bytes) {
  bytes = dtypeSize(rawDtype(info.dtype));
  for (int32_t i = 0; i < info.rank; ++i) {
    auto dim = static_cast<uint64_t>(info.shape[i]);
    if (dim != 0 && bytes > SIZE_MAX / dim)
      return false;
    bytes *= dim;
  }
  return true;
}

// Checks what the library says about one tensor, so that the rest of the
// runtime (and its callers) can trust the infos.
bool validateInfo(const tmix_tensor_info *info, const char *kind, int32_t index,
                  std::string &error) {
  std::string what = std::string(kind) + " " + std::to_string(index);
  if (!info) {
    error = "the model has no info for " + what;
    return false;
  }
  if (!info->name) {
    error = "the model's " + what + " has no name";
    return false;
  }
  what = std::string(kind) + " '" + info->name + "'";
  if (dtypeSize(rawDtype(info->dtype)) == 0) {
    error = "the model's " + what + " has an " + dtypeString(info->dtype);
    return false;
  }
  if (info->rank < 0 || (info->rank > 0 && !info->shape)) {
    error = "the model's " + what + " has an invalid rank or shape";
    return false;
  }
  for (int32_t i = 0; i < info->rank; ++i) {
    if (info->shape[i] < 0) {
      error = "the model's " + what + " has a negative dimension";
      return false;
    }
  }
  size_t bytes;
  if (!tensorBytes(*info, bytes)) {
    error = "the model's " + what + " is too large";
    return false;
  }
  return true;
}

} // namespace

struct tmix_runtime_model {
  void *handle = nullptr;
  CreateFn create = nullptr;
  DestroyFn destroy = nullptr;
  RunFn run = nullptr;
  LastErrorFn lastError = nullptr;
  tmix_model *instance = nullptr;
  std::vector<const tmix_tensor_info *> inputs;
  std::vector<const tmix_tensor_info *> outputs;
  // Scratch for the input pointers in model order, reused across runs.
  std::vector<const void *> inputData;
  std::string error;
};

extern "C" {

/// Debian's OpenBLAS 0.3.21 picks its kernels by CPU model and gives CPUs it
/// does not know (AMD Zen 4, for one) its AVX2 kernels even when they have
/// AVX-512; its AVX-512 kernels are much faster there (docs/CpuBackend.md).
/// OpenBLAS reads this override when a model first loads it; a value the
/// user set wins.
static void preferAvx512Blas() {
#if defined(__x86_64__)
  // cpuid directly: __builtin_cpu_supports needs compiler-rt state that a
  // shared library does not always have initialised.
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
    return;
  const unsigned avx512 = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);
  if ((ebx & avx512) != avx512)
    return;
  // The OS must save the AVX-512 state (XCR0 opmask, ZMM_Hi256, Hi16_ZMM).
  unsigned lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 0xe6) != 0xe6)
    return;
  setenv("OPENBLAS_CORETYPE", "SkylakeX", /*overwrite=*/0);
#endif
}

tmix_runtime_model *tmix_runtime_load(const char *path, char **error) {
  if (error)
    *error = nullptr;
  auto fail = [&](const std::string &message) -> tmix_runtime_model * {
    if (error)
      *error = copyError(message);
    return nullptr;
  };
  if (!path || !*path)
    return fail("no model library path given");

  std::string file = path;
  // dlopen searches the library path for names without a slash; a model is
  // a file the caller names, so make it relative to the working directory.
  if (file.find('/') == std::string::npos)
    file = "./" + file;

  dlerror();
  preferAvx512Blas();
  void *handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = dlerror();
    return fail("cannot load '" + std::string(path) +
                "': " + (reason ? reason : "unknown error"));
  }

  auto *model = new tmix_runtime_model();
  model->handle = handle;
  auto failLoaded = [&](const std::string &message) {
    if (model->instance)
      model->destroy(model->instance);
    dlclose(handle);
    delete model;
    return fail("'" + std::string(path) + "' " + message);
  };

  const char *missing = nullptr;
  auto lookup = [&](const char *name) -> void * {
    void *symbol = dlsym(handle, name);
    if (!symbol && !missing)
      missing = name;
    return symbol;
  };
  auto abiVersion =
      reinterpret_cast<AbiVersionFn>(lookup("tmix_model_abi_version"));
  model->create = reinterpret_cast<CreateFn>(lookup("tmix_model_create"));
  model->destroy = reinterpret_cast<DestroyFn>(lookup("tmix_model_destroy"));
  auto numInputs = reinterpret_cast<CountFn>(lookup("tmix_model_num_inputs"));
  auto numOutputs = reinterpret_cast<CountFn>(lookup("tmix_model_num_outputs"));
  auto input = reinterpret_cast<InfoFn>(lookup("tmix_model_input"));
  auto output = reinterpret_cast<InfoFn>(lookup("tmix_model_output"));
  model->run = reinterpret_cast<RunFn>(lookup("tmix_model_run"));
  model->lastError =
      reinterpret_cast<LastErrorFn>(lookup("tmix_model_last_error"));
  if (missing)
    return failLoaded("is not a tmix model library: missing symbol '" +
                      std::string(missing) + "'");

  // Check the version before calling anything else whose signature may have
  // changed.
  uint32_t version = abiVersion();
  if (version != TMIX_MODEL_ABI_VERSION)
    return failLoaded("has model ABI version " + std::to_string(version) +
                      ", but this runtime supports version " +
                      std::to_string(TMIX_MODEL_ABI_VERSION));

  int32_t inputCount = numInputs();
  int32_t outputCount = numOutputs();
  if (inputCount < 0 || inputCount > kMaxTensors || outputCount < 0 ||
      outputCount > kMaxTensors)
    return failLoaded("reports an invalid number of inputs (" +
                      std::to_string(inputCount) + ") or outputs (" +
                      std::to_string(outputCount) + ")");
  std::string infoError;
  for (int32_t i = 0; i < inputCount; ++i) {
    const tmix_tensor_info *info = input(i);
    if (!validateInfo(info, "input", i, infoError))
      return failLoaded("is invalid: " + infoError);
    model->inputs.push_back(info);
  }
  for (int32_t i = 0; i < outputCount; ++i) {
    const tmix_tensor_info *info = output(i);
    if (!validateInfo(info, "output", i, infoError))
      return failLoaded("is invalid: " + infoError);
    model->outputs.push_back(info);
  }
  model->inputData.resize(model->inputs.size());

  model->instance = model->create();
  if (!model->instance)
    return failLoaded("could not create a model instance (out of memory)");
  // An instance that cannot run (its weights file is missing, say) says so
  // at once.
  const char *createError = model->lastError(model->instance);
  if (createError && *createError)
    return failLoaded(std::string("cannot be used: ") + createError);
  return model;
}

void tmix_runtime_unload(tmix_runtime_model *model) {
  if (!model)
    return;
  if (model->instance)
    model->destroy(model->instance);
  dlclose(model->handle);
  delete model;
}

void tmix_runtime_free_error(char *error) { std::free(error); }

int32_t tmix_runtime_num_inputs(const tmix_runtime_model *model) {
  return model ? static_cast<int32_t>(model->inputs.size()) : 0;
}

int32_t tmix_runtime_num_outputs(const tmix_runtime_model *model) {
  return model ? static_cast<int32_t>(model->outputs.size()) : 0;
}

const tmix_tensor_info *tmix_runtime_input(const tmix_runtime_model *model,
                                           int32_t index) {
  if (!model || index < 0 || static_cast<size_t>(index) >= model->inputs.size())
    return nullptr;
  return model->inputs[index];
}

const tmix_tensor_info *tmix_runtime_output(const tmix_runtime_model *model,
                                            int32_t index) {
  if (!model || index < 0 ||
      static_cast<size_t>(index) >= model->outputs.size())
    return nullptr;
  return model->outputs[index];
}

int32_t tmix_runtime_run(tmix_runtime_model *model, const tmix_tensor *inputs,
                         size_t num_inputs, void *const *outputs) {
  if (!model)
    return -1;
  auto fail = [&](const std::string &message) {
    model->error = message;
    return -1;
  };
  if (num_inputs && !inputs)
    return fail("no input tensors given");
  if (!outputs && !model->outputs.empty())
    return fail("no output buffers given");

  for (size_t i = 0; i < model->inputs.size(); ++i) {
    const tmix_tensor_info &info = *model->inputs[i];
    // The first tensor of a name wins; names the model lacks are ignored.
    const tmix_tensor *given = nullptr;
    for (size_t j = 0; j < num_inputs && !given; ++j)
      if (inputs[j].name && std::strcmp(inputs[j].name, info.name) == 0)
        given = &inputs[j];
    std::string name = std::string("input '") + info.name + "'";
    if (!given)
      return fail("missing " + name + " (" + typeString(info) + ")");
    if (rawDtype(given->dtype) != rawDtype(info.dtype))
      return fail(name + ": expected " + dtypeString(info.dtype) + ", got " +
                  dtypeString(given->dtype));
    if (given->rank < 0 || (given->rank > 0 && !given->shape))
      return fail(name + ": invalid rank or shape");
    bool sameShape = given->rank == info.rank;
    for (int32_t d = 0; sameShape && d < info.rank; ++d)
      sameShape = given->shape[d] == info.shape[d];
    if (!sameShape)
      return fail(name + ": expected shape " +
                  shapeString(info.rank, info.shape) + ", got " +
                  shapeString(given->rank, given->shape));
    size_t bytes;
    tensorBytes(info, bytes);
    if (!given->data && bytes)
      return fail(name + ": no data");
    model->inputData[i] = given->data;
  }
  for (size_t i = 0; i < model->outputs.size(); ++i) {
    size_t bytes;
    tensorBytes(*model->outputs[i], bytes);
    if (!outputs[i] && bytes)
      return fail(std::string("no buffer for output '") +
                  model->outputs[i]->name + "'");
  }

  model->error.clear();
  int32_t status =
      model->run(model->instance, model->inputData.data(), outputs);
  if (status == 0)
    return 0;
  const char *reason = model->lastError(model->instance);
  if (reason && *reason)
    model->error = reason;
  else
    model->error = "the model failed (status " + std::to_string(status) + ")";
  // Errors are one line; a model's message may not be.
  for (char &c : model->error)
    if (c == '\n' || c == '\r')
      c = ' ';
  return status;
}

const char *tmix_runtime_last_error(const tmix_runtime_model *model) {
  return model ? model->error.c_str() : "no model";
}

size_t tmix_dtype_size(tmix_dtype dtype) { return dtypeSize(rawDtype(dtype)); }

const char *tmix_dtype_name(tmix_dtype dtype) {
  return dtypeName(rawDtype(dtype));
}

} // extern "C"
