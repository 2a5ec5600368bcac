//===- GpuKernels.cpp - tmix-gpu-kernels: tensor-core kernels ---*- C++ -*-===//
//
// Softmax and sigmoid attention and matmuls computed in f16/bf16 become
// gpu.launch kernels whose products run on tensor cores (nvgpu.mma.sync
// m16n8k16, f32 accumulators).
//
// Attention follows FlashAttention-2: a block of four warps owns 64 query
// rows, each warp 16 of them, whose Q fragments, running maximum and sum and
// output accumulators stay in registers while key and value tiles stream
// through shared memory; no Lq x Lk buffer exists. The accumulator layout of
// the score mma is the A-operand layout of the P.V mma, so probabilities
// never leave registers. Matmuls use the same warp tiles with both operands
// staged through shared memory.
//
// Kernels are built before bufferization on the operands' buffers
// (bufferization.to_buffer) into a fresh allocation; the rest of the graph
// is left to tmix-gpu-map-linalg.
//
//===----------------------------------------------------------------------===//

#include "tmix/IR/MixerMath.h"
#include "tmix/IR/TMixDialect.h"
#include "tmix/Target/CUDA/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include <cmath>
#include <limits>

namespace mlir::tmix::cuda {
#define GEN_PASS_DEF_TMIXGPUKERNELSPASS
#include "tmix/Target/CUDA/Passes.h.inc"
} // namespace mlir::tmix::cuda

using namespace mlir;
using namespace mlir::tmix;

