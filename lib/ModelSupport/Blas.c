/*===- Blas.c - sgemm entry points for tmix-matmul-to-blas ----------------===*
 *
 * C interface of the functions tmix-matmul-to-blas calls: memref
 * descriptors in, C += A B (or C = A B, the last argument 0). With AVX-512,
 * packed register-blocked kernels; otherwise OpenBLAS. Operands are read
 * through their strides (a transposed view becomes CblasTrans); anything
 * BLAS cannot address falls back to a plain loop.
 *
 *===----------------------------------------------------------------------===*/

#include "Amx.h"
#include "CpuFeatures.h"
#include "GemmSplit.h"

#include <cblas.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS's own threads fight the OpenMP threads that run tiled loops
 * (measured: 30% of attention time in sched_yield). All parallelism is
 * OpenMP's: BLAS runs on one thread, and a large product outside a
 * parallel region is split into row or column blocks here. */
static pthread_once_t serialOnce = PTHREAD_ONCE_INIT;
static void makeSerial(void) { openblas_set_num_threads(1); }

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} tmix_memref2;

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[3], strides[3];
} tmix_memref3;

/* How BLAS reads an r x c row-major operand with strides (s0, s1): sets
 * *trans and *ld and returns 1, or 0 when it cannot. */
static int layout(int64_t r, int64_t c, int64_t s0, int64_t s1,
                  enum CBLAS_TRANSPOSE *trans, int64_t *ld) {
  if (c == 1 || s1 == 1) {
    *trans = CblasNoTrans;
    *ld = r == 1 ? c : s0;
    return *ld >= c;
  }
  if (r == 1 || s0 == 1) {
    *trans = CblasTrans;
    *ld = c == 1 ? r : s1;
    return *ld >= r;
  }
  return 0;
}

#if defined(__x86_64__)
/* 1 when the CPU and the OS support AVX-512F, 2 when AMX with bf16 too. */
static int avx512State = -1;
static void detectAvx512(void) {
  int f = tmix_cpu_features();
  avx512State = !(f & TMIX_CPU_AVX512) ? 0 : (f & TMIX_CPU_AMX_BF16) ? 2 : 1;
}
static pthread_once_t avx512Once = PTHREAD_ONCE_INIT;

/* Lanes [from, from + 16) of a row of n floats that exist, as a mask. */
static inline __mmask16 edgeMask(int64_t n, int64_t from) {
  return (__mmask16)(n - from >= 16 ? 0xffff
                     : n <= from    ? 0
                                    : (1u << (n - from)) - 1);
}

/* C[m,n] += A[m,k] B[k,n], all row-major with unit inner stride: 8 x 32
 * register blocks (16 accumulators) over B rows loaded as vectors and A
 * elements broadcast, masked at the right edge. For the attention tiles,
 * whose B panel sits in cache, this beats BLAS calls that must pack. */
__attribute__((target("avx512f"))) static void
tileGemmAvx512(const float *a, int64_t lda, const float *b, int64_t ldb,
               float *c, int64_t ldc, int64_t m, int64_t n, int64_t k,
               int accumulate) {
  /* Without accumulation, C's old contents are never read. */
  __mmask16 keep = accumulate ? 0xffff : 0;
  for (int64_t j = 0; j < n; j += 32) {
    int64_t w = n - j < 32 ? n - j : 32;
    __mmask16 m0 = edgeMask(w, 0), m1 = edgeMask(w, 16);
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) {
      __m512 acc[8][2];
      for (int r = 0; r < 8; ++r) {
        acc[r][0] = _mm512_maskz_loadu_ps(m0 & keep, c + (i + r) * ldc + j);
        acc[r][1] =
            _mm512_maskz_loadu_ps(m1 & keep, c + (i + r) * ldc + j + 16);
      }
      for (int64_t p = 0; p < k; ++p) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb + j);
        __m512 b1 = _mm512_maskz_loadu_ps(m1, b + p * ldb + j + 16);
        for (int r = 0; r < 8; ++r) {
          __m512 x = _mm512_set1_ps(a[(i + r) * lda + p]);
          acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
          acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
        }
      }
      for (int r = 0; r < 8; ++r) {
        _mm512_mask_storeu_ps(c + (i + r) * ldc + j, m0, acc[r][0]);
        _mm512_mask_storeu_ps(c + (i + r) * ldc + j + 16, m1, acc[r][1]);
      }
    }
    for (; i < m; ++i) {
      __m512 acc0 = _mm512_maskz_loadu_ps(m0 & keep, c + i * ldc + j);
      __m512 acc1 = _mm512_maskz_loadu_ps(m1 & keep, c + i * ldc + j + 16);
      for (int64_t p = 0; p < k; ++p) {
        __m512 x = _mm512_set1_ps(a[i * lda + p]);
        acc0 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m0, b + p * ldb + j),
                               acc0);
        acc1 = _mm512_fmadd_ps(
            x, _mm512_maskz_loadu_ps(m1, b + p * ldb + j + 16), acc1);
      }
      _mm512_mask_storeu_ps(c + i * ldc + j, m0, acc0);
      _mm512_mask_storeu_ps(c + i * ldc + j + 16, m1, acc1);
    }
  }
}

