//===- OnnxImporter.cpp - ONNX protobuf to the onnx dialect ----*- C++ -*-===//
//
// Reads a ModelProto (binary or ONNX text syntax) and emits
//   func.func @main_graph(<graph inputs>) -> <graph outputs>
// with one onnx.node per node, initializers as arith.constant (small ones
// inline, large ones as dense_resource blobs) and model-local functions
// inlined at their call sites. Nothing is interpreted here.
//
//===----------------------------------------------------------------------===//

#include "tmix/Import/OnnxImporter.h"
#include "onnx/IR/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/defs/parser.h"
#include "onnx/onnx_pb.h"

#include <exception>

using namespace mlir;
using namespace mlir::tmix;

std::optional<std::string>
tmix::parseInputShapeSpec(StringRef spec, OnnxImportOptions &options) {
  auto [name, dims] = spec.rsplit(':');
  if (name.empty() || name.size() == spec.size())
    return "expected --input-shape=NAME:DIMS (e.g. input_ids:2x64), got '" +
           spec.str() + "'";
  SmallVector<int64_t> shape;
  if (!dims.empty()) {
    SmallVector<StringRef> parts;
    dims.split(parts, 'x');
    for (StringRef p : parts) {
      int64_t d;
      if (p.getAsInteger(10, d) || d < 0)
        return "bad dimension '" + p.str() +
               "' in --input-shape=" + spec.str() +
               " (expected non-negative integers joined by 'x')";
      shape.push_back(d);
    }
  }
  options.inputShapes[name] = shape;
  return std::nullopt;
}

std::optional<std::string>
tmix::parseBindInputSpec(StringRef spec, OnnxImportOptions &options) {
  auto [name, path] = spec.split('=');
  if (name.empty() || path.empty())
    return "expected --bind-input=NAME=FILE.pb, got '" + spec.str() + "'";
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!file)
    return "cannot read --bind-input file '" + path.str() +
           "': " + file.getError().message();
  options.boundInputs[name] = (*file)->getBuffer().str();
  return std::nullopt;
}

namespace {

/// Thrown nowhere: failures travel as std::optional<std::string> messages
/// up to the single place that emits the diagnostic.
using Error = std::optional<std::string>;

std::string quote(StringRef s) { return "'" + s.str() + "'"; }

/// The ONNX IR versions and the newest standard opset tmix reads: those of
/// ONNX 1.23, the release its conformance suite and tests come from.
constexpr int64_t kMinIrVersion = 3, kMaxIrVersion = 14, kMaxOpset = 28;

class Importer {
public:
  Importer(MLIRContext *ctx, const OnnxImportOptions &options,
           StringRef sourceName)
      : ctx(ctx), options(options), b(ctx),
        fileLoc(FileLineColLoc::get(ctx, sourceName, 0, 0)) {}

  /// Consumes the initializers' data (each is released once it became an
  /// attribute, so the weights are not held twice).
  OwningOpRef<ModuleOp> run(::onnx::ModelProto &model);

private:
  FailureOr<Type> elementType(int32_t onnxType, StringRef what);
  FailureOr<Type> valueType(const ::onnx::TypeProto &type, StringRef name,
                            bool isGraphInput);
  FailureOr<ElementsAttr> tensorAttr(const ::onnx::TensorProto &tensor,
                                     StringRef what);
  FailureOr<Attribute> attribute(const ::onnx::AttributeProto &attr,
                                 StringRef nodeDesc);
  LogicalResult
  emitNode(const ::onnx::NodeProto &node, StringRef prefix,
           const llvm::StringMap<const ::onnx::AttributeProto *> *callerAttrs,
           llvm::StringMap<Value> &scope, int depth);
  LogicalResult inlineFunction(const ::onnx::FunctionProto &fn,
                               const ::onnx::NodeProto &call, StringRef prefix,
                               llvm::StringMap<Value> &scope, int depth);
  /// Converts to any of the failure results the importer returns.
  struct Failed {
    operator LogicalResult() const { return failure(); }
    template <typename T> operator FailureOr<T>() const { return failure(); }
    operator OwningOpRef<ModuleOp>() const { return nullptr; }
  };
  Failed fail(const Twine &message) {
    emitError(fileLoc) << message;
    return {};
  }
  std::string describe(const ::onnx::NodeProto &node) {
    std::string op = node.domain().empty()
                         ? node.op_type()
                         : node.domain() + "::" + node.op_type();
    return "node " + quote(node.name()) + " (" + op + ")";
  }

