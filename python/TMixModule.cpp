//===- TMixModule.cpp - tmix._tmix: compile and run in-process --*- C++ -*-===//
//
// The native half of the tmix Python package: the compiler (tmix/Compiler.h)
// with CompileOptions bound by name from Options.def, and libtmix_runtime
// running compiled models on any DLPack or buffer-protocol array (numpy,
// torch, ...) without copies. tmix/__init__.py builds the public API on it.
//
//===----------------------------------------------------------------------===//

#include "tmix-c/Runtime.h"
#include "tmix/Compiler.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstring>

namespace nb = nanobind;
using namespace mlir;
using namespace mlir::tmix;

namespace {

/// The exception type of tmix.CompileError, created at import.
nb::object compileError;

[[noreturn]] void raiseCompileError(const std::string &message) {
  PyErr_SetString(compileError.ptr(), message.c_str());
  throw nb::python_error();
}

/// Sets option `key` of `options` from a Python value of its type.
void setOption(CompileOptions &options, const std::string &key,
               nb::handle value) {
  const OptionInfo *info = lookupCompileOption(key);
  if (!info || info->scope == OptionScope::Internal)
    throw nb::type_error(("unknown compile option '" + key +
                          "' (tmix.options() lists them)")
                             .c_str());
  auto typeError = [&](const char *expected) {
    throw nb::type_error(("compile option '" + key + "' takes " + expected +
                          ", got " +
                          nb::cast<std::string>(nb::str(value.type())))
                             .c_str());
  };
  if (bool *b = info->get<bool>(options)) {
    if (!nb::isinstance<nb::bool_>(value))
      typeError("a bool");
    *b = nb::cast<bool>(value);
  } else if (int64_t *i = info->get<int64_t>(options)) {
    if (!nb::isinstance<nb::int_>(value) || nb::isinstance<nb::bool_>(value))
      typeError("an int");
    *i = nb::cast<int64_t>(value);
  } else if (std::string *s = info->get<std::string>(options)) {
    if (!nb::isinstance<nb::str>(value))
      typeError("a str");
    *s = nb::cast<std::string>(value);
  } else if (auto *list = info->get<std::vector<std::string>>(options)) {
    list->clear();
    if (nb::isinstance<nb::str>(value)) {
      list->push_back(nb::cast<std::string>(value));
      return;
    }
    if (!nb::isinstance<nb::list>(value) && !nb::isinstance<nb::tuple>(value))
      typeError("a str or a list of str");
    for (nb::handle item : value) {
      if (!nb::isinstance<nb::str>(item))
        typeError("a str or a list of str");
      list->push_back(nb::cast<std::string>(item));
    }
  }
}

/// (report JSON, weights path) of compiling `data` to `output`.
std::tuple<std::string, std::string>
compile(nb::bytes data, const std::string &path, const std::string &baseDir,
        const std::string &output, nb::dict kwargs) {
  CompileOptions options;
  for (auto [key, value] : kwargs)
    setOption(options, nb::cast<std::string>(key), value);
  std::string bytes(data.c_str(), data.size());
  std::vector<std::string> errors;
  CompileResult result;
  result.wantMixerReport = true;
  bool ok;
  {
    nb::gil_scoped_release release;
    MLIRContext context(MLIRContext::Threading::DISABLED);
    context.printOpOnDiagnostic(false);
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      if (diag.getSeverity() == DiagnosticSeverity::Error) {
        std::string text;
        llvm::raw_string_ostream os(text);
        if (auto loc = dyn_cast<FileLineColLoc>(diag.getLocation())) {
          StringRef file = loc.getFilename().getValue();
          if (!file.empty() && file != "<model>")
            os << file << ": ";
        }
        os << diag;
        errors.push_back(text);
      }
      return success();
    });
    ok = succeeded(compileOnnxModel(context, {bytes, path, baseDir}, output,
                                    options, {}, &result));
  }
  if (!ok) {
    std::string message;
    for (const std::string &e : errors)
      message += (message.empty() ? "" : "\n") + e;
    raiseCompileError(message.empty() ? "compilation failed" : message);
  }
  return {result.mixerReport, result.weightsPath};
}