/* Large products, BLIS-style: B as NR-column strips of all its K rows and A
 * as KC x MR row strips (both zero-padded at the edges), so the MR x NR
 * micro-kernel (24 accumulators) streams both from contiguous buffers
 * whatever the operands' strides. Unpacked, a B strip spans one page per k
 * step and the TLB, not the FMA units, sets the pace. Constant B (weights)
 * is packed once per call site (tmix_rt_sgemm_f32_constb); other B once
 * per call. */
enum { kMR = 12, kNR = 32, kKC = 256, kMC = 144 };

/* row[0, nr) (+)= (lo, hi), the row's elements csn apart; add == 0 (the
 * first k block of C = A B) stores without reading the row. */
__attribute__((target("avx512f"), always_inline)) static inline void
updateRow(float *row, int64_t csn, __m512 lo, __m512 hi, int64_t nr,
          int add) {
  if (csn == 1) {
    __mmask16 m0 = edgeMask(nr, 0), m1 = edgeMask(nr, 16);
    __mmask16 l0 = add ? m0 : 0, l1 = add ? m1 : 0;
    _mm512_mask_storeu_ps(row, m0,
                          _mm512_add_ps(lo, _mm512_maskz_loadu_ps(l0, row)));
    _mm512_mask_storeu_ps(
        row + 16, m1, _mm512_add_ps(hi, _mm512_maskz_loadu_ps(l1, row + 16)));
    return;
  }
  float tile[kNR] __attribute__((aligned(64)));
  _mm512_store_ps(tile, lo);
  _mm512_store_ps(tile + 16, hi);
  for (int64_t j = 0; j < nr; ++j)
    row[j * csn] = (add ? row[j * csn] : 0.0f) + tile[j];
}

/* C[mr, nr] += the product of an A strip and a B strip over kc. `pf`,
 * when set, names pfRows rows (of NR floats) of the next B strip to bring
 * into cache meanwhile: weights come from memory, and the hardware
 * prefetcher alone left the first pass over each strip waiting on it. */
__attribute__((target("avx512f"))) static void
microKernel(int64_t kc, const float *ap, const float *bp, float *c,
            int64_t ldc, int64_t csn, int64_t mr, int64_t nr,
            const float *pf, int64_t pfRows, int add) {
  __m512 acc[kMR][2];
  /* C's rows arrive while the FMAs run. */
  for (int r = 0; r < kMR && r < mr; ++r) {
    _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char *)(c + r * ldc + (nr - 1) * csn), _MM_HINT_T0);
  }
  for (int r = 0; r < kMR; ++r)
    acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  /* One prefetched row every `every` steps: in a burst, they filled the
   * miss buffers that the strip's own loads needed. */
  int64_t every = pfRows > 0 && pfRows < kc ? kc / pfRows : 1, next = 0;
  for (int64_t p = 0; p < kc; ++p) {
    __m512 b0 = _mm512_load_ps(bp + p * kNR);
    __m512 b1 = _mm512_load_ps(bp + p * kNR + 16);
    if (p == next * every && next < pfRows) {
      _mm_prefetch((const char *)(pf + next * kNR), _MM_HINT_T0);
      _mm_prefetch((const char *)(pf + next * kNR + 16), _MM_HINT_T0);
      ++next;
    }
    for (int r = 0; r < kMR; ++r) {
      __m512 x = _mm512_set1_ps(ap[p * kMR + r]);
      acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
    }
  }
  for (int r = 0; r < kMR && r < mr; ++r)
    updateRow(c + r * ldc, csn, acc[r][0], acc[r][1], nr, add);
}

