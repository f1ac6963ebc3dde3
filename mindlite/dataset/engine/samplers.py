"""Samplers: which source indices an epoch reads, and in what order.

A sampler turns ``(num_rows, epoch, seed)`` into an index array. Random
samplers draw from ``np.random.default_rng([seed, epoch])`` so that every epoch
has a new order, the same seed reproduces it, and all shards of a
``DistributedSampler`` see the same permutation (they share seed and epoch).
"""
from __future__ import annotations

import enum
import math

import numpy as np

from . import config


class Shuffle(str, enum.Enum):
    """Shuffle levels of file-based datasets (MindSpore's ``ds.Shuffle``)."""
    GLOBAL = "global"
    FILES = "files"
    INFILE = "infile"


def epoch_rng(seed: int | None, epoch: int, *tags: int) -> np.random.Generator:
    seed = config.get_seed() if seed is None else seed
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(epoch), *tags]))


class Sampler:
    """Base of all samplers. Subclasses define ``_indices(n, rng)`` and ``_count(n)``.

    A user subclass may instead override ``__iter__`` (MindSpore's ``ds.Sampler``):
    it is called once per epoch, with ``self.dataset_size`` set.
    """

    def __init__(self, num_samples: int | None = None):
        if num_samples is not None:
            if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
                raise TypeError(f"num_samples must be an int, got {type(num_samples).__name__}")
            if num_samples < 0:
                raise ValueError(f"num_samples must be >= 0, got {num_samples}")
        self.num_samples = None if not num_samples else int(num_samples)
        self.child_sampler: Sampler | None = None
        self.dataset_size = 0

    def add_child(self, sampler: Sampler) -> None:
        """Sample from the indices the child sampler yields instead of from all rows."""
        if self.child_sampler is not None:
            raise RuntimeError("this sampler already has a child sampler")
        self.child_sampler = _as_sampler(sampler)

    def get_child(self):
        return self.child_sampler

    def _indices(self, n: int, rng: np.random.Generator) -> np.ndarray:
        self.dataset_size = n
        return np.fromiter((int(i) for i in iter(self)), dtype=np.int64)

    def _count(self, n: int) -> int | None:
        return None

    def __iter__(self):
        raise TypeError(f"{type(self).__name__} must define _indices() or __iter__()")

    def _limit(self, count: int) -> int:
        return count if self.num_samples is None else min(count, self.num_samples)

    def get_indices(self, num_rows: int, epoch: int = 0, seed: int | None = None) -> np.ndarray:
        """Indices (int64, into the source) of one epoch."""
        base = None
        if self.child_sampler is not None:
            base = self.child_sampler.get_indices(num_rows, epoch, seed)
            num_rows = len(base)
        idx = np.asarray(self._indices(num_rows, epoch_rng(seed, epoch)), dtype=np.int64)
        if self.num_samples is not None:
            idx = idx[:self.num_samples]
        return idx if base is None else base[idx]

    def get_num_samples(self, num_rows: int) -> int | None:
        """Rows per epoch for a source of ``num_rows`` rows (None if unknown)."""
        if self.child_sampler is not None:
            num_rows = self.child_sampler.get_num_samples(num_rows)
            if num_rows is None:
                return None
        count = self._count(num_rows)
        return None if count is None else self._limit(count)

    def __repr__(self):
        return f"{type(self).__name__}(num_samples={self.num_samples})"


BuiltinSampler = Sampler


class SequentialSampler(Sampler):
    def __init__(self, start_index: int | None = None, num_samples: int | None = None):
        super().__init__(num_samples)
        self.start_index = int(start_index or 0)
        if self.start_index < 0:
            raise ValueError(f"start_index must be >= 0, got {start_index}")

    def _indices(self, n, rng):
        return np.arange(min(self.start_index, n), n, dtype=np.int64)

    def _count(self, n):
        return max(0, n - self.start_index)


class RandomSampler(Sampler):
    """A new permutation of all rows every epoch (or draws with replacement)."""

    def __init__(self, replacement: bool = False, num_samples: int | None = None):
        super().__init__(num_samples)
        self.replacement = bool(replacement)

    def _indices(self, n, rng):
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples or n) if n else np.zeros(0, np.int64)
        return rng.permutation(n)

    def _count(self, n):
        return n


