/*===- CpuFeatures.c - what the CPU running a model library offers --------===*/

#include "CpuFeatures.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int features;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* An environment switch set to anything but empty or "0". */
static int disabled(const char *name) {
  const char *value = getenv(name);
  return value && *value && strcmp(value, "0") != 0;
}

static void detect(void) {
#if defined(__x86_64__)
  unsigned eax, ebx, ecx, edx, lo, hi;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(ebx & (1u << 16)))
    return;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 0xe6) != 0xe6 || disabled("TMIX_DISABLE_AVX512"))
    return;
  features = TMIX_CPU_AVX512;
  if (ecx & (1u << 11))
    features |= TMIX_CPU_AVX512_VNNI;
  /* AMX-TILE (leaf 7 EDX bit 24), the tile state enabled in XCR0 (bits 17,
   * 18), and Linux's permission to use the tile data. */
  unsigned amx = edx;
  if (disabled("TMIX_DISABLE_AMX") || !(amx & (1u << 24)) ||
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
