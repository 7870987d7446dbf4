"""A minimal safetensors reader and writer (NumPy only): an 8-byte little-endian header length, a JSON header, raw data."""
import json
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "F16": np.float16}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def save(path, tensors, metadata=None):
    """Writes a dict name -> numpy array (or torch tensor) in order, with string metadata."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    arrays = []
    offset = 0
    for name, value in tensors.items():
        a = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
        a = np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<")))
        header[name] = {"dtype": _NAMES[a.dtype.newbyteorder("=")], "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        arrays.append(a)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for a in arrays:
            f.write(a.tobytes())


def load(path):
    """Reads a file into (dict name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for safetensors")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header runs past the end (truncated)")
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    base = 8 + n
    for name, e in header.items():
        begin, end = e["data_offsets"]
        if base + end > len(data):
            raise ValueError(f"{path}: tensor '{name}' runs past the end (truncated)")
        dtype = np.dtype(_DTYPES[e["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data[base + begin:base + end], dtype=dtype).reshape(e["shape"]).astype(dtype.newbyteorder("="))
    return out, meta
