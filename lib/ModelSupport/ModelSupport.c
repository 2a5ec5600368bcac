/*===- ModelSupport.c - the model ABI around a compiled entry point -------===*
 *
 * Linked into every library tmix-compile writes. The generated part of the
 * library provides the tensor tables, tmix__entry (which calls the compiled
 * function with one memref descriptor per input and output) and the
 * exported `<name>_model_*` functions of tmix-c/Model.h, which forward to
 * the tmix__model_* implementations here. Also here: the runtime routines
 * compiled code may call (memrefCopy, for strided copies; the index-check
 * report), so that the library needs nothing beyond libc and libm.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* dladdr */
#include "tmix-c/Model.h"

#include "CudaSupport.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern const tmix_tensor_info tmix__inputs[];
extern const int32_t tmix__num_inputs;
extern const tmix_tensor_info tmix__outputs[];
extern const int32_t tmix__num_outputs;
extern void tmix__entry(void **descriptors);
/* External weights (tmix-externalize-weights): the buffer the compiled code
 * reads them from, its size (0: weights are embedded) and the id of the
 * file that fills it. */
extern unsigned char tmix__weights[];
extern const uint64_t tmix__weights_bytes;
extern const uint64_t tmix__weights_id;
/* 0 for CPU models; for GPU models the sm_NN architecture compiled for. */
extern const int32_t tmix__cuda_arch;
/* The run-time index checks (convert-onnx-to-tmix): the node of each. */
extern const int32_t tmix__num_checks;
extern const char *const tmix__checks[];
/* Profiled operations (tmix-profile-ops): op name and ONNX nodes, paired. */
extern const int32_t tmix__num_profile_sites;
extern const char *const tmix__profile_sites[];

/* The model ABI under internal names; the generated part exports them as
 * `<name>_model_*`. */
uint32_t tmix__model_abi_version(void);
tmix_model *tmix__model_create(void);
void tmix__model_destroy(tmix_model *model);
int32_t tmix__model_num_inputs(void);
int32_t tmix__model_num_outputs(void);
const tmix_tensor_info *tmix__model_input(int32_t index);
const tmix_tensor_info *tmix__model_output(int32_t index);
int32_t tmix__model_run(tmix_model *model, const void *const *inputs,
                        void *const *outputs);
int32_t tmix__model_run_device(tmix_model *model, const void *const *inputs,
                               void *const *outputs);
const char *tmix__model_last_error(const tmix_model *model);
int32_t tmix__model_profile_num_sites(void);
int32_t tmix__model_profile_site(int32_t index, const char **op,
                                 const char **nodes, uint64_t *calls,
                                 uint64_t *total_ns);
int32_t tmix__model_profile_num_events(void);
int32_t tmix__model_profile_event(int32_t index, int32_t *site,
                                  uint64_t *start_ns, uint64_t *duration_ns);
void tmix__model_profile_reset(void);