class DistributedSampler(Sampler):
    """Shard ``shard_id`` of ``num_shards``: every shard gets ``ceil(N / num_shards)`` rows.

    Shard ``r`` takes positions ``r, r + num_shards, ...`` of the epoch's order (a
    permutation shared by all shards when ``shuffle``); positions past the end wrap
    to the start, so the last shards repeat a few early rows, as in MindSpore.
    """

    def __init__(self, num_shards: int, shard_id: int, shuffle: bool = True, num_samples: int | None = None,
                 offset: int = -1):
        super().__init__(num_samples)
        for name, value in (("num_shards", num_shards), ("shard_id", shard_id)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if num_shards <= 0:
            raise RuntimeError(f"num_shards must be positive, got {num_shards}")
        if not 0 <= shard_id < num_shards:
            raise RuntimeError(f"shard_id must be in [0, {num_shards - 1}], got {shard_id}")
        if offset > num_shards:
            raise RuntimeError(f"offset {offset} must not exceed num_shards {num_shards}")
        self.num_shards, self.shard_id = int(num_shards), int(shard_id)
        self.shuffle, self.offset = bool(shuffle), int(offset)

    def _indices(self, n, rng):
        if n == 0:
            return np.zeros(0, np.int64)
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        per_shard = math.ceil(n / self.num_shards)
        positions = (self.shard_id + self.num_shards * np.arange(per_shard)) % n
        return order[positions]

    def _count(self, n):
        return math.ceil(n / self.num_shards)


class SubsetSampler(Sampler):
    """The given indices, in the given order."""

    def __init__(self, indices, num_samples: int | None = None):
        super().__init__(num_samples)
        self.indices = np.asarray(list(indices), dtype=np.int64)

    def _indices(self, n, rng):
        if len(self.indices) and (self.indices.max() >= n or self.indices.min() < 0):
            raise ValueError(f"sampler index out of range for a dataset of {n} rows")
        return self.indices

    def _count(self, n):
        return len(self.indices)


class SubsetRandomSampler(SubsetSampler):
    """The given indices in a new random order every epoch."""

    def _indices(self, n, rng):
        return rng.permutation(super()._indices(n, rng))


class WeightedRandomSampler(Sampler):
    """Indices ``0..len(weights)-1`` drawn with probability proportional to ``weights``."""

    def __init__(self, weights, num_samples: int | None = None, replacement: bool = True):
        super().__init__(num_samples)
        self.weights = np.asarray(weights, dtype=np.float64)
        if self.weights.ndim != 1 or (self.weights < 0).any() or self.weights.sum() <= 0:
            raise ValueError("weights must be a 1-D list of non-negative numbers with a positive sum")
        self.replacement = bool(replacement)

    def _indices(self, n, rng):
        size = self.num_samples or len(self.weights)
        return rng.choice(len(self.weights), size=size, replace=self.replacement,
                          p=self.weights / self.weights.sum())

    def _count(self, n):
        return self.num_samples or len(self.weights)


class _IterableSampler(Sampler):
    """Wraps any iterable of indices (a list, or an object with ``__iter__``)."""

    def __init__(self, iterable):
        super().__init__(None)
        self.iterable = iterable

    def _indices(self, n, rng):
        return np.fromiter((int(i) for i in iter(self.iterable)), dtype=np.int64)

    def _count(self, n):
        try:
            return len(self.iterable)
        except TypeError:
            return None


def _as_sampler(sampler) -> Sampler:
    if isinstance(sampler, Sampler):
        return sampler
    if hasattr(sampler, "__iter__"):
        return _IterableSampler(sampler)
    raise TypeError(f"sampler must be a Sampler or an iterable of indices, got {type(sampler).__name__}")


def select_sampler(num_samples=None, sampler=None, shuffle=None, num_shards=None, shard_id=None) -> Sampler:
    """MindSpore's rules for turning source keywords into one sampler."""
    if (num_shards is None) != (shard_id is None):
        raise RuntimeError("num_shards and shard_id must be given together")
    if sampler is not None:
        if shuffle is not None:
            raise RuntimeError("sampler and shuffle cannot be given together")
        if num_shards is not None:
            raise RuntimeError("sampler and num_shards/shard_id cannot be given together")
        sampler = _as_sampler(sampler)
        if num_samples:
            sampler.num_samples = int(num_samples)
        return sampler
    shuffle = shuffle is None or bool(shuffle)  # True, or a Shuffle level
    if num_shards is not None:
        return DistributedSampler(num_shards, shard_id, shuffle=shuffle, num_samples=num_samples)
    if shuffle:
        return RandomSampler(num_samples=num_samples)
    return SequentialSampler(num_samples=num_samples)


__all__ = ["BuiltinSampler", "DistributedSampler", "RandomSampler", "Sampler", "SequentialSampler", "Shuffle",
           "SubsetRandomSampler", "SubsetSampler", "WeightedRandomSampler", "select_sampler"]
