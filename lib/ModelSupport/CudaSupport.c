/*===- CudaSupport.c - CUDA driver loaded at run time -----------------------===*
 *
 * The mgpu* functions are the runtime interface of MLIR's gpu-to-llvm
 * lowering (module load, launch, stream, memory), implemented here on the
 * CUDA driver API through dlopen, so that model libraries link and CPU
 * models run on machines without CUDA. All work of a thread goes to one
 * stream of the primary context; allocations are stream-ordered.
 *
 *===----------------------------------------------------------------------===*/

#include "CudaSupport.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;

enum {
  kSuccess = 0,
  kOutOfMemory = 2,
  kAttrComputeMajor = 75,
  kAttrComputeMinor = 76,
  kFuncMaxDynamicShared = 8,
  kJitErrorLog = 5,
  kJitErrorLogSize = 6,
  kStreamNonBlocking = 1,
  kEventDisableTiming = 2,
  kStaticSharedLimit = 48 * 1024,
};

/* The driver entry points used, by their exported names. */
static struct {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetAttribute)(int *, int, CUdevice);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*getErrorString)(CUresult, const char **);
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                               void **);
  CUresult (*moduleUnload)(CUmodule);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*funcSetAttribute)(CUfunction, int, int);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **);
  CUresult (*streamCreate)(CUstream *, unsigned);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*streamWaitEvent)(CUstream, CUevent, unsigned);
  CUresult (*eventCreate)(CUevent *, unsigned);
  CUresult (*eventRecord)(CUevent, CUstream);
  CUresult (*eventSynchronize)(CUevent);
  CUresult (*eventDestroy)(CUevent);
  CUresult (*memAllocAsync)(CUdeviceptr *, size_t, CUstream);
  CUresult (*memFreeAsync)(CUdeviceptr, CUstream);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*memsetD32Async)(CUdeviceptr, unsigned, size_t, CUstream);
  CUresult (*memsetD16Async)(CUdeviceptr, unsigned short, size_t, CUstream);
} cu;

static pthread_mutex_t initLock = PTHREAD_MUTEX_INITIALIZER;
static int initialized;
static char initError[512];
static CUcontext context;

static __thread char runError[512];
static __thread int failed;
static __thread CUstream stream;

static void fail(const char *format, ...) {
  if (failed)
    return;
  failed = 1;
  va_list args;
  va_start(args, format);
  vsnprintf(runError, sizeof(runError), format, args);
  va_end(args);
}

static const char *describe(CUresult rc) {
  const char *text = NULL;
  if (cu.getErrorString && cu.getErrorString(rc, &text) == kSuccess && text)
    return text;
  return "unknown CUDA error";
}

/* Keeps the first failure of `rc`; non-zero when the call failed. */
static int check(CUresult rc, const char *what) {
  if (rc == kSuccess)
    return 0;
  fail("%s failed: %s (CUDA error %d)", what, describe(rc), rc);
  return 1;
}

static int loadDriver(int arch) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    snprintf(initError, sizeof(initError),
             "no CUDA driver: cannot load libcuda.so.1 (%s); this model was "
             "compiled with --target=cuda and needs an NVIDIA GPU",
             why ? why : "not found");
    return 1;
  }
#define BIND(field, name)                                                      \
  do {                                                                         \
    *(void **)&cu.field = dlsym(lib, name);                                    \
    if (!cu.field) {                                                           \
      snprintf(initError, sizeof(initError),                                   \
               "the CUDA driver lacks %s (driver too old)", name);             \
      return 1;                                                                \
    }                                                                          \
  } while (0)
  BIND(init, "cuInit");
  BIND(deviceGetCount, "cuDeviceGetCount");
  BIND(deviceGet, "cuDeviceGet");
  BIND(deviceGetAttribute, "cuDeviceGetAttribute");
  BIND(primaryCtxRetain, "cuDevicePrimaryCtxRetain");
  BIND(ctxSetCurrent, "cuCtxSetCurrent");
  BIND(getErrorString, "cuGetErrorString");
  BIND(moduleLoadDataEx, "cuModuleLoadDataEx");
  BIND(moduleUnload, "cuModuleUnload");
  BIND(moduleGetFunction, "cuModuleGetFunction");
  BIND(funcSetAttribute, "cuFuncSetAttribute");
  BIND(launchKernel, "cuLaunchKernel");
  BIND(streamCreate, "cuStreamCreate");
  BIND(streamSynchronize, "cuStreamSynchronize");
  BIND(streamWaitEvent, "cuStreamWaitEvent");
  BIND(eventCreate, "cuEventCreate");
  BIND(eventRecord, "cuEventRecord");
  BIND(eventSynchronize, "cuEventSynchronize");
  BIND(eventDestroy, "cuEventDestroy_v2");
  BIND(memAllocAsync, "cuMemAllocAsync");
  BIND(memFreeAsync, "cuMemFreeAsync");
  BIND(memAlloc, "cuMemAlloc_v2");
  BIND(memFree, "cuMemFree_v2");
  BIND(memcpyAsync, "cuMemcpyAsync");
  BIND(memsetD32Async, "cuMemsetD32Async");
  BIND(memsetD16Async, "cuMemsetD16Async");
