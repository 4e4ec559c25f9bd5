"""hardware.py: gcim.hardware(), the hardware description (docs/Simulator.md lists its keys)
read, changed and written from Python; gcim-sim reads and checks every file, so the keys,
defaults and rules are the C side's own."""
import copy
import json
import os
import stat
import subprocess
import tempfile
from pathlib import Path

from .errors import GcimError
from .paths import find_tool


def _run_sim_hardware(tool, source, destination):
    """gcim-sim hardware [--hw SOURCE] -o DESTINATION; raises GcimError with its message."""
    command = [tool, "hardware", "-o", str(destination)]
    if source is not None:
        command += ["--hw", str(source)]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise GcimError(proc.stderr.strip() or f"{' '.join(command)} failed")


def _written_in_place(path):
    """Whether `path` is written in place rather than replaced: an existing path that is not
    a regular file (a device, a FIFO), or one in /dev or /proc (/dev/stdout is a link to a
    descriptor that a rename would not write to)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return True
    except FileNotFoundError:
        pass
    return str(path).startswith(("/dev/", "/proc/"))


def hardware(path=None, sim=None):
    """The hardware description: the paper's defaults, or the file at `path` over them.
    `sim` is gcim-sim's path (found like gcim.compile finds gcim-compile when None)."""
    tool = find_tool("gcim-sim", sim)
    with tempfile.TemporaryDirectory(prefix="gcim-hw-") as tmp:
        full = Path(tmp) / "hw.json"
        _run_sim_hardware(tool, path, full)
        with open(full, encoding="utf-8") as f:
            return Hardware(json.load(f), tool)


def _same_type(old, new):
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool)
    if isinstance(old, (int, float)):
        return isinstance(new, (int, float)) and (isinstance(new, int) or
                                                  not isinstance(old, int))
    if isinstance(old, list):
        return isinstance(new, (list, tuple)) and len(new) == len(old)
    return isinstance(new, type(old))


class Hardware:
    """A complete hardware description. Keys are the JSON's, nested ones with dots:
    `hw["window"] = 256`, `hw["query.levels"] = 8`. Unknown keys and values of another type
    raise at once; `save` has gcim-sim check the rest (ranges, consistency)."""

    def __init__(self, values, sim):
        self._values = values
        self._sim = sim

    def _parent(self, key):
        *path, last = key.split(".")
        node = self._values
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or last not in node:
            raise KeyError(f"'{key}' is not a key of the hardware description")
        return node, last

    def __getitem__(self, key):
        node, last = self._parent(key)
        return copy.deepcopy(node[last])

    def __setitem__(self, key, value):
        node, last = self._parent(key)
        if isinstance(node[last], dict) or not _same_type(node[last], value):
            raise TypeError(f"hardware key '{key}' holds {type(node[last]).__name__}, "
                            f"not {type(value).__name__}")
        node[last] = list(value) if isinstance(value, tuple) else value

    def keys(self):
        """Every key, nested ones dotted, in the file's order."""
        def walk(node, prefix):
            for key, value in node.items():
                if isinstance(value, dict):
                    yield from walk(value, prefix + key + ".")
                else:
                    yield prefix + key
        return list(walk(self._values, ""))

    def to_dict(self):
        return copy.deepcopy(self._values)

    def save(self, path):
        """Writes the description as JSON to `path` once gcim-sim accepts it (else raises
        GcimError with its message and leaves `path` alone); returns the path. As gcim's
        tools write (lib/Support/OutputFile.c): a regular file through a temporary renamed
        into place (a symbolic link kept, its target replaced); a device or pipe (/dev/null,
        a FIFO) or a path in /dev or /proc written in place, since a rename would replace
        the device itself with a file."""
        path = Path(path)
        text = json.dumps(self._values, indent=2)
        with tempfile.TemporaryDirectory(prefix="gcim-hw-") as check:
            draft = Path(check) / "draft.json"
            draft.write_text(text, encoding="utf-8")
            _run_sim_hardware(self._sim, draft, Path(check) / "hw.json")
        if _written_in_place(path):
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return path
        target = path.resolve() if path.is_symlink() else path
        fd, tmp = tempfile.mkstemp(prefix="." + target.name + ".", suffix=".tmp",
                                   dir=target.parent)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give it ordinary permissions
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path
