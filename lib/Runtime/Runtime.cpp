//===- Runtime.cpp - libtmix_runtime: load and run compiled models --------===//
//
// Plain C++ and libdl only, so that the runtime can ship without MLIR/LLVM.
// Built without exceptions: nothing can unwind through the C API.
//
//===----------------------------------------------------------------------===//

#include "tmix-c/Runtime.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <cerrno>
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
using ProfileSiteFn = int32_t (*)(int32_t, const char **, const char **,
                                  uint64_t *, uint64_t *);
using ProfileEventFn = int32_t (*)(int32_t, int32_t *, uint64_t *, uint64_t *);
using ResetFn = void (*)();

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
  case TMIX_DTYPE_U64:
    return 8;
  case TMIX_DTYPE_F32:
  case TMIX_DTYPE_I32:
  case TMIX_DTYPE_U32:
    return 4;
  case TMIX_DTYPE_F16:
  case TMIX_DTYPE_BF16:
  case TMIX_DTYPE_I16:
  case TMIX_DTYPE_U16:
    return 2;
  case TMIX_DTYPE_I8:
  case TMIX_DTYPE_U8:
  case TMIX_DTYPE_BOOL:
  case TMIX_DTYPE_F8E4M3FN:
  case TMIX_DTYPE_F8E4M3FNUZ:
  case TMIX_DTYPE_F8E5M2:
  case TMIX_DTYPE_F8E5M2FNUZ:
  case TMIX_DTYPE_F8E8M0:
  case TMIX_DTYPE_F4E2M1:
  case TMIX_DTYPE_I4:
  case TMIX_DTYPE_U4:
  case TMIX_DTYPE_I2:
  case TMIX_DTYPE_U2:
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
  case TMIX_DTYPE_U16:
    return "uint16";
  case TMIX_DTYPE_U32:
    return "uint32";
  case TMIX_DTYPE_U64:
    return "uint64";
  case TMIX_DTYPE_BOOL:
    return "bool";
  // ml_dtypes' names.
  case TMIX_DTYPE_F8E4M3FN:
    return "float8_e4m3fn";
  case TMIX_DTYPE_F8E4M3FNUZ:
    return "float8_e4m3fnuz";
  case TMIX_DTYPE_F8E5M2:
    return "float8_e5m2";
  case TMIX_DTYPE_F8E5M2FNUZ:
    return "float8_e5m2fnuz";
  case TMIX_DTYPE_F8E8M0:
    return "float8_e8m0fnu";
  case TMIX_DTYPE_F4E2M1:
    return "float4_e2m1fn";
  case TMIX_DTYPE_I4:
    return "int4";
  case TMIX_DTYPE_U4:
    return "uint4";
  case TMIX_DTYPE_I2:
    return "int2";
  case TMIX_DTYPE_U2:
    return "uint2";
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

