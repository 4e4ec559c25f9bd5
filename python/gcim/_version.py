"""_version.py: the package's version, the project's one version."""
from importlib import metadata

from .paths import project_version, source_root


def version():
    """From the repository's CMakeLists.txt in a source checkout, else the installed
    package's metadata (which setup.py took from the same line)."""
    root = source_root()
    if root:
        return project_version(root / "CMakeLists.txt")
    return metadata.version("gcim")
