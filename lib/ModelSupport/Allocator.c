/*===- Allocator.c - buffers of a model's code, kept between runs ---------===*
 *
 * The CPU pipeline lowers memref.alloc/dealloc to the generic
 * _mlir_memref_to_llvm_* functions, defined here. A run allocates the same
 * intermediate buffers every time; through malloc, the large ones were
 * fresh mappings whose pages faulted in on first touch, run after run
 * (HF BERT-base, L=128: 18,000 page faults per run). Freed blocks of
 * 64 KiB and more are kept, by exact size, for the next request of that
 * size, up to a cap; the cache is freed with the library.
 *
 *===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
  kHeader = 64,             /* keeps the payload 64-byte aligned */
  kMinCached = 64 << 10,    /* smaller blocks go back to malloc */
  kBins = 512,
};
/* At most this many bytes sit unused in the cache. */
static const uint64_t kMaxCachedBytes = 2ull << 30;

typedef struct Block {
  struct Block *next;
  uint64_t size; /* payload bytes, rounded up to 64 */
} Block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Block *bins[kBins];
static uint64_t cachedBytes;

static unsigned binOf(uint64_t size) {
  return (unsigned)((size >> 6) * 0x9e3779b97f4a7c15ull >> 55) % kBins;
}

static void *allocate(uint64_t size) {
  size = (size + 63) / 64 * 64;
  if (size >= kMinCached) {
    pthread_mutex_lock(&lock);
    for (Block **at = &bins[binOf(size)]; *at; at = &(*at)->next) {
      if ((*at)->size != size)
        continue;
      Block *b = *at;
      *at = b->next;
      cachedBytes -= size;
      pthread_mutex_unlock(&lock);
      return (char *)b + kHeader;
    }
    pthread_mutex_unlock(&lock);
  }
  if (size > UINT64_MAX - kHeader)
    return NULL;
  Block *b = (Block *)aligned_alloc(64, kHeader + size);
  if (!b)
    return NULL;
  b->size = size;
  return (char *)b + kHeader;
}

void *_mlir_memref_to_llvm_alloc(uint64_t size) { return allocate(size); }

void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size) {
  /* Payloads are 64-byte aligned; MLIR asks for at most that in tmix's
   * pipelines, and a larger request is refused rather than misaligned. */
  return alignment <= 64 ? allocate(size) : NULL;
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  Block *b = (Block *)((char *)ptr - kHeader);
  if (b->size >= kMinCached) {
    pthread_mutex_lock(&lock);
    if (cachedBytes + b->size <= kMaxCachedBytes) {
      unsigned bin = binOf(b->size);
      b->next = bins[bin];
      bins[bin] = b;
      cachedBytes += b->size;
      pthread_mutex_unlock(&lock);
      return;
    }
    pthread_mutex_unlock(&lock);
  }
  free(b);
}

__attribute__((destructor)) static void releaseCache(void) {
  for (unsigned i = 0; i < kBins; ++i)
    while (bins[i]) {
      Block *next = bins[i]->next;
      free(bins[i]);
      bins[i] = next;
    }
  cachedBytes = 0;
}
