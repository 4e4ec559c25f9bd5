// RUN: not gcim-opt --split-input-file --gcim-lower-runtime %s 2>&1 | FileCheck %s

// CHECK: lower-runtime-invalid.mlir:[[# @LINE + 2]]:8: error: runtime buffers need tensors of static shape with elements of at most 64 bits (bind dynamic dimensions with --input-shape)
func.func @dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  %a = "onnx.exp"(%x) : (tensor<?xf32>) -> tensor<?xf32>
  return %a : tensor<?xf32>
}
