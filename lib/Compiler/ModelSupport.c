/*===- ModelSupport.c - the model ABI around a compiled entry point -------===*
 *
 * Linked into every library tmix-compile writes. The generated part of the
 * library provides the tensor tables and tmix__entry, which calls the
 * compiled function with one memref descriptor per input and output; this
 * file implements tmix-c/Model.h on top of them, plus the one runtime
 * routine compiled code may call (memrefCopy, for strided copies), so that
 * the library needs nothing beyond libc and libm.
 *
 *===----------------------------------------------------------------------===*/

#include "tmix-c/Model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const tmix_tensor_info tmix__inputs[];
extern const int32_t tmix__num_inputs;
extern const tmix_tensor_info tmix__outputs[];
extern const int32_t tmix__num_outputs;
extern void tmix__entry(void **descriptors);

struct tmix_model {
  char error[512];
};

/* Input i, then the outputs: the order of the entry point's arguments. */
static const tmix_tensor_info *argumentInfo(int32_t i) {
  return i < tmix__num_inputs ? &tmix__inputs[i]
                              : &tmix__outputs[i - tmix__num_inputs];
}

static int32_t fail(tmix_model *model, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(model->error, sizeof(model->error), format, args);
  va_end(args);
  return 1;
}

uint32_t tmix_model_abi_version(void) { return TMIX_MODEL_ABI_VERSION; }

tmix_model *tmix_model_create(void) {
  return (tmix_model *)calloc(1, sizeof(tmix_model));
}

void tmix_model_destroy(tmix_model *model) { free(model); }

int32_t tmix_model_num_inputs(void) { return tmix__num_inputs; }
int32_t tmix_model_num_outputs(void) { return tmix__num_outputs; }

const tmix_tensor_info *tmix_model_input(int32_t index) {
  return index >= 0 && index < tmix__num_inputs ? &tmix__inputs[index] : NULL;
}

const tmix_tensor_info *tmix_model_output(int32_t index) {
  return index >= 0 && index < tmix__num_outputs ? &tmix__outputs[index]
                                                 : NULL;
}

const char *tmix_model_last_error(const tmix_model *model) {
  return model ? model->error : "no model instance";
}

/* A ranked memref descriptor: allocated and aligned pointers, offset, then
 * `rank` sizes and `rank` strides, all 64-bit. */
static void describe(int64_t *desc, const void *data,
                     const tmix_tensor_info *info) {
  int32_t rank = info->rank;
  memcpy(&desc[0], &data, sizeof(void *));
  memcpy(&desc[1], &data, sizeof(void *));
  desc[2] = 0;
  int64_t stride = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    desc[3 + d] = info->shape[d];
    desc[3 + rank + d] = stride;
    stride *= info->shape[d];
  }
}

int32_t tmix_model_run(tmix_model *model, const void *const *inputs,
                       void *const *outputs) {
  if (!model)
    return 1;
  model->error[0] = 0;
  int32_t n = tmix__num_inputs + tmix__num_outputs;
  if ((tmix__num_inputs && !inputs) || (tmix__num_outputs && !outputs))
    return fail(model, "tmix_model_run: %s array is NULL",
                tmix__num_inputs && !inputs ? "inputs" : "outputs");
  size_t words = 0;
  for (int32_t i = 0; i < n; ++i) {
    const tmix_tensor_info *info = argumentInfo(i);
    const void *data = i < tmix__num_inputs ? inputs[i]
                                            : outputs[i - tmix__num_inputs];
    if (!data)
      return fail(model, "tmix_model_run: buffer of %s '%s' is NULL",
                  i < tmix__num_inputs ? "input" : "output", info->name);
    words += 3 + 2 * (size_t)info->rank;
  }
  void **descriptors = (void **)malloc(sizeof(void *) * (size_t)(n ? n : 1));
  int64_t *storage = (int64_t *)malloc(sizeof(int64_t) * (words ? words : 1));
  if (!descriptors || !storage) {
    free(descriptors);
    free(storage);
    return fail(model, "tmix_model_run: out of memory");
  }
  int64_t *next = storage;
  for (int32_t i = 0; i < n; ++i) {
    const tmix_tensor_info *info = argumentInfo(i);
    /* Inputs are only read; the descriptor type has no const. */
    const void *data = i < tmix__num_inputs ? inputs[i]
                                            : outputs[i - tmix__num_inputs];
    describe(next, data, info);
    descriptors[i] = next;
    next += 3 + 2 * info->rank;
  }
  tmix__entry(descriptors);
  free(descriptors);
  free(storage);
  return 0;
}

/* memref.copy between strided views, as MLIR's runner utils define it. */
typedef struct {
  int64_t rank;
  void *descriptor;
} tmix_unranked_memref;

static void copyDim(int64_t elemSize, int64_t rank, int64_t dim,
                    const int64_t *sizes, const int64_t *srcStrides,
                    const int64_t *dstStrides, const char *src, char *dst) {
  if (dim == rank) {
    memcpy(dst, src, (size_t)elemSize);
    return;
  }
  for (int64_t i = 0; i < sizes[dim]; ++i)
    copyDim(elemSize, rank, dim + 1, sizes, srcStrides, dstStrides,
            src + i * srcStrides[dim] * elemSize,
            dst + i * dstStrides[dim] * elemSize);
}

void memrefCopy(int64_t elemSize, tmix_unranked_memref *srcArg,
                tmix_unranked_memref *dstArg) {
  int64_t rank = srcArg->rank;
  const int64_t *src = (const int64_t *)srcArg->descriptor;
  const int64_t *dst = (const int64_t *)dstArg->descriptor;
  const char *srcData;
  char *dstData;
  memcpy(&srcData, &src[1], sizeof(void *));
  memcpy(&dstData, &dst[1], sizeof(void *));
  srcData += src[2] * elemSize;
  dstData += dst[2] * elemSize;
  const int64_t *sizes = &src[3];
  /* Contiguous row-major on both sides: one memcpy. */
  int contiguous = 1;
  int64_t expected = 1, count = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    if (src[3 + rank + d] != expected || dst[3 + rank + d] != expected)
      contiguous = 0;
    expected *= sizes[d];
    count *= sizes[d];
  }
  if (contiguous) {
    if (count)
      memcpy(dstData, srcData, (size_t)(count * elemSize));
    return;
  }
  if (count)
    copyDim(elemSize, rank, 0, sizes, &src[3 + rank], &dst[3 + rank], srcData,
            dstData);
}
