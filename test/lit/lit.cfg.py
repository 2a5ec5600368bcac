# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "TMIX"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tmix_obj_root, "test", "lit")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in",
                   "Inputs"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

config.substitutions.append(("%tmix_src_root", config.tmix_src_root))
config.substitutions.append(("%tmix_obj_root", config.tmix_obj_root))
config.substitutions.append(("%tmix_libs", config.tmix_lib_dir))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%cxx", config.cxx_compiler))
config.substitutions.append(("%cc", config.c_compiler))

# The find_package consumer builds a separate project (~1 min on 2 cores).
if os.environ.get("TMIX_SKIP_PACKAGE_TEST") != "1":
    config.available_features.add("package-test")

if os.path.exists(os.path.join(config.tmix_tools_dir, "tmix-fuzz-import")):
    config.available_features.add("fuzzer")

# Tests that write .npz fixtures need a python3 with numpy (the one on PATH,
# where scripts/install-deps.sh installs the pinned packages).
import shutil
import subprocess
python = shutil.which("python3")
if python and subprocess.run([python, "-c", "import numpy"],
                             capture_output=True).returncode == 0:
    config.available_features.add("numpy")
    config.substitutions.insert(0, ("%python", '"%s"' % python))

# GPU tests run only where the CUDA driver finds a device; the PTX checks
# with ptxas only where the CUDA toolkit is installed.
import sys
sys.path.insert(0, os.path.join(config.tmix_src_root, "python"))
from tmix.cuda import device_present

if device_present():
    config.available_features.add("cuda-gpu")
ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

tools = ["tmix-fuzz-import", "tmix-fuzz-npy", "tmix-opt", "tmix-translate", "tmix-compile",
         "tmix-run", "FileCheck", "not", "mlir-opt"]
llvm_config.add_tool_substitutions(
    tools, [config.tmix_tools_dir, config.llvm_tools_dir])