#undef BIND
  CUresult rc = cu.init(0);
  int count = 0;
  if (rc == kSuccess)
    rc = cu.deviceGetCount(&count);
  if (rc != kSuccess || count == 0) {
    snprintf(initError, sizeof(initError), "no usable NVIDIA GPU: %s",
             rc != kSuccess ? describe(rc) : "the driver reports no device");
    return 1;
  }
  const char *env = getenv("TMIX_CUDA_DEVICE");
  int ordinal = env ? atoi(env) : 0;
  if (ordinal < 0 || ordinal >= count) {
    snprintf(initError, sizeof(initError),
             "TMIX_CUDA_DEVICE=%s names no device (%d present)", env, count);
    return 1;
  }
  CUdevice device;
  int major = 0, minor = 0;
  if ((rc = cu.deviceGet(&device, ordinal)) != kSuccess ||
      (rc = cu.deviceGetAttribute(&major, kAttrComputeMajor, device)) ||
      (rc = cu.deviceGetAttribute(&minor, kAttrComputeMinor, device)) ||
      (rc = cu.primaryCtxRetain(&context, device)) != kSuccess) {
    snprintf(initError, sizeof(initError), "cannot open GPU %d: %s", ordinal,
             describe(rc));
    return 1;
  }
  if (major * 10 + minor < arch) {
    snprintf(initError, sizeof(initError),
             "GPU %d is sm_%d%d but the model was compiled for sm_%d "
             "(recompile with --gpu-arch)",
             ordinal, major, minor, arch);
    return 1;
  }
  return 0;
}

int tmix_cuda_init(int arch, char *error, size_t errorSize) {
  pthread_mutex_lock(&initLock);
  if (!initialized) {
    initialized = loadDriver(arch) ? -1 : 1;
  }
  int status = initialized < 0;
  if (status)
    snprintf(error, errorSize, "%s", initError);
  pthread_mutex_unlock(&initLock);
  return status;
}

void tmix_cuda_begin(void) {
  failed = 0;
  runError[0] = 0;
  if (initialized <= 0) {
    fail("the CUDA driver is not initialised");
    return;
  }
  if (check(cu.ctxSetCurrent(context), "cuCtxSetCurrent"))
    return;
  if (!stream)
    check(cu.streamCreate(&stream, kStreamNonBlocking), "cuStreamCreate");
}

void *tmix_cuda_alloc(size_t bytes) {
  if (failed)
    return NULL;
  CUdeviceptr p = 0;
  CUresult rc = cu.memAlloc(&p, bytes ? bytes : 1);
  if (rc == kOutOfMemory) {
    fail("out of GPU memory allocating %zu bytes", bytes);
    return NULL;
  }
  return check(rc, "cuMemAlloc") ? NULL : (void *)(uintptr_t)p;
}

void tmix_cuda_free(void *pointer) {
  if (pointer && initialized > 0) {
    cu.ctxSetCurrent(context);
    cu.memFree((CUdeviceptr)(uintptr_t)pointer);
  }
}

static void copy(void *dst, const void *src, size_t bytes, const char *what) {
  if (failed || !bytes)
    return;
  check(cu.memcpyAsync((CUdeviceptr)(uintptr_t)dst,
                       (CUdeviceptr)(uintptr_t)src, bytes, stream),
        what);
}

void tmix_cuda_upload(void *device, const void *host, size_t bytes) {
  copy(device, host, bytes, "copying an input to the GPU");
}

void tmix_cuda_download(void *host, const void *device, size_t bytes) {
  copy(host, device, bytes, "copying an output from the GPU");
}

const char *tmix_cuda_finish(void) {
  if (!failed && stream)
    check(cu.streamSynchronize(stream), "running the model on the GPU");
  return failed ? runError : NULL;
}

/*===- MLIR's GPU runtime interface -----------------------------------------===*/

/* A module's PTX, JIT-compiled on its first use (constructors register
 * modules when the library is loaded, before any context exists). */
typedef struct {
  const char *image;
  CUmodule module;
  pthread_mutex_t lock;
} tmix_gpu_module;

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  (void)optLevel;
  tmix_gpu_module *m = (tmix_gpu_module *)calloc(1, sizeof(*m));
  if (m) {
    m->image = (const char *)data;
    pthread_mutex_init(&m->lock, NULL);
  }
  return m;
}

void *mgpuModuleLoad(void *data, size_t size) {
  (void)size;
  return mgpuModuleLoadJIT(data, 0);
}

