//===- tmix-run.cpp - Run a model compiled by tmix-compile ----------------===//
//
// Loads a model library through libtmix_runtime, feeds it arrays from
// .npz/.npy files (or seeded random data), and checks, prints, saves or
// times its outputs. Exit status: 0 success, 1 output mismatch, 2 error.
//
//===----------------------------------------------------------------------===//

#include "tmix-c/Runtime.h"

#include "Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

using tmix::npy::Array;

namespace {

namespace cl = llvm::cl;

cl::OptionCategory category("tmix-run options");
cl::list<std::string> positional(cl::Positional, cl::desc("<model.so>"),
                                 cl::cat(category));
cl::list<std::string>
    inputFiles("inputs",
               cl::desc(".npz (arrays by name) or .npy (named after the file "
                        "stem); repeatable, later files win. Without it, "
                        "inputs are random: floats uniform in [-1,1), "
                        "integers 0, booleans true"),
               cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> seedFlag("seed",
                              cl::desc("Seed for random inputs (default 0)"),
                              cl::value_desc("n"), cl::cat(category));
cl::opt<std::string>
    expectFlag("expect",
               cl::desc("Compare each output with the array of its name"),
               cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> atolFlag("atol",
                              cl::desc("Absolute tolerance (default 1e-4)"),
                              cl::value_desc("a"), cl::cat(category));
cl::opt<std::string>
    rtolFlag("rtol",
             cl::desc("Relative tolerance (default 1e-4); an element passes "
                      "when |got-expected| <= atol + rtol*|expected|"),
             cl::value_desc("r"), cl::cat(category));
cl::opt<std::string>
    outputFlag("output",
               cl::desc("Save the outputs as .npz (bfloat16 as float32)"),
               cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> benchFlag("bench",
                               cl::desc("Time N runs after the warmup runs"),
                               cl::value_desc("n"), cl::cat(category));
cl::opt<std::string>
    warmupFlag("warmup", cl::desc("Warmup runs before timing (default 3)"),
               cl::value_desc("n"), cl::cat(category));
cl::opt<std::string>
    nameFlag("name",
             cl::desc("Symbol prefix of the model library (tmix-compile "
                      "--name); found automatically when it exports one "
                      "model"),
             cl::value_desc("prefix"), cl::cat(category));
cl::opt<bool> printFlag("print", cl::desc("Print the outputs"),
                        cl::cat(category));
cl::opt<std::string>
    profileFlag("profile", cl::ValueOptional,
                cl::desc("Print where the time goes, per operation with its "
                         "ONNX nodes (a library compiled with --profile): "
                         "over the --bench runs, or the one run; "
                         "--profile=FILE also writes the last run as a "
                         "Chrome trace (chrome://tracing, Perfetto)"),
                cl::value_desc("trace.json"), cl::cat(category));
cl::opt<bool> verboseFlag("verbose",
                          cl::desc("Say what is loaded, ignored and generated"),
                          cl::cat(category));
cl::alias verboseAlias("v", cl::desc("Alias for --verbose"),
                       cl::aliasopt(verboseFlag), cl::cat(category));

struct Options {
  std::string model;
  std::vector<std::string> inputs;
  std::string expect;
  std::string output;
  std::string name;
  bool profile = false;
  std::string trace;
  double atol = 1e-4;
  double rtol = 1e-4;
  uint64_t seed = 0;
  uint64_t bench = 0;
  uint64_t warmup = 3;
  bool print = false;
  bool verbose = false;
};

int fail(const std::string &message) {
  std::fprintf(stderr, "tmix-run: error: %s\n", message.c_str());
  return 2;
}

void note(const Options &options, const std::string &message) {
  if (options.verbose)
    std::fprintf(stderr, "tmix-run: %s\n", message.c_str());
}

bool parseTolerance(const std::string &text, double &value) {
  if (text.empty())
    return false;
  char *end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return *end == '\0' && std::isfinite(value) && value >= 0;
}

bool parseCount(const std::string &text, uint64_t &value) {
  if (text.empty() || text.size() > 12)
    return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + uint64_t(c - '0');
  }
  return true;
}

// Returns -1 to go on, otherwise the exit status. Flags are llvm::cl's;
// their errors become one "tmix-run: error:" line with exit status 2.
int parseArgs(int argc, char **argv, Options &options) {
  cl::SetVersionPrinter(
      [](llvm::raw_ostream &os) { os << "tmix-run: tmix " TMIX_VERSION "\n"; });
  cl::HideUnrelatedOptions(category);
  // llvm::cl reports a missing value on stderr itself; say it our way.
  if (argc > 1) {
    llvm::StringRef last = argv[argc - 1];
    if (last.consume_front("--") || last.consume_front("-"))
      if (cl::Option *opt = cl::getRegisteredOptions().lookup(last);
          opt && opt->getValueExpectedFlag() == cl::ValueRequired)
        return fail("option '" + std::string(argv[argc - 1]) +
                    "' needs a value");
  }
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "tmix-run: runs a model compiled by tmix-compile once, then "
          "optionally compares, prints, saves and benchmarks its outputs\n\n"
          "Exit status: 0 success, 1 output mismatch, 2 error.\n",
          &errorStream)) {
    // One line, without llvm::cl's "tmix-run: " prefixes and its "Try:
    // '<path> --help'" advice (the tool's own words say that).
    std::string line;
    for (llvm::StringRef part : llvm::split(llvm::StringRef(errors), '\n')) {
      part = part.trim();
      part.consume_front(llvm::sys::path::filename(argv[0]));
      part.consume_front(":");
      part = part.split(" Try: ").first.trim();
      part.consume_back(".");
      if (!part.empty())
        line += (line.empty() ? "" : "; ") + part.lower();
    }
    return fail((line.empty() ? "invalid command line" : line) +
                " (see --help)");
  }
  if (positional.empty())
    return fail("no model library given (see --help)");
  if (positional.size() > 1)
    return fail("unexpected argument '" + positional[1] + "' (one model only)");
  options.model = positional[0];
  options.inputs.assign(inputFiles.begin(), inputFiles.end());
  options.print = printFlag;
  options.verbose = verboseFlag;
  options.name = nameFlag;
  options.profile = profileFlag.getNumOccurrences() > 0;
  options.trace = profileFlag;
  for (const std::string &file : options.inputs)
    if (file.empty())
      return fail("option '--inputs' needs a file name");
  for (auto [flag, value, into] :
       {std::tuple{"--expect", &expectFlag, &options.expect},
        {"--output", &outputFlag, &options.output}}) {
    if (value->getNumOccurrences() && value->empty())
      return fail(std::string("option '") + flag + "' needs a file name");
    *into = *value;
  }
  for (auto [flag, value, into] :
       {std::tuple{"--atol", &atolFlag, &options.atol},
        {"--rtol", &rtolFlag, &options.rtol}})
    if (value->getNumOccurrences() && !parseTolerance(*value, *into))
      return fail("invalid value '" + *value + "' for '" + flag +
                  "' (expected a number >= 0)");
  for (auto [flag, value, into] :
       {std::tuple{"--bench", &benchFlag, &options.bench},
        {"--warmup", &warmupFlag, &options.warmup},
        {"--seed", &seedFlag, &options.seed}}) {
    bool bench = into == &options.bench;
    if (value->getNumOccurrences() &&
        (!parseCount(*value, *into) || (bench && *into == 0)))
      return fail("invalid value '" + *value + "' for '" + flag +
                  "' (expected a whole number" + (bench ? " >= 1)" : ")"));
  }
  return -1;
}

//===----------------------------------------------------------------------===//
// Element conversions
//===----------------------------------------------------------------------===//

double halfToDouble(uint16_t h) {
  int exponent = (h >> 10) & 0x1f;
  int mantissa = h & 0x3ff;
  double value;
  if (exponent == 0)
    value = std::ldexp(mantissa, -24);
  else if (exponent == 31)
    value = mantissa ? NAN : INFINITY;
  else
    value = std::ldexp(mantissa | 0x400, exponent - 25);
  return (h & 0x8000) ? -value : value;
}

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  auto sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  uint32_t abs = x & 0x7fffffff;
  if (abs >= 0x7f800000)
    return sign | (abs > 0x7f800000 ? 0x7e00 : 0x7c00);
  if (abs >= 0x477ff000) // Rounds to beyond 65504.
    return sign | 0x7c00;
  if (abs < 0x38800000) // Subnormal in half: units of 2^-24, exact scaling.
    return sign | static_cast<uint16_t>(std::nearbyint(std::fabs(f) * 0x1p24f));
  uint32_t h = ((((abs >> 23) - 127 + 15) << 10) | ((abs & 0x7fffff) >> 13));
  uint32_t rest = abs & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    ++h; // Round to nearest even; a carry correctly bumps the exponent.
  return sign | static_cast<uint16_t>(h);
}

