/*===- Igemm.c - integer GEMM entry points for tmix-matmul-to-blas --------===*
 *
 * C (+)= (A - a_zp) (B - b_zp) for int8/uint8 A and B with int32 results:
 * the contraction that MatMulInteger, QLinearMatMul and the quantized
 * paths lower to. With AMX-INT8, 32 x 32 blocks of C accumulate in four
 * tiles (TDPB[SU][SU]D: a 16x16 int32 tile += a 16x64 by 64x16 byte
 * product, either operand signed or unsigned); zero points are applied
 * afterwards from A's row sums and B's column sums:
 *   sum (a - za)(b - zb) = sum ab - zb sum a - za sum b + K za zb.
 * Constant B (weights) is packed once per call site into the tile layout,
 * as the f32 path does. Without AMX, a plain loop that compilers vectorise.
 *
 *===----------------------------------------------------------------------===*/

#include "Amx.h"
#include "CpuFeatures.h"
#include "GemmSplit.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int8_t *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} tmix_memref2_i8;

typedef struct {
  int32_t *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} tmix_memref2_i32;

typedef struct {
  int8_t *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} tmix_memref1_i8;

typedef struct {
  int64_t *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} tmix_memref1_i64_slot;

/* The flags' bits, after bit 0 (accumulate) and bit 1 (bf16, f32 only). */
enum { kAccumulate = 1, kAUnsigned = 4, kBUnsigned = 8 };

static inline int32_t load8(const int8_t *p, int isUnsigned) {
  return isUnsigned ? (int32_t)*(const uint8_t *)p : (int32_t)*p;
}

/* Zero point i of a vector of 0 (none), 1 (per tensor) or one per row or
 * column. */
static inline int32_t zeroPoint(const tmix_memref1_i8 *z, int64_t i,
                                int isUnsigned) {
  int64_t count = z->sizes[0];
  if (count == 0)
    return 0;
  return load8(z->aligned + z->offset + (count == 1 ? 0 : i * z->strides[0]),
               isUnsigned);
}

/* Rows [i0, i1) of C, by rows of A against the n columns of B that start
 * at column `colBase` of the product: acc[j] += (a - za) b, then
 * C = acc - zb sum(a - za). Without memory for acc, element by element. */
static void igemmRows(const int8_t *a, const int64_t *as, const int8_t *b,
                      const int64_t *bs, int32_t *c, const int64_t *cs,
                      int64_t i0, int64_t i1, int64_t n, int64_t k,
                      const tmix_memref1_i8 *azp, const tmix_memref1_i8 *bzp,
                      int64_t colBase, int flags) {
  int aU = (flags & kAUnsigned) != 0, bU = (flags & kBUnsigned) != 0;
  int32_t *acc = (int32_t *)malloc(sizeof(int32_t) * (size_t)(n ? n : 1));
  if (!acc) {
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int32_t za = zeroPoint(azp, i, aU), zb = zeroPoint(bzp, colBase + j, bU);
        int32_t v = 0;
        for (int64_t p = 0; p < k; ++p)
          v += (load8(a + i * as[0] + p * as[1], aU) - za) *
               (load8(b + p * bs[0] + j * bs[1], bU) - zb);
        int32_t *out = c + i * cs[0] + j * cs[1];
        *out = (flags & kAccumulate) ? *out + v : v;
      }
    return;
  }
  for (int64_t i = i0; i < i1; ++i) {
    int32_t za = zeroPoint(azp, i, aU), rowSum = 0;
    memset(acc, 0, sizeof(int32_t) * (size_t)n);
    for (int64_t p = 0; p < k; ++p) {
      int32_t x = load8(a + i * as[0] + p * as[1], aU) - za;
      rowSum += x;
      const int8_t *row = b + p * bs[0];
      if (bs[1] == 1 && bU)
        for (int64_t j = 0; j < n; ++j)
          acc[j] += x * (int32_t)((const uint8_t *)row)[j];
      else if (bs[1] == 1)
        for (int64_t j = 0; j < n; ++j)
          acc[j] += x * (int32_t)row[j];
      else
        for (int64_t j = 0; j < n; ++j)
          acc[j] += x * load8(row + j * bs[1], bU);
    }
    int32_t *out = c + i * cs[0];
    for (int64_t j = 0; j < n; ++j) {
      int32_t v = acc[j] - zeroPoint(bzp, colBase + j, bU) * rowSum;
      out[j * cs[1]] = (flags & kAccumulate) ? out[j * cs[1]] + v : v;
    }
  }
  free(acc);
}

