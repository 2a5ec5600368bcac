/*===- CpuFeatures.c - what the CPU running a model library offers --------===*/

#include "CpuFeatures.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include <pthread.h>
#include <stdlib.h>

static int features;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void detect(void) {
#if defined(__x86_64__)
  unsigned eax, ebx, ecx, edx, lo, hi;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(ebx & (1u << 16)))
    return;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 0xe6) != 0xe6)
    return;
  features = TMIX_CPU_AVX512;
  /* AMX-TILE (leaf 7 EDX bit 24), the tile state enabled in XCR0 (bits 17,
   * 18), and Linux's permission to use the tile data. TMIX_DISABLE_AMX=1
   * takes the AVX-512 paths on AMX machines (tests, comparisons). */
  unsigned amx = edx;
  const char *disable = getenv("TMIX_DISABLE_AMX");
  if ((disable && *disable && *disable != '0') || !(amx & (1u << 24)) ||
      (lo & 0x60000) != 0x60000 ||
      syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */,
              18 /* XFEATURE_XTILEDATA */) != 0)
    return;
  /* AMX-INT8 is EDX bit 25; AMX-BF16 bit 22 with AVX512-BF16 (leaf 7.1
   * EAX bit 5) for the conversions. */
  if (amx & (1u << 25))
    features |= TMIX_CPU_AMX_INT8;
  if ((amx & (1u << 22)) && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) &&
      (eax & (1u << 5)))
    features |= TMIX_CPU_AMX_BF16;
#endif
}

int tmix_cpu_features(void) {
  pthread_once(&once, detect);
  return features;
}