namespace {
constexpr int64_t kWarps = 4, kThreads = 32 * kWarps, kBlockRows = 16 * kWarps;
/// Static shared memory per block (the limit without opting in).
constexpr int64_t kSharedBytes = 48 * 1024;
/// Row padding of shared tiles, in elements: 16 bytes shift consecutive
/// rows across banks.
constexpr int64_t kPad = 8;
/// Largest head dimension kept in registers.
constexpr int64_t kMaxHeadDim = 256;

int64_t roundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

/// The type products are computed in: `precision` when set to f16/bf16,
/// else `elt` when it is f16/bf16; null when the product stays f32.
Type computeType(Type elt, StringRef precision) {
  MLIRContext *ctx = elt.getContext();
  if (precision == "f16")
    return Float16Type::get(ctx);
  if (precision == "bf16")
    return BFloat16Type::get(ctx);
  if (precision == "f32")
    return {};
  return elt.isF16() || elt.isBF16() ? elt : Type();
}

/// A fully dynamic strided memref of `t`'s shape: to_buffer then never
/// copies.
MemRefType anyLayout(RankedTensorType t) {
  SmallVector<int64_t> strides(t.getRank(), ShapedType::kDynamic);
  auto layout =
      StridedLayoutAttr::get(t.getContext(), ShapedType::kDynamic, strides);
  return MemRefType::get(t.getShape(), t.getElementType(), layout);
}

/// Code inside one gpu.launch: indices, guarded loads, mma fragments.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, gpu::LaunchOp launch, Type t)
      : b(b), loc(loc), t(t), f32(b.getF32Type()) {
    tid = launch.getThreadIds().x;
    Value warpSize = index(32);
    warp = arith::DivUIOp::create(b, loc, tid, warpSize);
    Value lane = arith::RemUIOp::create(b, loc, tid, warpSize);
    g = arith::DivUIOp::create(b, loc, lane, index(4));
    t4 = arith::RemUIOp::create(b, loc, lane, index(4));
    zeroC = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(cType(), b.getF32FloatAttr(0.0)));
  }

  OpBuilder &b;
  Location loc;
  Type t, f32;
  /// Thread id, warp id, lane group (row within an 8-row slab) and lane
  /// within the group: the coordinates of the mma fragment layouts.
  Value tid, warp, g, t4, zeroC;

  VectorType cType() { return VectorType::get({2, 2}, f32); }
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t y) { return y ? add(x, index(y)) : x; }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, index(y));
  }
  Value below(Value x, int64_t bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x,
                                 index(bound));
  }
  Value both(Value x, Value y) {
    return !x ? y : !y ? x : arith::AndIOp::create(b, loc, x, y).getResult();
  }

  Value convert(Value x, Type to) {
    Type from = x.getType();
    if (from == to)
      return x;
    if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, to, x);
    if (from.getIntOrFloatBitWidth() > to.getIntOrFloatBitWidth())
      return arith::TruncFOp::create(b, loc, to, x);
    return arith::TruncFOp::create(
        b, loc, to, arith::ExtFOp::create(b, loc, f32, x).getResult());
  }

  /// mem[indices] as `to`, or 0 where an index is at or past its bound
  /// (a null bound: always in range). The address is clamped so that the
  /// load itself never leaves the buffer.
  Value guardedLoad(Value mem, ArrayRef<std::pair<Value, Value>> indices,
                    Type to) {
    SmallVector<Value> at;
    Value valid;
    for (auto [i, bound] : indices) {
      if (!bound) {
        at.push_back(i);
        continue;
      }
      valid = both(valid, arith::CmpIOp::create(
                              b, loc, arith::CmpIPredicate::ult, i, bound));
      Value last = arith::SubIOp::create(b, loc, bound, index(1));
      at.push_back(arith::MinUIOp::create(b, loc, i, last));
    }
    Value x = convert(memref::LoadOp::create(b, loc, mem, at), to);
    if (!valid)
      return x;
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(to));
    return arith::SelectOp::create(b, loc, valid, x, zero);
  }
  /// A static bound for guardedLoad; 0 for none.
  Value bound(int64_t v) { return v ? index(v) : Value(); }

  /// A fragment of pairs: row i holds smem[rows[i], cols[i]..+1].
  Value pairs(Value smem, ArrayRef<std::pair<Value, Value>> at) {
    auto pair = VectorType::get({2}, t);
    auto type = VectorType::get({int64_t(at.size()), 2}, t);
    Value frag = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getZeroAttr(t)));
    for (auto [i, rc] : llvm::enumerate(at)) {
      Value v = vector::LoadOp::create(b, loc, pair, smem,
                                       ValueRange{rc.first, rc.second});
      frag = vector::InsertOp::create(b, loc, v, frag, int64_t(i));
    }
    return frag;
  }

  /// A operand (16 x 16) of rows m0.. and columns k0.. of a row-major
  /// [m][k] tile.
  Value fragA(Value smem, Value m0, int64_t k0) {
    Value r0 = add(m0, g), r1 = add(r0, 8);
    Value c0 = add(mul(t4, 2), k0), c1 = add(c0, 8);
    return pairs(smem, {{r0, c0}, {r1, c0}, {r0, c1}, {r1, c1}});
  }

  /// B operand (16 x 8) of columns n0.. and rows k0.. of a tile stored
  /// transposed, [n][k].
  Value fragB(Value smem, int64_t n0, int64_t k0) {
    Value n = add(g, n0);
    Value c0 = add(mul(t4, 2), k0);
    return pairs(smem, {{n, c0}, {n, add(c0, 8)}});
  }

  Value mma(Value a, Value bFrag, Value c) {
    if (t.isF16())
      return nvgpu::MmaSyncOp::create(b, loc, a, bFrag, c,
                                      ArrayRef<int64_t>{16, 8, 16});
    // nvgpu has no bf16 lowering: NVVM's op takes bf16 pairs as i32.
    auto packed = [&](Value frag) {
      SmallVector<Value> words;
      auto rows = cast<VectorType>(frag.getType()).getDimSize(0);
      for (int64_t r = 0; r < rows; ++r) {
        Value pair = vector::ExtractOp::create(b, loc, frag, r);
        Value word = vector::BitCastOp::create(
            b, loc, VectorType::get({1}, b.getI32Type()), pair);
        words.push_back(vector::ExtractOp::create(b, loc, word, int64_t(0)));
      }
      return words;
    };
    SmallVector<Value> acc;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t e = 0; e < 2; ++e)
        acc.push_back(element(c, r, e));
    auto result = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                   SmallVector<Type>(4, f32));
    Value d = NVVM::MmaOp::create(
        b, loc, result, packed(a), packed(bFrag), acc,
        ArrayRef<int64_t>{16, 8, 16}, std::nullopt, std::nullopt,
        std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                      NVVM::MMATypes::bf16},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value> out;
    for (int64_t i = 0; i < 4; ++i)
      out.push_back(LLVM::ExtractValueOp::create(b, loc, d, i));
    return fragment(out, cType());
  }

  Value element(Value c, int64_t r, int64_t e) {
    return vector::ExtractOp::create(b, loc, c, ArrayRef<int64_t>{r, e});
  }
  Value fragment(ArrayRef<Value> elements, VectorType type) {
    return vector::FromElementsOp::create(b, loc, type, elements);
  }

  /// `combine` over the four lanes that share a fragment row.
  Value quadReduce(Value v, function_ref<Value(Value, Value)> combine) {
    for (int32_t offset : {1, 2}) {
      Value other =
          gpu::ShuffleOp::create(b, loc, v, offset, 32, gpu::ShuffleMode::XOR)
              .getShuffleResult();
      v = combine(v, other);
    }
    return v;
  }

  void barrier() { gpu::BarrierOp::create(b, loc); }

  /// Fills shared `tile` with `rows` x `cols` elements, (r, c) given by
  /// `load` and stored at [r][c], or [c][r] when `transposed`. The block's
  /// threads take consecutive c, so global reads along c coalesce;
  /// rows * cols is a multiple of the block size.
  void stage(Value tile, int64_t rows, int64_t cols, bool transposed,
             function_ref<Value(Value r, Value c)> load) {
    auto loop = scf::ForOp::create(b, loc, index(0),
                                   index(rows * cols / kThreads), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value e = add(mul(loop.getInductionVar(), kThreads), tid);
    Value r = arith::DivUIOp::create(b, loc, e, index(cols));
    Value c = arith::RemUIOp::create(b, loc, e, index(cols));
    SmallVector<Value> at = {r, c};
    if (transposed)
      std::swap(at[0], at[1]);
    memref::StoreOp::create(b, loc, load(r, c), tile, at);
  }
};

