/* A hand-written stand-in for a tmix-compile model library (tmix-c/Model.h),
 * to test libtmix_runtime and tmix-run without the compiler.
 *
 * Default: input x float32[2,3]; output y = 2*x.
 * -DFAKE_MULTI: inputs x float32[2,3], ids int64[4], w bfloat16[3];
 *   outputs y = 2*x, h = float16(x), d = float64(x), s = ids+1 (int64),
 *   m = ids>0 (bool), b = bfloat16(x*w) (truncated).
 * -DFAKE_ABI=N reports ABI version N; -DFAKE_NO_RUN leaves out
 * tmix_model_run; -DFAKE_FAIL makes every run fail.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmix-c/Model.h"

typedef struct tmix_model {
  const char *error;
} tmix_model;

#ifndef FAKE_ABI
#define FAKE_ABI 1
#endif

static const int64_t kShape23[] = {2, 3};
#ifdef FAKE_MULTI
static const int64_t kShape4[] = {4};
static const int64_t kShape3[] = {3};
#endif

static const tmix_tensor_info kInputs[] = {
    {"x", TMIX_DTYPE_F32, 2, kShape23},
#ifdef FAKE_MULTI
    {"ids", TMIX_DTYPE_I64, 1, kShape4},
    {"w", TMIX_DTYPE_BF16, 1, kShape3},
#endif
};

static const tmix_tensor_info kOutputs[] = {
    {"y", TMIX_DTYPE_F32, 2, kShape23},
#ifdef FAKE_MULTI
    {"h", TMIX_DTYPE_F16, 2, kShape23},  {"d", TMIX_DTYPE_F64, 2, kShape23},
    {"s", TMIX_DTYPE_I64, 1, kShape4},   {"m", TMIX_DTYPE_BOOL, 1, kShape4},
    {"b", TMIX_DTYPE_BF16, 2, kShape23},
#endif
};

#define COUNT(a) ((int32_t)(sizeof(a) / sizeof((a)[0])))

uint32_t tmix_model_abi_version(void) { return FAKE_ABI; }

tmix_model *tmix_model_create(void) {
  return (tmix_model *)calloc(1, sizeof(tmix_model));
}

void tmix_model_destroy(tmix_model *model) { free(model); }

int32_t tmix_model_num_inputs(void) { return COUNT(kInputs); }
int32_t tmix_model_num_outputs(void) { return COUNT(kOutputs); }

const tmix_tensor_info *tmix_model_input(int32_t index) {
  return index >= 0 && index < COUNT(kInputs) ? &kInputs[index] : NULL;
}

const tmix_tensor_info *tmix_model_output(int32_t index) {
  return index >= 0 && index < COUNT(kOutputs) ? &kOutputs[index] : NULL;
}

#ifdef FAKE_MULTI
static uint16_t to_bf16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  return (uint16_t)(bits >> 16);
}

static float from_bf16(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}
#endif

#ifndef FAKE_NO_RUN
int32_t tmix_model_run(tmix_model *model, const void *const *inputs,
                       void *const *outputs) {
  const float *x = (const float *)inputs[0];
  int i;
#ifdef FAKE_FAIL
  (void)x;
  (void)i;
  (void)outputs;
  model->error = "fake failure: out of\nluck";
  return 3;
#else
  model->error = "";
  for (i = 0; i < 6; ++i)
    ((float *)outputs[0])[i] = 2 * x[i];
#ifdef FAKE_MULTI
  {
    const int64_t *ids = (const int64_t *)inputs[1];
    const uint16_t *w = (const uint16_t *)inputs[2];
    for (i = 0; i < 6; ++i) {
      ((_Float16 *)outputs[1])[i] = (_Float16)x[i];
      ((double *)outputs[2])[i] = x[i];
      ((uint16_t *)outputs[5])[i] = to_bf16(x[i] * from_bf16(w[i % 3]));
    }
    for (i = 0; i < 4; ++i) {
      ((int64_t *)outputs[3])[i] = ids[i] + 1;
      ((uint8_t *)outputs[4])[i] = ids[i] > 0;
    }
  }
#endif
  return 0;
#endif
}
#endif

const char *tmix_model_last_error(const tmix_model *model) {
  return model->error ? model->error : "";
}