static int64_t stripCount(int64_t n) { return (n + kNR - 1) / kNR; }

/* B[k, n] (strides bs) into strips: strip s holds columns s*NR.. of rows
 * 0..k-1 at dst + s*k*NR + p*NR; columns past n are zero. */
__attribute__((target("avx512f"))) static void
packB(const float *b, const int64_t *bs, int64_t k, int64_t n, float *dst) {
  for (int64_t s = 0; s < stripCount(n); ++s) {
    int64_t j0 = s * kNR, nr = n - j0 < kNR ? n - j0 : kNR;
    float *d = dst + s * k * kNR;
    if (bs[1] == 1) {
      __mmask16 m0 = edgeMask(nr, 0), m1 = edgeMask(nr, 16);
      for (int64_t p = 0; p < k; ++p) {
        const float *src = b + p * bs[0] + j0;
        _mm512_store_ps(d + p * kNR, _mm512_maskz_loadu_ps(m0, src));
        _mm512_store_ps(d + p * kNR + 16, _mm512_maskz_loadu_ps(m1, src + 16));
      }
      continue;
    }
    /* Other strides (a transposed view): walk each column along k. */
    for (int64_t j = 0; j < kNR; ++j)
      for (int64_t p = 0; p < k; ++p)
        d[p * kNR + j] = j < nr ? b[p * bs[0] + (j0 + j) * bs[1]] : 0.0f;
  }
}

/* A[mc, kc] (strides as) into MR-row strips: strip i at dst + i*kc*MR, row
 * r of column p at + p*MR + r; rows past mc are zero. */
static void packA(const float *a, const int64_t *as, int64_t mc, int64_t kc,
                  float *dst) {
  for (int64_t ir = 0; ir < mc; ir += kMR) {
    float *d = dst + ir * kc;
    int64_t mr = mc - ir < kMR ? mc - ir : kMR;
    for (int64_t r = 0; r < kMR; ++r)
      for (int64_t p = 0; p < kc; ++p)
        d[p * kMR + r] = r < mr ? a[(ir + r) * as[0] + p * as[1]] : 0.0f;
  }
}

/* Per-thread pack buffers, allocated on first use (B's grows as needed). */
static __thread float *packedA, *packedB;
static __thread int64_t packedBFloats;

/* C[m, n] += A[m, k] B where B comes packed (strips of bk rows; this
 * product uses rows 0..k-1 of strips 0..stripCount(n)-1). */
__attribute__((target("avx512f"))) static int
gemmPackedB(const float *a, const int64_t *as, const float *bp, int64_t bk,
            float *c, const int64_t *cs, int64_t m, int64_t n, int64_t k,
            int accumulate) {
  if (!packedA &&
      !(packedA = (float *)aligned_alloc(64, sizeof(float) * kMC * kKC)))
    return 0;
  for (int64_t pc = 0; pc < k; pc += kKC) {
    int64_t kc = k - pc < kKC ? k - pc : kKC;
    for (int64_t ic = 0; ic < m; ic += kMC) {
      int64_t mc = m - ic < kMC ? m - ic : kMC;
      packA(a + ic * as[0] + pc * as[1], as, mc, kc, packedA);
      int64_t calls = (mc + kMR - 1) / kMR;
      for (int64_t jr = 0; jr < n; jr += kNR) {
        const float *strip = bp + (jr / kNR) * bk * kNR + pc * kNR;
        /* The next strip's kc rows, spread over this strip's calls. */
        const float *next = jr + kNR < n ? strip + bk * kNR : NULL;
        int64_t share = (kc + calls - 1) / calls;
        for (int64_t ir = 0, i = 0; ir < mc; ir += kMR, ++i) {
          int64_t from = i * share < kc ? i * share : kc;
          int64_t rows = next ? (kc - from < share ? kc - from : share) : 0;
          microKernel(kc, packedA + ir * kc, strip,
                      c + (ic + ir) * cs[0] + jr * cs[1], cs[0], cs[1],
                      mc - ir, n - jr, next ? next + from * kNR : NULL, rows,
                      accumulate || pc > 0);
        }
      }
    }
  }
  return 1;
}