static void igemmLoop(const int8_t *a, const int64_t *as, const int8_t *b,
                      const int64_t *bs, int32_t *c, const int64_t *cs,
                      int64_t m, int64_t n, int64_t k,
                      const tmix_memref1_i8 *azp, const tmix_memref1_i8 *bzp,
                      int flags) {
  int threads = omp_in_parallel() || (double)m * n * k < (double)(1 << 20)
                    ? 1
                    : omp_get_max_threads();
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), count = omp_get_num_threads();
    int64_t lo = m * t / count, hi = m * (t + 1) / count;
    if (lo < hi)
      igemmRows(a, as, b, bs, c, cs, lo, hi, n, k, azp, bzp, 0, flags);
  }
}

#if defined(__x86_64__)
enum { kNR = 32, kRows = 32, kBlock = 128 };

/* Lanes [from, from + 16) of a row of n values that exist. */
static inline __mmask16 edgeMask16(int64_t n, int64_t from) {
  return (__mmask16)(n - from >= 16 ? 0xffff
                     : n <= from    ? 0
                                    : (1u << (n - from)) - 1);
}

/* B packed for the tiles: strips of 32 columns; in each, per quad of rows
 * (k = 4q .. 4q + 3), 32 columns of 4 bytes, quads zero-padded to a
 * multiple of 16 (64 values of k per tile). Column sums (as B's signedness
 * reads the bytes) follow the strips. */
static int64_t quadCount(int64_t k) { return (k + 63) / 64 * 16; }
static int64_t strips(int64_t n) { return (n + kNR - 1) / kNR; }

typedef struct PackedInt8 {
  struct PackedInt8 *next;
  int64_t k, n;
  int bUnsigned;
  /* VNNI multiplies signed B: an unsigned B is stored as b - 128. */
  int flipped;
  int8_t *data;
  int32_t *colSum; /* strips(n) * kNR entries */
} PackedInt8;

static size_t packedBytes(int64_t k, int64_t n) {
  return (size_t)(strips(n) * quadCount(k) * kNR * 4);
}

static void packInt8(const int8_t *b, const int64_t *bs, int64_t k, int64_t n,
                     int bU, int flip, int8_t *dst, int32_t *colSum) {
  int64_t quads = quadCount(k);
  memset(colSum, 0, sizeof(int32_t) * (size_t)(strips(n) * kNR));
  for (int64_t s = 0; s < strips(n); ++s) {
    int8_t *d = dst + s * quads * kNR * 4;
    for (int64_t q = 0; q < quads; ++q)
      for (int64_t j = 0; j < kNR; ++j)
        for (int64_t h = 0; h < 4; ++h) {
          int64_t row = 4 * q + h, col = s * kNR + j;
          int8_t v = row < k && col < n
                         ? (int8_t)(b[row * bs[0] + col * bs[1]] ^
                                    (flip ? 0x80 : 0))
                         : 0;
          d[(q * kNR + j) * 4 + h] = v;
          if (row < k && col < n)
            colSum[col] += load8(&v, bU && !flip);
        }
  }
}

/* Per-thread buffer of A blocks copied into tile rows. */
static __thread void *blockABuffer;
static __thread int64_t blockABytes;

