/*===- GemmSplit.h - how a GEMM on packed weights splits over threads -----===*
 *
 * Shared by the f32 and the integer GEMMs: threads take whole strips of the
 * packed B (each reads its own part of the weights); products with few
 * strips split rows instead; small products, and calls from inside a
 * parallel region, run on one thread.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TMIX_MODELSUPPORT_GEMMSPLIT_H
#define TMIX_MODELSUPPORT_GEMMSPLIT_H

#include <omp.h>
#include <stdint.h>

typedef struct {
  int threads, byStrips;
  int64_t extent; /* strips or rows, split evenly */
} GemmSplit;

static inline GemmSplit gemmSplit(int64_t m, int64_t n, int64_t k,
                                  int64_t strips, double minWork) {
  GemmSplit s;
  s.threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if ((double)m * (double)n * (double)k < minWork)
    s.threads = 1;
  s.byStrips = strips >= 4 * s.threads;
  s.extent = s.byStrips ? strips : m;
  return s;
}

/* Part t of the split: strips or rows [*lo, *hi); empty when lo >= hi. */
static inline void gemmPart(GemmSplit s, int t, int64_t *lo, int64_t *hi) {
  *lo = s.extent * t / s.threads;
  *hi = s.extent * (t + 1) / s.threads;
}

#endif