/* B packed now, into this thread's buffer, then the packed product. */
__attribute__((target("avx512f"))) static int
packedGemmAvx512(const float *a, const int64_t *as, const float *b,
                 const int64_t *bs, float *c, const int64_t *cs, int64_t m,
                 int64_t n, int64_t k, int accumulate) {
  int64_t need = stripCount(n) * kNR * k;
  if (need > packedBFloats) {
    float *grown = (float *)aligned_alloc(
        64, (size_t)((need * (int64_t)sizeof(float) + 63) / 64 * 64));
    if (!grown)
      return 0;
    free(packedB);
    packedB = grown;
    packedBFloats = need;
  }
  packB(b, bs, k, n, packedB);
  return gemmPackedB(a, as, packedB, k, c, cs, m, n, k, accumulate);
}

/* --precision=bf16: weights and activations rounded to bfloat16, products
 * accumulated in f32 by AMX tiles (TDPBF16PS: a 16x16 f32 tile += a 16x32
 * by 32x16 bf16 product). B strips hold, per pair of rows (k = 2p, 2p+1),
 * NR columns of (B[2p][j], B[2p+1][j]): 64 bytes per 16 columns, the tile
 * layout AMX reads, with the pairs zero-padded to a multiple of 16. On this
 * Xeon, AVX512-BF16's vdpbf16ps ran slower than the f32 kernel (0.65x);
 * AMX is 16x the f32 FMA peak. Without AMX the products stay in f32. */
static int64_t pairCount(int64_t k) { return (k + 31) / 32 * 16; }

