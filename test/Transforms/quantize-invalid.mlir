// RUN: not gcim-opt --gcim-quantize=kv-levels=1 %s 2>&1 | FileCheck %s

// CHECK: error: quantiser levels of gcim-quantize must be at least 2
func.func @any(%x: tensor<1xf32>) -> tensor<1xf32> {
  return %x : tensor<1xf32>
}