/* One of the four signedness pairings of the tile product; tile numbers
 * must be constants. */
#define TILE_DP(op)                                                            \
  do {                                                                         \
    op(0, 4, 6);                                                               \
    op(1, 4, 7);                                                               \
    op(2, 5, 6);                                                               \
    op(3, 5, 7);                                                               \
  } while (0)

/* Zero-point terms of one call: C = acc - zb[j] rowSum(A)[i] - za[i]
 * colSum(B)[j] + K za[i] zb[j]. With one za and no zb (activations with a
 * zero point, symmetric weights: the common case) that is acc + colTerm[j],
 * and A's row sums are not needed. */
typedef struct {
  const int32_t *za, *zb; /* per row of this part, per column (padded) */
  const int32_t *colTerm; /* -za colSum + K za zb, when `simple` */
  int simple;
} ZeroTerms;

/* Rows [0, mr) and columns [0, nr) of a block of products `out` (rows of
 * kNR) into C at `dst` (row i0 of this part, column jr of its strips),
 * with the zero-point terms (`rowSum` from row 0 of the block). */
__attribute__((target("avx512f"))) static void
storeBlock(const int32_t *out, int64_t mr, int64_t nr, int64_t i0,
           int64_t jr, int32_t *c, const int64_t *cs, const int32_t *colSum,
           const int32_t *rowSum, int64_t k, ZeroTerms z, int accumulate) {
  if (z.simple && cs[1] == 1) {
    __mmask16 m0 = edgeMask16(nr, 0), m1 = edgeMask16(nr, 16);
    __m512i t0 = _mm512_loadu_si512(z.colTerm + jr),
            t1 = _mm512_loadu_si512(z.colTerm + jr + 16);
    for (int64_t r = 0; r < mr; ++r) {
      int32_t *dst = c + (i0 + r) * cs[0] + jr;
      __m512i v0 = _mm512_add_epi32(_mm512_load_si512(out + r * kNR), t0);
      __m512i v1 =
          _mm512_add_epi32(_mm512_load_si512(out + r * kNR + 16), t1);
      if (accumulate) {
        v0 = _mm512_add_epi32(v0, _mm512_maskz_loadu_epi32(m0, dst));
        v1 = _mm512_add_epi32(v1, _mm512_maskz_loadu_epi32(m1, dst + 16));
      }
      _mm512_mask_storeu_epi32(dst, m0, v0);
      _mm512_mask_storeu_epi32(dst + 16, m1, v1);
    }
    return;
  }
  for (int64_t r = 0; r < mr; ++r) {
    int64_t i = i0 + r;
    int32_t zai = z.za[i], rs = z.simple ? 0 : rowSum[r];
    int32_t *dst = c + i * cs[0] + jr * cs[1];
    const int32_t *src = out + r * kNR;
    const int32_t *cols = colSum + jr, *zbj = z.zb + jr;
    for (int64_t j = 0; j < nr; ++j) {
      int32_t v =
          src[j] - zbj[j] * rs - zai * cols[j] + (int32_t)k * zai * zbj[j];
      dst[j * cs[1]] = accumulate ? dst[j * cs[1]] + v : v;
    }
  }
}

/* C[m, n] for B's packed strips (`bp`, its column sums `colSum`), the
 * columns [0, n) of the strips given. A is read in place by the tiles when
 * its rows are contiguous and K fills whole tiles; otherwise (and for a
 * last partial group of rows) rows are copied, zero-padded, into tile rows.
 * Returns 0, before touching C, when that copy buffer cannot be had. */