  MLIRContext *ctx;
  const OnnxImportOptions &options;
  OpBuilder b;
  Location fileLoc;
  llvm::StringMap<Type> declaredTypes;
  llvm::StringMap<const ::onnx::FunctionProto *> functions;
  unsigned resourceCounter = 0;
};

FailureOr<Type> Importer::elementType(int32_t t, StringRef what) {
  using TP = ::onnx::TensorProto;
  switch (t) {
  case TP::FLOAT:
    return Type(b.getF32Type());
  case TP::DOUBLE:
    return Type(b.getF64Type());
  case TP::FLOAT16:
    return Type(b.getF16Type());
  case TP::BFLOAT16:
    return Type(b.getBF16Type());
  case TP::INT64:
    return Type(b.getI64Type());
  case TP::INT32:
    return Type(b.getI32Type());
  case TP::INT16:
    return Type(b.getI16Type());
  case TP::INT8:
    return Type(b.getI8Type());
  // Unsigned types keep their signedness in the type: the conversion needs
  // it for casts, comparisons, division and quantization.
  case TP::UINT8:
    return Type(b.getIntegerType(8, /*isSigned=*/false));
  case TP::UINT16:
    return Type(b.getIntegerType(16, /*isSigned=*/false));
  case TP::UINT32:
    return Type(b.getIntegerType(32, /*isSigned=*/false));
  case TP::UINT64:
    return Type(b.getIntegerType(64, /*isSigned=*/false));
  case TP::BOOL:
    return Type(b.getI1Type());
  default:
    break;
  }
  // Codes newer than this libonnx's proto (opsets 19-25): 8-, 4- and 2-bit
  // formats, each one byte per element in tensors (4- and 2-bit ints
  // zero-extended, as ml_dtypes stores them).
  switch (t) {
  case 17:
    return Type(b.getType<Float8E4M3FNType>());
  case 18:
    return Type(b.getType<Float8E4M3FNUZType>());
  case 19:
    return Type(b.getType<Float8E5M2Type>());
  case 20:
    return Type(b.getType<Float8E5M2FNUZType>());
  case 21:
    return Type(b.getIntegerType(4, /*isSigned=*/false));
  case 22:
    return Type(b.getIntegerType(4));
  case 23:
    return Type(b.getType<Float4E2M1FNType>());
  case 24:
    return Type(b.getType<Float8E8M0FNUType>());
  case 25:
    return Type(b.getIntegerType(2, /*isSigned=*/false));
  case 26:
    return Type(b.getIntegerType(2));
  default:
    break;
  }
  std::string name = ::onnx::TensorProto_DataType_IsValid(t)
                         ? ::onnx::TensorProto_DataType_Name(t)
                         : std::to_string(t);
  return fail(what + ": unsupported element type " + name);
}

FailureOr<Type> Importer::valueType(const ::onnx::TypeProto &type,
                                    StringRef name, bool isGraphInput) {
  if (!type.has_tensor_type()) {
    if (!isGraphInput)
      return Type(onnxir::ValueType::get(ctx));
    return fail("graph input " + quote(name) +
                " is not a tensor (sequences, maps and optionals are not "
                "supported)");
  }
  const auto &tt = type.tensor_type();
  FailureOr<Type> elt = elementType(tt.elem_type(), "value " + quote(name));
  if (failed(elt))
    return failure();
  auto it = options.inputShapes.find(name);
  if (isGraphInput && it != options.inputShapes.end()) {
    if (tt.has_shape() &&
        tt.shape().dim_size() != static_cast<int>(it->second.size()))
      return fail("--input-shape for " + quote(name) + " has rank " +
                  Twine(it->second.size()) + " but the graph declares rank " +
                  Twine(tt.shape().dim_size()));
    return Type(RankedTensorType::get(it->second, *elt));
  }
  if (!tt.has_shape())
    return isGraphInput ? Type(UnrankedTensorType::get(*elt))
                        : Type(onnxir::ValueType::get(ctx));
  SmallVector<int64_t> dims;
  for (const auto &d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() < 0)
      return fail("value " + quote(name) + " has negative dimension " +
                  Twine(d.dim_value()));
    dims.push_back(d.has_dim_value() ? d.dim_value() : ShapedType::kDynamic);
  }
  return Type(RankedTensorType::get(dims, *elt));
}