/* Round to nearest even, as the hardware conversions do; NaNs stay NaNs. */
static uint16_t toBf16(float x) {
  uint32_t bits;
  memcpy(&bits, &x, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return (uint16_t)((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return (uint16_t)(bits >> 16);
}

static void packBBf16(const float *b, const int64_t *bs, int64_t k, int64_t n,
                      uint16_t *dst) {
  int64_t pairs = pairCount(k);
  for (int64_t s = 0; s < stripCount(n); ++s) {
    int64_t j0 = s * kNR, nr = n - j0 < kNR ? n - j0 : kNR;
    uint16_t *d = dst + s * pairs * 2 * kNR;
    for (int64_t p = 0; p < pairs; ++p)
      for (int64_t j = 0; j < kNR; ++j)
        for (int64_t h = 0; h < 2; ++h) {
          int64_t row = 2 * p + h;
          d[(p * kNR + j) * 2 + h] =
              j < nr && row < k ? toBf16(b[row * bs[0] + (j0 + j) * bs[1]])
                                : 0;
        }
  }
}

enum { kAmxRows = 32, kAmxBlock = 128 };

/* A[mc, k] into bf16 rows of kp = 2 * pairCount(k) values (zeros past k),
 * rows up to a multiple of 32 zero. */
__attribute__((target("avx512f,avx512bf16"))) static void
convertABf16(const float *a, const int64_t *as, int64_t mc, int64_t k,
             uint16_t *dst, int64_t kp) {
  int64_t rows = (mc + kAmxRows - 1) / kAmxRows * kAmxRows;
  for (int64_t r = 0; r < rows; ++r) {
    uint16_t *d = dst + r * kp;
    int64_t p = 0;
    if (r < mc) {
      const float *src = a + r * as[0];
      if (as[1] == 1)
        for (; p + 32 <= k; p += 32)
          _mm512_storeu_si512(
              d + p, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + p + 16),
                                                  _mm512_loadu_ps(src + p)));
      for (; p < k; ++p)
        d[p] = toBf16(src[p * as[1]]);
    }
    memset(d + p, 0, sizeof(uint16_t) * (size_t)(kp - p));
  }
}

/* Per-thread buffer of converted A blocks (grows as needed). */
static __thread void *convertedA;
static __thread int64_t convertedABytes;

/* C[m, n] (+)= A[m, k] B with B's bf16 pair strips (pairCount(bk) pairs
 * each): 32 x 32 blocks of C in four tiles (0-3), A rows in tiles 4-5, B
 * columns in tiles 6-7. */
__attribute__((target("avx512f,avx512bf16,amx-tile,amx-bf16"))) static int
gemmPackedBBf16(const float *a, const int64_t *as, const uint16_t *bp,
                int64_t bk, float *c, const int64_t *cs, int64_t m, int64_t n,
                int64_t k, int accumulate) {
  int64_t pairs = pairCount(bk), kp = 2 * pairCount(k);
  uint16_t *abuf = (uint16_t *)growScratch(
      &convertedA, &convertedABytes,
      (int64_t)sizeof(uint16_t) * kAmxBlock * kp);
  if (!abuf)
    return 0;
  loadTileConfig();
  float out[kAmxRows * kNR] __attribute__((aligned(64)));
  for (int64_t ic = 0; ic < m; ic += kAmxBlock) {
    int64_t mc = m - ic < kAmxBlock ? m - ic : kAmxBlock;
    convertABf16(a + ic * as[0], as, mc, k, abuf, kp);
    for (int64_t jr = 0; jr < n; jr += kNR) {
      const uint16_t *strip = bp + (jr / kNR) * pairs * 2 * kNR;
      for (int64_t ir = 0; ir < mc; ir += kAmxRows) {
        const uint16_t *a0 = abuf + ir * kp, *a1 = a0 + 16 * kp;
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        for (int64_t kk = 0; kk < kp; kk += 32) {
          _tile_loadd(4, a0 + kk, kp * 2);
          _tile_loadd(5, a1 + kk, kp * 2);
          _tile_loadd(6, strip + kk * kNR, 4 * kNR);
          _tile_loadd(7, strip + kk * kNR + kNR, 4 * kNR);
          _tile_dpbf16ps(0, 4, 6);
          _tile_dpbf16ps(1, 4, 7);
          _tile_dpbf16ps(2, 5, 6);
          _tile_dpbf16ps(3, 5, 7);
        }
        _tile_stored(0, out, 4 * kNR);
        _tile_stored(1, out + 16, 4 * kNR);
        _tile_stored(2, out + 16 * kNR, 4 * kNR);
        _tile_stored(3, out + 16 * kNR + 16, 4 * kNR);
        int64_t mr = mc - ir < kAmxRows ? mc - ir : kAmxRows;
        int64_t nr = n - jr < kNR ? n - jr : kNR;
        float *cb = c + (ic + ir) * cs[0] + jr * cs[1];
        for (int64_t r = 0; r < mr; ++r)
          updateRow(cb + r * cs[0], cs[1], _mm512_load_ps(out + r * kNR),
                    _mm512_load_ps(out + r * kNR + 16), nr, accumulate);
      }
    }
  }
  _tile_release();
  return 1;
}
#endif

/* OpenBLAS where it can address the operands, a plain loop otherwise. */
static void blasGemm(const float *a, const int64_t *as, const float *b,
                     const int64_t *bs, float *c, const int64_t *cs, int64_t m,
                     int64_t n, int64_t k, int accumulate) {
  enum CBLAS_TRANSPOSE ta, tb, tc;
  int64_t lda, ldb, ldc;
  if (layout(m, k, as[0], as[1], &ta, &lda) &&
      layout(k, n, bs[0], bs[1], &tb, &ldb) &&
      layout(m, n, cs[0], cs[1], &tc, &ldc) && tc == CblasNoTrans &&
      lda <= INT32_MAX && ldb <= INT32_MAX && ldc <= INT32_MAX) {
    cblas_sgemm(CblasRowMajor, ta, tb, (int)m, (int)n, (int)k, 1.0f, a,
                (int)lda, b, (int)ldb, accumulate ? 1.0f : 0.0f, c, (int)ldc);
    return;
  }
  if (!accumulate)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * cs[0] + j * cs[1]] = 0.0f;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      float x = a[i * as[0] + p * as[1]];
      for (int64_t j = 0; j < n; ++j)
        c[i * cs[0] + j * cs[1]] += x * b[p * bs[0] + j * bs[1]];
    }
}

static void serialGemm(const float *a, const int64_t *as, const float *b,
                       const int64_t *bs, float *c, const int64_t *cs,
                       int64_t m, int64_t n, int64_t k, int accumulate) {
#if defined(__x86_64__)
  pthread_once(&avx512Once, detectAvx512);
  /* Tile-sized products (a B panel of at most 256 KiB) with row-major
   * operands: the AVX-512 kernel above. */
  if (avx512State && as[1] == 1 && bs[1] == 1 && cs[1] == 1 &&
      k * n <= 65536) {
    tileGemmAvx512(a, as[0], b, bs[0], c, cs[0], m, n, k, accumulate);
    return;
  }
  /* Larger ones, any strides: packed panels (measured faster than
   * OpenBLAS's kernels, docs/CpuBackend.md). */
  if (avx512State &&
      packedGemmAvx512(a, as, b, bs, c, cs, m, n, k, accumulate))
    return;
#endif
  blasGemm(a, as, b, bs, c, cs, m, n, k, accumulate);
}

