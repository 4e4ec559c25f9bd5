#!/usr/bin/python3
"""export_gpt2.py: exports a seeded random GPT-2-style model (gcim_models.gpt2) to ONNX.

Example:
  /usr/bin/python3 python/export_gpt2.py --layers 2 --heads 2 --head-dim 32 --vocab 128 \
      --context 64 --opset 17 --kv-cache --dynamic -o model.onnx
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv):
    from gcim_models.cli import ArgumentParser
    p = ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=2)
    p.add_argument("--head-dim", type=int, default=32)
    p.add_argument("--embd", type=int, default=None,
                   help="residual width (default heads * head-dim)")
    p.add_argument("--vocab", type=int, default=128)
    p.add_argument("--context", type=int, default=64)
    p.add_argument("--opset", type=int, choices=(14, 17), default=17)
    p.add_argument("--kv-cache", action="store_true",
                   help="past_key_<i>/past_value_<i> inputs, present_* outputs")
    p.add_argument("--dynamic", action="store_true",
                   help="dynamic batch, sequence and past-sequence axes")
    p.add_argument("--gelu", choices=("tanh", "erf"), default="tanh")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init-std", type=float, default=0.02,
                   help="standard deviation of the random weights (GPT-2: 0.02)")
    p.add_argument("--batch", type=int, default=1, help="batch of the traced example")
    p.add_argument("--seq", type=int, default=None,
                   help="tokens per call (default: context, or 1 with --kv-cache)")
    p.add_argument("--past", type=int, default=None,
                   help="past length with --kv-cache (default: context - seq)")
    p.add_argument("--external-data", action="store_true",
                   help="store weights in <output>.data beside the model")
    p.add_argument("--gpt2-small", action="store_true",
                   help="GPT-2 small shape: 12 layers, 12 heads x 64, 768 wide, vocab 50257, "
                        "context 1024 (overrides the size options)")
    p.add_argument("-o", "--output", required=True)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        from gcim_models.gpt2 import GPT2, GPT2Config
        from gcim_models.export import ExportOptions, export_model, save_model
        if args.gpt2_small:
            config = GPT2Config.gpt2_small(gelu=args.gelu, seed=args.seed,
                                           init_std=args.init_std)
        else:
            config = GPT2Config(layers=args.layers, heads=args.heads, head_dim=args.head_dim,
                                embd=args.embd, vocab=args.vocab, context=args.context,
                                gelu=args.gelu, seed=args.seed, init_std=args.init_std)
        options = ExportOptions(opset=args.opset, kv_cache=args.kv_cache, dynamic=args.dynamic,
                                batch=args.batch, seq=args.seq, past=args.past,
                                external_data=args.external_data)
        seq, past = options.resolve(config)
        out_dir = os.path.dirname(os.path.abspath(args.output))
        if not os.path.isdir(out_dir):
            raise ValueError(f"output directory '{out_dir}' does not exist")
        model = GPT2(config).eval()
        proto = export_model(model, options)
        save_model(proto, args.output, external_data=args.external_data)
    except (ValueError, OSError, RuntimeError) as e:
        print(f"export_gpt2: error: {e}", file=sys.stderr)
        return 1
    params = sum(p.numel() for p in model.parameters())
    flags = [f for f, on in (("kv-cache", args.kv_cache), ("dynamic", args.dynamic),
                             ("external-data", args.external_data)) if on]
    print(f"export_gpt2: wrote {args.output}: {config.layers} layers, {config.heads} heads x "
          f"{config.head_dim}, embd {config.embd}, vocab {config.vocab}, context "
          f"{config.context}, opset {args.opset}, gelu {config.gelu}, seed {config.seed}, "
          f"traced batch {options.batch} seq {seq} past {past}"
          f"{', ' + ', '.join(flags) if flags else ''}; {params} parameters, "
          f"{len(proto.graph.node)} nodes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
