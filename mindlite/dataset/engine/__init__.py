"""The pipeline engine of ``mindlite.dataset`` (numpy only; never imports mindlite.core/ops/nn).

Modules: ``datasets`` (the ``Dataset`` base and its operations), ``ops`` (operation nodes),
``sources`` (GeneratorDataset, NumpySlicesDataset, MappableDataset for file readers),
``samplers``, ``iterators``, ``workers`` (thread/process pools, ``random_state``),
``shm`` (shared-memory transport), ``config``.
"""
from . import config
from .datasets import Dataset, zip
from .samplers import (BuiltinSampler, DistributedSampler, RandomSampler, Sampler, SequentialSampler, Shuffle,
                       SubsetRandomSampler, SubsetSampler, WeightedRandomSampler)
from .sources import GeneratorDataset, MappableDataset, NumpySlicesDataset, SourceDataset
from .workers import RowContext, current_row, random_state, worker_rng

__all__ = ["BuiltinSampler", "Dataset", "DistributedSampler", "GeneratorDataset", "MappableDataset",
           "NumpySlicesDataset", "RandomSampler", "RowContext", "Sampler", "SequentialSampler", "Shuffle",
           "SourceDataset", "SubsetRandomSampler", "SubsetSampler", "WeightedRandomSampler", "config",
           "current_row", "random_state", "worker_rng", "zip"]


def __getattr__(name: str):  # noqa: ANN202 - legacy `import mindspore.dataset.engine as de; de.MnistDataset(...)`
    """The dataset classes built on the engine (readers, MindDataset, ...) are reachable here too,
    as in MindSpore, whose `dataset.engine` holds them all; `ImageFolderDatasetV2` is the 0.x
    name of `ImageFolderDataset`."""
    import importlib
    dataset = importlib.import_module("mindlite.dataset")
    value = getattr(dataset, "ImageFolderDataset" if name == "ImageFolderDatasetV2" else name, None)
    if value is None or name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return value