/* C = A B over an empty k: zeros. */
static void zeroC(float *c, const int64_t *cs, int64_t m, int64_t n) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      c[i * cs[0] + j * cs[1]] = 0.0f;
}

/* C (+)= A B: accumulate is 0 when the call replaces a zero fill of C. */
static void gemm(const float *a, const int64_t *as, const float *b,
                 const int64_t *bs, float *c, const int64_t *cs, int64_t m,
                 int64_t n, int64_t k, int accumulate) {
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) {
    if (!accumulate)
      zeroC(c, cs, m, n);
    return;
  }
  pthread_once(&serialOnce, makeSerial);
  int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (threads <= 1 || (double)m * (double)n * (double)k < (double)(1 << 21)) {
    serialGemm(a, as, b, bs, c, cs, m, n, k, accumulate);
    return;
  }
  /* Split the longer of M and N; each block is an independent product. */
  int rows = m >= n;
  int64_t extent = rows ? m : n;
  int64_t block = (extent + threads - 1) / threads;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) {
    int64_t lo = t * block;
    int64_t hi = lo + block < extent ? lo + block : extent;
    if (lo >= hi)
      continue;
    if (rows)
      serialGemm(a + lo * as[0], as, b, bs, c + lo * cs[0], cs, hi - lo, n, k,
                 accumulate);
    else
      serialGemm(a, as, b + lo * bs[1], bs, c + lo * cs[1], cs, m, hi - lo, k,
                 accumulate);
  }
}

/* flags: bit 0 accumulate (C += A B, else C = A B); bit 1 bf16 (weights'
 * products only, _constb). */
void _mlir_ciface_tmix_rt_sgemm_f32(tmix_memref2 *a, tmix_memref2 *b,
                                    tmix_memref2 *c, int32_t flags) {
  gemm(a->aligned + a->offset, a->strides, b->aligned + b->offset, b->strides,
       c->aligned + c->offset, c->strides, c->sizes[0], c->sizes[1],
       a->sizes[1], flags & 1);
}

void _mlir_ciface_tmix_rt_sgemm_batched_f32(tmix_memref3 *a, tmix_memref3 *b,
                                            tmix_memref3 *c,
                                            int32_t flags) {
  for (int64_t i = 0; i < c->sizes[0]; ++i)
    gemm(a->aligned + a->offset + i * a->strides[0], &a->strides[1],
         b->aligned + b->offset + i * b->strides[0], &b->strides[1],
         c->aligned + c->offset + i * c->strides[0], &c->strides[1],
         c->sizes[1], c->sizes[2], a->sizes[2], flags & 1);
}

/* Weights packed once. tmix-matmul-to-blas gives each matmul whose B is a
 * constant (a view of a constant global or of the external weights) its
 * own zero-initialised slot; the first call packs B and publishes it there,
 * later calls skip packing, which at L=128 cost as much as the product. The
 * packs live until the library is unloaded. */
typedef struct {
  int64_t *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} tmix_memref1_i64;

typedef struct PackedWeights {
  struct PackedWeights *next;
  int64_t k, n;
  /* f32 strips (packB), or bf16 pair strips (packBBf16) when bf16 is set. */
  float *data;
  int bf16;
} PackedWeights;

static PackedWeights *allPacked;

__attribute__((destructor)) static void freePackedWeights(void) {
  while (allPacked) {
    PackedWeights *next = allPacked->next;
    free(allPacked->data);
    free(allPacked);
    allPacked = next;
  }
}

#if defined(__x86_64__)
/* The slot's packs of B, packing them on first use; NULL when B is not
 * worth packing here (no AVX-512, a tile-sized product) or memory ran
 * out. Concurrent first calls may both pack; one pack wins. */
