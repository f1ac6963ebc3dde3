"""Summary events: what one record's payload holds, and how values become JSON.

A payload is one UTF-8 JSON object

    {"step": int, "wall_time": float, "plugin": str, "tag": str, "value": ...}

with `value` by plugin:
  * scalar: a number (NaN and infinities as the strings "NaN", "Infinity", "-Infinity");
  * histogram: {"edges": [b0 .. bn], "counts": [c1 .. cn], "min", "max", "sum", "sum_squares", "count",
    "nan", "pos_inf", "neg_inf"} over the finite values (numpy.histogram's bins);
  * image: {"format": "png", "width", "height", "channels", "n", "data": base64 PNG} - a
    batch is tiled into one grid;
  * tensor: {"dtype", "shape", "data": base64 of the little-endian C-order bytes};
  * graph / dataset_graph / train_lineage / eval_lineage / custom_lineage_data /
    watchpoint_hit: JSON objects (see graph_view.py, lineage.py, debugger.py).
"""
from __future__ import annotations

import base64
import json
import math
import struct
import zlib
from typing import Any

import numpy as np

HISTOGRAM_BINS = 30


def encode_event(step: int, wall_time: float, plugin: str, tag: str, value: Any) -> bytes:
    return json.dumps({"step": int(step), "wall_time": float(wall_time), "plugin": plugin, "tag": tag,
                       "value": value}, separators=(",", ":"), allow_nan=False).encode("utf-8")


def decode_event(payload: bytes) -> dict:
    return json.loads(payload.decode("utf-8"))


# ---- scalars -----------------------------------------------------------------------------------------
def scalar_value(x: float) -> Any:
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def scalar_from_json(v: Any) -> float:
    return float(v) if not isinstance(v, str) else float(v.replace("Infinity", "inf"))


# ---- histograms -------------------------------------------------------------------------------------
def histogram_value(arr: np.ndarray, bins: int = HISTOGRAM_BINS) -> dict:
    """Edges and counts of the finite values (numpy.histogram), with the non-finite counted apart."""
    a = np.asarray(arr).astype(np.float64, copy=False).ravel()
    finite = a[np.isfinite(a)]
    out: dict[str, Any] = {"count": int(a.size), "nan": int(np.isnan(a).sum()),
                           "pos_inf": int(np.isposinf(a).sum()), "neg_inf": int(np.isneginf(a).sum())}
    if finite.size == 0:
        out.update(edges=[], counts=[], min=None, max=None, sum=0.0, sum_squares=0.0)
        return out
    lo, hi = float(finite.min()), float(finite.max())
    counts, edges = np.histogram(finite, bins=bins, range=(lo, hi) if hi > lo else (lo - 0.5, hi + 0.5))
    out.update(edges=[float(e) for e in edges], counts=[int(c) for c in counts], min=lo, max=hi,
               sum=float(finite.sum()), sum_squares=float(np.square(finite).sum()))
    return out


# ---- tensors --------------------------------------------------------------------------------------------
def tensor_value(arr: np.ndarray) -> dict:
    a = np.ascontiguousarray(arr)
    if a.dtype.kind not in "biufc":
        raise TypeError(f"a summary tensor must be numeric or bool, got dtype {a.dtype}")
    little = a.astype(a.dtype.newbyteorder("<"), copy=False)
    return {"dtype": a.dtype.name, "shape": list(a.shape), "data": base64.b64encode(little.tobytes()).decode("ascii")}


def tensor_from_json(v: dict) -> np.ndarray:
    dt = np.dtype(v["dtype"]).newbyteorder("<")
    return np.frombuffer(base64.b64decode(v["data"]), dtype=dt).reshape(v["shape"]).astype(dt.newbyteorder("="))


# ---- images ----------------------------------------------------------------------------------------------
def to_uint8_image(arr: np.ndarray) -> np.ndarray:
    """NCHW (or HWC / HW) values to N x H x W x C uint8: floats in [0, 1] are scaled by 255,
    other values are clipped to [0, 255]; non-finite values become 0."""
    a = np.asarray(arr)
    if a.ndim == 4:
        a = a.transpose(0, 2, 3, 1)
    elif a.ndim == 3:
        a = a[None]
    elif a.ndim == 2:
        a = a[None, :, :, None]
    else:
        raise ValueError(f"an image must be NCHW, HWC or HW, got shape {list(a.shape)}")
    if a.shape[-1] not in (1, 3, 4):
        raise ValueError(f"an image must have 1, 3 or 4 channels, got shape {list(a.shape)}")
    if a.dtype == np.uint8:
        return a
    f = np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if a.dtype.kind == "f" and f.size and f.min() >= 0.0 and f.max() <= 1.0:
        f = f * 255.0
    return np.clip(np.rint(f), 0, 255).astype(np.uint8)


def tile(images: np.ndarray, pad: int = 2) -> np.ndarray:
    """N x H x W x C images side by side in a near-square grid (gaps of `pad` zero pixels)."""
    n, h, w, c = images.shape
    cols = int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    grid = np.zeros((rows * h + (rows - 1) * pad, cols * w + (cols - 1) * pad, c), np.uint8)
    for k in range(n):
        r, q = divmod(k, cols)
        grid[r * (h + pad):r * (h + pad) + h, q * (w + pad):q * (w + pad) + w] = images[k]
    return grid


def encode_png(img: np.ndarray) -> bytes:
    """A PNG (8-bit gray, RGB or RGBA, no filtering) of an H x W x C uint8 array, with the stdlib."""
    h, w, c = img.shape
    color = {1: 0, 3: 2, 4: 6}[c]
    raw = np.zeros((h, 1 + w * c), np.uint8)  # filter byte 0 before each row
    raw[:, 1:] = img.reshape(h, w * c)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    head = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + \
        chunk(b"IEND", b"")


def image_value(arr: np.ndarray) -> dict:
    imgs = to_uint8_image(arr)
    grid = tile(imgs)
    return {"format": "png", "width": int(grid.shape[1]), "height": int(grid.shape[0]),
            "channels": int(grid.shape[2]), "n": int(imgs.shape[0]),
            "data": base64.b64encode(encode_png(grid)).decode("ascii")}
