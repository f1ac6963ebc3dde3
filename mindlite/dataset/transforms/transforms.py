"""General transforms (`mindlite.dataset.transforms`), MindSpore 2.x names and defaults.

All of them are callables on numpy arrays; see `_base.py` for the contract.
"""
from __future__ import annotations

from enum import Enum

import numpy as np

from . import _rng
from ._base import TensorOperation, as_array, to_np_dtype

__all__ = [
    "Compose",
    "Concatenate",
    "Duplicate",
    "Fill",
    "Mask",
    "OneHot",
    "PadEnd",
    "RandomApply",
    "RandomChoice",
    "RandomOrder",
    "Relational",
    "Slice",
    "TypeCast",
    "Unique",
]


def _pack(out):
    return out if isinstance(out, tuple) else (out,)


def _unpack(args):
    return args[0] if len(args) == 1 else tuple(args)


def _check_ops(transforms, who):
    if not isinstance(transforms, (list, tuple)) or not transforms:
        raise ValueError(f"{who}: transforms must be a non-empty list of callables")
    for t in transforms:
        if not callable(t):
            raise TypeError(f"{who}: {t!r} is not callable")
    return list(transforms)


class Compose(TensorOperation):
    """Apply `transforms` in sequence; a tuple result feeds the next op as several inputs."""

    def __init__(self, transforms):
        self.transforms = _check_ops(transforms, "Compose")
        self.random = any(getattr(t, "random", True) for t in self.transforms)

    def _execute(self, *args):
        for t in self.transforms:
            args = _pack(t(*args))
        return _unpack(args)


class RandomApply(TensorOperation):
    """Apply all of `transforms` (in order) with probability `prob`, else pass through."""

    random = True

    def __init__(self, transforms, prob=0.5):
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"RandomApply: prob must be in [0, 1], got {prob}")
        self.transforms = _check_ops(transforms, "RandomApply")
        self.prob = prob

    def _execute(self, *args):
        if _rng.get_rng().random() >= self.prob:
            return _unpack(args)
        return Compose(self.transforms)(*args)


class RandomChoice(TensorOperation):
    """Apply one transform picked uniformly at random from `transforms`."""

    random = True

    def __init__(self, transforms):
        self.transforms = _check_ops(transforms, "RandomChoice")

    def _execute(self, *args):
        op = self.transforms[int(_rng.get_rng().integers(len(self.transforms)))]
        return op(*args)


class RandomOrder(TensorOperation):
    """Apply all `transforms` in a random order."""

    random = True

    def __init__(self, transforms):
        self.transforms = _check_ops(transforms, "RandomOrder")

    def _execute(self, *args):
        order = _rng.get_rng().permutation(len(self.transforms))
        return Compose([self.transforms[i] for i in order])(*args)


class TypeCast(TensorOperation):
    """Cast to `data_type` (numpy dtype, mindlite dtype such as ms.int32, or a name)."""

    def __init__(self, data_type):
        self.data_type = data_type
        self._dtype = to_np_dtype(data_type)

    def _execute(self, x):
        return np.asarray(as_array(x), dtype=self._dtype)


class OneHot(TensorOperation):
    """Integer labels -> one-hot rows of `num_classes`; label smoothing when `smoothing_rate` > 0.

    Without smoothing the output keeps the label dtype (as MindSpore); smoothed labels are float32.
    """

    def __init__(self, num_classes, smoothing_rate=0.0):
        if int(num_classes) <= 0:
            raise ValueError(f"OneHot: num_classes must be positive, got {num_classes}")
        if not 0.0 <= smoothing_rate <= 1.0:
            raise ValueError(f"OneHot: smoothing_rate must be in [0, 1], got {smoothing_rate}")
        self.num_classes = int(num_classes)
        self.smoothing_rate = float(smoothing_rate)

    def _execute(self, label):
        label = as_array(label)
        if label.dtype.kind not in "iu":
            raise TypeError(f"OneHot: labels must be integers, got dtype {label.dtype}")
        if label.size and (label.min() < 0 or label.max() >= self.num_classes):
            raise ValueError(f"OneHot: label out of range [0, {self.num_classes}): {label.ravel()[:8]}")
        hot = np.arange(self.num_classes) == label[..., None]
        if self.smoothing_rate == 0.0:
            return hot.astype(label.dtype)
        off = self.smoothing_rate / self.num_classes
        return np.where(hot, 1.0 - self.smoothing_rate + off, off).astype(np.float32)