__attribute__((target("avx512f,amx-tile,amx-int8"))) static int
igemmAmx(const int8_t *a, const int64_t *as, const int8_t *bp,
         const int32_t *colSum, int64_t bk, int32_t *c, const int64_t *cs,
         int64_t m, int64_t n, int64_t k, ZeroTerms z, int flags) {
  int aU = (flags & kAUnsigned) != 0, bU = (flags & kBUnsigned) != 0;
  int64_t quads = quadCount(bk), kp = 4 * quadCount(k);
  int direct = as[1] == 1 && kp == k;
  int8_t *blockA =
      (int8_t *)growScratch(&blockABuffer, &blockABytes, kBlock * kp);
  if (!blockA)
    return 0;
  loadTileConfig();
  int32_t out[kRows * kNR] __attribute__((aligned(64)));
  int32_t rowSum[kBlock];
  int accumulate = flags & kAccumulate;
  for (int64_t ic = 0; ic < m; ic += kBlock) {
    int64_t mc = m - ic < kBlock ? m - ic : kBlock;
    /* Rows read in place: whole groups of 32 when `direct`. */
    int64_t inPlace = direct ? mc / kRows * kRows : 0;
    int64_t rows = (mc + kRows - 1) / kRows * kRows;
    for (int64_t r = inPlace; r < rows; ++r) {
      int8_t *d = blockA + r * kp;
      int64_t p = 0;
      if (r < mc) {
        const int8_t *src = a + (ic + r) * as[0];
        if (as[1] == 1) {
          memcpy(d, src, (size_t)k);
          p = k;
        }
        for (; p < k; ++p)
          d[p] = src[p * as[1]];
      }
      memset(d + p, 0, (size_t)(kp - p));
    }
    if (!z.simple)
      for (int64_t r = 0; r < mc; ++r) {
        const int8_t *row = r < inPlace ? a + (ic + r) * as[0] : blockA + r * kp;
        int32_t sum = 0;
        if (aU)
          for (int64_t q = 0; q < k; ++q)
            sum += ((const uint8_t *)row)[q];
        else
          for (int64_t q = 0; q < k; ++q)
            sum += row[q];
        rowSum[r] = sum;
      }
    for (int64_t jr = 0; jr < n; jr += kNR) {
      const int8_t *strip = bp + (jr / kNR) * quads * kNR * 4;
      int64_t nr = n - jr < kNR ? n - jr : kNR;
      for (int64_t ir = 0; ir < mc; ir += kRows) {
        const int8_t *a0 = ir < inPlace ? a + (ic + ir) * as[0] : blockA + ir * kp;
        int64_t lda = ir < inPlace ? as[0] : kp;
        const int8_t *a1 = a0 + 16 * lda;
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        for (int64_t kk = 0; kk < kp; kk += 64) {
          _tile_loadd(4, a0 + kk, lda);
          _tile_loadd(5, a1 + kk, lda);
          _tile_loadd(6, strip + kk * kNR, 4 * kNR);
          _tile_loadd(7, strip + kk * kNR + 64, 4 * kNR);
          if (aU && !bU)
            TILE_DP(_tile_dpbusd);
          else if (aU)
            TILE_DP(_tile_dpbuud);
          else if (bU)
            TILE_DP(_tile_dpbsud);
          else
            TILE_DP(_tile_dpbssd);
        }
        _tile_stored(0, out, 4 * kNR);
        _tile_stored(1, out + 16, 4 * kNR);
        _tile_stored(2, out + 16 * kNR, 4 * kNR);
        _tile_stored(3, out + 16 * kNR + 16, 4 * kNR);
        int64_t mr = mc - ir < kRows ? mc - ir : kRows;
        storeBlock(out, mr, nr, ic + ir, jr, c, cs, colSum, rowSum + ir, k,
                   z, accumulate);
      }
    }
  }
  _tile_release();
  return 1;
}

enum { kVnniRows = 8 };

/* The same product with AVX-512 VNNI (Zen 4, Ice Lake and later without
 * AMX): 8 x 32 blocks of C in 16 zmm accumulators, VPDPBUSD multiplying
 * unsigned bytes of A (broadcast, four at a time) by signed bytes of B.
 * The caller flipped the sign bit of an unsigned B when packing it (b -
 * 128) and adjusted the zero points; A is copied here into rows of kp
 * bytes, its sign bit flipped when it is signed (a + 128). */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static int