/// (flag, kind, default, help) of every option the Python API takes.
std::vector<std::tuple<std::string, std::string, nb::object, std::string>>
optionList() {
  std::vector<std::tuple<std::string, std::string, nb::object, std::string>>
      out;
  CompileOptions defaults;
  for (const OptionInfo &info : getCompileOptionInfos()) {
    if (info.scope == OptionScope::Internal)
      continue;
    std::string name = info.flag.str();
    std::replace(name.begin(), name.end(), '-', '_');
    nb::object value;
    std::string kind;
    if (const bool *b = info.get<bool>(defaults)) {
      kind = "bool";
      value = nb::bool_(*b);
    } else if (const int64_t *i = info.get<int64_t>(defaults)) {
      kind = "int";
      value = nb::int_(*i);
    } else if (const std::string *s = info.get<std::string>(defaults)) {
      kind = "str";
      value = nb::str(s->c_str());
    } else {
      kind = "list[str]";
      value = nb::list();
    }
    out.emplace_back(name, kind, value, info.help.str());
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Running compiled models
//===----------------------------------------------------------------------===//

using AnyArray = nb::ndarray<nb::ro>;
using AnyMutableArray = nb::ndarray<>;

/// The tmix_dtype of a DLPack dtype, or 0.
int32_t dtypeOf(nb::dlpack::dtype t) {
  using nb::dlpack::dtype_code;
  auto code = static_cast<dtype_code>(t.code);
  if (t.lanes != 1)
    return 0;
  switch (code) {
  case dtype_code::Float:
    return t.bits == 32   ? TMIX_DTYPE_F32
           : t.bits == 16 ? TMIX_DTYPE_F16
           : t.bits == 64 ? TMIX_DTYPE_F64
                          : 0;
  case dtype_code::Bfloat:
    return t.bits == 16 ? TMIX_DTYPE_BF16 : 0;
  case dtype_code::Int:
    return t.bits == 64   ? TMIX_DTYPE_I64
           : t.bits == 32 ? TMIX_DTYPE_I32
           : t.bits == 16 ? TMIX_DTYPE_I16
           : t.bits == 8  ? TMIX_DTYPE_I8
                          : 0;
  case dtype_code::UInt:
    return t.bits == 64   ? TMIX_DTYPE_U64
           : t.bits == 32 ? TMIX_DTYPE_U32
           : t.bits == 16 ? TMIX_DTYPE_U16
           : t.bits == 8  ? TMIX_DTYPE_U8
                          : 0;
  case dtype_code::Bool:
    return t.bits == 8 ? TMIX_DTYPE_BOOL : 0;
  default:
    return 0;
  }
}

/// Checks that `a` is dense row-major memory on `device` (CPU, or CUDA for
/// run_device); returns its data pointer.
template <typename Array>
void *densePointer(const Array &a, const std::string &what, bool cuda) {
  int32_t device = a.device_type();
  if (cuda ? device != nb::device::cuda::value
           : device != nb::device::cpu::value)
    throw std::runtime_error(what + " is on another device than the " +
                             (cuda ? "CUDA tensors given" : "CPU"));
  if (a.size() == 0)
    return const_cast<void *>(static_cast<const void *>(a.data()));
  int64_t expected = 1;
  for (size_t d = a.ndim(); d-- > 0;) {
    if (a.shape(d) != 1 && a.stride(d) != expected)
      throw std::runtime_error(what +
                               " is not contiguous (make a contiguous copy "
                               "first)");
    expected *= a.shape(d);
  }
  return const_cast<void *>(static_cast<const void *>(a.data()));
}

/// A model library loaded through libtmix_runtime.
class LoadedModel {
public:
  LoadedModel(const std::string &path, const std::string &name) {
    char *error = nullptr;
    model = tmix_runtime_load_named(path.c_str(), name.c_str(), &error);
    if (!model) {
      std::string message = error ? error : "cannot load '" + path + "'";
      tmix_runtime_free_error(error);
      throw std::runtime_error(message);
    }
  }
  ~LoadedModel() { tmix_runtime_unload(model); }
  LoadedModel(const LoadedModel &) = delete;
  LoadedModel &operator=(const LoadedModel &) = delete;

  using Spec = std::tuple<std::string, int32_t, std::vector<int64_t>>;
  std::vector<Spec> specs(bool inputs) const {
    std::vector<Spec> out;
    int32_t n = inputs ? tmix_runtime_num_inputs(model)
                       : tmix_runtime_num_outputs(model);
    for (int32_t i = 0; i < n; ++i) {
      const tmix_tensor_info *info = inputs ? tmix_runtime_input(model, i)
                                            : tmix_runtime_output(model, i);
      out.emplace_back(info->name, int32_t(info->dtype),
                       std::vector<int64_t>(info->shape,
                                            info->shape + info->rank));
    }
    return out;
  }

  /// Runs on `feeds` (name -> array) into the caller's `outputs`, in the
  /// model's output order; device memory with `cuda`. Inputs named in
  /// `bitViews` hold the bits of that tmix_dtype in unsigned integers of
  /// its size (numpy has no bfloat16 or float8 DLPack type); outputs need
  /// the model's element size and shape.
  void run(nb::dict feeds, std::vector<AnyMutableArray> outputs,
           std::map<std::string, int32_t> bitViews, bool cuda) {
    std::vector<AnyArray> arrays;
    std::vector<std::string> names;
    std::vector<std::vector<int64_t>> shapes;
    for (auto [key, value] : feeds) {
      names.push_back(nb::cast<std::string>(key));
      AnyArray a;
      if (!nb::try_cast(value, a))
        throw std::runtime_error("input '" + names.back() +
                                 "' is not an array (numpy, DLPack or "
                                 "buffer)");
      arrays.push_back(a);
    }
    std::vector<tmix_tensor> tensors;
    for (size_t i = 0; i < arrays.size(); ++i) {
      const AnyArray &a = arrays[i];
      std::string what = "input '" + names[i] + "'";
      int32_t dtype = dtypeOf(a.dtype());
      if (auto view = bitViews.find(names[i]);
          view != bitViews.end() &&
          a.dtype().code == uint8_t(nb::dlpack::dtype_code::UInt) &&
          a.itemsize() == tmix_dtype_size(tmix_dtype(view->second)))
        dtype = view->second;
      if (!dtype)
        throw std::runtime_error(what +
                                 ": its dtype is not one the model ABI "
                                 "carries");
      shapes.emplace_back(a.shape_ptr(), a.shape_ptr() + a.ndim());
      tmix_tensor t;
      t.name = names[i].c_str();
      std::memcpy(&t.dtype, &dtype, sizeof(dtype));
      t.rank = int32_t(a.ndim());
      t.shape = shapes.back().data();
      t.data = densePointer(a, what, cuda);
      tensors.push_back(t);
    }
    std::vector<void *> buffers;
    std::vector<Spec> outSpecs = specs(false);
    if (outputs.size() != outSpecs.size())
      throw std::runtime_error("wrong number of output buffers");
    for (size_t i = 0; i < outputs.size(); ++i) {
      const AnyMutableArray &o = outputs[i];
      const auto &[name, dtype, shape] = outSpecs[i];
      std::string what = "output '" + name + "'";
      if (o.itemsize() != tmix_dtype_size(tmix_dtype(dtype)) ||
          o.ndim() != shape.size() ||
          !std::equal(shape.begin(), shape.end(), o.shape_ptr()))
        throw std::runtime_error(what +
                                 ": buffer of the wrong dtype or shape");
      buffers.push_back(densePointer(o, what, cuda));
    }
    int32_t status;
    {
      nb::gil_scoped_release release;
      status = cuda ? tmix_runtime_run_device(model, tensors.data(),
                                              tensors.size(), buffers.data())
                    : tmix_runtime_run(model, tensors.data(), tensors.size(),
                                       buffers.data());
    }
    if (status != 0)
      throw std::runtime_error(tmix_runtime_last_error(model));
  }

  /// (op, ONNX nodes, calls, total ns) per timed operation (--profile).
  std::vector<std::tuple<std::string, std::string, uint64_t, uint64_t>>
  profile() const {
    std::vector<std::tuple<std::string, std::string, uint64_t, uint64_t>> out;
    for (int32_t i = 0, n = tmix_runtime_profile_num_sites(model); i < n;
         ++i) {
      tmix_profile_site site;
      if (tmix_runtime_profile_site(model, i, &site) == 0)
        out.emplace_back(site.op, site.nodes, site.calls, site.total_ns);
    }
    return out;
  }
  void resetProfile() { tmix_runtime_profile_reset(model); }

private:
  tmix_runtime_model *model = nullptr;
};

} // namespace

NB_MODULE(_tmix, m) {
  m.doc() = "tmix native module: in-process compiler and model runtime";
  // A plain subclass of RuntimeError, raised with the compiler's messages.
  compileError = nb::borrow(
      PyErr_NewException("tmix.CompileError", PyExc_RuntimeError, nullptr));
  m.attr("CompileError") = compileError;
  m.def("compile", &compile, nb::arg("data"), nb::arg("path"),
        nb::arg("base_dir"), nb::arg("output"), nb::arg("options"));
  m.def("options", &optionList);
  m.def("version", [] { return getVersionString(); });
  nb::class_<LoadedModel>(m, "LoadedModel")
      .def(nb::init<const std::string &, const std::string &>(),
           nb::arg("path"), nb::arg("name") = "")
      .def_prop_ro("inputs", [](const LoadedModel &l) { return l.specs(true); })
      .def_prop_ro("outputs",
                   [](const LoadedModel &l) { return l.specs(false); })
      .def("run", &LoadedModel::run, nb::arg("feeds"), nb::arg("outputs"),
           nb::arg("bit_views"), nb::arg("cuda"))
      .def("profile", &LoadedModel::profile)
      .def("reset_profile", &LoadedModel::resetProfile);
}
