/*===- CpuFeatures.h - what the CPU running a model library offers --------===*
 *
 * Detected once (cpuid, XCR0) for the support library's kernels; AMX bits
 * are set only once Linux has granted this process the tile data state.
 * TMIX_DISABLE_AMX=1 in the environment hides AMX, TMIX_DISABLE_AVX512=1
 * every AVX-512 feature (to test and compare the other paths).
 *
 *===----------------------------------------------------------------------===*/

#ifndef TMIX_MODELSUPPORT_CPUFEATURES_H
#define TMIX_MODELSUPPORT_CPUFEATURES_H

enum {
  TMIX_CPU_AVX512 = 1,   /* AVX-512F with the OS saving zmm state */
  TMIX_CPU_AMX_BF16 = 2, /* AMX-TILE + AMX-BF16 + AVX512-BF16 */
  TMIX_CPU_AMX_INT8 = 4, /* AMX-TILE + AMX-INT8 */
  TMIX_CPU_AVX512_VNNI = 8
};

/* The TMIX_CPU_* bits of this machine. */
int tmix_cpu_features(void);

#endif