/// A gpu.launch of `grid` blocks of kThreads threads whose dynamic shared
/// memory holds the given tiles; the insertion point is left inside its
/// body and `tiles` receives views of the tiles.
gpu::LaunchOp createLaunch(OpBuilder &b, Location loc,
                           std::array<int64_t, 3> grid,
                           ArrayRef<MemRefType> shared,
                           SmallVectorImpl<Value> &tiles) {
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  SmallVector<int64_t> offsets;
  int64_t bytes = 0;
  for (MemRefType type : shared) {
    offsets.push_back(bytes);
    bytes +=
        roundUp(type.getNumElements() * type.getElementTypeBitWidth() / 8, 16);
  }
  Value smem = arith::ConstantIntOp::create(b, loc, bytes, 32);
  auto launch =
      gpu::LaunchOp::create(b, loc, c(grid[0]), c(grid[1]), c(grid[2]),
                            c(kThreads), c(1), c(1), smem);
  b.setInsertionPointToStart(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  Attribute workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value base = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                      MemRefLayoutAttrInterface(), workgroup));
  for (auto [type, offset] : llvm::zip(shared, offsets))
    tiles.push_back(
        memref::ViewOp::create(b, loc, type, base, c(offset), ValueRange()));
  return launch;
}

MemRefType sharedTile(OpBuilder &b, int64_t rows, int64_t cols, Type t) {
  return MemRefType::get(
      {rows, cols + kPad}, t, MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
}

class AttentionKernel {
public:
  AttentionKernel(MixerOpInterface op, Type t)
      : op(op), sigmoid(op.getScoreSpec()->sigmoid), t(t) {
    std::tie(batch, hq, hkv, lq, lk, d, dv) = op.getDims().asTuple();
    dp = roundUp(d, 16);
    dvp = roundUp(dv, 16);
    tk = 64;
    while (tk > 16 && tk * (dp + dvp + 2 * kPad) * 2 > kSharedBytes)
      tk /= 2;
  }

  /// Mixers weighing query-key pairs, with static shapes and head
  /// dimensions that fit in registers.
  static bool supports(MixerOpInterface op) {
    if (!op.getScoreSpec())
      return false;
    Value mask = op.getMaskOperand();
    MixerDims dims = op.getDims();
    return dims.isStatic() &&
           (!mask || cast<ShapedType>(mask.getType()).hasStaticShape()) &&
           dims.headDim <= kMaxHeadDim && dims.valueDim <= kMaxHeadDim &&
           dims.batch * dims.queryHeads * dims.queryLen * dims.headDim > 0 &&
           dims.kvHeads * dims.keyLen * dims.valueDim > 0;
  }

  /// The output tensor, computed by one kernel.
  Value build(OpBuilder &b) {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getMixed().getType());
    auto buffer = [&](Value x) -> Value {
      if (!x)
        return {};
      return bufferization::ToBufferOp::create(
          b, loc, anyLayout(cast<RankedTensorType>(x.getType())), x,
          /*readOnly=*/true);
    };
    Value qb = buffer(op.getQueries()), kb = buffer(op.getKeys()),
          vb = buffer(op.getValues()), mb = buffer(op.getMaskOperand());
    out = memref::AllocOp::create(
        b, loc, MemRefType::get(outType.getShape(), outType.getElementType()));
    {
      OpBuilder::InsertionGuard guard(b);
      SmallVector<Value> tiles;
      gpu::LaunchOp launch = createLaunch(
          b, loc, {(lq + kBlockRows - 1) / kBlockRows, hq, batch},
          {sharedTile(b, tk, dp, t), sharedTile(b, dvp, tk, t)}, tiles);
      KernelBuilder kb2(b, loc, launch, t);
      emit(kb2, launch, tiles, qb, kb, vb, mb);
    }
    return bufferization::ToTensorOp::create(b, loc, outType, out,
                                             /*restrict=*/true,
                                             /*writable=*/true);
  }

private:
  MixerOpInterface op;
  bool sigmoid;
  Type t;
  int64_t batch, hq, lq, d, hkv, lk, dv, dp, dvp, tk;
  Value out;

  void emit(KernelBuilder &kb, gpu::LaunchOp launch, ArrayRef<Value> tiles,
            Value q, Value k, Value v, Value mask) {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    Value kTile = tiles[0], vTile = tiles[1];
    Value bi = launch.getBlockIds().z, hi = launch.getBlockIds().y;
    Value blockRow0 = kb.mul(launch.getBlockIds().x, kBlockRows);
    Value kvh = hq == hkv
                    ? hi
                    : arith::DivUIOp::create(b, loc, hi, kb.index(hq / hkv))
                          .getResult();
    Value row0 = kb.add(kb.add(blockRow0, kb.mul(kb.warp, 16)), kb.g);
    Value rows[2] = {row0, kb.add(row0, 8)};

    // The warp's Q fragments, loaded once.
    SmallVector<Value> qFrags;
    auto aType = VectorType::get({4, 2}, t);
    for (int64_t k0 = 0; k0 < dp; k0 += 16) {
      SmallVector<Value> elems;
      Value c0 = kb.add(kb.mul(kb.t4, 2), k0);
      for (int64_t half : {0, 8})
        for (Value row : rows)
          for (int64_t e : {0, 1})
            elems.push_back(
                kb.guardedLoad(q,
                               {{bi, {}},
                                {hi, {}},
                                {row, kb.bound(lq)},
                                {kb.add(c0, half + e), kb.bound(d)}},
                               t));
      qFrags.push_back(kb.fragment(elems, aType));
    }

    // Score math shared with the reference decomposition.
    ScoreTransform transform = ScoreTransform::forMixer(b, loc, op, kb.f32);
    Value negInf = transform.negInf;
    Value keyEnd = kb.index(lk);
    if (transform.causalOffset) {
      // Keys past the diagonal of the block's last row are never read.
      Value last = arith::MinSIOp::create(b, loc, kb.add(blockRow0, kBlockRows),
                                          kb.index(lq));
      keyEnd = arith::MaxSIOp::create(
          b, loc, kb.index(0),
          arith::MinSIOp::create(
              b, loc, keyEnd,
              arith::AddIOp::create(b, loc, last, transform.causalOffset)));
    }
    Value hidden = sigmoid ? transform.zero : negInf;

    int64_t numOut = dvp / 8;
    SmallVector<Value> init(numOut, kb.zeroC);
    if (!sigmoid)
      init.append({negInf, negInf, transform.zero, transform.zero});
    auto loop =
        scf::ForOp::create(b, loc, kb.index(0), keyEnd, kb.index(tk), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value j0 = loop.getInductionVar();
      ValueRange carried = loop.getRegionIterArgs();
      SmallVector<Value> acc(carried.begin(), carried.begin() + numOut);

      // Stage K as [key][d] and V transposed as [dv][key].
      auto keyRow = [&](Value mem, Value r, Value c, int64_t cols) {
        return kb.guardedLoad(mem,
                              {{bi, {}},
                               {kvh, {}},
                               {kb.add(j0, r), kb.bound(lk)},
                               {c, kb.bound(cols)}},
                              t);
      };
      kb.stage(kTile, tk, dp, false,
               [&](Value r, Value c) { return keyRow(k, r, c, d); });
      kb.stage(vTile, tk, dvp, true,
               [&](Value r, Value c) { return keyRow(v, r, c, dv); });
      kb.barrier();

      // Scores of the warp's 16 rows against the tile's keys, as
      // tk / 8 accumulator fragments; element (r, e) of fragment n is
      // row rows[r], key j0 + 8n + 2 t4 + e.
      SmallVector<SmallVector<Value, 4>> p(tk / 8);
      for (int64_t n = 0; n < tk / 8; ++n) {
        Value s = kb.zeroC;
        for (int64_t k0 = 0; k0 < dp; k0 += 16)
          s = kb.mma(qFrags[k0 / 16], kb.fragB(kTile, 8 * n, k0), s);
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t e = 0; e < 2; ++e) {
            Value key = kb.add(kb.add(j0, kb.mul(kb.t4, 2)), 8 * n + e);
            Value m;
            if (mask)
              m = loadMask(kb, mask, bi, hi, rows[r], key);
            Value x = transform.apply(b, loc, kb.element(s, r, e), m, [&] {
              return std::make_pair(rows[r], key);
            });
            p[n].push_back(
                arith::SelectOp::create(b, loc, kb.below(key, lk), x, hidden));
          }
      }

      SmallVector<Value> next;
      if (!sigmoid) {
        // Online softmax: new row maxima, rescale, exponentiate.
        Value scaleBy[2], sums[2];
        for (int64_t r = 0; r < 2; ++r) {
          Value mOld = carried[numOut + r], lOld = carried[numOut + 2 + r];
          Value tileMax = p[0][2 * r];
          for (int64_t n = 0; n < tk / 8; ++n)
            for (int64_t e = 0; e < 2; ++e)
              tileMax =
                  arith::MaximumFOp::create(b, loc, tileMax, p[n][2 * r + e]);
          tileMax = kb.quadReduce(tileMax, [&](Value x, Value y) {
            return arith::MaximumFOp::create(b, loc, x, y);
          });
          Value mNew = arith::MaximumFOp::create(b, loc, mOld, tileMax);
          scaleBy[r] = expDiff(kb, mOld, mNew, negInf, transform.one);
          Value sum = arith::MulFOp::create(b, loc, lOld, scaleBy[r]);
          for (int64_t n = 0; n < tk / 8; ++n)
            for (int64_t e = 0; e < 2; ++e) {
              Value &x = p[n][2 * r + e];
              x = expDiff(kb, x, mNew, negInf, transform.zero);
              sum = arith::AddFOp::create(b, loc, sum, x);
            }
          sums[r] = sum;
          next.push_back(mNew);
        }
        next.push_back(sums[0]);
        next.push_back(sums[1]);
        for (Value &o : acc) {
          SmallVector<Value> e;
          for (int64_t r = 0; r < 2; ++r)
            for (int64_t c = 0; c < 2; ++c)
              e.push_back(arith::MulFOp::create(b, loc, kb.element(o, r, c),
                                                scaleBy[r]));
          o = kb.fragment(e, kb.cType());
        }
      }

      // P (as A fragments, straight from the score layout) times V.
      for (int64_t k0 = 0; k0 < tk; k0 += 16) {
        SmallVector<Value> elems;
        for (int64_t n : {k0 / 8, k0 / 8 + 1})
          for (Value x : p[n])
            elems.push_back(kb.convert(x, t));
        Value pFrag = kb.fragment(elems, aType);
        for (int64_t j = 0; j < numOut; ++j)
          acc[j] = kb.mma(pFrag, kb.fragB(vTile, 8 * j, k0), acc[j]);
      }
      kb.barrier();
      SmallVector<Value> yielded(acc);
      yielded.append(next);
      scf::YieldOp::create(b, loc, yielded);
    }

    // Normalise and store the rows this thread holds.
    Type outElt = cast<MemRefType>(out.getType()).getElementType();
    for (int64_t r = 0; r < 2; ++r) {
      Value inv = transform.one;
      if (!sigmoid) {
        Value l = kb.quadReduce(loop.getResult(numOut + 2 + r),
                                [&](Value x, Value y) {
                                  return arith::AddFOp::create(b, loc, x, y);
                                });
        Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                            l, transform.zero);
        // A row with no visible key yields 0.
        inv = arith::SelectOp::create(
            b, loc, empty, transform.zero,
            arith::DivFOp::create(b, loc, transform.one, l));
      }
      auto inRows = scf::IfOp::create(b, loc, kb.below(rows[r], lq));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(inRows.thenBlock());
      for (int64_t j = 0; j < numOut; ++j)
        for (int64_t e = 0; e < 2; ++e) {
          Value col = kb.add(kb.mul(kb.t4, 2), 8 * j + e);
          Value x = arith::MulFOp::create(
              b, loc, kb.element(loop.getResult(j), r, e), inv);
          Value y = kb.convert(x, outElt);
          auto store = [&] {
            memref::StoreOp::create(b, loc, y, out,
                                    ValueRange{bi, hi, rows[r], col});
          };
          if (8 * j + 8 <= dv) {
            store();
            continue;
          }
          auto inCols = scf::IfOp::create(b, loc, kb.below(col, dv));
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(inCols.thenBlock());
          store();
        }
    }
  }

  /// exp(x - m) as the special-function unit's 2^((x - m) log2 e), or
  /// `fallback` where m is -inf (no key visible yet: -inf - -inf is NaN).
  Value expDiff(KernelBuilder &kb, Value x, Value m, Value negInf,
                Value fallback) {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    Value hidden =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m, negInf);
    Value e = math::Exp2Op::create(
        b, loc,
        arith::MulFOp::create(b, loc, arith::SubFOp::create(b, loc, x, m),
                              kb.f(M_LOG2E)));
    return arith::SelectOp::create(b, loc, hidden, fallback, e);
  }

  /// The mask element for (row, key), broadcast from its trailing
  /// dimensions, in the accumulator type (i1 stays i1).
  Value loadMask(KernelBuilder &kb, Value mask, Value bi, Value hi, Value row,
                 Value key) {
    auto type = cast<MemRefType>(mask.getType());
    int64_t rank = type.getRank();
    Value full[4] = {bi, hi, row, key};
    int64_t bounds[4] = {0, 0, lq, lk};
    SmallVector<std::pair<Value, Value>> at;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t fd = 4 - rank + i;
      if (type.getDimSize(i) == 1)
        at.push_back({kb.index(0), {}});
      else
        at.push_back({full[fd], kb.bound(bounds[fd])});
    }
    Type elt = type.getElementType();
    return kb.guardedLoad(mask, at, elt.isInteger(1) ? elt : kb.f32);
  }
};