class Concatenate(TensorOperation):
    """Concatenate the inputs (with optional `prepend`/`append` arrays) along `axis`."""

    def __init__(self, axis=0, prepend=None, append=None):
        self.axis = axis
        self.prepend = None if prepend is None else np.asarray(prepend)
        self.append = None if append is None else np.asarray(append)

    def _execute(self, *inputs):
        parts = [as_array(x) for x in inputs]
        if self.prepend is not None:
            parts.insert(0, self.prepend)
        if self.append is not None:
            parts.append(self.append)
        return np.concatenate(parts, axis=self.axis)


class Duplicate(TensorOperation):
    """One column in, two equal columns out (the second is an independent copy)."""

    def _execute(self, x):
        x = as_array(x)
        return x, x.copy()


class Fill(TensorOperation):
    """Same shape and dtype as the input, every element set to `fill_value`."""

    def __init__(self, fill_value):
        self.fill_value = fill_value

    def _execute(self, x):
        x = as_array(x)
        return np.full(x.shape, self.fill_value, dtype=x.dtype)


class Slice(TensorOperation):
    """Slice dimension i with slices[i]: an int, a list of ints, a slice, None (all) or Ellipsis."""

    def __init__(self, *slices):
        self.slices = slices

    def _execute(self, x):
        x = as_array(x)
        specs = list(self.slices)
        if Ellipsis in specs:  # expand "..." to the right number of full slices
            k = specs.index(Ellipsis)
            specs[k:k + 1] = [None] * (x.ndim - len(specs) + 1)
        for axis, spec in enumerate(specs):
            if spec is None:
                continue
            if isinstance(spec, slice):
                x = x[(slice(None),) * axis + (spec,)]
            else:  # int or list of ints: gather, keeping the axis (MindSpore keeps rank)
                x = np.take(x, np.atleast_1d(np.asarray(spec, dtype=np.int64)), axis=axis)
        return x


class Relational(Enum):
    EQ = "=="
    NE = "!="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="


_REL = {Relational.EQ: np.equal, Relational.NE: np.not_equal, Relational.GT: np.greater,
        Relational.GE: np.greater_equal, Relational.LT: np.less, Relational.LE: np.less_equal}


class Mask(TensorOperation):
    """Elementwise `input <operator> constant`, cast to `dtype` (bool by default)."""

    def __init__(self, operator, constant, dtype=np.bool_):
        self.operator = Relational(operator)
        self.constant = constant
        self._dtype = to_np_dtype(dtype)

    def _execute(self, x):
        return _REL[self.operator](as_array(x), self.constant).astype(self._dtype)


class PadEnd(TensorOperation):
    """Pad (or truncate) each dimension at its end to `pad_shape`; None keeps that dimension."""

    def __init__(self, pad_shape, pad_value=None):
        self.pad_shape = list(pad_shape)
        self.pad_value = pad_value

    def _execute(self, x):
        x = as_array(x)
        if len(self.pad_shape) != x.ndim:
            raise ValueError(f"PadEnd: pad_shape {self.pad_shape} has rank {len(self.pad_shape)}, "
                             f"input has shape {x.shape}")
        shape = tuple(d if p is None else int(p) for d, p in zip(x.shape, self.pad_shape))
        fill = self.pad_value
        if fill is None:
            fill = "" if x.dtype.kind in "US" else 0
        dtype = x.dtype
        if dtype.kind == "U" and isinstance(fill, str) and len(fill) > dtype.itemsize // 4:
            dtype = np.dtype(f"<U{len(fill)}")  # widen so a long pad string is not cut
        out = np.full(shape, fill, dtype=dtype)
        region = tuple(slice(0, min(d, s)) for d, s in zip(x.shape, shape))
        out[region] = x[region]
        return out


class Unique(TensorOperation):
    """1-D input -> (unique values in first-appearance order, index of each input, counts)."""

    def _execute(self, x):
        x = as_array(x)
        if x.ndim != 1:
            raise ValueError(f"Unique: input must be 1-D, got shape {x.shape}")
        values, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                                   return_counts=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        return values[order], rank[inverse].astype(np.int32), counts[order].astype(np.int32)