/// Little-endian raw bytes or the typed repeated fields, into an attribute.
FailureOr<ElementsAttr> Importer::tensorAttr(const ::onnx::TensorProto &t,
                                             StringRef what) {
  FailureOr<Type> elt = elementType(t.data_type(), what);
  if (failed(elt))
    return failure();
  SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
  if (llvm::any_of(dims, [](int64_t d) { return d < 0; }))
    return fail(what + ": negative dimension");
  // Sub-byte elements are stored packed (low bits first) in the file and
  // one per byte in tensors.
  unsigned packedBits = elt->getIntOrFloatBitWidth() < 8 && !elt->isInteger(1)
                            ? elt->getIntOrFloatBitWidth()
                            : 0;
  unsigned width =
      elt->isInteger(1) || packedBits ? 8 : elt->getIntOrFloatBitWidth();
  // Element and byte counts, refusing shapes whose size overflows.
  int64_t count = 1;
  for (int64_t d : dims)
    if (__builtin_mul_overflow(count, d, &count) || count > (int64_t(1) << 40))
      return fail(what + ": shape is too large");
  auto type = RankedTensorType::get(dims, *elt);
  size_t bytes = static_cast<size_t>(count) * width / 8;

  // The bytes: a view of the protobuf's raw_data or of the external file
  // where possible (no copy of a 100 MB embedding), else decoded into
  // `decoded`.
  std::string decoded;
  std::unique_ptr<llvm::MemoryBuffer> external;
  StringRef raw;
  if (t.data_location() == ::onnx::TensorProto::EXTERNAL) {
    std::string location;
    uint64_t offset = 0, length = 0;
    for (const auto &kv : t.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if ((kv.key() == "offset" &&
                StringRef(kv.value()).getAsInteger(10, offset)) ||
               (kv.key() == "length" &&
                StringRef(kv.value()).getAsInteger(10, length)))
        return fail(what + ": external data " + quote(kv.key()) + " is " +
                    quote(kv.value()) + ", not a number");
    }
    if (location.empty() || llvm::sys::path::is_absolute(location) ||
        StringRef(location).contains(".."))
      return fail(what + ": external data location " + quote(location) +
                  " must be a relative path inside the model's directory");
    SmallString<256> path(options.baseDir);
    llvm::sys::path::append(path, location);
    // Links may not lead out of the model's directory either.
    SmallString<256> realPath, realBase;
    if (!llvm::sys::fs::real_path(path, realPath) &&
        !llvm::sys::fs::real_path(options.baseDir, realBase) &&
        !StringRef(realPath).starts_with((realBase + "/").str()))
      return fail(what + ": external data location " + quote(location) +
                  " resolves to " + quote(realPath) +
                  ", outside the model's directory");
    auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
    if (!file)
      return fail(what + ": cannot read external data file " +
                  quote(path.str()) + ": " + file.getError().message());
    if (!length)
      length = bytes;
    if (offset + length > (*file)->getBufferSize() || length != bytes)
      return fail(what + ": external data " + quote(location) + " holds " +
                  Twine((*file)->getBufferSize()) + " bytes; expected " +
                  Twine(bytes) + " at offset " + Twine(offset));
    external = std::move(*file);
    raw = StringRef(external->getBufferStart() + offset, length);
  } else if (t.has_raw_data()) {
    raw = t.raw_data();
  } else if (packedBits && t.int32_data_size() != count) {
    // Packed bytes, one per int32.
    for (int32_t v : t.int32_data())
      decoded.push_back(static_cast<char>(v));
    raw = decoded;
  } else {
    // Typed fields; fp16/bf16/small ints travel as int32 bit patterns,
    // uint32/uint64 in uint64_data.
    bool inUint64 = elt->isUnsignedInteger(32) || elt->isUnsignedInteger(64);
    int64_t given = elt->isF32()         ? t.float_data_size()
                    : elt->isF64()       ? t.double_data_size()
                    : inUint64           ? t.uint64_data_size()
                    : elt->isInteger(64) ? t.int64_data_size()
                                         : t.int32_data_size();
    if (given != count)
      return fail(what + ": holds " + Twine(given) + " values for " +
                  Twine(count) + " elements");
    decoded.resize(bytes);
    auto store = [&](int64_t i, uint64_t bits) {
      std::memcpy(decoded.data() + i * (width / 8), &bits, width / 8);
    };
    int64_t have = 0;
    if (elt->isF32()) {
      have = t.float_data_size();
      for (int64_t i = 0; i < std::min(have, count); ++i) {
        float f = t.float_data(i);
        std::memcpy(decoded.data() + 4 * i, &f, 4);
      }
    } else if (elt->isF64()) {
      have = t.double_data_size();
      for (int64_t i = 0; i < std::min(have, count); ++i) {
        double d = t.double_data(i);
        std::memcpy(decoded.data() + 8 * i, &d, 8);
      }
    } else if (inUint64) {
      have = t.uint64_data_size();
      for (int64_t i = 0; i < std::min(have, count); ++i)
        store(i, t.uint64_data(i));
    } else if (elt->isInteger(64)) {
      have = t.int64_data_size();
      for (int64_t i = 0; i < std::min(have, count); ++i)
        store(i, static_cast<uint64_t>(t.int64_data(i)));
    } else {
      have = t.int32_data_size();
      for (int64_t i = 0; i < std::min(have, count); ++i)
        store(i, static_cast<uint64_t>(static_cast<uint32_t>(t.int32_data(i))));
    }
    raw = decoded;
  }
  std::string unpacked;
  if (packedBits && raw.size() != bytes) {
    size_t perByte = 8 / packedBits;
    if (raw.size() != (static_cast<size_t>(count) + perByte - 1) / perByte)
      return fail(what + ": holds " + Twine(raw.size()) +
                  " packed bytes; expected " +
                  Twine((count + perByte - 1) / perByte) + " for " +
                  Twine(count) + " elements of " + Twine(packedBits) + " bits");
    unsigned mask = (1u << packedBits) - 1;
    unpacked.resize(count);
    for (int64_t i = 0; i < count; ++i)
      unpacked[i] = static_cast<char>((static_cast<uint8_t>(raw[i / perByte]) >>
                                       (packedBits * (i % perByte))) &
                                      mask);
    raw = unpacked;
  }
  if (raw.size() != bytes)
    return fail(what + ": holds " + Twine(raw.size()) + " bytes; expected " +
                Twine(bytes) + " for its shape and type");

  if (elt->isInteger(1)) {
    SmallVector<bool> values;
    for (char c : raw)
      values.push_back(c != 0);
    return ElementsAttr(DenseElementsAttr::get(type, values));
  }
  if (count <= options.inlineElementLimit)
    return ElementsAttr(
        DenseElementsAttr::getFromRawBuffer(type, ArrayRef(raw.data(), bytes)));
  std::string blobName =
      t.name().empty() ? "onnx_tensor_" + std::to_string(resourceCounter++)
                       : t.name();
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef(raw.data(), bytes), alignof(double));
  return ElementsAttr(
      DenseResourceElementsAttr::get(type, blobName, std::move(blob)));
}