/// C = init + A.B for linalg.matmul / linalg.batch_matmul.
class MatmulKernel {
public:
  static constexpr int64_t kTileN = 64, kTileK = 32;

  /// Sizes from the (static) output; only the reduction size may be
  /// dynamic.
  MatmulKernel(linalg::LinalgOp op, Type t) : op(op), t(t) {
    auto ct = cast<RankedTensorType>(op.getDpsInits()[0].getType());
    batched = ct.getRank() == 3;
    batch = batched ? ct.getDimSize(0) : 1;
    m = ct.getDimSize(ct.getRank() - 2);
    n = ct.getDimSize(ct.getRank() - 1);
  }

  static bool supports(linalg::LinalgOp op) {
    if (!isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op) ||
        !op.hasPureTensorSemantics() || op->getNumResults() != 1)
      return false;
    if (auto mm = dyn_cast<linalg::MatmulOp>(op.getOperation()))
      if (mm.hasUserDefinedMaps())
        return false;
    if (auto bmm = dyn_cast<linalg::BatchMatmulOp>(op.getOperation()))
      if (bmm.hasUserDefinedMaps())
        return false;
    // Static except the reduction dimension.
    auto a = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
    auto bt = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
    auto c = cast<RankedTensorType>(op.getDpsInits()[0].getType());
    if (!c.hasStaticShape() || c.getNumElements() == 0)
      return false;
    for (auto type : {a, bt, c})
      if (!isa<FloatType>(type.getElementType()))
        return false;
    return true;
  }

  Value build(OpBuilder &b) {
    Location loc = op.getLoc();
    auto buffer = [&](Value x) -> Value {
      return bufferization::ToBufferOp::create(
          b, loc, anyLayout(cast<RankedTensorType>(x.getType())), x,
          /*readOnly=*/true);
    };
    Value a = buffer(op.getDpsInputs()[0]), bm = buffer(op.getDpsInputs()[1]),
          init = buffer(op.getDpsInits()[0]);
    auto outType = cast<RankedTensorType>(op->getResult(0).getType());
    Value out = memref::AllocOp::create(
        b, loc, MemRefType::get(outType.getShape(), outType.getElementType()));
    {
      OpBuilder::InsertionGuard guard(b);
      SmallVector<Value> tiles;
      gpu::LaunchOp launch = createLaunch(
          b, loc,
          {(n + kTileN - 1) / kTileN, (m + kBlockRows - 1) / kBlockRows, batch},
          {sharedTile(b, kBlockRows, kTileK, t),
           sharedTile(b, kTileN, kTileK, t)},
          tiles);
      KernelBuilder kb(b, loc, launch, t);
      emit(kb, launch, tiles, a, bm, init, out);
    }
    return bufferization::ToTensorOp::create(b, loc, outType, out,
                                             /*restrict=*/true,
                                             /*writable=*/true);
  }