void mgpuModuleUnload(void *handle) {
  tmix_gpu_module *m = (tmix_gpu_module *)handle;
  if (!m)
    return;
  if (m->module && initialized > 0 && cu.ctxSetCurrent(context) == kSuccess)
    cu.moduleUnload(m->module);
  pthread_mutex_destroy(&m->lock);
  free(m);
}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  tmix_gpu_module *m = (tmix_gpu_module *)handle;
  if (failed)
    return NULL;
  if (!m) {
    fail("out of host memory loading GPU kernels");
    return NULL;
  }
  pthread_mutex_lock(&m->lock);
  if (!m->module) {
    char log[4096] = "";
    int options[] = {kJitErrorLog, kJitErrorLogSize};
    void *values[] = {log, (void *)(uintptr_t)sizeof(log)};
    CUresult rc = cu.moduleLoadDataEx(&m->module, m->image, 2, options, values);
    if (rc != kSuccess) {
      for (char *c = log; *c; ++c)
        if (*c == '\n')
          *c = ' ';
      fail("loading the model's PTX failed: %s%s%s", describe(rc),
           log[0] ? ": " : "", log);
      m->module = NULL;
    }
  }
  pthread_mutex_unlock(&m->lock);
  CUfunction f = NULL;
  if (m->module)
    check(cu.moduleGetFunction(&f, m->module, name), name);
  return f;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *s, void **params,
                      void **extra, size_t paramsCount) {
  (void)paramsCount;
  if (failed || !function)
    return;
  CUfunction f = (CUfunction)function;
  if (smem > kStaticSharedLimit &&
      check(cu.funcSetAttribute(f, kFuncMaxDynamicShared, smem),
            "reserving shared memory for a kernel"))
    return;
  check(cu.launchKernel(f, (unsigned)gridX, (unsigned)gridY, (unsigned)gridZ,
                        (unsigned)blockX, (unsigned)blockY, (unsigned)blockZ,
                        (unsigned)smem, (CUstream)s, params, extra),
        "launching a kernel");
}

void *mgpuStreamCreate(void) { return stream; }
void mgpuStreamDestroy(void *s) { (void)s; }

void mgpuStreamSynchronize(void *s) {
  if (!failed)
    check(cu.streamSynchronize((CUstream)s), "running the model on the GPU");
}

void mgpuStreamWaitEvent(void *s, void *event) {
  if (!failed)
    check(cu.streamWaitEvent((CUstream)s, (CUevent)event, 0),
          "cuStreamWaitEvent");
}

void *mgpuEventCreate(void) {
  CUevent event = NULL;
  if (!failed)
    check(cu.eventCreate(&event, kEventDisableTiming), "cuEventCreate");
  return event;
}

void mgpuEventDestroy(void *event) {
  if (event)
    cu.eventDestroy((CUevent)event);
}

void mgpuEventSynchronize(void *event) {
  if (!failed && event)
    check(cu.eventSynchronize((CUevent)event), "cuEventSynchronize");
}

void mgpuEventRecord(void *event, void *s) {
  if (!failed && event)
    check(cu.eventRecord((CUevent)event, (CUstream)s), "cuEventRecord");
}

void *mgpuMemAlloc(uint64_t bytes, void *s, _Bool isHostShared) {
  (void)isHostShared;
  if (failed)
    return NULL;
  CUdeviceptr p = 0;
  CUresult rc = cu.memAllocAsync(&p, bytes ? bytes : 1, (CUstream)s);
  if (rc == kOutOfMemory) {
    fail("out of GPU memory allocating %llu bytes",
         (unsigned long long)bytes);
    return NULL;
  }
  return check(rc, "cuMemAllocAsync") ? NULL : (void *)(uintptr_t)p;
}

void mgpuMemFree(void *pointer, void *s) {
  if (pointer && !failed)
    check(cu.memFreeAsync((CUdeviceptr)(uintptr_t)pointer, (CUstream)s),
          "cuMemFreeAsync");
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, void *s) {
  if (!failed && bytes)
    check(cu.memcpyAsync((CUdeviceptr)(uintptr_t)dst,
                         (CUdeviceptr)(uintptr_t)src, bytes, (CUstream)s),
          "cuMemcpyAsync");
}

void mgpuMemset32(void *dst, unsigned value, size_t count, void *s) {
  if (!failed && count)
    check(cu.memsetD32Async((CUdeviceptr)(uintptr_t)dst, value, count,
                            (CUstream)s),
          "cuMemsetD32Async");
}

void mgpuMemset16(void *dst, unsigned short value, size_t count, void *s) {
  if (!failed && count)
    check(cu.memsetD16Async((CUdeviceptr)(uintptr_t)dst, value, count,
                            (CUstream)s),
          "cuMemsetD16Async");
}
