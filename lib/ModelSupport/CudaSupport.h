/*===- CudaSupport.h - the CUDA driver as GPU models use it --------*- C -*-===*
 *
 * Models compiled with --target=cuda reach the GPU only through these
 * functions and the mgpu* entry points that MLIR's gpu-to-llvm emits, all in
 * CudaSupport.c, which loads libcuda.so.1 at run time. Errors never abort:
 * the first one is kept (per thread), later calls do nothing, and the model
 * ABI reports it.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TMIX_CUDASUPPORT_H
#define TMIX_CUDASUPPORT_H

#include <stddef.h>
#include <stdint.h>

/* Loads the driver and makes device $TMIX_CUDA_DEVICE (default 0)
 * current; checks that it runs code for sm_<arch>. 0 on success, else the
 * reason in `error`. */
int tmix_cuda_init(int arch, char *error, size_t errorSize);

/* Starts a run on this thread: the device context current, no error. */
void tmix_cuda_begin(void);

/* Device memory; NULL (and the error kept) on failure. */
void *tmix_cuda_alloc(size_t bytes);
void tmix_cuda_free(void *pointer);

/* Copies on this thread's stream (ordered with the model's kernels). */
void tmix_cuda_upload(void *device, const void *host, size_t bytes);
void tmix_cuda_download(void *host, const void *device, size_t bytes);

/* Waits for this thread's stream; returns the first error of the run, or
 * NULL. */
const char *tmix_cuda_finish(void);

#endif /* TMIX_CUDASUPPORT_H */