igemmVnni(const int8_t *a, const int64_t *as, const int8_t *bp,
          const int32_t *colSum, int64_t bk, int32_t *c, const int64_t *cs,
          int64_t m, int64_t n, int64_t k, ZeroTerms z, int flags) {
  int flipA = (flags & kAUnsigned) == 0;
  int64_t quads = quadCount(bk), kp = 4 * quadCount(k);
  int8_t *blockA =
      (int8_t *)growScratch(&blockABuffer, &blockABytes, kBlock * kp);
  if (!blockA)
    return 0;
  int32_t out[kVnniRows * kNR] __attribute__((aligned(64)));
  int32_t rowSum[kBlock];
  int accumulate = flags & kAccumulate;
  for (int64_t ic = 0; ic < m; ic += kBlock) {
    int64_t mc = m - ic < kBlock ? m - ic : kBlock;
    int64_t rows = (mc + kVnniRows - 1) / kVnniRows * kVnniRows;
    for (int64_t r = 0; r < rows; ++r) {
      uint8_t *d = (uint8_t *)blockA + r * kp;
      int64_t p = 0;
      int32_t sum = 0;
      if (r < mc) {
        const int8_t *src = a + (ic + r) * as[0];
        uint8_t bias = flipA ? 0x80 : 0;
        for (; p < k; ++p) {
          d[p] = (uint8_t)src[p * as[1]] ^ bias;
          sum += d[p];
        }
        rowSum[r] = sum;
      }
      memset(d + p, 0, (size_t)(kp - p));
    }
    for (int64_t jr = 0; jr < n; jr += kNR) {
      const int8_t *strip = bp + (jr / kNR) * quads * kNR * 4;
      int64_t nr = n - jr < kNR ? n - jr : kNR;
      for (int64_t ir = 0; ir < mc; ir += kVnniRows) {
        const int8_t *a0 = blockA + ir * kp;
        __m512i acc[kVnniRows][2];
        for (int r = 0; r < kVnniRows; ++r)
          acc[r][0] = acc[r][1] = _mm512_setzero_si512();
        for (int64_t q = 0; q < kp / 4; ++q) {
          __m512i b0 = _mm512_load_si512(strip + q * 4 * kNR);
          __m512i b1 = _mm512_load_si512(strip + q * 4 * kNR + 64);
          for (int r = 0; r < kVnniRows; ++r) {
            int32_t quad;
            memcpy(&quad, a0 + r * kp + 4 * q, 4);
            __m512i x = _mm512_set1_epi32(quad);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], x, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], x, b1);
          }
        }
        for (int r = 0; r < kVnniRows; ++r) {
          _mm512_store_si512(out + r * kNR, acc[r][0]);
          _mm512_store_si512(out + r * kNR + 16, acc[r][1]);
        }
        int64_t mr = mc - ir < kVnniRows ? mc - ir : kVnniRows;
        storeBlock(out, mr, nr, ic + ir, jr, c, cs, colSum, rowSum + ir, k,
                   z, accumulate);
      }
    }
  }
  return 1;
}

/* Packs of constant B, one per call site, freed when the library unloads. */
static PackedInt8 *allPackedInt8;

__attribute__((destructor)) static void freePackedInt8(void) {
  while (allPackedInt8) {
    PackedInt8 *next = allPackedInt8->next;
    free(allPackedInt8->data);
    free(allPackedInt8->colSum);
    free(allPackedInt8);
    allPackedInt8 = next;
  }
}