struct tmix_model {
  char error[512];
  /* GPU models: device copies of the weights and of every input and
   * output, allocated once per instance. */
  void *deviceWeights;
  void **deviceBuffers;
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

uint32_t tmix__model_abi_version(void) { return TMIX_MODEL_ABI_VERSION; }

/* Layout of the weights file header, little-endian (ExternalizeWeights.cpp
 * writes it). */
enum { kHeaderBytes = 4096, kFormatVersion = 1 };
static const char kMagic[8] = "TMIXWTS";

static uint64_t readU64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

/* Reads exactly `size` bytes at `offset`; 0 on success. */
static int readFully(int fd, void *into, size_t size, off_t offset) {
  char *p = (char *)into;
  while (size) {
    ssize_t n = pread(fd, p, size, offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? errno : -1;
    p += n;
    size -= (size_t)n;
    offset += n;
  }
  return 0;
}

/* FNV-1a over 64-bit little-endian words and the trailing bytes, as
 * tmix-externalize-weights computes the file's id: each step is a
 * bijection of the state, so any one changed word changes the result. */
static uint64_t payloadHash(const unsigned char *p, uint64_t size) {
  uint64_t h = 0xcbf29ce484222325ull;
  uint64_t words = size / 8, i;
  for (i = 0; i < words; ++i) {
    uint64_t w;
    memcpy(&w, p + 8 * i, 8);
    h = (h ^ w) * 0x100000001b3ull;
  }
  for (i = 8 * words; i < size; ++i)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/* Fills tmix__weights from `<this library>.weights`, once per process;
 * writes the reason into `error` and returns non-zero on failure (a later
 * instance tries again). */
static pthread_mutex_t weightsLock = PTHREAD_MUTEX_INITIALIZER;
static int weightsLoaded;

static int loadWeights(char *error, size_t errorSize) {
  if (!tmix__weights_bytes)
    return 0;
  pthread_mutex_lock(&weightsLock);
  int status = 0;
  if (weightsLoaded)
    goto done;
  Dl_info self;
  if (!dladdr((void *)&tmix__model_create, &self) || !self.dli_fname) {
    snprintf(error, errorSize,
             "cannot locate the model library to find its weights file");
    status = 1;
    goto done;
  }
  char path[4096];
  if (snprintf(path, sizeof(path), "%s.weights", self.dli_fname) >=
      (int)sizeof(path)) {
    snprintf(error, errorSize, "weights file path too long");
    status = 1;
    goto done;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(error, errorSize, "cannot open weights file '%s': %s", path,
             strerror(errno));
    status = 1;
    goto done;
  }
  unsigned char header[32];
  struct stat info;
  int rc = readFully(fd, header, sizeof(header), 0);
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    snprintf(error, errorSize, "weights file '%s' is not a regular file",
             path);
    status = 1;
  } else if (rc || memcmp(header, kMagic, sizeof(kMagic)) != 0 ||
      readU64(header + 8) != kFormatVersion) {
    snprintf(error, errorSize, "'%s' is not a tmix weights file (format %d)",
             path, kFormatVersion);
    status = 1;
  } else if (readU64(header + 16) != tmix__weights_bytes ||
             readU64(header + 24) != tmix__weights_id) {
    snprintf(error, errorSize,
             "weights file '%s' belongs to another compile of the model "
             "(%llu bytes, id %016llx; expected %llu bytes, id %016llx)",
             path, (unsigned long long)readU64(header + 16),
             (unsigned long long)readU64(header + 24),
             (unsigned long long)tmix__weights_bytes,
             (unsigned long long)tmix__weights_id);
    status = 1;
  } else if ((uint64_t)info.st_size != kHeaderBytes + tmix__weights_bytes) {
    snprintf(error, errorSize,
             "weights file '%s' has %llu bytes; its header says %llu",
             path, (unsigned long long)info.st_size,
             (unsigned long long)(kHeaderBytes + tmix__weights_bytes));
    status = 1;
  } else if ((rc = readFully(fd, tmix__weights, (size_t)tmix__weights_bytes,
                             kHeaderBytes))) {
    snprintf(error, errorSize, "cannot read weights file '%s': %s", path,
             rc < 0 ? "file is truncated" : strerror(rc));
    status = 1;
  } else if (payloadHash(tmix__weights, tmix__weights_bytes) !=
             tmix__weights_id) {
    snprintf(error, errorSize,
             "weights file '%s' is corrupt: its checksum does not match", path);
    status = 1;
  }
  close(fd);
  weightsLoaded = !status;
done:
  pthread_mutex_unlock(&weightsLock);
  return status;
}

/* Bytes of input (then output) i. */
static size_t tensorBytes(const tmix_tensor_info *info) {
  static const size_t sizes[] = {
      [TMIX_DTYPE_F32] = 4, [TMIX_DTYPE_F16] = 2, [TMIX_DTYPE_BF16] = 2,
      [TMIX_DTYPE_F64] = 8, [TMIX_DTYPE_I64] = 8, [TMIX_DTYPE_I32] = 4,
      [TMIX_DTYPE_I16] = 2, [TMIX_DTYPE_I8] = 1,  [TMIX_DTYPE_U8] = 1,
      [TMIX_DTYPE_BOOL] = 1, [TMIX_DTYPE_U16] = 2, [TMIX_DTYPE_U32] = 4,
      [TMIX_DTYPE_U64] = 8, [TMIX_DTYPE_F8E4M3FN] = 1,
      [TMIX_DTYPE_F8E4M3FNUZ] = 1, [TMIX_DTYPE_F8E5M2] = 1,
      [TMIX_DTYPE_F8E5M2FNUZ] = 1, [TMIX_DTYPE_F8E8M0] = 1,
      [TMIX_DTYPE_F4E2M1] = 1, [TMIX_DTYPE_I4] = 1, [TMIX_DTYPE_U4] = 1,
      [TMIX_DTYPE_I2] = 1, [TMIX_DTYPE_U2] = 1};
  size_t n = sizes[info->dtype];
  for (int32_t d = 0; d < info->rank; ++d)
    n *= (size_t)info->shape[d];
  return n;
}

/* GPU models: the driver, the device weights and the tensor buffers. */
static void createOnDevice(tmix_model *model) {
  if (tmix_cuda_init(tmix__cuda_arch, model->error, sizeof(model->error)))
    return;
  int32_t n = tmix__num_inputs + tmix__num_outputs;
  model->deviceBuffers = (void **)calloc((size_t)(n ? n : 1), sizeof(void *));
  if (!model->deviceBuffers) {
    snprintf(model->error, sizeof(model->error), "out of host memory");
    return;
  }
  tmix_cuda_begin();
  for (int32_t i = 0; i < n; ++i)
    model->deviceBuffers[i] = tmix_cuda_alloc(tensorBytes(argumentInfo(i)));
  if (tmix__weights_bytes) {
    model->deviceWeights = tmix_cuda_alloc((size_t)tmix__weights_bytes);
    tmix_cuda_upload(model->deviceWeights, tmix__weights,
                     (size_t)tmix__weights_bytes);
  }
  const char *error = tmix_cuda_finish();
  if (!error)
    return;
  snprintf(model->error, sizeof(model->error), "%s", error);
  /* Without every buffer the instance cannot run: run reports this error. */
  for (int32_t i = 0; i < n; ++i)
    tmix_cuda_free(model->deviceBuffers[i]);
  free(model->deviceBuffers);
  model->deviceBuffers = NULL;
  tmix_cuda_free(model->deviceWeights);
  model->deviceWeights = NULL;
}

tmix_model *tmix__model_create(void) {
  tmix_model *model = (tmix_model *)calloc(1, sizeof(tmix_model));
  if (model && !loadWeights(model->error, sizeof(model->error)) &&
      tmix__cuda_arch)
    createOnDevice(model);
  return model;
}

void tmix__model_destroy(tmix_model *model) {
  if (!model)
    return;
  if (model->deviceBuffers) {
    for (int32_t i = 0; i < tmix__num_inputs + tmix__num_outputs; ++i)
      tmix_cuda_free(model->deviceBuffers[i]);
    free(model->deviceBuffers);
  }
  tmix_cuda_free(model->deviceWeights);
  free(model);
}

int32_t tmix__model_num_inputs(void) { return tmix__num_inputs; }
int32_t tmix__model_num_outputs(void) { return tmix__num_outputs; }

const tmix_tensor_info *tmix__model_input(int32_t index) {
  return index >= 0 && index < tmix__num_inputs ? &tmix__inputs[index] : NULL;
}

const tmix_tensor_info *tmix__model_output(int32_t index) {
  return index >= 0 && index < tmix__num_outputs ? &tmix__outputs[index]
                                                 : NULL;
}

const char *tmix__model_last_error(const tmix_model *model) {
  return model ? model->error : "no model instance";
}

/* The first out-of-range index of the current run on this thread; compiled
 * code reports it (and reads a clamped index instead), run turns it into
 * the instance's error. */
static __thread struct {
  int set;
  int64_t value, bound, check;
} indexError;

void tmix_rt_index_error(int64_t value, int64_t bound, int64_t check) {
  if (indexError.set)
    return;
  indexError.set = 1;
  indexError.value = value;
  indexError.bound = bound;
  indexError.check = check;
}

void _mlir_ciface_tmix_rt_index_error(int64_t value, int64_t bound,
                                      int64_t check) {
  tmix_rt_index_error(value, bound, check);
}

/* Profiling (--profile): per-site call counts and total nanoseconds over
 * all runs since the last reset, and the events of the latest run, for a
 * trace. One run at a time: the counters are the library's, not an
 * instance's. */
typedef struct {
  int32_t site;
  uint64_t start, duration;
} tmix_profile_event;

static struct {
  uint64_t *calls, *total, *entered;
  tmix_profile_event *events;
  int32_t numEvents, capacity;
  uint64_t runStart;
} profile;

enum { kMaxProfileEvents = 1 << 20 };

static uint64_t nowNs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int profileReady(void) {
  if (profile.calls || !tmix__num_profile_sites)
    return profile.calls != NULL;
  size_t n = (size_t)tmix__num_profile_sites;
  profile.calls = (uint64_t *)calloc(n, sizeof(uint64_t));
  profile.total = (uint64_t *)calloc(n, sizeof(uint64_t));
  profile.entered = (uint64_t *)calloc(n, sizeof(uint64_t));
  if (!profile.calls || !profile.total || !profile.entered) {
    free(profile.calls);
    free(profile.total);
    free(profile.entered);
    profile.calls = profile.total = profile.entered = NULL;
  }
  return profile.calls != NULL;
}

void tmix_rt_profile_enter(int64_t site) {
  if (site >= 0 && site < tmix__num_profile_sites && profileReady())
    profile.entered[site] = nowNs();
}

void tmix_rt_profile_exit(int64_t site) {
  if (site < 0 || site >= tmix__num_profile_sites || !profileReady())
    return;
  uint64_t end = nowNs(), start = profile.entered[site];
  profile.calls[site] += 1;
  profile.total[site] += end - start;
  if (profile.numEvents == profile.capacity &&
      profile.capacity < kMaxProfileEvents) {
    int32_t grown = profile.capacity ? 2 * profile.capacity : 1024;
    tmix_profile_event *events = (tmix_profile_event *)realloc(
        profile.events, (size_t)grown * sizeof(tmix_profile_event));
    if (events) {
      profile.events = events;
      profile.capacity = grown;
    }
  }
  if (profile.numEvents < profile.capacity)
    profile.events[profile.numEvents++] =
        (tmix_profile_event){(int32_t)site, start - profile.runStart,
                             end - start};
}

void _mlir_ciface_tmix_rt_profile_enter(int64_t site) {
  tmix_rt_profile_enter(site);
}

void _mlir_ciface_tmix_rt_profile_exit(int64_t site) {
  tmix_rt_profile_exit(site);
}

int32_t tmix__model_profile_num_sites(void) { return tmix__num_profile_sites; }

int32_t tmix__model_profile_site(int32_t index, const char **op,
                                 const char **nodes, uint64_t *calls,
                                 uint64_t *total_ns) {
  if (index < 0 || index >= tmix__num_profile_sites)
    return 1;
  int ready = profileReady();
  if (op)
    *op = tmix__profile_sites[2 * index];
  if (nodes)
    *nodes = tmix__profile_sites[2 * index + 1];
  if (calls)
    *calls = ready ? profile.calls[index] : 0;
  if (total_ns)
    *total_ns = ready ? profile.total[index] : 0;
  return 0;
}

int32_t tmix__model_profile_num_events(void) { return profile.numEvents; }

int32_t tmix__model_profile_event(int32_t index, int32_t *site,
                                  uint64_t *start_ns, uint64_t *duration_ns) {
  if (index < 0 || index >= profile.numEvents)
    return 1;
  if (site)
    *site = profile.events[index].site;
  if (start_ns)
    *start_ns = profile.events[index].start;
  if (duration_ns)
    *duration_ns = profile.events[index].duration;
  return 0;
}

void tmix__model_profile_reset(void) {
  if (profileReady())
    for (int32_t i = 0; i < tmix__num_profile_sites; ++i)
      profile.calls[i] = profile.total[i] = 0;
  profile.numEvents = 0;
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

/* Runs the entry point on `inputs` and `outputs`; for GPU models these are
 * device pointers when `onDevice`, else host buffers copied through the
 * instance's device buffers. */
static int32_t runModel(tmix_model *model, const void *const *inputs,
                        void *const *outputs, int onDevice) {
  if (!model)
    return 1;
  if (tmix__cuda_arch && !model->deviceBuffers)
    return 1; /* creation failed; the reason stays in model->error */
  model->error[0] = 0;
  if (loadWeights(model->error, sizeof(model->error)))
    return 1;
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
  /* One more for the device weights of GPU models. */
  void **descriptors = (void **)malloc(sizeof(void *) * (size_t)(n + 1));
  int64_t *storage = (int64_t *)malloc(sizeof(int64_t) * (words ? words : 1));
  if (!descriptors || !storage) {
    free(descriptors);
    free(storage);
    return fail(model, "tmix_model_run: out of memory");
  }
  int64_t *next = storage;
  /* GPU models read and write device memory; the weights come last. */
  int64_t weights[5] = {0, 0, 0, (int64_t)tmix__weights_bytes, 1};
  int copy = tmix__cuda_arch && !onDevice;
  if (tmix__cuda_arch) {
    tmix_cuda_begin();
    memcpy(&weights[0], &model->deviceWeights, sizeof(void *));
    memcpy(&weights[1], &model->deviceWeights, sizeof(void *));
    descriptors[n] = weights;
  }
  for (int32_t i = 0; i < n; ++i) {
    const tmix_tensor_info *info = argumentInfo(i);
    /* Inputs are only read; the descriptor type has no const. */
    const void *data = i < tmix__num_inputs ? inputs[i]
                                            : outputs[i - tmix__num_inputs];
    if (copy) {
      if (i < tmix__num_inputs)
        tmix_cuda_upload(model->deviceBuffers[i], data, tensorBytes(info));
      data = model->deviceBuffers[i];
    }
    describe(next, data, info);
    descriptors[i] = next;
    next += 3 + 2 * info->rank;
  }
  indexError.set = 0;
  profile.numEvents = 0; /* the trace shows the latest run */
  profile.runStart = nowNs();
  tmix__entry(descriptors);
  free(descriptors);
  free(storage);
  if (indexError.set) {
    int64_t check = indexError.check;
    const char *node = check >= 0 && check < tmix__num_checks
                           ? tmix__checks[check]
                           : "a gather";
    fail(model, "index %lld is out of range [%lld, %lld) in %s",
         (long long)indexError.value, (long long)-indexError.bound,
         (long long)indexError.bound, node);
    if (tmix__cuda_arch)
      tmix_cuda_finish();
    return 1;
  }
  if (!tmix__cuda_arch)
    return 0;
  if (copy)
    for (int32_t i = tmix__num_inputs; i < n; ++i)
      tmix_cuda_download(outputs[i - tmix__num_inputs],
                         model->deviceBuffers[i], tensorBytes(argumentInfo(i)));
  const char *error = tmix_cuda_finish();
  return error ? fail(model, "%s", error) : 0;
}

int32_t tmix__model_run(tmix_model *model, const void *const *inputs,
                       void *const *outputs) {
  return runModel(model, inputs, outputs, 0);
}

int32_t tmix__model_run_device(tmix_model *model, const void *const *inputs,
                              void *const *outputs) {
  if (model && !tmix__cuda_arch)
    return fail(model, "tmix_model_run_device: this model was compiled for "
                       "the CPU (use tmix_model_run)");
  return runModel(model, inputs, outputs, 1);
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
