"""test_install.py: the package as installed by pip into a fresh venv: modules, version,
console scripts, and an editable install."""
import os
import subprocess
from pathlib import Path

import gcim
import gcim_models
import gcim_reference
import onnx
from conftest import SOURCE
from gcim_models import attention_forms

import run

VENV = Path(os.environ["GCIM_VENV"])


def test_modules_come_from_the_venv_not_the_source_tree():
    for module in (gcim, gcim_reference, gcim_models):
        path = Path(module.__file__).resolve()
        assert path.is_relative_to(VENV.resolve()), f"{module.__name__} from {path}"


def test_version_is_the_projects_one():
    compiler = subprocess.run([os.environ["GCIM_COMPILE"], "--version"],
                              capture_output=True, text=True, check=True)
    assert compiler.stdout.split() == ["gcim-compile", gcim.__version__]


def test_console_scripts(tmp_path):
    bin_dir = VENV / "bin"
    listing = subprocess.run([bin_dir / "gcim-make-attention-models", "--list"],
                             capture_output=True, text=True)
    assert listing.returncode == 0 and "torch-softmax" in listing.stdout
    model = tmp_path / "hs.onnx"
    onnx.save(attention_forms.build("hardsigmoid", attention_forms.AttentionShape()), model)
    dump = subprocess.run([bin_dir / "gcim-dump-onnx", model, "--counts-only"],
                          capture_output=True, text=True)
    assert dump.returncode == 0 and "HardSigmoid" in dump.stdout
    export = subprocess.run([bin_dir / "gcim-export-gpt2", "--help"], capture_output=True,
                            text=True)
    assert export.returncode == 0 and "--kv-cache" in export.stdout
    reference = subprocess.run([bin_dir / "gcim-reference", "selftest"], capture_output=True,
                               text=True)
    assert reference.returncode == 0, reference.stdout + reference.stderr


def test_editable_install_follows_the_source(tmp_path):
    """pip install -e: the package is the (staged) source tree itself, and its version is
    read from that tree's CMakeLists.txt when imported."""
    package = run.stage(str(SOURCE), str(tmp_path / "src"))
    python = run.make_venv(str(tmp_path / "venv"), package, editable=True)
    cmake_lists = tmp_path / "src" / "CMakeLists.txt"
    cmake_lists.write_text(cmake_lists.read_text().replace(
        f"project(gcim VERSION {gcim.__version__}", "project(gcim VERSION 9.8.7"))
    probe = subprocess.run([python, "-c", "import gcim; print(gcim.__version__, gcim.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path)
    version, location = probe.stdout.split()
    assert version == "9.8.7", probe.stderr
    assert Path(location).resolve().is_relative_to((tmp_path / "src").resolve())
