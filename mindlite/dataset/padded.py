"""ds.PaddedDataset: a dataset made of a list of sample dicts, typically concatenated to another
dataset so that it divides evenly among shards."""
from __future__ import annotations

import numpy as np

from .engine.sources import MappableDataset

__all__ = ["PaddedDataset"]


class _SampleSource:
    def __init__(self, samples, names):
        self.samples, self.names = samples, names

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return tuple(np.asarray(self.samples[i][n]) for n in self.names)


class PaddedDataset(MappableDataset):
    """`ds.PaddedDataset(padded_samples)`: one row per dict of `padded_samples` (all with the same
    keys, which become the columns), read in order."""

    def __init__(self, padded_samples):
        who = "PaddedDataset"
        if not isinstance(padded_samples, list) or not padded_samples:
            raise TypeError(f"{who}: padded_samples must be a non-empty list of dicts")
        if not all(isinstance(s, dict) for s in padded_samples):
            raise TypeError(f"{who}: every padded sample must be a dict of column name -> value")
        names = list(padded_samples[0].keys())
        for k, s in enumerate(padded_samples):
            if list(s.keys()) != names:
                raise ValueError(f"{who}: sample {k} has columns {list(s.keys())}, the first has {names}")
        self.padded_samples = padded_samples
        super().__init__(_SampleSource(padded_samples, names), names, shuffle=False)