FailureOr<Attribute> Importer::attribute(const ::onnx::AttributeProto &a,
                                         StringRef nodeDesc) {
  using AP = ::onnx::AttributeProto;
  std::string what = nodeDesc.str() + ", attribute " + quote(a.name());
  switch (a.type()) {
  case AP::FLOAT:
    return Attribute(b.getF32FloatAttr(a.f()));
  case AP::INT:
    return Attribute(b.getI64IntegerAttr(a.i()));
  case AP::STRING:
    return Attribute(b.getStringAttr(a.s()));
  case AP::TENSOR: {
    FailureOr<ElementsAttr> t = tensorAttr(a.t(), what);
    if (failed(t))
      return failure();
    return Attribute(*t);
  }
  case AP::FLOATS:
    return Attribute(b.getDenseF32ArrayAttr(
        SmallVector<float>(a.floats().begin(), a.floats().end())));
  case AP::INTS:
    return Attribute(b.getDenseI64ArrayAttr(
        SmallVector<int64_t>(a.ints().begin(), a.ints().end())));
  case AP::STRINGS: {
    SmallVector<Attribute> strs;
    for (const auto &s : a.strings())
      strs.push_back(b.getStringAttr(s));
    return Attribute(b.getArrayAttr(strs));
  }
  default:
    break;
  }
  return fail(what + " has type " +
              (AP::AttributeType_IsValid(a.type())
                   ? AP::AttributeType_Name(a.type())
                   : std::to_string(a.type())) +
              ", which is not supported (subgraph attributes such as "
              "If/Loop/Scan bodies cannot be imported)");
}

