#!/usr/bin/python3
"""run.py: runs the Python package's pytest suite against an installed copy of python/.

Makes a fresh venv (`python3 -m venv --system-site-packages`: numpy, onnx, torch and pytest
come from Debian), installs python/ into it offline (`pip install --no-build-isolation
--no-index`) from a staged copy (the source tree stays untouched by the build), then runs
`python -m pytest -ra` with the venv's interpreter; pytest's last line gives the counts and
-ra prints the reason of every skip. The exit status is pytest's (or 1 if the install
fails).
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def stage(source, destination):
    """Copies python/ and the CMakeLists.txt holding the version to `destination`."""
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(os.path.join(source, "python"), os.path.join(destination, "python"),
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    shutil.copy(os.path.join(source, "CMakeLists.txt"), destination)
    return os.path.join(destination, "python")


def make_venv(path, package, editable=False):
    """A fresh venv at `path` with `package` installed; returns its interpreter. Debian's pip
    (python3-pip, seen through the system site packages) installs into the venv, which so
    needs no pip of its own (--without-pip saves ensurepip's ten seconds)."""
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    path], check=True)
    python = os.path.join(path, "bin", "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-build-isolation",
                    "--no-index", *(["-e"] if editable else []), package], check=True)
    return python


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="the repository")
    parser.add_argument("--work", required=True, help="a folder for the venv and outputs")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args()
    args.source, args.work = os.path.abspath(args.source), os.path.abspath(args.work)
    try:
        package = stage(args.source, os.path.join(args.work, "staged"))
        python = make_venv(os.path.join(args.work, "venv"), package)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"run.py: error: installing the package failed: {e}", file=sys.stderr)
        return 1
    env = dict(os.environ, GCIM_SOURCE_DIR=args.source, GCIM_TEST_WORK=args.work,
               GCIM_VENV=os.path.dirname(os.path.dirname(python)))
    env.pop("PYTHONPATH", None)  # the installed package, never the source tree
    return subprocess.run([python, "-m", "pytest", "-ra", "-p", "no:cacheprovider",
                           "--rootdir", HERE, HERE, *args.pytest_args], env=env,
                          cwd=args.work).returncode


if __name__ == "__main__":
    sys.exit(main())
