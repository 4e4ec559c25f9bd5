"""gcim_models: model definitions and ONNX builders for gcim's tests and benchmarks.

Run with Debian's /usr/bin/python3 (torch 1.13, onnx 1.12, numpy) and PYTHONPATH=python.
"""
