"""tensors.py: numpy arrays to and from the generated code's buffers, with the program's
conversion rules (docs/GeneratedC.md): float to float, integer to integer, bool to bool,
exact shapes; bfloat16 is read from floats (rounded to nearest even) and returned as
float32, since numpy has no bfloat16."""
import numpy as np

KINDS = {"float32": "float", "float64": "float", "float16": "float", "bfloat16": "float",
         "int64": "integer", "int32": "integer", "int16": "integer", "int8": "integer",
         "uint64": "integer", "uint32": "integer", "uint16": "integer", "uint8": "integer",
         "bool": "bool"}


def storage_dtype(dtype):
    """The numpy type of the C buffer (bfloat16 as its uint16 bits)."""
    return np.dtype(np.uint16 if dtype == "bfloat16" else dtype)


def _kind(array):
    return {"f": "float", "i": "integer", "u": "integer", "b": "bool"}.get(array.dtype.kind)


def to_bfloat16_bits(array):
    """float32 -> bfloat16 bits, rounded to nearest even, NaN kept quiet (as gcimKernelCast)."""
    bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    quiet_nan = ((bits >> 16) | 0x40).astype(np.uint16)
    return np.where(np.isnan(array), quiet_nan, rounded)


def from_bfloat16_bits(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _check_integer_range(info, array, target):
    limits = np.iinfo(target)
    # As Python ints: numpy compares uint64 with int64 limits through float64.
    if array.size and (int(array.min()) < limits.min or int(array.max()) > limits.max):
        raise ValueError(f"input '{info.name}' is {info.dtype}: values from {array.min()} to "
                         f"{array.max()} do not fit")


def to_buffer(info, value):
    """`value` as a C-ordered array of input `info`'s buffer type; TypeError or ValueError
    (naming the input) when its kind or shape is not the input's."""
    array = np.asarray(value)
    kind = _kind(array)
    if kind != KINDS[info.dtype]:
        raise TypeError(f"input '{info.name}' is {info.dtype} but the value is "
                        f"{array.dtype} (only float to float, integer to integer and bool to "
                        f"bool convert)")
    if array.shape != info.shape:
        raise ValueError(f"input '{info.name}' has shape {array.shape}, the model needs "
                         f"{info.shape}")
    if info.dtype == "bfloat16":
        return to_bfloat16_bits(array.astype(np.float32))
    if kind == "integer":
        _check_integer_range(info, array, storage_dtype(info.dtype))
    return np.ascontiguousarray(array, dtype=storage_dtype(info.dtype))


def new_output(info):
    return np.empty(info.shape, dtype=storage_dtype(info.dtype))


def from_output(info, buffer):
    return from_bfloat16_bits(buffer) if info.dtype == "bfloat16" else buffer
