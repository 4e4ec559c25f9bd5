// Every pass takes a module holding a function declaration (func.func private, no body)
// beside a function calling it: the declaration is left alone, nothing crashes.
// RUN: gcim-opt --gcim-widen-float %s | FileCheck %s
// RUN: gcim-opt --gcim-fuse-attention %s | FileCheck %s
// RUN: gcim-opt --gcim-stream %s | FileCheck %s
// RUN: gcim-opt --gcim-map-attention %s | FileCheck %s
// RUN: gcim-opt --gcim-quantize %s | FileCheck %s
// RUN: gcim-opt --gcim-schedule %s | FileCheck %s
// RUN: gcim-opt --gcim-verify %s | FileCheck %s
// RUN: gcim-opt --gcim-lower-runtime %s | FileCheck %s

// CHECK-LABEL: func.func @caller
// CHECK: call @callee
// CHECK: func.func private @callee(tensor<4xf32>) -> tensor<4xf32>
func.func @caller(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = func.call @callee(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
func.func private @callee(tensor<4xf32>) -> tensor<4xf32>
