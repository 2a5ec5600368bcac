"""Whether this machine can run models compiled with --target=cuda.

Dependency-free, so that lit's configuration can use it as well as pytest.
"""
import ctypes


def device_present():
    """True when the CUDA driver (libcuda.so.1) loads and finds a device."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    return (cuda.cuInit(0) == 0 and
            cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 and
            count.value > 0)
