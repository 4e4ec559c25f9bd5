"""setup.py: gives the package the project's one version, `project(gcim VERSION x.y.z)` in
the repository's CMakeLists.txt (everything else is in pyproject.toml)."""
import os
import re

from setuptools import setup

CMAKE_LISTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "CMakeLists.txt")


def project_version():
    try:
        with open(CMAKE_LISTS, encoding="utf-8") as f:
            match = re.search(r"project\(gcim VERSION ([0-9.]+)", f.read())
    except OSError as e:
        raise SystemExit(f"gcim: cannot read the project's version from {CMAKE_LISTS}: {e}")
    if not match:
        raise SystemExit(f"gcim: no 'project(gcim VERSION x.y.z)' in {CMAKE_LISTS}")
    return match.group(1)


setup(version=project_version())
