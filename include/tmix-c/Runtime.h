/*===- Runtime.h - libtmix_runtime: load and run compiled models --*- C -*-===*
 *
 * Loads a library written by tmix-compile, checks its ABI version, and runs
 * it on named, shaped tensors with every mismatch reported as text.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TMIX_C_RUNTIME_H
#define TMIX_C_RUNTIME_H

#include "tmix-c/Model.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tmix_runtime_model tmix_runtime_model;

/* A tensor handed to or returned by the runtime. */
typedef struct tmix_tensor {
  const char *name;
  tmix_dtype dtype;
  int32_t rank;
  const int64_t *shape;
  void *data; /* dense row-major */
} tmix_tensor;

/* Loads `path`. NULL on failure, with the reason in *error (free it with
 * tmix_runtime_free_error). The file is checked (a whole ELF shared library
 * for this machine) before it is mapped, so a truncated or foreign file is
 * an error, not a signal. The model is the one the library exports:
 * `tmix_model_*`, or `NAME_model_*` for a library compiled with --name=NAME
 * when it exports no other. */
tmix_runtime_model *tmix_runtime_load(const char *path, char **error);
/* As tmix_runtime_load, for the model exported as `name`_model_* (NULL or
 * "" to find it as tmix_runtime_load does). */
tmix_runtime_model *tmix_runtime_load_named(const char *path, const char *name,
                                            char **error);
void tmix_runtime_unload(tmix_runtime_model *model);
void tmix_runtime_free_error(char *error);

int32_t tmix_runtime_num_inputs(const tmix_runtime_model *model);
int32_t tmix_runtime_num_outputs(const tmix_runtime_model *model);
const tmix_tensor_info *tmix_runtime_input(const tmix_runtime_model *model,
                                           int32_t index);
const tmix_tensor_info *tmix_runtime_output(const tmix_runtime_model *model,
                                            int32_t index);

/* Runs the model. `inputs` are matched to the model's inputs by name
 * (extra ones are ignored); their dtype and shape must match exactly.
 * `outputs` receives tmix_runtime_num_outputs() buffers the caller
 * allocated from tmix_runtime_output(). Returns 0 on success, otherwise
 * non-zero with the reason from tmix_runtime_last_error. */
int32_t tmix_runtime_run(tmix_runtime_model *model, const tmix_tensor *inputs,
                         size_t num_inputs, void *const *outputs);
/* As tmix_runtime_run for a --target=cuda model, with `data` and `outputs`
 * in CUDA device memory (tmix_model_run_device). */
int32_t tmix_runtime_run_device(tmix_runtime_model *model,
                                const tmix_tensor *inputs, size_t num_inputs,
                                void *const *outputs);
const char *tmix_runtime_last_error(const tmix_runtime_model *model);

/* The profile of a library compiled with --profile (tmix_model_profile_*
 * of tmix-c/Model.h); a library without one has no sites. */
typedef struct tmix_profile_site {
  const char *op;    /* the operation timed, e.g. "linalg.generic" */
  const char *nodes; /* the ONNX nodes it computes, comma-separated */
  uint64_t calls, total_ns;
} tmix_profile_site;
int32_t tmix_runtime_profile_num_sites(const tmix_runtime_model *model);
/* 0 on success, non-zero for a bad index. */
int32_t tmix_runtime_profile_site(const tmix_runtime_model *model,
                                  int32_t index, tmix_profile_site *site);
int32_t tmix_runtime_profile_num_events(const tmix_runtime_model *model);
int32_t tmix_runtime_profile_event(const tmix_runtime_model *model,
                                   int32_t index, int32_t *site,
                                   uint64_t *start_ns, uint64_t *duration_ns);
void tmix_runtime_profile_reset(tmix_runtime_model *model);

/* Bytes per element of `dtype` (0 for an unknown value). */
size_t tmix_dtype_size(tmix_dtype dtype);
const char *tmix_dtype_name(tmix_dtype dtype);

#ifdef __cplusplus
}
#endif

#endif /* TMIX_C_RUNTIME_H */
