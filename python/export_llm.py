#!/usr/bin/python3
"""export_llm.py: exports a seeded random Llama/Mistral/Qwen2/Phi-3/Gemma-style decoder
(gcim_models.llama) to ONNX with torch.onnx at opset 17.

Example (a one-token KV-cache step after 7 cached tokens, then its compilation):
  /usr/bin/python3 python/export_llm.py --family mistral --kv-cache --past 7 -o step.onnx
  gcim-compile step.onnx -o out --input-shape past_key_0=1x2x7x16 ...
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main(argv):
    from gcim_models.cli import ArgumentParser
    from gcim_models.export import save_model
    from gcim_models.llama import FAMILIES, Decoder, DecoderConfig, export_decoder
    p = ArgumentParser(description=__doc__.splitlines()[0],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--family", choices=FAMILIES, default="llama")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--head-dim", type=int, default=16)
    p.add_argument("--vocab", type=int, default=64)
    p.add_argument("--context", type=int, default=16)
    p.add_argument("--window", type=int, default=0, help="sliding window (mistral: 4)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kv-cache", action="store_true",
                   help="one-token step: past_key_<i>/past_value_<i> in, present_* out")
    p.add_argument("--seq", type=int, default=None, help="tokens (default: the context)")
    p.add_argument("--past", type=int, default=None, help="cached tokens with --kv-cache")
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args(argv)
    try:
        config = DecoderConfig(family=args.family, layers=args.layers, heads=args.heads,
                               kv_heads=args.kv_heads, head_dim=args.head_dim,
                               vocab=args.vocab, context=args.context, window=args.window,
                               seed=args.seed)
    except ValueError as error:
        p.error(str(error))
    model = Decoder(config).eval()
    save_model(export_decoder(model, args.kv_cache, args.seq, args.past), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
