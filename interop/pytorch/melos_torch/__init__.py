"""Melos models and data in PyTorch: the same LSTM and relative-attention Transformer as Melos.Models, built from a
Melos config.json, a loader for `melos corpus export` folders, and a torchrun (DDP) trainer whose checkpoints
`melos model import` reads. Depends only on PyTorch and NumPy."""

__version__ = "1.0"