static PackedWeights *packedWeights(tmix_memref1_i64 *slot, const float *b,
                                    const int64_t *bs, int64_t k, int64_t n,
                                    int bf16) {
  pthread_once(&avx512Once, detectAvx512);
  if (!avx512State || k * n <= 65536)
    return NULL;
  /* Without AMX the products run in f32. */
  bf16 = bf16 && avx512State == 2;
  PackedWeights **cell = (PackedWeights **)(slot->aligned + slot->offset);
  PackedWeights *p = __atomic_load_n(cell, __ATOMIC_ACQUIRE);
  if (p)
    return p->k == k && p->n == n && p->bf16 == bf16 ? p : NULL;
  p = (PackedWeights *)malloc(sizeof(PackedWeights));
  size_t bytes = bf16 ? (size_t)(stripCount(n) * kNR * pairCount(k)) * 4
                      : (size_t)(stripCount(n) * kNR * k) * sizeof(float);
  if (!p || !(p->data = (float *)aligned_alloc(64, (bytes + 63) / 64 * 64))) {
    free(p);
    return NULL;
  }
  p->k = k;
  p->n = n;
  p->bf16 = bf16;
  if (bf16)
    packBBf16(b, bs, k, n, (uint16_t *)p->data);
  else
    packB(b, bs, k, n, p->data);
  PackedWeights *expected = NULL;
  if (!__atomic_compare_exchange_n(cell, &expected, p, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    free(p->data);
    free(p);
    return expected->k == k && expected->n == n && expected->bf16 == bf16
               ? expected
               : NULL;
  }
  p->next = __atomic_load_n(&allPacked, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(&allPacked, &p->next, p, 1,
                                      __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    ;
  return p;
}
#endif

void _mlir_ciface_tmix_rt_sgemm_f32_constb(tmix_memref2 *am, tmix_memref2 *bm,
                                           tmix_memref2 *cm,
                                           tmix_memref1_i64 *slot,
                                           int32_t flags) {
  int accumulate = flags & 1, bf16 = (flags & 2) != 0;
  const float *a = am->aligned + am->offset;
  const float *b = bm->aligned + bm->offset;
  float *c = cm->aligned + cm->offset;
  int64_t m = cm->sizes[0], n = cm->sizes[1], k = am->sizes[1];
  if (m <= 0 || n <= 0 || k <= 0) {
    gemm(a, am->strides, b, bm->strides, c, cm->strides, m, n, k, accumulate);
    return;
  }
  pthread_once(&serialOnce, makeSerial);
#if defined(__x86_64__)
  PackedWeights *p = packedWeights(slot, b, bm->strides, k, n, bf16);
  if (p) {
    GemmSplit split = gemmSplit(m, n, k, stripCount(n), (double)(1 << 21));
#pragma omp parallel for num_threads(split.threads) schedule(static)
    for (int t = 0; t < split.threads; ++t) {
      int64_t lo, hi;
      gemmPart(split, t, &lo, &hi);
      if (lo >= hi)
        continue;
      /* gemmPackedB fails only before touching C (no A buffer): that
       * block goes to BLAS instead. */
      if (split.byStrips) {
        int64_t j0 = lo * kNR, j1 = hi * kNR < n ? hi * kNR : n;
        float *cb = c + j0 * cm->strides[1];
        int done =
            p->bf16 ? gemmPackedBBf16(
                          a, am->strides,
                          (const uint16_t *)p->data + lo * pairCount(k) * 2 * kNR,
                          k, cb, cm->strides, m, j1 - j0, k, accumulate)
                    : gemmPackedB(a, am->strides, p->data + lo * k * kNR, k,
                                  cb, cm->strides, m, j1 - j0, k, accumulate);
        if (!done)
          blasGemm(a, am->strides, b + j0 * bm->strides[1], bm->strides, cb,
                   cm->strides, m, j1 - j0, k, accumulate);
      } else {
        const float *ab = a + lo * am->strides[0];
        float *cb = c + lo * cm->strides[0];
        int done = p->bf16 ? gemmPackedBBf16(ab, am->strides,
                                             (const uint16_t *)p->data, k, cb,
                                             cm->strides, hi - lo, n, k,
                                             accumulate)
                           : gemmPackedB(ab, am->strides, p->data, k, cb,
                                         cm->strides, hi - lo, n, k,
                                         accumulate);
        if (!done)
          blasGemm(ab, am->strides, b, bm->strides, cb, cm->strides, hi - lo,
                   n, k, accumulate);
      }
    }
    return;
  }
#endif
  gemm(a, am->strides, b, bm->strides, c, cm->strides, m, n, k, accumulate);
}
