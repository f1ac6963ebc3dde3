"""Tensor methods that mirror functional ops (MindSpore's `Tensor.add`, `Tensor.gt`,
`Tensor.logical_and`, `Tensor.bmm`, ...): each is the functional op itself, bound with the
tensor as its first argument, so a method, `ops.xxx` and `ops.Xxx()` share one definition.
Methods that tensor.py defines itself (with Tensor-specific signatures) are left alone.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import dtype as mstype
from .tensor import Tensor, _shape_args

# method name -> functional op name, for ops whose first argument is the tensor
_SAME_ORDER = {name: name for name in """
    add sub mul div divide multiply subtract true_divide floor_divide remainder fmod maximum minimum
    equal not_equal ne eq gt ge lt le greater greater_equal less less_equal
    logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor atan2 arctan2
    bmm inv invert negative absolute tan asin acos atan sinh cosh asinh acosh atanh
    arcsin arccos arctan arcsinh arccosh arctanh log2 log10 erfc trunc xlogy xdivy isclose
    approximate_equal flip gather_elements gather_nd masked_select nonzero tril triu unbind numel
    argsort hardshrink logit amax amin top_k squared_difference lerp hypot logaddexp logaddexp2 deg2rad rad2deg
    heaviside sinc float_power nan_to_num isneginf isposinf addcdiv addcmul addmm addmv addbmm baddbmm addr cross
    diag diagonal trace ger inner msort median fliplr flipud narrow repeat_interleave roll rot90 tensor_split
    hsplit vsplit dsplit frac index_select nansum nanmean cumprod reverse_sequence count_nonzero bernoulli
    random_categorical inverse reverse
""".split()}
_SAME_ORDER.update({"nelement": "numel", "sgn": "sign", "soft_shrink": "softshrink", "expand": "broadcast_to",
                    "mm": "matmul"})


def _bind(method: str, fn: Any) -> None:
    if method not in Tensor.__dict__:
        setattr(Tensor, method, fn)


def _ndimension(self: Tensor) -> int:
    """The number of dimensions (`ndim`)."""
    return self.ndim


def _new_ones(self: Tensor, size: Any, dtype: Any = None) -> Tensor:
    """Ones of `size`, with this tensor's dtype unless `dtype` is given."""
    return F.ones(_shape_args(size if isinstance(size, tuple) else (size,)), dtype or self.dtype)


def _new_zeros(self: Tensor, size: Any, dtype: Any = None) -> Tensor:
    """Zeros of `size`, with this tensor's dtype unless `dtype` is given."""
    return F.zeros(_shape_args(size if isinstance(size, tuple) else (size,)), dtype or self.dtype)


def _reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return F.reshape(self, other.shape)


def _t(self: Tensor) -> Tensor:
    """Transpose of a tensor with at most 2 dimensions."""
    if self.ndim > 2:
        raise ValueError(f"Tensor.t: the tensor must have at most 2 dimensions, got shape {list(self.shape)}")
    return F.transpose(self, (1, 0)) if self.ndim == 2 else self


def _argmax_with_value(self: Tensor, axis: int = 0, keep_dims: bool = False) -> tuple:
    """(index, value) of the maximum along `axis` (ops.ArgMaxWithValue)."""
    value, index = F.max(self, axis, keep_dims)
    return index, value


def _argmin_with_value(self: Tensor, axis: int = 0, keep_dims: bool = False) -> tuple:
    """(index, value) of the minimum along `axis` (ops.ArgMinWithValue)."""
    value, index = F.min(self, axis, keep_dims)
    return index, value


def _is_floating_point(self: Tensor) -> bool:
    return self.dtype.is_floating_point


def _is_signed(self: Tensor) -> bool:
    return np.dtype(self.dtype.np).kind in "ifc"


def _is_complex(self: Tensor) -> bool:
    return np.dtype(self.dtype.np).kind == "c"


def _positive(self: Tensor) -> Tensor:
    """The tensor itself (numeric tensors only)."""
    if self.dtype == mstype.bool_:
        raise TypeError("Tensor.positive: not defined for bool tensors")
    return self


def _sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """Sum over broadcast dimensions so the result has shape `size`."""
    return F.sum_to(self, _shape_args(size))


def _short(self: Tensor) -> Tensor:
    """The tensor cast to int16."""
    return F.cast(self, mstype.int16)


def _ptp(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """max - min along `axis` (peak to peak)."""
    return F.amax(self, axis, keepdims) - F.amin(self, axis, keepdims)


def _select(self: Tensor, condition: Tensor, y: Any) -> Tensor:
    """Elements of this tensor where `condition`, else of `y` (ops.select(condition, self, y))."""
    return F.select(condition, self, y)


def bind_methods() -> None:
    """Attach the methods to Tensor (called once from tensor.py after the ops are importable)."""
    for method, op in _SAME_ORDER.items():
        _bind(method, getattr(F, op))
    for method, fn in (("ndimension", _ndimension), ("new_ones", _new_ones), ("new_zeros", _new_zeros),
                       ("reshape_as", _reshape_as), ("t", _t), ("argmax_with_value", _argmax_with_value),
                       ("argmin_with_value", _argmin_with_value), ("is_floating_point", _is_floating_point),
                       ("is_signed", _is_signed), ("is_complex", _is_complex), ("positive", _positive),
                       ("sum_to_size", _sum_to_size), ("select", _select), ("short", _short), ("ptp", _ptp)):
        fn.__name__ = method
        _bind(method, fn)
    if "mT" not in Tensor.__dict__:  # the last two axes swapped
        Tensor.mT = property(lambda self: F.swapaxes(self, -1, -2), doc="The last two axes swapped.")


from ..ops import functional as F  # noqa: E402  (the ops import tensor.py first)
