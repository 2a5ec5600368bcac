//===- ExternalizeWeights.cpp - tmix-externalize-weights --------*- C++ -*-===//
//
// Large constant buffers leave the object file for a side file, read into
// one external byte buffer when the model library is loaded. Views into that
// buffer replace the constants, so the compiled code is unchanged otherwise.
//
//===----------------------------------------------------------------------===//

#include "tmix/Passes.h"
#include "tmix/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXEXTERNALIZEWEIGHTSPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;
using tmix::WeightsWriteJob;

namespace {
constexpr uint64_t kHeaderBytes = 4096, kAlign = 64, kFormatVersion = 1;
constexpr char kMagic[8] = {'T', 'M', 'I', 'X', 'W', 'T', 'S', '\0'};

void writeU64(llvm::raw_ostream &os, uint64_t v) {
  char bytes[8];
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  os.write(bytes, 8);
}

/// FNV-1a over the payload's 64-bit words (and its trailing bytes), fed in
/// pieces so that the payload is never assembled in memory: an identity for
/// the payload, not a cryptographic hash.
class PayloadId {
public:
  void add(ArrayRef<char> bytes) {
    size_t i = 0;
    for (; i < bytes.size() && filled; ++i)
      addByte(bytes[i]);
    for (; i + 8 <= bytes.size(); i += 8) {
      uint64_t w;
      memcpy(&w, bytes.data() + i, 8);
      hash = (hash ^ w) * kPrime;
    }
    for (; i < bytes.size(); ++i)
      addByte(bytes[i]);
  }
  void addZeros(uint64_t n) {
    for (; n && filled; --n)
      addByte(0);
    for (; n >= 8; n -= 8)
      hash *= kPrime; // (hash ^ 0) * prime
    for (; n; --n)
      addByte(0);
  }
  uint64_t finish() const {
    uint64_t h = hash;
    for (unsigned i = 0; i < filled; ++i)
      h = (h ^ ((word >> (8 * i)) & 0xff)) * kPrime;
    return h;
  }

private:
  static constexpr uint64_t kPrime = 0x100000001b3ull;
  void addByte(char c) {
    word |= uint64_t(static_cast<unsigned char>(c)) << (8 * filled);
    if (++filled == 8) {
      hash = (hash ^ word) * kPrime;
      word = 0;
      filled = 0;
    }
  }
  uint64_t hash = 0xcbf29ce484222325ull, word = 0;
  unsigned filled = 0;
};

class ExternalizeWeightsPass
    : public tmix::impl::TMixExternalizeWeightsPassBase<
          ExternalizeWeightsPass> {
public:
  using Base::Base;
  ExternalizeWeightsPass(const tmix::TMixExternalizeWeightsPassOptions &options,
                         tmix::WeightsWriteScheduler schedule)
      : Base(options), schedule(std::move(schedule)) {}

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (file.empty()) {
      module.emitError("tmix-externalize-weights: no weights file given "
                       "(file=PATH)");
      return signalPassFailure();
    }
    if (module.lookupSymbol(tmix::kWeightsBufferName)) {
      module.emitError("tmix-externalize-weights: the module already has a "
                       "'tmix__weights' symbol");
      return signalPassFailure();
    }

    // Candidates in module order, each at an aligned payload offset.
    struct Moved {
      memref::GlobalOp global;
      ArrayRef<char> bytes;
      uint64_t offset;
    };
    SmallVector<Moved> moved;
    uint64_t total = 0;
    for (auto global : module.getOps<memref::GlobalOp>()) {
      if (!global.getConstant() || !global.getType().getLayout().isIdentity())
        continue;
      std::optional<ArrayRef<char>> bytes =
          tmix::getRawConstantBytes(global.getInitialValueAttr());
      if (!bytes || static_cast<int64_t>(bytes->size()) < minBytes)
        continue;
      total = llvm::alignTo(total, kAlign);
      moved.push_back({global, *bytes, total});
      total += bytes->size();
    }
    if (moved.empty() || static_cast<int64_t>(total) < embedLimit)
      return;

    // The buffers at their offsets, zeros between them.
    PayloadId hasher;
    uint64_t at = 0;
    for (const Moved &m : moved) {
      hasher.addZeros(m.offset - at);
      hasher.add(m.bytes);
      at = m.offset + m.bytes.size();
    }
    uint64_t id = hasher.finish();
    // The writer keeps views of the buffers, which the context owns.
    std::vector<std::pair<ArrayRef<char>, uint64_t>> pieces;
    for (const Moved &m : moved)
      pieces.push_back({m.bytes, m.offset});
    WeightsWriteJob job = [path = std::string(file), total, id,
                           pieces = std::move(pieces)]() -> std::string {
      std::error_code ec;
      llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
      if (ec)
        return "tmix-externalize-weights: cannot write '" + path +
               "': " + ec.message();
      os.write(kMagic, sizeof(kMagic));
      writeU64(os, kFormatVersion);
      writeU64(os, total);
      writeU64(os, id);
      os.write_zeros(kHeaderBytes - 32);
      uint64_t at = 0;
      for (const auto &[bytes, offset] : pieces) {
        os.write_zeros(offset - at);
        os.write(bytes.data(), bytes.size());
        at = offset + bytes.size();
      }
      os.close();
      if (os.has_error()) {
        std::string message = os.error().message();
        os.clear_error();
        return "tmix-externalize-weights: cannot write '" + path +
               "': " + message;
      }
      return "";
    };
    if (schedule) {
      schedule(std::move(job));
    } else if (std::string error = job(); !error.empty()) {
      module.emitError(error);
      return signalPassFailure();
    }

    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    b.setInsertionPointToStart(module.getBody());
    auto bufferType =
        MemRefType::get({static_cast<int64_t>(total)}, b.getI8Type());
    // An external declaration: the model library defines and fills it.
    memref::GlobalOp::create(b, module.getLoc(), tmix::kWeightsBufferName,
                             /*sym_visibility=*/StringAttr(), bufferType,
                             /*initial_value=*/Attribute(),
                             /*constant=*/false,
                             b.getI64IntegerAttr(static_cast<int64_t>(kAlign)));
    llvm::StringMap<uint64_t> offsets;
    for (Moved &m : moved)
      offsets[m.global.getSymName()] = m.offset;
    module.walk([&](memref::GetGlobalOp get) {
      auto it = offsets.find(get.getName());
      if (it == offsets.end())
        return;
      b.setInsertionPoint(get);
      Value base = memref::GetGlobalOp::create(b, get.getLoc(), bufferType,
                                               tmix::kWeightsBufferName);
      Value offset = arith::ConstantIndexOp::create(
          b, get.getLoc(), static_cast<int64_t>(it->second));
      Value view = memref::ViewOp::create(b, get.getLoc(), get.getType(), base,
                                          offset, ValueRange{});
      get.replaceAllUsesWith(view);
      get.erase();
    });
    for (Moved &m : moved) {
      ++numMoved;
      bytesMoved += m.bytes.size();
      m.global.erase();
    }
    module->setAttr(
        "tmix.external_weights",
        b.getDictionaryAttr(
            {b.getNamedAttr("bytes",
                            b.getI64IntegerAttr(static_cast<int64_t>(total))),
             b.getNamedAttr("id",
                            b.getI64IntegerAttr(static_cast<int64_t>(id)))}));
  }

private:
  tmix::WeightsWriteScheduler schedule;
};
} // namespace

std::unique_ptr<Pass> mlir::tmix::createTMixExternalizeWeightsPass(
    const TMixExternalizeWeightsPassOptions &options,
    WeightsWriteScheduler schedule) {
  return std::make_unique<ExternalizeWeightsPass>(options, std::move(schedule));
}
