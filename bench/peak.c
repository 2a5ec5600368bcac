/* Single-precision FMA peak of this machine, measured.
 *
 *   clang-22 -O3 -march=native -fopenmp bench/peak.c -o peak
 *   ./peak [seconds] [threads]
 *
 * Every thread runs NACC independent FMA chains (acc = acc * a + b) on
 * registers only: no loads, no stores, enough chains to cover the FMA
 * latency on every current x86 core (4 cycles x 2 pipes = 8 in flight).
 * One FMA on a W-lane vector counts as 2*W FLOPs. The work per thread is
 * calibrated so that the parallel region lasts about `seconds` (default 1)
 * in all (three timed repetitions); the best repetition is reported.
 *
 * Two figures:
 *   gflops      FLOPs of all threads / wall time of the parallel region:
 *               what the threads delivered together, on a machine that
 *               other processes may be using at the same time;
 *   gflops_cpu  sum over threads of (FLOPs of the thread / CPU time of the
 *               thread, CLOCK_THREAD_CPUTIME_ID): what `threads` cores
 *               deliver while they run this code, which other processes
 *               taking turns on the cores do not lower. On an idle machine
 *               the two agree.
 *
 * Prints one JSON line: {"isa", "lanes", "chains", "threads", "seconds",
 * "gflops", "gflops_per_thread", "gflops_cpu", "sink"}.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NACC 16

#if defined(__AVX512F__)
#define ISA "avx512f"
#define LANES 16
typedef __m512 vec;
#define SET1(x) _mm512_set1_ps(x)
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define ADD(a, b) _mm512_add_ps(a, b)
static float hsum(vec v) { return _mm512_reduce_add_ps(v); }
#elif defined(__FMA__) && defined(__AVX2__)
#define ISA "avx2+fma"
#define LANES 8
typedef __m256 vec;
#define SET1(x) _mm256_set1_ps(x)
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define ADD(a, b) _mm256_add_ps(a, b)
static float hsum(vec v) {
  float t[8];
  _mm256_storeu_ps(t, v);
  return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}
#else
#error "peak.c needs AVX-512F or AVX2+FMA"
#endif

/* `iters` rounds of NACC independent FMAs; returns a value that depends on
 * every chain so that nothing is optimised away. The multiplier is just
 * under 1 and the addend small, so the chains converge to a finite value
 * (no overflow, no denormals). */
static float chains(long iters, float seed) {
  vec a = SET1(0.999999f), b = SET1(1e-6f);
  vec acc[NACC];
  for (int i = 0; i < NACC; ++i)
    acc[i] = SET1(seed + (float)i);
  for (long n = 0; n < iters; ++n) {
#pragma clang loop unroll(full)
    for (int i = 0; i < NACC; ++i)
      acc[i] = FMA(acc[i], a, b);
  }
  vec s = acc[0];
  for (int i = 1; i < NACC; ++i)
    s = ADD(s, acc[i]);
  return hsum(s);
}

static double thread_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wall seconds for `threads` threads running `iters` rounds each; *rate
 * gets the sum over threads of rounds per CPU second. */
static double region(long iters, int threads, float *sink, double *rate) {
  float total = 0.0f;
  double rates = 0.0;
  double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : total, rates)
  {
    double c0 = thread_cpu_seconds();
    total += chains(iters, (float)omp_get_thread_num());
    double c = thread_cpu_seconds() - c0;
    rates += (double)iters / (c > 1e-9 ? c : 1e-9);
  }
  double t1 = omp_get_wtime();
  *sink += total;
  if (rate)
    *rate = rates;
  return t1 - t0;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 1.0;
  int threads = argc > 2 ? atoi(argv[2]) : omp_get_num_procs();
  if (seconds <= 0 || threads <= 0) {
    fprintf(stderr, "usage: %s [seconds>0] [threads>0]\n", argv[0]);
    return 2;
  }
  float sink = 0.0f;
  /* Calibrate: grow the work until one region takes >= 50 ms. */
  long iters = 1 << 16;
  double t = region(iters, threads, &sink, NULL);
  while (t < 0.05) {
    iters *= 2;
    t = region(iters, threads, &sink, NULL);
  }
  iters = (long)(iters * (seconds / 3.0) / t) + 1;
  double best = 1e30, best_rate = 0.0;
  for (int rep = 0; rep < 3; ++rep) {
    double rate;
    double r = region(iters, threads, &sink, &rate);
    if (r < best)
      best = r;
    if (rate > best_rate)
      best_rate = rate;
  }
  double per_round = 2.0 * LANES * NACC;
  double gflops = per_round * (double)iters * threads / best / 1e9;
  double gflops_cpu = per_round * best_rate / 1e9;
  printf("{\"isa\": \"%s\", \"lanes\": %d, \"chains\": %d, \"threads\": %d, "
         "\"seconds\": %.4f, \"gflops\": %.2f, \"gflops_per_thread\": %.2f, "
         "\"gflops_cpu\": %.2f, \"sink\": %g}\n",
         ISA, LANES, NACC, threads, best, gflops, gflops / threads, gflops_cpu,
         (double)sink);
  return 0;
}
