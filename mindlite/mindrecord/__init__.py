"""`mindlite.mindrecord`: sharded record files with a schema and a row index (MindSpore's MindRecord role).

`FileWriter` / `FileReader` follow MindSpore's API; `mindlite.dataset.MindDataset`
reads the files with random access. The binary format is mindlite's own and is
documented in `format.py`; it is not compatible with MindSpore's .mindrecord files.
"""
from .convert import IMAGE_FOLDER_SCHEMA, convert_image_folder
from .format import MindRecordError
from .reader import FileReader
from .writer import FileWriter

SUCCESS = 0  # MindSpore returns this from writer methods

__all__ = ["IMAGE_FOLDER_SCHEMA", "SUCCESS", "FileReader", "FileWriter", "MindRecordError", "convert_image_folder"]