LogicalResult Importer::emitNode(
    const ::onnx::NodeProto &node, StringRef prefix,
    const llvm::StringMap<const ::onnx::AttributeProto *> *callerAttrs,
    llvm::StringMap<Value> &scope, int depth) {
  std::string desc = describe(node);
  if (auto it = functions.find(node.domain() + "::" + node.op_type());
      it != functions.end())
    return inlineFunction(*it->second, node, prefix, scope, depth);

  SmallVector<Value> inputs;
  for (const std::string &in : node.input()) {
    if (in.empty()) {
      inputs.push_back(onnxir::NoneOp::create(b, fileLoc, b.getNoneType()));
      continue;
    }
    auto it = scope.find(prefix.str() + in);
    if (it == scope.end())
      return fail(desc + ": input " + quote(in) +
                  " is not a graph input, initializer or earlier node output");
    inputs.push_back(it->second);
  }
  SmallVector<NamedAttribute> attrs;
  for (const auto &a : node.attribute()) {
    const ::onnx::AttributeProto *src = &a;
    if (!a.ref_attr_name().empty()) {
      // Inside an inlined function: the caller supplies the value.
      auto it = callerAttrs
                    ? callerAttrs->find(a.ref_attr_name())
                    : llvm::StringMap<
                          const ::onnx::AttributeProto *>::const_iterator();
      if (!callerAttrs || it == callerAttrs->end())
        continue; // not given by the caller: the op's default applies
      src = it->second;
    }
    FailureOr<Attribute> value = attribute(*src, desc);
    if (failed(value))
      return failure();
    attrs.push_back(b.getNamedAttr(a.name(), *value));
  }
  SmallVector<Type> resultTypes;
  for (const std::string &out : node.output()) {
    auto it = prefix.empty() ? declaredTypes.find(out) : declaredTypes.end();
    resultTypes.push_back(it != declaredTypes.end()
                              ? it->second
                              : Type(onnxir::ValueType::get(ctx)));
  }
  std::string nodeName = node.name();
  if (!prefix.empty() && !nodeName.empty())
    nodeName = prefix.str() + nodeName;
  // Unnamed nodes (common in hand-written and text models) are located by
  // their first output so that diagnostics can still name them.
  std::string locName = nodeName;
  if (locName.empty() && node.output_size() && !node.output(0).empty())
    locName = "output " + prefix.str() + node.output(0);
  Location loc =
      locName.empty()
          ? fileLoc
          : Location(NameLoc::get(b.getStringAttr(locName), fileLoc));
  auto op = onnxir::NodeOp::create(
      b, loc, resultTypes, b.getStringAttr(node.op_type()),
      b.getStringAttr(node.domain()),
      nodeName.empty() ? StringAttr() : b.getStringAttr(nodeName),
      attrs.empty() ? DictionaryAttr() : b.getDictionaryAttr(attrs), inputs);
  for (auto [name, result] : llvm::zip(node.output(), op.getResults()))
    if (!name.empty())
      scope[prefix.str() + name] = result;
  return success();
}

