"""Where tmix's native parts are: an installed package keeps them in its
own bin/ and lib/ (and _tmix beside this file); a source checkout uses the
build tree ($TMIX_BUILD_DIR, default <checkout>/build)."""
import os

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_INSTALLED = os.path.isdir(os.path.join(PACKAGE_DIR, "bin"))
_CHECKOUT_BUILD = os.path.join(PACKAGE_DIR, "..", "..", "build")

if "TMIX_BUILD_DIR" in os.environ or not _INSTALLED:
    BUILD_DIR = os.path.abspath(os.environ.get("TMIX_BUILD_DIR",
                                               _CHECKOUT_BUILD))
    BIN_DIR = os.path.join(BUILD_DIR, "bin")
    LIB_DIR = os.path.join(BUILD_DIR, "lib")
    EXTENSION_DIR = os.path.join(BUILD_DIR, "python", "tmix")
else:
    BUILD_DIR = None
    BIN_DIR = os.path.join(PACKAGE_DIR, "bin")
    LIB_DIR = os.path.join(PACKAGE_DIR, "lib")
    EXTENSION_DIR = PACKAGE_DIR

LLVM_BIN = os.environ.get("TMIX_LLVM_BIN", "/usr/lib/llvm-22/bin")


def tool(name):
    """Path of a tmix tool (tmix-opt, tmix-compile, ...)."""
    return os.path.join(BIN_DIR, name)
