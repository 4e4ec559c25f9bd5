"""gcim: the Python side of the gain-cell compiler.

    import gcim
    gcim.compile("model.onnx", "out/", attention="digital")   # gcim-compile
    m = gcim.load("out/")                 # builds libPREFIX.so, loads it through ctypes
    m.run(input_ids=ids)                  # {output name: numpy array}
    m.step(token); m.reset(); m.generate(prompt, 20); m.eval(tokens); m.stats()
    gcim.compare("model.onnx", inputs, "out/", reference=torch_model)
    hw = gcim.hardware(); hw["window"] = 256; hw.save("hw.json")

The hardware-aware PyTorch layer (`from gcim.torch import GainCellAttention`) and the
adaptation algorithm (`from gcim.adapt import adapt`) import torch: import them explicitly.
The guide is docs/PythonLayer.md.
"""
from ._version import version as _version
from .compare import Comparison, compare
from .compiler import compile
from .decoding import Evaluation
from .errors import BuildError, CompileError, GcimError, RunError
from .hardware import Hardware, hardware
from .library import TensorInfo
from .model import Model, load

__version__ = _version()

__all__ = ["BuildError", "CompileError", "Comparison", "Evaluation", "GcimError", "Hardware",
           "Model", "RunError", "TensorInfo", "compare", "compile", "hardware", "load"]
