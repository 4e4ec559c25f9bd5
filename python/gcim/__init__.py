"""gcim: the Python side of the gain-cell compiler: a hardware-aware PyTorch layer
(`gcim.torch.GainCellAttention`, exported to the ONNX custom op ai.gcim.GainCellAttention)
and the adaptation algorithm of docs/HardwareModel.md section 4 (`gcim.adapt`).

Import the submodules explicitly (`from gcim.torch import GainCellAttention`,
`from gcim.adapt import adapt`): this package itself imports nothing heavy.
"""
