#!/usr/bin/python3
"""make_attention_models.py: writes small single-attention ONNX models, one per form gcim's
attention fusion recognises (see python/README.md for each form's graph).

  /usr/bin/python3 python/make_attention_models.py --form hardsigmoid -o hs.onnx
  /usr/bin/python3 python/make_attention_models.py --all out/      # out/<form>.onnx
  /usr/bin/python3 python/make_attention_models.py --list
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv):
    from gcim_models.cli import ArgumentParser
    p = ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--form", help="one form (see --list)")
    what.add_argument("--all", metavar="DIR", help="every form, as DIR/<form>.onnx")
    what.add_argument("--list", action="store_true", help="list the forms")
    p.add_argument("-o", "--output", help="output file with --form")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--heads", type=int, default=2)
    p.add_argument("--seq", type=int, default=8)
    p.add_argument("--head-dim", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--opset", type=int, choices=(14, 17), default=17,
                   help="opset of the torch-softmax form (the others have fixed opsets)")
    args = p.parse_args(argv)
    if args.form and not args.output:
        p.error("--form needs -o/--output")
    if args.output and not args.form:
        p.error("-o/--output goes with --form (use --all DIR for every form)")
    return args


def main(argv=None):
    args = parse_args(argv)
    from gcim_models.attention_forms import FORMS, AttentionShape, build
    from gcim_models.export import save_model
    if args.list:
        for name, form in FORMS.items():
            print(f"{name:24} {form.description}")
        return 0
    try:
        shape = AttentionShape(batch=args.batch, heads=args.heads, seq=args.seq,
                               head_dim=args.head_dim, seed=args.seed, opset=args.opset)
        if args.form:
            jobs = [(args.form, args.output)]
        else:
            if not os.path.isdir(args.all):
                os.makedirs(args.all)
            jobs = [(name, os.path.join(args.all, name + ".onnx")) for name in FORMS]
        for name, path in jobs:
            out_dir = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(out_dir):
                raise ValueError(f"output directory '{out_dir}' does not exist")
            model = build(name, shape)
            save_model(model, path)
            ops = ", ".join(n.op_type for n in model.graph.node)
            print(f"make_attention_models: wrote {path}: {name} (B {shape.batch}, H "
                  f"{shape.heads}, T {shape.seq}, D {shape.head_dim}): {ops}")
    except (ValueError, OSError, RuntimeError) as e:
        print(f"make_attention_models: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