private:
  linalg::LinalgOp op;
  Type t;
  bool batched;
  int64_t batch, m, n;

  /// Indices of element (row, col) of a [batch?, rows, cols] operand.
  SmallVector<std::pair<Value, Value>> at(Value bi, Value row, Value rows,
                                          Value col, Value cols) {
    SmallVector<std::pair<Value, Value>> r;
    if (batched)
      r.push_back({bi, {}});
    r.push_back({row, rows});
    r.push_back({col, cols});
    return r;
  }

  void emit(KernelBuilder &kb, gpu::LaunchOp launch, ArrayRef<Value> tiles,
            Value a, Value bm, Value init, Value out) {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    Value aTile = tiles[0], bTile = tiles[1];
    Value bi = launch.getBlockIds().z;
    Value m0 = kb.mul(launch.getBlockIds().y, kBlockRows);
    Value n0 = kb.mul(launch.getBlockIds().x, kTileN);
    Value warpRow = kb.mul(kb.warp, 16);
    Value rows[2] = {kb.add(kb.add(m0, warpRow), kb.g), Value()};
    rows[1] = kb.add(rows[0], 8);
    auto col = [&](int64_t j, int64_t e) {
      return kb.add(kb.add(n0, kb.mul(kb.t4, 2)), 8 * j + e);
    };
    // The reduction size may be dynamic (tiles of causal chunks).
    Value kk = memref::DimOp::create(
        b, loc, a, cast<MemRefType>(a.getType()).getRank() - 1);
    Value mV = kb.index(m), nV = kb.index(n);

    // Accumulators start from the init operand.
    SmallVector<Value> acc;
    for (int64_t j = 0; j < kTileN / 8; ++j) {
      SmallVector<Value> e;
      for (Value row : rows)
        for (int64_t c = 0; c < 2; ++c)
          e.push_back(
              kb.guardedLoad(init, at(bi, row, mV, col(j, c), nV), kb.f32));
      acc.push_back(kb.fragment(e, kb.cType()));
    }
    auto loop =
        scf::ForOp::create(b, loc, kb.index(0), kk, kb.index(kTileK), acc);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k0 = loop.getInductionVar();
      SmallVector<Value> c(loop.getRegionIterArgs());
      kb.stage(aTile, kBlockRows, kTileK, false, [&](Value r, Value cc) {
        return kb.guardedLoad(a, at(bi, kb.add(m0, r), mV, kb.add(k0, cc), kk),
                              t);
      });
      // B is read along n (coalesced) and stored transposed, [n][k].
      kb.stage(bTile, kTileK, kTileN, true, [&](Value r, Value cc) {
        return kb.guardedLoad(bm, at(bi, kb.add(k0, r), kk, kb.add(n0, cc), nV),
                              t);
      });
      kb.barrier();
      for (int64_t kc = 0; kc < kTileK; kc += 16) {
        Value aFrag = kb.fragA(aTile, warpRow, kc);
        for (int64_t j = 0; j < kTileN / 8; ++j)
          c[j] = kb.mma(aFrag, kb.fragB(bTile, 8 * j, kc), c[j]);
      }
      kb.barrier();
      scf::YieldOp::create(b, loc, c);
    }

    Type outElt = cast<MemRefType>(out.getType()).getElementType();
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t j = 0; j < kTileN / 8; ++j)
        for (int64_t e = 0; e < 2; ++e) {
          Value cidx = col(j, e);
          auto inside = scf::IfOp::create(
              b, loc, kb.both(kb.below(rows[r], m), kb.below(cidx, n)));
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(inside.thenBlock());
          Value y = kb.convert(kb.element(loop.getResult(j), r, e), outElt);
          SmallVector<Value> idx;
          if (batched)
            idx.push_back(bi);
          idx.append({rows[r], cidx});
          memref::StoreOp::create(b, loc, y, out, idx);
        }
  }
};

