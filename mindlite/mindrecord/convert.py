"""Converters into record files, with tqdm progress bars."""
from __future__ import annotations

import os

from tqdm import tqdm

from .writer import FileWriter

__all__ = ["IMAGE_FOLDER_SCHEMA", "convert_image_folder"]

IMAGE_FOLDER_SCHEMA = {"file_name": {"type": "string"}, "label": {"type": "int32"}, "data": {"type": "bytes"}}


def convert_image_folder(src_dir, dst_file, shard_num=1, extensions=None, class_indexing=None, overwrite=False,
                         rows_per_write=256, show_progress=True):
    """Pack an ImageFolder tree (src_dir/<class>/<image>) into record files, once.

    Rows are {"file_name": path relative to src_dir, "label": int32 (ImageFolderDataset's
    class index), "data": the encoded image bytes}; read them back with
    `MindDataset(dst_file)` and decode in the pipeline (e.g. RandomCropDecodeResize).
    Returns the list of files written.
    """
    from ..dataset.readers import scan_image_folder  # lazy: keeps mindrecord importable on its own
    paths, labels, _ = scan_image_folder(src_dir, extensions, class_indexing)
    writer = FileWriter(dst_file, shard_num=shard_num, overwrite=overwrite)
    writer.add_schema(IMAGE_FOLDER_SCHEMA, f"image folder {os.path.abspath(src_dir)}")
    writer.add_index(["file_name", "label"])
    rows = []
    for path, label in tqdm(list(zip(paths, labels)), desc=f"converting {os.path.basename(src_dir) or src_dir}",
                            unit="img", disable=not show_progress):
        with open(path, "rb") as f:
            rows.append({"file_name": os.path.relpath(path, src_dir), "label": int(label), "data": f.read()})
        if len(rows) >= rows_per_write:
            writer.write_raw_data(rows)
            rows = []
    if rows:
        writer.write_raw_data(rows)
    writer.commit()
    return list(writer.paths)
