"""paths.py: where gcim's tools and the project's version come from."""
import os
import re
import shutil
from pathlib import Path

from .errors import GcimError


def source_root():
    """The repository this package sits in (a source checkout or an editable install), or
    None when it is installed."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "CMakeLists.txt").is_file() and (root / "python").is_dir() else None


def project_version(cmake_lists):
    """The version in `project(gcim VERSION x.y.z)` of the CMakeLists.txt at `cmake_lists`."""
    with open(cmake_lists, encoding="utf-8") as f:
        match = re.search(r"project\(gcim VERSION ([0-9.]+)", f.read())
    if not match:
        raise GcimError(f"no 'project(gcim VERSION x.y.z)' in {cmake_lists}")
    return match.group(1)


def _executable(path):
    return path and os.path.isfile(path) and os.access(path, os.X_OK)


def find_tool(name, given=None):
    """The path of gcim's tool `name` (gcim-compile, gcim-sim): `given`, else the variable
    $GCIM_COMPILE (or $GCIM_SIM), else build/bin of the source checkout this package is in,
    else PATH. Raises GcimError when there is none."""
    variable = name.upper().replace("-", "_")
    explicit = given or os.environ.get(variable)
    if explicit:
        found = explicit if _executable(explicit) else shutil.which(explicit)
        if not found:
            raise GcimError(f"{name} not found at '{explicit}'")
        return found
    root = source_root()
    if root and _executable(str(root / "build" / "bin" / name)):
        return str(root / "build" / "bin" / name)
    found = shutil.which(name)
    if not found:
        raise GcimError(f"{name} not found: pass its path, set ${variable}, build the "
                        f"source tree (build/bin), or put it on PATH")
    return found
