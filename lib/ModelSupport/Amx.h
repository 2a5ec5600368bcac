/*===- Amx.h - helpers shared by the AMX kernels (bf16 and int8) ----------===*/

#ifndef TMIX_MODELSUPPORT_AMX_H
#define TMIX_MODELSUPPORT_AMX_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* `*buffer` (64-byte aligned) grown to at least `bytes`; NULL when memory
 * runs out (the old buffer stays). For per-thread scratch that lives as
 * long as its thread. */
static inline void *growScratch(void **buffer, int64_t *have, int64_t bytes) {
  if (bytes <= *have)
    return *buffer;
  void *grown = aligned_alloc(64, (size_t)((bytes + 63) / 64 * 64));
  if (!grown)
    return NULL;
  free(*buffer);
  *buffer = grown;
  *have = bytes;
  return grown;
}

#if defined(__x86_64__)
/* Palette 1 with all eight tiles at 16 rows of 64 bytes, the shape every
 * tmix AMX kernel uses. */
__attribute__((target("amx-tile"))) static inline void loadTileConfig(void) {
  struct {
    uint8_t palette, startRow, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
  } config;
  memset(&config, 0, sizeof(config));
  config.palette = 1;
  for (int t = 0; t < 8; ++t) {
    config.rows[t] = 16;
    config.colsb[t] = 64;
  }
  _tile_loadconfig(&config);
}
#endif

#endif