LogicalResult Importer::inlineFunction(const ::onnx::FunctionProto &fn,
                                       const ::onnx::NodeProto &call,
                                       StringRef prefix,
                                       llvm::StringMap<Value> &scope,
                                       int depth) {
  if (depth > 32)
    return fail(describe(call) + ": model-local functions nest deeper than "
                                 "32 levels (recursive?)");
  std::string inner = (prefix + call.name() + "/" + fn.name() + "/").str();
  if (call.input_size() > fn.input_size())
    return fail(describe(call) + ": passes " + Twine(call.input_size()) +
                " inputs to function " + quote(fn.name()) + ", which takes " +
                Twine(fn.input_size()));
  for (int i = 0; i < fn.input_size(); ++i) {
    if (i >= call.input_size() || call.input(i).empty()) {
      scope[inner + fn.input(i)] =
          onnxir::NoneOp::create(b, fileLoc, b.getNoneType());
      continue;
    }
    auto it = scope.find(prefix.str() + call.input(i));
    if (it == scope.end())
      return fail(describe(call) + ": input " + quote(call.input(i)) +
                  " is not defined");
    scope[inner + fn.input(i)] = it->second;
  }
  llvm::StringMap<const ::onnx::AttributeProto *> attrs;
  for (const auto &a : call.attribute())
    attrs[a.name()] = &a;
  for (const auto &node : fn.node())
    if (failed(emitNode(node, inner, &attrs, scope, depth + 1)))
      return failure();
  for (int i = 0; i < call.output_size() && i < fn.output_size(); ++i) {
    auto it = scope.find(inner + fn.output(i));
    if (it == scope.end())
      return fail("function " + quote(fn.name()) + ": output " +
                  quote(fn.output(i)) + " is never produced");
    if (!call.output(i).empty())
      scope[prefix.str() + call.output(i)] = it->second;
  }
  return success();
}

OwningOpRef<ModuleOp> Importer::run(::onnx::ModelProto &model) {
  ctx->loadDialect<onnxir::OnnxDialect, func::FuncDialect,
                   arith::ArithDialect>();
  const ::onnx::GraphProto &graph = model.graph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());

  // IR 3 introduced opset imports; what comes after the ONNX release tmix
  // is tested with may change the meaning of what it reads.
  if (model.ir_version() < kMinIrVersion || model.ir_version() > kMaxIrVersion)
    return fail("ONNX IR version " + Twine(model.ir_version()) +
                " is not one tmix reads (" + Twine(kMinIrVersion) + " to " +
                Twine(kMaxIrVersion) + ")");
  SmallVector<NamedAttribute> opsets;
  for (const auto &imp : model.opset_import()) {
    bool standard = imp.domain().empty() || imp.domain() == "ai.onnx";
    std::string domain = standard ? "ai.onnx" : imp.domain();
    if (imp.version() < 1)
      return fail("opset " + Twine(imp.version()) + " of domain " +
                  quote(domain) + " is not an opset version");
    if (standard && imp.version() > kMaxOpset)
      return fail("opset " + Twine(imp.version()) + " of domain " +
                  quote(domain) + " is newer than tmix knows (" +
                  Twine(kMaxOpset) + ", ONNX 1.23)");
    opsets.push_back(b.getNamedAttr(
        imp.domain().empty() ? onnxir::kDefaultDomain.str() : imp.domain(),
        b.getI64IntegerAttr(imp.version())));
  }
  for (const auto &fn : model.functions())
    functions[fn.domain() + "::" + fn.name()] = &fn;

  llvm::StringSet<> initializerNames;
  for (const auto &init : graph.initializer())
    initializerNames.insert(init.name());
  for (const auto &entry : options.inputShapes) {
    StringRef name = entry.getKey();
    bool known = llvm::any_of(graph.input(), [&](const auto &in) {
      return in.name() == name && !initializerNames.contains(name);
    });
    if (!known)
      return fail("--input-shape names " + quote(name) +
                  ", which is not a graph input");
  }
  for (const auto &entry : options.boundInputs) {
    StringRef name = entry.getKey();
    bool known = llvm::any_of(graph.input(), [&](const auto &in) {
      return in.name() == name && !initializerNames.contains(name);
    });
    if (!known)
      return fail("--bind-input names " + quote(name) +
                  ", which is not a graph input");
  }

  // Declared types of intermediate values and graph outputs.
  for (const auto &vi : graph.value_info()) {
    FailureOr<Type> t = valueType(vi.type(), vi.name(), false);
    if (failed(t))
      return nullptr;
    declaredTypes[vi.name()] = *t;
  }
  SmallVector<Type> argTypes, resultTypes;
  SmallVector<const ::onnx::ValueInfoProto *> args;
  for (const auto &in : graph.input()) {
    if (initializerNames.contains(in.name()))
      continue; // an initializer listed as input (IR < 4): a constant
    if (options.boundInputs.count(in.name()))
      continue; // specialised to a constant below
    FailureOr<Type> t = valueType(in.type(), in.name(), true);
    if (failed(t))
      return nullptr;
    argTypes.push_back(*t);
    args.push_back(&in);
  }
  for (const auto &out : graph.output()) {
    FailureOr<Type> t = valueType(out.type(), out.name(), false);
    if (failed(t))
      return nullptr;
    resultTypes.push_back(*t);
    declaredTypes[out.name()] = *t;
  }

  auto func = func::FuncOp::create(b, fileLoc, options.functionName,
                                   b.getFunctionType(argTypes, resultTypes));
  func->setAttr(onnxir::kOpsetImportAttr, b.getDictionaryAttr(opsets));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  llvm::StringMap<Value> scope;
  for (auto [i, in] : llvm::enumerate(args)) {
    func.setArgAttr(i, "onnx.name", b.getStringAttr(in->name()));
    scope[in->name()] = entry->getArgument(i);
  }
  for (const auto &entry : options.boundInputs) {
    ::onnx::TensorProto bound;
    const std::string &bytes = entry.getValue();
    std::string what = "--bind-input " + quote(entry.getKey());
    if (!bound.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      return fail(what + ": not a serialized TensorProto");
    FailureOr<ElementsAttr> value = tensorAttr(bound, what);
    if (failed(value))
      return nullptr;
    scope[entry.getKey()] = arith::ConstantOp::create(
        b, NameLoc::get(b.getStringAttr(entry.getKey()), fileLoc),
        cast<TypedAttr>(*value));
  }
  for (::onnx::TensorProto &init :
       *model.mutable_graph()->mutable_initializer()) {
    FailureOr<ElementsAttr> value =
        tensorAttr(init, "initializer " + quote(init.name()));
    if (failed(value))
      return nullptr;
    // The attribute holds its own copy now.
    std::string().swap(*init.mutable_raw_data());
    init.clear_float_data();
    init.clear_int32_data();
    init.clear_int64_data();
    init.clear_double_data();
    scope[init.name()] = arith::ConstantOp::create(
        b, NameLoc::get(b.getStringAttr(init.name()), fileLoc),
        cast<TypedAttr>(*value));
  }
  for (const auto &node : graph.node())
    if (failed(emitNode(node, "", nullptr, scope, 0)))
      return nullptr;
  SmallVector<Value> results;
  SmallVector<Attribute> outputNames;
  for (const auto &out : graph.output()) {
    auto it = scope.find(out.name());
    if (it == scope.end())
      return fail("graph output " + quote(out.name()) + " is never produced");
    results.push_back(it->second);
    outputNames.push_back(b.getStringAttr(out.name()));
  }
  func::ReturnOp::create(b, fileLoc, results);
  // The return may carry undeclared types: the signature follows it.
  func.setType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  func->setAttr("onnx.output_names", b.getArrayAttr(outputNames));
  if (!model.graph().name().empty())
    func->setAttr("onnx.graph_name", b.getStringAttr(model.graph().name()));
  return module;
}
} // namespace

