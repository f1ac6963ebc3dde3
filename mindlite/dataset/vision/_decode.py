"""Image decoding with pillow, including the crop-aware fast path of RandomCropDecodeResize.

Why a separate module: Decode, RandomCropDecodeResize and the file readers share
the same "bytes -> RGB" rules and the same error message for corrupt data, and the
readers re-raise that error with the file name.

Fast path: a JPEG can be decoded at 1/2, 1/4 or 1/8 scale inside the IDCT
(pillow's `Image.draft`), which costs a fraction of a full decode. When the crop
that will be resized to `out_size` is at least twice the output size in both
directions, the reduced decode is an area average of pixels the downscaling resize
would average anyway (pillow's own thumbnail() uses the same 2x rule), so we ask for
the largest such reduction and map the crop box into the reduced image. The result
differs from decode-then-resize by about a grey level on average.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

__all__ = ["DecodeError", "decode_crop_resize", "decode_rgb", "open_image", "to_bytes"]


class DecodeError(RuntimeError):
    """Raised for data that pillow cannot decode; readers add the file name."""


def to_bytes(data, who: str):
    """Accept bytes, bytearray, memoryview or a 1-D uint8 numpy array of encoded data."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return data
    if isinstance(data, np.bytes_):
        return bytes(data)
    if hasattr(data, "asnumpy"):
        data = data.asnumpy()
    if isinstance(data, np.ndarray):
        if data.ndim != 1 or data.dtype != np.uint8:
            raise TypeError(f"{who}: expected encoded image bytes (1-D uint8 array), got array of "
                            f"shape {data.shape} and dtype {data.dtype}; is the image already decoded?")
        return memoryview(np.ascontiguousarray(data))
    raise TypeError(f"{who}: expected encoded image bytes, got {type(data).__name__}")


def _describe(buf) -> str:
    head = bytes(buf[:8])
    return f"{len(buf)} bytes starting {head!r}"


def open_image(data, who: str = "Decode") -> Image.Image:
    """Open (not yet decode) encoded image data; raises DecodeError for unknown formats."""
    buf = to_bytes(data, who)
    try:
        return Image.open(io.BytesIO(buf))
    except Exception as exc:
        raise DecodeError(f"{who}: cannot identify image data ({_describe(buf)}): {exc}") from exc


def _load_rgb(im: Image.Image, who: str) -> Image.Image:
    try:
        im.load()
        return im if im.mode == "RGB" else im.convert("RGB")
    except Exception as exc:
        raise DecodeError(f"{who}: corrupt or truncated {im.format} image data: {exc}") from exc


def decode_rgb(data, who: str = "Decode") -> Image.Image:
    """Encoded bytes -> decoded RGB PIL image (always 3 channels, as MindSpore's Decode)."""
    return _load_rgb(open_image(data, who), who)


def _draft_scale(im: Image.Image, box, out_size) -> tuple:
    """Ask pillow for the largest DCT reduction that keeps the crop >= the output size.

    Returns the (x, y) factors that map full-size coordinates into the decoded image.
    """
    if im.format != "JPEG":
        return 1.0, 1.0
    crop_w, crop_h = box[2] - box[0], box[3] - box[1]
    factor = min(crop_w / out_size[1], crop_h / out_size[0])
    if factor < 2.0:
        return 1.0, 1.0
    full_w, full_h = im.size
    im.draft("RGB", (int(np.ceil(full_w / factor)), int(np.ceil(full_h / factor))))
    return im.size[0] / full_w, im.size[1] / full_h


def decode_crop_resize(data, choose_box, out_size, resample, who: str) -> Image.Image:
    """Decode `data`, crop the box `choose_box(width, height)` returns, resize to `out_size` (h, w).

    The box is chosen from the header size before any pixel is decoded, so the
    draft (reduced-scale) decode can be used when the crop allows it.
    """
    im = open_image(data, who)
    box = choose_box(*im.size)
    sx, sy = _draft_scale(im, box, out_size)
    im = _load_rgb(im, who)
    if (sx, sy) != (1.0, 1.0):
        box = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
    return im.resize((out_size[1], out_size[0]), resample, box=box)