static PackedInt8 *newPack(const int8_t *b, const int64_t *bs, int64_t k,
                           int64_t n, int bU, int flip) {
  PackedInt8 *p = (PackedInt8 *)calloc(1, sizeof(PackedInt8));
  if (!p)
    return NULL;
  p->k = k;
  p->n = n;
  p->bUnsigned = bU;
  p->flipped = flip;
  p->data = (int8_t *)aligned_alloc(64, (packedBytes(k, n) + 63) / 64 * 64);
  p->colSum = (int32_t *)malloc(sizeof(int32_t) * (size_t)(strips(n) * kNR));
  if (!p->data || !p->colSum) {
    free(p->data);
    free(p->colSum);
    free(p);
    return NULL;
  }
  packInt8(b, bs, k, n, bU, flip, p->data, p->colSum);
  return p;
}

static void freePack(PackedInt8 *p) {
  if (!p)
    return;
  free(p->data);
  free(p->colSum);
  free(p);
}

/* The slot's pack of B, packing on first use; concurrent first calls may
 * both pack, one wins. */
static int packFits(const PackedInt8 *p, int64_t k, int64_t n, int bU,
                    int flip) {
  return p->k == k && p->n == n && p->bUnsigned == bU && p->flipped == flip;
}

static PackedInt8 *slotPack(tmix_memref1_i64_slot *slot, const int8_t *b,
                            const int64_t *bs, int64_t k, int64_t n, int bU,
                            int flip) {
  PackedInt8 **cell = (PackedInt8 **)(slot->aligned + slot->offset);
  PackedInt8 *p = __atomic_load_n(cell, __ATOMIC_ACQUIRE);
  if (p)
    return packFits(p, k, n, bU, flip) ? p : NULL;
  p = newPack(b, bs, k, n, bU, flip);
  if (!p)
    return NULL;
  PackedInt8 *expected = NULL;
  if (!__atomic_compare_exchange_n(cell, &expected, p, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    freePack(p);
    return packFits(expected, k, n, bU, flip) ? expected : NULL;
  }
  p->next = __atomic_load_n(&allPackedInt8, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(&allPackedInt8, &p->next, p, 1,
                                      __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    ;
  return p;
}

/* The product on the packed B, split over the threads by strips of B (or
 * by rows when B has few strips). A thread without memory for its A
 * blocks computes its part from the unpacked B instead. */
typedef int (*PackedKernel)(const int8_t *, const int64_t *, const int8_t *,
                            const int32_t *, int64_t, int32_t *,
                            const int64_t *, int64_t, int64_t, int64_t,
                            ZeroTerms, int);

static void igemmPacked(PackedKernel kernel, const int8_t *a,
                        const int64_t *as, const int8_t *b, const int64_t *bs,
                        const PackedInt8 *p, int32_t *c, const int64_t *cs,
                        int64_t m, const tmix_memref1_i8 *azp,
                        const tmix_memref1_i8 *bzp, ZeroTerms z, int flags) {
  int64_t n = p->n, k = p->k;
  GemmSplit split = gemmSplit(m, n, k, strips(n), (double)(1 << 22));
#pragma omp parallel for num_threads(split.threads) schedule(static)
  for (int t = 0; t < split.threads; ++t) {
    int64_t lo, hi;
    gemmPart(split, t, &lo, &hi);
    if (lo >= hi)
      continue;
    if (split.byStrips) {
      int64_t j0 = lo * kNR, j1 = hi * kNR < n ? hi * kNR : n;
      ZeroTerms part = z;
      part.zb += j0;
      part.colTerm += j0;
      if (!kernel(a, as, p->data + lo * quadCount(k) * kNR * 4,
                    p->colSum + j0, k, c + j0 * cs[1], cs, m, j1 - j0, k, part,
                    flags))
        igemmRows(a, as, b + j0 * bs[1], bs, c + j0 * cs[1], cs, 0, m, j1 - j0,
                  k, azp, bzp, j0, flags);
    } else {
      ZeroTerms part = z;
      part.za += lo;
      if (!kernel(a + lo * as[0], as, p->data, p->colSum, k, c + lo * cs[0],
                    cs, hi - lo, n, k, part, flags))
        igemmRows(a, as, b, bs, c, cs, lo, hi, n, k, azp, bzp, 0, flags);
    }
  }
}
#endif

static void igemm(tmix_memref2_i8 *am, tmix_memref2_i8 *bm,
                  tmix_memref2_i32 *cm, tmix_memref1_i8 *azp,
                  tmix_memref1_i8 *bzp, tmix_memref1_i64_slot *slot,
                  int32_t flags) {
  const int8_t *a = am->aligned + am->offset;
  const int8_t *b = bm->aligned + bm->offset;
  int32_t *c = cm->aligned + cm->offset;
  int64_t m = cm->sizes[0], n = cm->sizes[1], k = am->sizes[1];
  if (m <= 0 || n <= 0)
    return;
#if defined(__x86_64__)
  int features = tmix_cpu_features();
  int amx = (features & TMIX_CPU_AMX_INT8) != 0,
      vnni = (features & TMIX_CPU_AVX512_VNNI) != 0;
  if (k > 0 && (amx || vnni)) {
    int bU = (flags & kBUnsigned) != 0, aU = (flags & kAUnsigned) != 0;
    /* VNNI multiplies unsigned A by signed B: a signed A is read as a +
     * 128 and an unsigned B stored as b - 128, their zero points moved
     * alike. */
    int flip = !amx && bU;
    int32_t aShift = !amx && !aU ? 128 : 0, bShift = flip ? -128 : 0;
    PackedInt8 *own = NULL;
    const PackedInt8 *p =
        slot ? slotPack(slot, b, bm->strides, k, n, bU, flip) : NULL;
    if (!p)
      p = own = newPack(b, bm->strides, k, n, bU, flip);
    /* Zero points per row and per column (padded to whole strips). */
    int64_t padded = strips(n) * kNR;
    int32_t *za = (int32_t *)malloc(sizeof(int32_t) * (size_t)m);
    int32_t *zb = (int32_t *)malloc(sizeof(int32_t) * (size_t)padded * 2);
    if (p && za && zb) {
      int32_t *colTerm = zb + padded;
      ZeroTerms z = {za, zb, colTerm, 1};
      for (int64_t i = 0; i < m; ++i) {
        za[i] = zeroPoint(azp, i, aU) + aShift;
        z.simple = z.simple && za[i] == za[0];
      }
      for (int64_t j = 0; j < padded; ++j) {
        zb[j] = j < n ? zeroPoint(bzp, j, bU) + bShift : 0;
        z.simple = z.simple && zb[j] == 0;
        colTerm[j] = -za[0] * p->colSum[j];
      }
      igemmPacked(amx ? igemmAmx : igemmVnni, a, am->strides, b, bm->strides,
                  p, c, cm->strides, m, azp, bzp, z, flags);
      free(za);
      free(zb);
      freePack(own);
      return;
    }
    free(za);
    free(zb);
    freePack(own);
  }
#endif
  igemmLoop(a, am->strides, b, bm->strides, c, cm->strides, m, n, k, azp, bzp,
            flags);
}

void _mlir_ciface_tmix_rt_igemm_i8(tmix_memref2_i8 *a, tmix_memref2_i8 *b,
                                   tmix_memref2_i32 *c, tmix_memref1_i8 *azp,
                                   tmix_memref1_i8 *bzp, int32_t flags) {
  igemm(a, b, c, azp, bzp, NULL, flags);
}

void _mlir_ciface_tmix_rt_igemm_i8_constb(tmix_memref2_i8 *a,
                                          tmix_memref2_i8 *b,
                                          tmix_memref2_i32 *c,
                                          tmix_memref1_i8 *azp,
                                          tmix_memref1_i8 *bzp,
                                          tmix_memref1_i64_slot *slot,
                                          int32_t flags) {
  igemm(a, b, c, azp, bzp, slot, flags);
}
