#!/usr/bin/python3
"""dump_onnx.py: prints an ONNX model's graph one node a line (op, inputs, outputs, attributes,
small constant values), then op-type counts. For writing and checking fusion patterns.

  /usr/bin/python3 python/dump_onnx.py model.onnx [--counts-only]
"""
import argparse
import collections
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def short(array):
    if array.size <= 8:
        return np.array2string(array.reshape(-1), separator=",", threshold=8)
    return f"<{array.dtype} {list(array.shape)}>"


def attribute_text(attr):
    value = onnx.helper.get_attribute_value(attr)
    if isinstance(value, onnx.TensorProto):
        return f"{attr.name}={short(numpy_helper.to_array(value))}"
    if isinstance(value, bytes):
        value = value.decode()
    return f"{attr.name}={value}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--counts-only", action="store_true")
    args = p.parse_args(argv)
    try:
        model = onnx.load(args.model, load_external_data=False)
    except Exception as e:  # onnx raises several types for unreadable files
        print(f"dump_onnx: error: cannot load '{args.model}': {e}", file=sys.stderr)
        return 1
    graph = model.graph
    if not args.counts_only:
        print("opset:", ", ".join(f"{o.domain or 'ai.onnx'}={o.version}"
                                  for o in model.opset_import))
        for vi in graph.input:
            dims = [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]
            print(f"input {vi.name} {onnx.TensorProto.DataType.Name(vi.type.tensor_type.elem_type)} {dims}")
        inits = {t.name: t for t in graph.initializer}
        for node in graph.node:
            ins = []
            for name in node.input:
                if name in inits and inits[name].data_location != onnx.TensorProto.EXTERNAL:
                    ins.append(f"{name}{short(numpy_helper.to_array(inits[name]))}")
                else:
                    ins.append(name)
            attrs = " ".join(attribute_text(a) for a in node.attribute)
            domain = node.domain + "." if node.domain else ""
            print(f"{domain}{node.op_type}({', '.join(ins)}) -> {', '.join(node.output)}"
                  f"{'  ' + attrs if attrs else ''}")
        for vi in graph.output:
            dims = [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]
            print(f"output {vi.name} {dims}")
    counts = collections.Counter(n.op_type for n in graph.node)
    print("counts:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