OwningOpRef<ModuleOp> tmix::importOnnxModel(MLIRContext *context,
                                            StringRef bytes,
                                            StringRef sourceName,
                                            const OnnxImportOptions &options) {
  Location loc = FileLineColLoc::get(context, sourceName, 0, 0);
  ::onnx::ModelProto model;
  StringRef trimmed = bytes.ltrim();
  if (trimmed.starts_with("<")) {
    // ONNX text syntax. The parser wants a NUL-terminated string.
    std::string text = bytes.str();
    std::string error;
    try {
      auto status = ::onnx::OnnxParser::Parse(model, text.c_str());
      if (!status.IsOK())
        error = status.ErrorMessage();
    } catch (const std::exception &e) {
      error = e.what();
    }
    if (!error.empty()) {
      emitError(loc) << "cannot parse ONNX text model: "
                     << StringRef(error).trim();
      return nullptr;
    }
  } else if (bytes.size() > static_cast<size_t>(INT_MAX) ||
             !model.ParseFromArray(bytes.data(),
                                   static_cast<int>(bytes.size()))) {
    emitError(loc) << "cannot parse ONNX model: not a valid ModelProto "
                      "(truncated or corrupt protobuf)";
    return nullptr;
  }
  if (options.parsed)
    options.parsed();
  if (!model.has_graph()) {
    emitError(loc) << "ONNX model has no graph";
    return nullptr;
  }
  return Importer(context, options, sourceName).run(model);
}