// Reads exactly `size` bytes at `offset` of `fd`.
bool readAt(int fd, void *into, size_t size, uint64_t offset) {
  auto *p = static_cast<char *>(into);
  while (size) {
    ssize_t n = pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

// True if [offset, offset + size) lies inside a file of `fileSize` bytes.
bool inFile(uint64_t offset, uint64_t size, uint64_t fileSize) {
  return offset <= fileSize && size <= fileSize - offset;
}

#if defined(__x86_64__)
constexpr uint16_t kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kMachine = EM_AARCH64;
#else
constexpr uint16_t kMachine = EM_NONE;
#endif

constexpr const char kAbiSymbol[] = "_model_abi_version";

// Checks, before dlopen maps it, that `file` (named `path` in messages) is a
// whole ELF shared object
// for this machine (a truncated library would fault when its pages are
// touched), and collects the prefixes of the model ABIs it exports: NAME
// for every defined NAME_model_abi_version in its dynamic symbols. Reads
// with pread only, so nothing here can fault on a short file.
bool inspectLibrary(const std::string &file, const std::string &path,
                    std::vector<std::string> &prefixes, std::string &error) {
  int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot load '" + path + "': " + std::strerror(errno);
    return false;
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    error = "cannot load '" + path + "': not a regular file";
    return false;
  }
  auto size = static_cast<uint64_t>(info.st_size);
  Elf64_Ehdr header;
  if (size < sizeof(header) || !readAt(fd, &header, sizeof(header), 0) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    error = "cannot load '" + path + "': not an ELF shared library";
    return false;
  }
  if (header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != ELFDATA2LSB || header.e_type != ET_DYN ||
      header.e_machine != kMachine) {
    error = "cannot load '" + path +
            "': not a shared library for this machine (64-bit, "
            "little-endian, this architecture)";
    return false;
  }
  auto truncated = [&](const char *what) {
    error = "'" + path + "' is truncated or corrupt: its " + what +
            " lies past the end of the file (" + std::to_string(size) +
            " bytes)";
    return false;
  };
  if (header.e_phentsize != sizeof(Elf64_Phdr) ||
      !inFile(header.e_phoff, uint64_t(header.e_phnum) * sizeof(Elf64_Phdr),
              size))
    return truncated("program header table");
  for (uint16_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (!readAt(fd, &ph, sizeof(ph), header.e_phoff + i * sizeof(ph)))
      return truncated("program header table");
    if ((ph.p_type == PT_LOAD || ph.p_type == PT_DYNAMIC) &&
        !inFile(ph.p_offset, ph.p_filesz, size))
      return truncated(ph.p_type == PT_LOAD ? "loadable segment"
                                            : "dynamic section");
  }
  if (header.e_shnum == 0)
    return true; // no section table: nothing more to check or find
  if (header.e_shentsize != sizeof(Elf64_Shdr) ||
      !inFile(header.e_shoff, uint64_t(header.e_shnum) * sizeof(Elf64_Shdr),
              size))
    return truncated("section header table");
  auto section = [&](uint32_t index, Elf64_Shdr &sh) {
    return index < header.e_shnum &&
           readAt(fd, &sh, sizeof(sh), header.e_shoff + index * sizeof(sh));
  };
  for (uint16_t i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr symbols, names;
    if (!section(i, symbols))
      return truncated("section header table");
    if (symbols.sh_type != SHT_DYNSYM)
      continue;
    if (!section(symbols.sh_link, names) ||
        !inFile(symbols.sh_offset, symbols.sh_size, size) ||
        !inFile(names.sh_offset, names.sh_size, size))
      return truncated("dynamic symbol table");
    std::string strings(names.sh_size, '\0');
    std::vector<Elf64_Sym> table(symbols.sh_size / sizeof(Elf64_Sym));
    if (!readAt(fd, &strings[0], strings.size(), names.sh_offset) ||
        !readAt(fd, table.data(), table.size() * sizeof(Elf64_Sym),
                symbols.sh_offset))
      return truncated("dynamic symbol table");
    for (const Elf64_Sym &sym : table) {
      if (sym.st_shndx == SHN_UNDEF || sym.st_name >= strings.size() ||
          ELF64_ST_TYPE(sym.st_info) != STT_FUNC)
        continue;
      const char *name = strings.c_str() + sym.st_name;
      size_t length = strnlen(name, strings.size() - sym.st_name);
      size_t suffix = sizeof(kAbiSymbol) - 1;
      if (length > suffix &&
          std::memcmp(name + length - suffix, kAbiSymbol, suffix) == 0)
        prefixes.emplace_back(name, length - suffix);
    }
  }
  return true;
}

} // namespace

struct tmix_runtime_model {
  void *handle = nullptr;
  CreateFn create = nullptr;
  DestroyFn destroy = nullptr;
  RunFn run = nullptr;
  RunFn runDevice = nullptr; // GPU models only
  LastErrorFn lastError = nullptr;
  // Profiles (libraries compiled with --profile; absent in older ones).
  CountFn profileNumSites = nullptr, profileNumEvents = nullptr;
  ProfileSiteFn profileSite = nullptr;
  ProfileEventFn profileEvent = nullptr;
  ResetFn profileReset = nullptr;
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
  return tmix_runtime_load_named(path, nullptr, error);
}

