# lit configuration of gcim's test suite.
import os
import shutil

import lit.formats

config.name = "gcim"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.gcim_obj_root, "test")
config.excludes = ["Inputs", "Unit", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

# Our tools first, then LLVM's (FileCheck, not, count, mlir-opt).
config.environment["PATH"] = os.pathsep.join(
    [config.gcim_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
# Generated folders build with make's $(CC): cc, through ccache when the build found it
# (test/CMakeLists.txt).
config.environment["CC"] = config.test_cc
config.environment["CCACHE_DIR"] = config.ccache_dir
# Leaks are checked, except those of MLIR and LLVM themselves (test/lsan.supp).
config.environment["LSAN_OPTIONS"] = "suppressions=" + os.path.join(
    config.gcim_src_root, "test", "lsan.supp") + ":print_suppressions=0"

dialects = os.path.join(config.gcim_src_root, "lib", "Dialect")
config.substitutions.append(("%onnx_irdl", os.path.join(dialects, "onnx.irdl.mlir")))
config.substitutions.append(("%gcim_irdl", os.path.join(dialects, "gcim.irdl.mlir")))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%src_root", config.gcim_src_root))
config.substitutions.append(("%obj_root", config.gcim_obj_root))

if config.sanitized:
    config.available_features.add("sanitized")
config.substitutions.append(
    ("%expect-exit",
     config.python_executable + " " + os.path.join(config.gcim_src_root, "utils",
                                                   "expect-exit.py")))
