// onnx.irdl.mlir: the onnx dialect, one op per supported ONNX operator.
//
// IRDL requires lower-case names, so op `onnx.<snake_case>` stands for the ONNX operator
// `<CamelCase>` (MatMul -> onnx.mat_mul, LayerNormalization -> onnx.layer_normalization).
// Operands and results follow the ONNX spec in order and are ranked tensors; ONNX
// attributes are MLIR attributes of the same names. The importer always writes every
// declared attribute (ONNX defaults included), so an op's attributes are complete.
// Each operand, result and attribute has its own constraint value: IRDL makes values that
// share one constraint value equal.

irdl.dialect @onnx {
  // Elementwise binary arithmetic with numpy broadcasting.
  irdl.operation @add {
    %a = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %c = irdl.base "!builtin.tensor"
    irdl.operands(a: %a, b: %b)
    irdl.results(c: %c)
  }
  irdl.operation @sub {
    %a = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %c = irdl.base "!builtin.tensor"
    irdl.operands(a: %a, b: %b)
    irdl.results(c: %c)
  }
  irdl.operation @mul {
    %a = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %c = irdl.base "!builtin.tensor"
    irdl.operands(a: %a, b: %b)
    irdl.results(c: %c)
  }
  irdl.operation @div {
    %a = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %c = irdl.base "!builtin.tensor"
    irdl.operands(a: %a, b: %b)
    irdl.results(c: %c)
  }

  // Matrix product with numpy batching.
  irdl.operation @mat_mul {
    %a = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(a: %a, b: %b)
    irdl.results(y: %y)
  }

  irdl.operation @softmax {
    %x = irdl.base "!builtin.tensor"
    %axis = irdl.base "#builtin.integer"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(input: %x)
    irdl.attributes {"axis" = %axis}
    irdl.results(output: %y)
  }

  irdl.operation @transpose {
    %x = irdl.base "!builtin.tensor"
    %perm = irdl.base "#builtin.dense_array"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(data: %x)
    irdl.attributes {"perm" = %perm}
    irdl.results(transposed: %y)
  }

  irdl.operation @reshape {
    %x = irdl.base "!builtin.tensor"
    %shape = irdl.base "!builtin.tensor"
    %allowzero = irdl.base "#builtin.integer"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(data: %x, shape: %shape)
    irdl.attributes {"allowzero" = %allowzero}
    irdl.results(reshaped: %y)
  }

  // A constant tensor; `value` holds the data (dense or a dense resource for weights).
  irdl.operation @constant {
    %value = irdl.any
    %y = irdl.base "!builtin.tensor"
    irdl.attributes {"value" = %value}
    irdl.results(output: %y)
  }
}
