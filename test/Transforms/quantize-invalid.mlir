// RUN: not gcim-opt --gcim-quantize=fold=maybe %s 2>&1 | FileCheck %s
// RUN: echo '{"kv": {"levels": 1}}' > %t.json
// RUN: not gcim-opt --gcim-quantize=hw=%t.json %s 2>&1 | FileCheck %s --check-prefix=LEVELS

// Options are typed and checked when the pass is made; the hardware is validated when it
// is read.
// CHECK: gcim-opt: error: option 'fold' of pass 'gcim-quantize' must be true or false, not 'maybe'
// LEVELS: gcim-opt: error: '{{.*}}.json': invalid hardware description: kv.levels must be >= 2 (got 1)
func.func @any(%x: tensor<1xf32>) -> tensor<1xf32> {
  return %x : tensor<1xf32>
}