class GpuKernelsPass
    : public tmix::cuda::impl::TMixGpuKernelsPassBase<GpuKernelsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    if (!precision.empty() && precision != "f16" && precision != "bf16" &&
        precision != "f32") {
      getOperation()->emitError()
          << "tmix-gpu-kernels: precision '" << precision
          << "' is not one of f32, f16, bf16";
      return signalPassFailure();
    }
    SmallVector<MixerOpInterface> mixers;
    SmallVector<linalg::LinalgOp> matmuls;
    getOperation()->walk([&](Operation *op) {
      if (auto mixer = dyn_cast<MixerOpInterface>(op);
          mixer && AttentionKernel::supports(mixer))
        mixers.push_back(mixer);
      else if (auto l = dyn_cast<linalg::LinalgOp>(op);
               l && MatmulKernel::supports(l))
        matmuls.push_back(l);
    });
    for (MixerOpInterface mixer : mixers) {
      Type t = computeType(getElementTypeOrSelf(mixer.getQueries()), precision);
      if (!t)
        continue;
      OpBuilder b(mixer);
      Value result = AttentionKernel(mixer, t).build(b);
      mixer.getMixed().replaceAllUsesWith(result);
      mixer->erase();
      ++numKernels;
    }
    for (linalg::LinalgOp op : matmuls) {
      Type t =
          computeType(getElementTypeOrSelf(op.getDpsInputs()[0]), precision);
      if (!t)
        continue;
      OpBuilder b(op);
      Value result = MatmulKernel(op, t).build(b);
      op->getResult(0).replaceAllUsesWith(result);
      op->erase();
      ++numKernels;
    }
  }
};

} // namespace
