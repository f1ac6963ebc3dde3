"""An independent reader of summary files, written from the format's description (u64 length |
u32 crc32 of the length bytes | payload | u32 crc32 of the payload, little-endian; payloads are
JSON events), sharing no code with mindlite.insight. PNG images are decoded with pillow."""
from __future__ import annotations

import base64
import io
import json
import os
import zlib

import numpy as np


def records(path: str) -> list[bytes]:
    """The payloads of the complete, intact records at the start of the file."""
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos + 12 <= len(data):
        length_bytes = data[pos:pos + 8]
        length = int.from_bytes(length_bytes, "little")
        if int.from_bytes(data[pos + 8:pos + 12], "little") != zlib.crc32(length_bytes):
            break
        end = pos + 12 + length
        if end + 4 > len(data):
            break
        payload = data[pos + 12:end]
        if int.from_bytes(data[end:end + 4], "little") != zlib.crc32(payload):
            break
        out.append(payload)
        pos = end + 4
    return out


def events(path: str) -> list[dict]:
    return [json.loads(p.decode("utf-8")) for p in records(path)]


def run_events(run_dir: str, suffix: str | None = None) -> list[dict]:
    """Every event of the summary files of a directory (those ending in `suffix`, if given)."""
    out = []
    for name in sorted(os.listdir(run_dir)):
        if ".summary." in name and (suffix is None or name.endswith(suffix)):
            out += events(os.path.join(run_dir, name))
    return out


def png_pixels(value: dict) -> np.ndarray:
    from PIL import Image
    img = Image.open(io.BytesIO(base64.b64decode(value["data"])))
    return np.asarray(img)
