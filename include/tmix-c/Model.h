/*===- Model.h - C ABI of a model compiled by tmix-compile --------*- C -*-===*
 *
 * `tmix-compile model.onnx -o model.so` writes a shared library exporting
 * exactly these functions (with --name=NAME each is NAME_model_... instead
 * of tmix_model_..., same signature). Tensors are dense, row-major, in the
 * caller's memory; shapes are fixed at compile time and described by the
 * library. Every function is safe to call from any thread on distinct
 * instances.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TMIX_C_MODEL_H
#define TMIX_C_MODEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change to this header. */
#define TMIX_MODEL_ABI_VERSION 1

typedef enum tmix_dtype {
  TMIX_DTYPE_F32 = 1,
  TMIX_DTYPE_F16 = 2,
  TMIX_DTYPE_BF16 = 3,
  TMIX_DTYPE_F64 = 4,
  TMIX_DTYPE_I64 = 5,
  TMIX_DTYPE_I32 = 6,
  TMIX_DTYPE_I16 = 7,
  TMIX_DTYPE_I8 = 8,
  TMIX_DTYPE_U8 = 9,
  TMIX_DTYPE_BOOL = 10, /* one byte per element, 0 or 1 */
  TMIX_DTYPE_U16 = 11,
  TMIX_DTYPE_U32 = 12,
  TMIX_DTYPE_U64 = 13,
  /* One byte per element; the 4- and 2-bit types zero-extended, as
     ml_dtypes stores them. */
  TMIX_DTYPE_F8E4M3FN = 14,
  TMIX_DTYPE_F8E4M3FNUZ = 15,
  TMIX_DTYPE_F8E5M2 = 16,
  TMIX_DTYPE_F8E5M2FNUZ = 17,
  TMIX_DTYPE_F8E8M0 = 18,
  TMIX_DTYPE_F4E2M1 = 19,
  TMIX_DTYPE_I4 = 20,
  TMIX_DTYPE_U4 = 21,
  TMIX_DTYPE_I2 = 22,
  TMIX_DTYPE_U2 = 23
} tmix_dtype;

typedef struct tmix_tensor_info {
  const char *name; /* the ONNX graph input/output name */
  tmix_dtype dtype;
  int32_t rank;
  const int64_t *shape; /* `rank` sizes */
} tmix_tensor_info;

typedef struct tmix_model tmix_model;

/* TMIX_MODEL_ABI_VERSION of the library. */
uint32_t tmix_model_abi_version(void);
/* A new instance (its own scratch memory), or NULL when out of memory.
 * A library compiled with external weights reads `<library>.weights` on
 * the first create; if that fails, the instance's last error says why and
 * run fails with it until the file can be read. A --target=cuda library
 * loads libcuda.so.1 and uploads its weights here; without a GPU or driver
 * the instance's last error says so and run fails. */
tmix_model *tmix_model_create(void);
void tmix_model_destroy(tmix_model *model);
int32_t tmix_model_num_inputs(void);
int32_t tmix_model_num_outputs(void);
/* NULL when `index` is out of range. */
const tmix_tensor_info *tmix_model_input(int32_t index);
const tmix_tensor_info *tmix_model_output(int32_t index);
/* Reads inputs[i] (tmix_model_num_inputs() buffers, in order) and writes
 * outputs[i]. Returns 0 on success; otherwise non-zero and
 * tmix_model_last_error(model) says why. */
int32_t tmix_model_run(tmix_model *model, const void *const *inputs,
                       void *const *outputs);
/* Models compiled with --target=cuda only: as tmix_model_run, but inputs
 * and outputs are CUDA device pointers (e.g. torch's data_ptr()) in the
 * device the model runs on ($TMIX_CUDA_DEVICE, default 0); no host copies.
 * Work the caller queued on its own streams must be complete; the outputs
 * are complete on return. CPU models fail with an error. */
int32_t tmix_model_run_device(tmix_model *model, const void *const *inputs,
                              void *const *outputs);
/* The last error on `model` ("" if none); valid until the next call. */
const char *tmix_model_last_error(const tmix_model *model);

/* Profiles of libraries compiled with --profile (the others have no
 * sites): every timed operation ("site") with its op name, the ONNX nodes
 * it computes, its calls and total nanoseconds since the last reset, and
 * the events of the latest run (site, start from the run's start,
 * duration). Counters belong to the library: profile one run at a time.
 * The functions returning int32_t give 0 on success, 1 for a bad index. */
int32_t tmix_model_profile_num_sites(void);
int32_t tmix_model_profile_site(int32_t index, const char **op,
                                const char **nodes, uint64_t *calls,
                                uint64_t *total_ns);
int32_t tmix_model_profile_num_events(void);
int32_t tmix_model_profile_event(int32_t index, int32_t *site,
                                 uint64_t *start_ns, uint64_t *duration_ns);
void tmix_model_profile_reset(void);

#ifdef __cplusplus
}
#endif

#endif /* TMIX_C_MODEL_H */