float bf16ToFloat(uint16_t b) {
  uint32_t x = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint16_t floatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000)
    return static_cast<uint16_t>((x >> 16) | 0x40); // Keep NaNs quiet NaNs.
  return static_cast<uint16_t>((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

template <typename T> T load(const uint8_t *data, size_t i) {
  T value;
  std::memcpy(&value, data + i * sizeof(T), sizeof(T));
  return value;
}

double elementAsDouble(tmix_dtype dtype, const uint8_t *data, size_t i) {
  switch (dtype) {
  case TMIX_DTYPE_F32:
    return load<float>(data, i);
  case TMIX_DTYPE_F16:
    return halfToDouble(load<uint16_t>(data, i));
  case TMIX_DTYPE_BF16:
    return bf16ToFloat(load<uint16_t>(data, i));
  case TMIX_DTYPE_F64:
    return load<double>(data, i);
  case TMIX_DTYPE_I64:
    return static_cast<double>(load<int64_t>(data, i));
  case TMIX_DTYPE_I32:
    return load<int32_t>(data, i);
  case TMIX_DTYPE_I16:
    return load<int16_t>(data, i);
  case TMIX_DTYPE_I8:
    return load<int8_t>(data, i);
  case TMIX_DTYPE_U8:
    return load<uint8_t>(data, i);
  case TMIX_DTYPE_U16:
    return load<uint16_t>(data, i);
  case TMIX_DTYPE_U32:
    return load<uint32_t>(data, i);
  case TMIX_DTYPE_U64:
    return static_cast<double>(load<uint64_t>(data, i));
  case TMIX_DTYPE_BOOL:
    return load<uint8_t>(data, i) ? 1 : 0;
  }
  return NAN;
}

bool isFloat(tmix_dtype dtype) {
  return dtype == TMIX_DTYPE_F32 || dtype == TMIX_DTYPE_F16 ||
         dtype == TMIX_DTYPE_BF16 || dtype == TMIX_DTYPE_F64;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string result = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    result += (i ? "," : "") + std::to_string(shape[i]);
  return result + "]";
}

std::string typeString(tmix_dtype dtype, const std::vector<int64_t> &shape) {
  return std::string(tmix_dtype_name(dtype)) + shapeString(shape);
}

std::string formatValue(tmix_dtype dtype, double value) {
  if (dtype == TMIX_DTYPE_BOOL)
    return value != 0 ? "true" : "false";
  char text[64];
  if (isFloat(dtype) || !std::isfinite(value))
    std::snprintf(text, sizeof(text), "%g", value);
  else
    std::snprintf(text, sizeof(text), "%.0f", value);
  return text;
}

// The row-major index of flat element `i`, as "[i,j,...]".
std::string indexString(const std::vector<int64_t> &shape, size_t i) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = static_cast<int64_t>(i % shape[d]);
    i /= shape[d];
  }
  return shapeString(index);
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

// 64-byte aligned storage: compiled kernels may use aligned vector accesses,
// and the arrays read from files carry no alignment guarantee.
struct Buffer {
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> data;
  size_t size = 0;

  bool allocate(size_t bytes) {
    size = bytes;
    data.reset(static_cast<uint8_t *>(
        std::aligned_alloc(64, std::max<size_t>(64, (bytes + 63) / 64 * 64))));
    if (data)
      std::memset(data.get(), 0, bytes);
    return data != nullptr;
  }
};

struct Tensor {
  std::string name;
  tmix_dtype dtype;
  std::vector<int64_t> shape;
  Buffer buffer;

  size_t numElements() const {
    size_t n = 1;
    for (int64_t dim : shape)
      n *= static_cast<size_t>(dim);
    return n;
  }
};

std::vector<int64_t> infoShape(const tmix_tensor_info &info) {
  return std::vector<int64_t>(info.shape, info.shape + info.rank);
}

bool allocateFor(const tmix_tensor_info &info, Tensor &tensor) {
  tensor.name = info.name;
  tensor.dtype = info.dtype;
  tensor.shape = infoShape(info);
  return tensor.buffer.allocate(tensor.numElements() *
                                tmix_dtype_size(info.dtype));
}

void fillRandom(Tensor &tensor, uint64_t &state) {
  // splitmix64: the same bytes on every platform and standard library.
  auto next = [&]() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  auto uniform = [&]() {
    return static_cast<float>(double(next() >> 11) * 0x1p-52 - 1.0);
  };
  size_t n = tensor.numElements();
  uint8_t *data = tensor.buffer.data.get();
  for (size_t i = 0; i < n; ++i) {
    switch (tensor.dtype) {
    case TMIX_DTYPE_F32: {
      float v = uniform();
      std::memcpy(data + 4 * i, &v, 4);
      break;
    }
    case TMIX_DTYPE_F64: {
      double v = uniform();
      std::memcpy(data + 8 * i, &v, 8);
      break;
    }
    case TMIX_DTYPE_F16: {
      uint16_t v = floatToHalf(uniform());
      std::memcpy(data + 2 * i, &v, 2);
      break;
    }
    case TMIX_DTYPE_BF16: {
      uint16_t v = floatToBf16(uniform());
      std::memcpy(data + 2 * i, &v, 2);
      break;
    }
    case TMIX_DTYPE_BOOL:
      data[i] = 1;
      break;
    // Integers are usually indices or lengths, where 0 is always valid.
    case TMIX_DTYPE_I64:
    case TMIX_DTYPE_I32:
    case TMIX_DTYPE_I16:
    case TMIX_DTYPE_I8:
    case TMIX_DTYPE_U8:
    case TMIX_DTYPE_U16:
    case TMIX_DTYPE_U32:
    case TMIX_DTYPE_U64:
      break;
    }
  }
}

// Copies `array` into aligned storage. NumPy has no bfloat16, so a float32
// array feeds a bfloat16 input, rounded to nearest even.
void tensorFromArray(const Array &array, const tmix_tensor_info *info,
                     Tensor &tensor, bool &ok) {
  tensor.name = array.name;
  tensor.shape = array.shape;
  tensor.dtype = array.dtype;
  bool toBf16 =
      info && info->dtype == TMIX_DTYPE_BF16 && array.dtype == TMIX_DTYPE_F32;
  size_t n = array.numElements();
  if (toBf16) {
    tensor.dtype = TMIX_DTYPE_BF16;
    ok = tensor.buffer.allocate(2 * n);
    for (size_t i = 0; ok && i < n; ++i) {
      uint16_t v = floatToBf16(load<float>(array.data.data(), i));
      std::memcpy(tensor.buffer.data.get() + 2 * i, &v, 2);
    }
    return;
  }
  ok = tensor.buffer.allocate(array.data.size());
  if (ok && !array.data.empty())
    std::memcpy(tensor.buffer.data.get(), array.data.data(), array.data.size());
}

// An Array holding `tensor`, with bfloat16 widened to float32.
Array arrayFromTensor(const Tensor &tensor) {
  Array array;
  array.name = tensor.name;
  array.shape = tensor.shape;
  array.dtype = tensor.dtype;
  const uint8_t *data = tensor.buffer.data.get();
  if (tensor.dtype == TMIX_DTYPE_BF16) {
    array.dtype = TMIX_DTYPE_F32;
    size_t n = tensor.numElements();
    array.data.resize(4 * n);
    for (size_t i = 0; i < n; ++i) {
      float v = bf16ToFloat(load<uint16_t>(data, i));
      std::memcpy(array.data.data() + 4 * i, &v, 4);
    }
  } else {
    array.data.assign(data, data + tensor.buffer.size);
  }
  return array;
}

void printTensor(const Tensor &tensor) {
  constexpr size_t kMaxPrinted = 64;
  size_t n = tensor.numElements();
  std::string text =
      tensor.name + ": " + typeString(tensor.dtype, tensor.shape) + " = [";
  for (size_t i = 0; i < n && i < kMaxPrinted; ++i)
    text +=
        (i ? ", " : "") +
        formatValue(tensor.dtype,
                    elementAsDouble(tensor.dtype, tensor.buffer.data.get(), i));
  if (n > kMaxPrinted)
    text += ", ... (" + std::to_string(n - kMaxPrinted) + " more)";
  std::printf("%s]\n", text.c_str());
}

// Prints the comparison line for one output; false on a mismatch.
bool compare(const Tensor &got, const Array &expected, const Options &options) {
  size_t n = got.numElements();
  double maxAbs = 0, maxRel = 0;
  size_t mismatches = 0, first = 0;
  double firstGot = 0, firstExpected = 0;
  for (size_t i = 0; i < n; ++i) {
    double g = elementAsDouble(got.dtype, got.buffer.data.get(), i);
    double e = elementAsDouble(expected.dtype, expected.data.data(), i);
    if ((std::isnan(g) && std::isnan(e)) || g == e) // NaN==NaN, inf==inf.
      continue;
    double diff = std::fabs(g - e);
    if (std::isnan(diff))
      diff = INFINITY;
    maxAbs = std::max(maxAbs, diff);
    // Zero expectations only count towards max_abs: any difference would
    // make the relative error infinite.
    if (e != 0)
      maxRel = std::max(maxRel, diff / std::fabs(e));
    if (!(diff <= options.atol + options.rtol * std::fabs(e))) {
      if (mismatches++ == 0) {
        first = i;
        firstGot = g;
        firstExpected = e;
      }
    }
  }
  std::printf("%s: max_abs=%g max_rel=%g (atol=%g, rtol=%g) %s\n",
              got.name.c_str(), maxAbs, maxRel, options.atol, options.rtol,
              mismatches ? "MISMATCH" : "OK");
  if (mismatches)
    std::printf("  %zu of %zu elements differ; first at %s: got %s, "
                "expected %s\n",
                mismatches, n, indexString(got.shape, first).c_str(),
                formatValue(got.dtype, firstGot).c_str(),
                formatValue(expected.dtype, firstExpected).c_str());
  return mismatches == 0;
}

// JSON string contents for `text`.
std::string jsonEscape(const char *text) {
  std::string out;
  for (const char *c = text; *c; ++c) {
    if (*c == '"' || *c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(*c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", *c);
      out += buf;
      continue;
    }
    out += *c;
  }
  return out;
}

// The profile table (sites by total time) and, when asked, the trace of the
// last run. Returns an exit status, or -1 when all went well.
int reportProfile(tmix_runtime_model *model, const Options &options,
                  uint64_t runs) {
  int32_t n = tmix_runtime_profile_num_sites(model);
  std::vector<tmix_profile_site> sites(n);
  uint64_t total = 0;
  for (int32_t i = 0; i < n; ++i) {
    tmix_runtime_profile_site(model, i, &sites[i]);
    total += sites[i].total_ns;
  }
  std::vector<int32_t> order(n);
  for (int32_t i = 0; i < n; ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return sites[a].total_ns > sites[b].total_ns;
  });
  double perRun = double(total) / 1e6 / double(runs);
  std::printf("profile: %llu run%s, %.3f ms per run in %d timed operations\n",
              static_cast<unsigned long long>(runs), runs == 1 ? "" : "s",
              perRun, n);
  std::printf("%10s %6s %6s  %-18s %s\n", "ms/run", "%", "calls", "op",
              "ONNX nodes");
  constexpr int32_t kShown = 40;
  for (int32_t k = 0; k < n && k < kShown; ++k) {
    const tmix_profile_site &s = sites[order[k]];
    std::printf("%10.3f %6.1f %6llu  %-18s %s\n",
                double(s.total_ns) / 1e6 / double(runs),
                total ? 100.0 * double(s.total_ns) / double(total) : 0.0,
                static_cast<unsigned long long>(s.calls / runs), s.op,
                *s.nodes ? s.nodes : "-");
  }
  if (n > kShown)
    std::printf("  ... %d more operations\n", n - kShown);
  if (options.trace.empty())
    return -1;
  std::FILE *f = std::fopen(options.trace.c_str(), "w");
  if (!f)
    return fail("cannot write '" + options.trace +
                "': " + std::strerror(errno));
  std::fprintf(f, "{\"traceEvents\": [\n");
  int32_t events = tmix_runtime_profile_num_events(model);
  for (int32_t i = 0; i < events; ++i) {
    int32_t site;
    uint64_t start, duration;
    tmix_runtime_profile_event(model, i, &site, &start, &duration);
    const tmix_profile_site &s = sites[site];
    std::fprintf(f,
                 "%s{\"name\": \"%s\", \"cat\": \"%s\", \"ph\": "
                 "\"X\", \"ts\": %.3f, \"dur\": %.3f, \"pid\": 1, "
                 "\"tid\": 1, \"args\": {\"site\": %d}}\n",
                 i ? "," : "", jsonEscape(*s.nodes ? s.nodes : s.op).c_str(),
                 jsonEscape(s.op).c_str(), double(start) / 1e3,
                 double(duration) / 1e3, site);
  }
  std::fprintf(f, "], \"displayTimeUnit\": \"ms\"}\n");
  if (std::fclose(f) != 0)
    return fail("cannot write '" + options.trace + "'");
  note(options, "wrote the trace of the last run to '" + options.trace + "'");
  return -1;
}

struct ModelDeleter {
  void operator()(tmix_runtime_model *model) const {
    tmix_runtime_unload(model);
  }
};

int run(const Options &options) {
  char *loadError = nullptr;
  std::unique_ptr<tmix_runtime_model, ModelDeleter> model(
      tmix_runtime_load_named(options.model.c_str(), options.name.c_str(),
                              &loadError));
  if (!model) {
    std::string message = loadError ? loadError : "cannot load the model";
    tmix_runtime_free_error(loadError);
    return fail(message);
  }
  int32_t numInputs = tmix_runtime_num_inputs(model.get());
  int32_t numOutputs = tmix_runtime_num_outputs(model.get());
  auto findInput = [&](const std::string &name) -> const tmix_tensor_info * {
    for (int32_t i = 0; i < numInputs; ++i)
      if (name == tmix_runtime_input(model.get(), i)->name)
        return tmix_runtime_input(model.get(), i);
    return nullptr;
  };

  // Inputs: from files by name (later files win), else random.
  std::vector<Tensor> inputs;
  std::string error;
  if (!options.inputs.empty()) {
    std::map<std::string, Array> byName;
    for (const std::string &path : options.inputs) {
      std::vector<Array> arrays;
      if (!tmix::npy::readArrays(path, arrays, &error))
        return fail(error);
      for (Array &array : arrays) {
        if (!findInput(array.name))
          note(options, "ignoring '" + array.name + "' from '" + path +
                            "': the model has no input of that name");
        else if (byName.count(array.name))
          note(options, "'" + array.name + "' from '" + path +
                            "' replaces an earlier one");
        std::string name = array.name;
        byName[name] = std::move(array);
      }
    }
    for (const auto &[name, array] : byName) {
      const tmix_tensor_info *info = findInput(name);
      if (!info)
        continue;
      Tensor tensor;
      bool ok;
      tensorFromArray(array, info, tensor, ok);
      if (!ok)
        return fail("out of memory for input '" + name + "'");
      inputs.push_back(std::move(tensor));
    }
  } else {
    uint64_t state = options.seed;
    for (int32_t i = 0; i < numInputs; ++i) {
      const tmix_tensor_info &info = *tmix_runtime_input(model.get(), i);
      Tensor tensor;
      if (!allocateFor(info, tensor))
        return fail("out of memory for input '" + tensor.name + "'");
      fillRandom(tensor, state);
      note(options, "random input '" + tensor.name + "' (" +
                        typeString(tensor.dtype, tensor.shape) + ")");
      inputs.push_back(std::move(tensor));
    }
  }
  std::vector<tmix_tensor> inputViews;
  for (const Tensor &tensor : inputs)
    inputViews.push_back({tensor.name.c_str(), tensor.dtype,
                          static_cast<int32_t>(tensor.shape.size()),
                          tensor.shape.data(), tensor.buffer.data.get()});

  std::vector<Tensor> outputs(numOutputs);
  std::vector<void *> outputData(numOutputs);
  for (int32_t i = 0; i < numOutputs; ++i) {
    if (!allocateFor(*tmix_runtime_output(model.get(), i), outputs[i]))
      return fail("out of memory for output '" + outputs[i].name + "'");
    outputData[i] = outputs[i].buffer.data.get();
  }
  auto runOnce = [&]() {
    return tmix_runtime_run(model.get(), inputViews.data(), inputViews.size(),
                            outputData.data()) == 0;
  };
  if (options.profile && tmix_runtime_profile_num_sites(model.get()) == 0)
    return fail("'" + options.model +
                "' has no profile: compile it with --profile");
  tmix_runtime_profile_reset(model.get());
  if (!runOnce())
    return fail(tmix_runtime_last_error(model.get()));

  if (!options.output.empty()) {
    std::vector<Array> arrays;
    for (const Tensor &tensor : outputs)
      arrays.push_back(arrayFromTensor(tensor));
    if (!tmix::npy::writeNpz(options.output, arrays, &error))
      return fail(error);
    note(options, "wrote " + std::to_string(arrays.size()) + " outputs to '" +
                      options.output + "'");
  }
  if (options.print)
    for (const Tensor &tensor : outputs)
      printTensor(tensor);

  bool mismatch = false;
  if (!options.expect.empty()) {
    std::vector<Array> expected;
    if (!tmix::npy::readArrays(options.expect, expected, &error))
      return fail(error);
    // Check every name and shape before printing any comparison.
    std::vector<const Array *> matched;
    for (const Tensor &tensor : outputs) {
      auto it =
          std::find_if(expected.begin(), expected.end(),
                       [&](const Array &a) { return a.name == tensor.name; });
      if (it == expected.end())
        return fail("'" + options.expect + "' has no array for output '" +
                    tensor.name + "'");
      if (it->shape != tensor.shape)
        return fail("output '" + tensor.name + "': expected shape " +
                    shapeString(it->shape) + " in '" + options.expect +
                    "', the model gives " + shapeString(tensor.shape));
      if (it->dtype != tensor.dtype)
        note(options, "output '" + tensor.name + "' is " +
                          tmix_dtype_name(tensor.dtype) + ", its expectation " +
                          tmix_dtype_name(it->dtype) +
                          "; comparing as float64");
      matched.push_back(&*it);
    }
    for (const Array &array : expected)
      if (std::none_of(outputs.begin(), outputs.end(),
                       [&](const Tensor &t) { return t.name == array.name; }))
        note(options, "ignoring expected '" + array.name +
                          "': the model has no output of that name");
    for (size_t i = 0; i < outputs.size(); ++i)
      mismatch |= !compare(outputs[i], *matched[i], options);
  }

  if (options.bench) {
    for (uint64_t i = 0; i < options.warmup; ++i)
      if (!runOnce())
        return fail(tmix_runtime_last_error(model.get()));
    tmix_runtime_profile_reset(model.get());
    std::vector<double> times;
    for (uint64_t i = 0; i < options.bench; ++i) {
      auto start = std::chrono::steady_clock::now();
      bool ok = runOnce();
      auto stop = std::chrono::steady_clock::now();
      if (!ok)
        return fail(tmix_runtime_last_error(model.get()));
      times.push_back(
          std::chrono::duration<double, std::milli>(stop - start).count());
    }
    std::sort(times.begin(), times.end());
    size_t mid = times.size() / 2;
    double median =
        times.size() % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
    std::printf("median_ms=%.4f min_ms=%.4f runs=%llu\n", median, times[0],
                static_cast<unsigned long long>(options.bench));
  }
  if (options.profile) {
    int status =
        reportProfile(model.get(), options, options.bench ? options.bench : 1);
    if (status >= 0)
      return status;
  }
  std::fflush(stdout);
  return mismatch ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  int status = parseArgs(argc, argv, options);
  if (status >= 0)
    return status;
  return run(options);
}
