"""Prints a module of N functions (argv[1]), each one non-causal attention, which
gcim-stream keeps and marks gcim.unstreamed."""
import sys

TYPE = "tensor<1x2x4x8xf32>"
for i in range(int(sys.argv[1])):
    print(f"func.func @f{i}(%q: {TYPE}) -> {TYPE} {{")
    print(f'  %a = "gcim.attention"(%q, %q, %q) {{kind = "softmax", causal = 0 : i64, '
          f"window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64}} "
          f": ({TYPE}, {TYPE}, {TYPE}) -> {TYPE}")
    print(f"  return %a : {TYPE}")
    print("}")
