"""compiler.py: gcim.compile, a thin wrapper over the gcim-compile command line."""
import subprocess
import tempfile
from pathlib import Path

from .errors import CompileError
from .paths import find_tool


def option_arguments(options):
    """gcim-compile flags from keyword options: `name="m"` -> `--name=m`, `emit_main=True` ->
    `--emit-main`, False or None -> nothing, a list -> the flag repeated, a dict -> the flag
    repeated with KEY=VALUE (`input_shape={"ids": "1x16"}` -> `--input-shape=ids=1x16`).
    Generic, so that a new flag of gcim-compile needs no change here."""
    arguments = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            arguments.append(flag)
        elif isinstance(value, dict):
            arguments += [f"{flag}={k}={v}" for k, v in value.items()]
        elif isinstance(value, (list, tuple)):
            arguments += [f"{flag}={v}" for v in value]
        elif value is not None and value is not False:
            arguments.append(f"{flag}={value}")
    return arguments


def compile(model, out_dir, attention=None, hw=None, compiler=None, **options):
    """Compiles the ONNX file `model` into the folder `out_dir` with gcim-compile (found by
    gcim.paths.find_tool unless `compiler` gives it) and returns out_dir as a Path.

    `attention` ("analog", "digital", ...) and every other option become flags (see
    option_arguments); None leaves gcim-compile's default. `hw` is a hardware description:
    a JSON path or a gcim.Hardware. Raises CompileError with gcim-compile's diagnostics;
    on failure nothing in out_dir is replaced (gcim-compile's guarantee)."""
    command = [find_tool("gcim-compile", compiler), str(model), "-o", str(out_dir)]
    command += option_arguments({"attention": attention, **options})
    with tempfile.TemporaryDirectory(prefix="gcim-hw-") as tmp:
        if hw is not None:
            hw_path = hw.save(Path(tmp) / "hw.json") if hasattr(hw, "save") else hw
            command.append(f"--hw={hw_path}")
        proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise CompileError(command, proc.returncode, proc.stderr)
    return Path(out_dir)
