#!/usr/bin/python3
"""check-self-contained.py ROOT: fails when a tracked file of the repository at ROOT cites a
path outside it (the hardware specification is docs/HardwareModel.md, the conventions are
in docs/DeveloperGuide.md). Prints every offending line as FILE:LINE: TEXT."""
import os
import re
import subprocess
import sys

# Spelled in pieces so that this file does not match itself.
OUTSIDE = re.compile("|".join([
    re.escape("hardware" + "-model.md"),  # the specification's name outside the repository
    re.escape(".." + "/shared"),
    re.escape("/work" + "/shared"),
]))

def tracked_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True,
                             capture_output=True).stdout
        return [name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk it
        skip = {".git", ".deps", "__pycache__"}
        names = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in skip and not d.startswith("build")]
            names += [os.path.relpath(os.path.join(folder, f), root) for f in files]
        return names


def main():
    root = sys.argv[1]
    found = 0
    for name in sorted(tracked_files(root)):
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        if b"\0" in data:
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if OUTSIDE.search(line):
                print(f"{name}:{number}: {line.strip()}")
                found += 1
    print(f"check-self-contained: {found} reference(s) outside the repository")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