tmix_runtime_model *tmix_runtime_load_named(const char *path, const char *name,
                                            char **error) {
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

  // The file is checked before dlopen maps it, and tells which model ABI
  // prefixes it exports.
  std::vector<std::string> prefixes;
  std::string inspectError;
  if (!inspectLibrary(file, path, prefixes, inspectError))
    return fail(inspectError);
  std::string prefix = name && *name ? name : "";
  if (prefix.empty()) {
    bool hasDefault = false;
    for (const std::string &p : prefixes)
      hasDefault |= p == "tmix";
    if (prefixes.size() == 1)
      prefix = prefixes[0];
    else if (hasDefault || prefixes.empty())
      prefix = "tmix";
    else {
      std::string names;
      for (const std::string &p : prefixes)
        names += (names.empty() ? "" : ", ") + p;
      return fail("'" + std::string(path) + "' exports several models (" +
                  names + "); choose one by name");
    }
  }

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

  std::string missing;
  auto lookup = [&](const char *function) -> void * {
    std::string symbolName = prefix + "_model_" + function;
    void *symbol = dlsym(handle, symbolName.c_str());
    if (!symbol && missing.empty())
      missing = symbolName;
    return symbol;
  };
  auto abiVersion = reinterpret_cast<AbiVersionFn>(lookup("abi_version"));
  model->create = reinterpret_cast<CreateFn>(lookup("create"));
  model->destroy = reinterpret_cast<DestroyFn>(lookup("destroy"));
  auto numInputs = reinterpret_cast<CountFn>(lookup("num_inputs"));
  auto numOutputs = reinterpret_cast<CountFn>(lookup("num_outputs"));
  auto input = reinterpret_cast<InfoFn>(lookup("input"));
  auto output = reinterpret_cast<InfoFn>(lookup("output"));
  model->run = reinterpret_cast<RunFn>(lookup("run"));
  model->lastError = reinterpret_cast<LastErrorFn>(lookup("last_error"));
  auto optional = [&](const char *function) {
    return dlsym(handle, (prefix + "_model_" + function).c_str());
  };
  model->runDevice = reinterpret_cast<RunFn>(optional("run_device"));
  model->profileNumSites =
      reinterpret_cast<CountFn>(optional("profile_num_sites"));
  model->profileSite =
      reinterpret_cast<ProfileSiteFn>(optional("profile_site"));
  model->profileNumEvents =
      reinterpret_cast<CountFn>(optional("profile_num_events"));
  model->profileEvent =
      reinterpret_cast<ProfileEventFn>(optional("profile_event"));
  model->profileReset = reinterpret_cast<ResetFn>(optional("profile_reset"));
  if (!missing.empty())
    return failLoaded("is not a tmix model library: missing symbol '" +
                      missing + "'");

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

namespace {
int32_t runModel(tmix_runtime_model *model, const tmix_tensor *inputs,
                 size_t num_inputs, void *const *outputs, bool device) {
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
  RunFn run = device ? model->runDevice : model->run;
  if (!run)
    return fail("the model library has no device entry point");
  int32_t status = run(model->instance, model->inputData.data(), outputs);
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

} // namespace

int32_t tmix_runtime_run(tmix_runtime_model *model, const tmix_tensor *inputs,
                         size_t num_inputs, void *const *outputs) {
  return runModel(model, inputs, num_inputs, outputs, /*device=*/false);
}

int32_t tmix_runtime_run_device(tmix_runtime_model *model,
                                const tmix_tensor *inputs, size_t num_inputs,
                                void *const *outputs) {
  return runModel(model, inputs, num_inputs, outputs, /*device=*/true);
}

int32_t tmix_runtime_profile_num_sites(const tmix_runtime_model *model) {
  return model && model->profileNumSites && model->profileSite
             ? model->profileNumSites()
             : 0;
}

int32_t tmix_runtime_profile_site(const tmix_runtime_model *model,
                                  int32_t index, tmix_profile_site *site) {
  if (!site || index < 0 || index >= tmix_runtime_profile_num_sites(model))
    return 1;
  return model->profileSite(index, &site->op, &site->nodes, &site->calls,
                            &site->total_ns);
}

int32_t tmix_runtime_profile_num_events(const tmix_runtime_model *model) {
  return model && model->profileNumEvents && model->profileEvent
             ? model->profileNumEvents()
             : 0;
}

int32_t tmix_runtime_profile_event(const tmix_runtime_model *model,
                                   int32_t index, int32_t *site,
                                   uint64_t *start_ns, uint64_t *duration_ns) {
  if (index < 0 || index >= tmix_runtime_profile_num_events(model))
    return 1;
  return model->profileEvent(index, site, start_ns, duration_ns);
}

void tmix_runtime_profile_reset(tmix_runtime_model *model) {
  if (model && model->profileReset)
    model->profileReset();
}

const char *tmix_runtime_last_error(const tmix_runtime_model *model) {
  return model ? model->error.c_str() : "no model";
}

size_t tmix_dtype_size(tmix_dtype dtype) { return dtypeSize(rawDtype(dtype)); }

const char *tmix_dtype_name(tmix_dtype dtype) {
  return dtypeName(rawDtype(dtype));
}

} // extern "C"
