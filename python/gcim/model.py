"""model.py: gcim.load and Model, a compiled model run in this process through ctypes."""
import ctypes
import os
from pathlib import Path

import numpy as np

from . import decoding, library, tensors
from .errors import GcimError, RunError

ERROR_BYTES = 1024


def load(folder, name=None, build=True, threads=None, make="make"):
    """Loads the gcim-compile output in `folder` (the model `name` if it holds several):
    builds libPREFIX.so with its Makefile first unless `build` is False (make rebuilds only
    what changed), then creates the model's state. `threads`: worker threads (None: one per
    processor; the outputs are the same bits for any count). Raises GcimError (BuildError
    when the C does not build, RunError when the model refuses its weights)."""
    folder = Path(folder)
    prefix = library.find_prefix(folder, name)
    path = library.build(folder, prefix, make) if build else folder / f"lib{prefix}.so"
    if not path.is_file():
        raise GcimError(f"'{path}' does not exist (load with build=True to build it)")
    return Model(library.load_private_copy(str(path)), prefix, folder, threads)


class Model:
    """A loaded model. `inputs`/`outputs`: TensorInfo (name, dtype, shape) of the graph's;
    `step_inputs`/`step_outputs` those of the step function (empty without one)."""

    def __init__(self, lib, prefix, folder, threads=None):
        self._lib, self.prefix = lib, prefix
        self._bind()
        counts = library.header_counts(folder / f"{prefix}.h", prefix)
        n_in, n_out = counts["NUM_INPUTS"], counts["NUM_OUTPUTS"]
        step_in, step_out = counts.get("STEP_NUM_INPUTS", 0), counts.get("STEP_NUM_OUTPUTS", 0)
        if self._fn("input_info")(n_in + step_in).contents.name is not None:
            raise GcimError(f"'{folder}/{prefix}.h' does not match lib{prefix}.so: rebuild it")
        self.inputs = library.tensor_infos(self._fn("input_info"), 0, n_in)
        self.outputs = library.tensor_infos(self._fn("output_info"), 0, n_out)
        self.step_inputs = library.tensor_infos(self._fn("input_info"), n_in, step_in)
        self.step_outputs = library.tensor_infos(self._fn("output_info"), n_out, step_out)
        self._state = self._create(folder / f"{prefix}.weights")
        if threads is not None and self._fn("set_threads")(self._state, threads) != 0:
            message = self._error_text()
            self.close()
            raise RunError(message)

    def _fn(self, name):
        return getattr(self._lib, f"{self.prefix}_{name}")

    def _bind(self):
        pointer, io = ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)
        info = ctypes.POINTER(library.CTensorInfo)
        signatures = {"create": (pointer, [ctypes.c_char_p, pointer, ctypes.c_char_p,
                                           ctypes.c_size_t]),
                      "run_io": (ctypes.c_int, [pointer, io, io]),
                      "error": (ctypes.c_char_p, [pointer]),
                      "get_stats": (None, [pointer, ctypes.POINTER(library.CSimSummary)]),
                      "set_threads": (ctypes.c_int, [pointer, ctypes.c_int]),
                      "destroy": (None, [pointer]),
                      "input_info": (info, [ctypes.c_int]),
                      "output_info": (info, [ctypes.c_int])}
        if hasattr(self._lib, f"{self.prefix}_step_io"):
            signatures.update({"step_io": (ctypes.c_int, [pointer, io, io]),
                               "reset": (None, [pointer]),
                               "position": (ctypes.c_int64, [pointer]),
                               "capacity": (ctypes.c_int64, [pointer])})
        try:
            for name, (restype, argtypes) in signatures.items():
                self._fn(name).restype, self._fn(name).argtypes = restype, argtypes
            energy = self._lib.gcimSimStatsEnergyPJ
        except AttributeError as e:
            raise GcimError(f"lib{self.prefix}.so is not what gcim-compile's Makefile "
                            f"builds: {e}") from e
        energy.restype, energy.argtypes = ctypes.c_double, [ctypes.POINTER(library.CSimStats)]

    def _create(self, weights):
        error = ctypes.create_string_buffer(ERROR_BYTES)
        state = self._fn("create")(os.fsencode(weights), None, error, ERROR_BYTES)
        if not state:
            raise RunError(error.value.decode(errors="replace"))
        return state

    def _error_text(self):
        return self._fn("error")(self._state).decode(errors="replace")

    def _live_state(self):
        if not self._state:
            raise GcimError(f"model '{self.prefix}' is closed")
        return self._state

    def _call(self, function, infos, out_infos, values):
        """Runs run_io or step_io on `values` (one per info, in order)."""
        state = self._live_state()
        buffers = [tensors.to_buffer(info, value) for info, value in zip(infos, values)]
        outputs = [tensors.new_output(info) for info in out_infos]
        in_array = (ctypes.c_void_p * (len(buffers) + 1))(*[b.ctypes.data for b in buffers])
        out_array = (ctypes.c_void_p * (len(outputs) + 1))(*[o.ctypes.data for o in outputs])
        if self._fn(function)(state, in_array, out_array) != 0:
            raise RunError(self._error_text())
        return {info.name: tensors.from_output(info, buffer)
                for info, buffer in zip(out_infos, outputs)}

    def run(self, feeds=None, **inputs):
        """Runs the whole graph: every input by name (keywords, or a dict for names that are
        not identifiers); returns {output name: numpy array}. TypeError or ValueError for a
        wrong, missing or unknown input; RunError when the generated code refuses (its
        message, say an out-of-range Gather index)."""
        inputs = {**(feeds or {}), **inputs}
        names = [info.name for info in self.inputs]
        unknown = sorted(set(inputs) - set(names))
        missing = [name for name in names if name not in inputs]
        if unknown or missing:
            raise ValueError(f"model '{self.prefix}' takes inputs {names}: "
                             f"{'unknown ' + str(unknown) if unknown else ''}"
                             f"{'; ' if unknown and missing else ''}"
                             f"{'missing ' + str(missing) if missing else ''}")
        return self._call("run_io", self.inputs, self.outputs, [inputs[n] for n in names])

    def _require_step(self):
        if not self.step_inputs:
            raise GcimError(f"model '{self.prefix}' has no step function (gcim-stream makes "
                            f"one for causal language models)")

    def step(self, token):
        """Feeds one token at the next position; returns the logits for the next token, a
        float array of the vocabulary's size. RunError when the context is full (see
        capacity)."""
        self._require_step()
        info = self.step_inputs[0]
        if len(self.step_inputs) != 1 or int(np.prod(info.shape)) != 1 or \
                tensors.KINDS[info.dtype] != "integer":
            raise GcimError(f"model '{self.prefix}': step(token) needs a step function of one "
                            f"integer token")
        if isinstance(token, (bool, np.bool_)) or not isinstance(token, (int, np.integer)):
            raise TypeError(f"step takes one integer token, not {type(token).__name__}")
        result = self._call("step_io", self.step_inputs, self.step_outputs,
                            [np.full(info.shape, token, dtype=np.int64)])
        return result[self.step_outputs[0].name].reshape(-1)

    def reset(self):
        """Forgets every token: the next step is position 0."""
        self._require_step()
        self._fn("reset")(self._live_state())

    @property
    def position(self):
        """Tokens fed since the last reset."""
        self._require_step()
        return int(self._fn("position")(self._live_state()))

    @property
    def capacity(self):
        """Tokens step() takes after a reset (the model's positions: a learned position
        table's rows, or the compiled length: the exact attention's cache, or a gain-cell
        attention whose mask showed no window), or None when it has no limit."""
        self._require_step()
        capacity = int(self._fn("capacity")(self._live_state()))
        return None if capacity < 0 else capacity

    def generate(self, prompt, n, temperature=0.0, seed=None):
        """After a reset, feeds `prompt` and returns the next `n` tokens: greedy (argmax, as
        the program's --generate) at temperature 0, else sampled from softmax(logits / T)
        with numpy's generator seeded by `seed`."""
        self._require_step()
        return decoding.generate(self, prompt, n, temperature, seed)

    def eval(self, tokens):
        """Scores next-token prediction over `tokens` (one sequence, or a 2-D batch, each
        row after a reset) with step(): decoding.Evaluation (cross-entropy in nats per
        token, perplexity, accuracy of the argmax)."""
        self._require_step()
        return decoding.evaluate(self, tokens)

    def stats(self):
        """The simulated heads' counters, energy (pJ) and latency (ns) since create, in the
        schema of the program's --stats file (docs/HardwareModel.md section 5)."""
        raw = library.CSimSummary()
        self._fn("get_stats")(self._live_state(), ctypes.byref(raw))
        total = self._lib.gcimSimStatsEnergyPJ(ctypes.byref(raw.total))
        return library.summary_as_stats(raw, total)

    def close(self):
        """Frees the model's state (also done when the Model is garbage-collected)."""
        if getattr(self, "_state", None):
            self._fn("destroy")(self._state)
            self._state = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def __repr__(self):
        return f"<gcim.Model {self.prefix}: inputs {self.inputs}, outputs {self.outputs}>"
