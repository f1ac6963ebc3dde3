"""Functional ops (`mindlite.ops.add`, `ops.relu`, ...): MindSpore 2.x names over the primitive table.

Thin wrappers only: argument normalisation and MindSpore signatures. The math lives in the
primitives (math.py, array.py, reduce.py, linalg.py, nn.py, conv.py, random.py); the imports
below are this module's public re-exports.
"""
# ruff: noqa: F401
from __future__ import annotations

import builtins
from operator import index as _index

from ..core.dims import Dim, DynamicDimError, dim_of, same_shape, size_index
from ._sizes import decide as _decide
from typing import Any, Sequence

from ..core import dtype as mstype
from ..core.tensor import Tensor
from ..core.trace import bind
from .registry import norm_axis
from . import math as _m, array as _a
from .math import (abs_p, add_p, atan2_p, bitwise_and_p, bitwise_not_p, bitwise_or_p, bitwise_xor_p, cast_p,
                   ceil_p, copy_p, cos_p, div_p, equal_p, erf_p, exp_p, expm1_p, floor_div_p, floor_p, gelu_p,
                   greater_equal_p, greater_p, isfinite_p, isinf_p, isnan_p, less_equal_p, less_p, log1p_p, log_p,
                   logical_and_p, logical_not_p, logical_or_p, logical_xor_p, maximum_p, minimum_p, mod_p, mul_p,
                   neg_p, not_equal_p, pow_p, reciprocal_p, relu_p, round_p, rsqrt_p, sigmoid_p, sign_p, sin_p,
                   sqrt_p, square_p, stop_gradient_p, sub_p, tanh_p, where_p)
from .reduce import (all, amax, amin, any, argmax, argmin, cumsum, logsumexp, max, mean, min, norm, prod,  # noqa: A004
                     std, sum, sum_to, var)
from .linalg import batch_matmul, bmm, matmul
from .creation import arange, eye, fill, full, full_like, linspace, ones, ones_like, zeros, zeros_like
from .random import (bernoulli, normal, randint, randperm, shuffle, standard_normal, uniform)
from .nn import (batch_norm, batch_norm_with_stats, binary_cross_entropy, binary_cross_entropy_with_logits, clip,
                 clip_by_global_norm, cross_entropy, dense, dropout, fast_gelu, gelu, group_norm, hardswish, kl_div,
                 l1_loss, layer_norm, leaky_relu, log_softmax, masked_fill, mse_loss, nll_loss, relu6, silu,
                 smooth_l1_loss, softmax, softmax_cross_entropy_with_logits, softplus)
from .array import tensor_getitem, tensor_setitem
from .conv import (adaptive_avg_pool2d, avg_pool2d, conv1d, conv2d, conv2d_transpose, conv_transpose2d,  # noqa: F401
                   max_pool2d)
from .activation import (celu, elu, glu, hardshrink, hardsigmoid, hardtanh, logit, logsigmoid, mish, prelu, selu,
                         soft_shrink, softmin, softshrink, softsign, tanhshrink, threshold)
from .elementwise import (addcdiv, addcmul, approximate_equal, deg2rad, div_no_nan, erfc, exp2, float_power, fmod, frac,
                          heaviside, hypot, inv, invert, is_complex, is_floating_point, isclose, isneginf, isposinf,
                          lerp, log10, log2, logaddexp, logaddexp2, nan_to_num, positive, rad2deg, rint, sgn, sinc,
                          squared_difference, trunc, truncate_div, truncate_mod, xdivy, xlogy)
from .products import (addbmm, addmm, addmv, addr, baddbmm, cross, diag, diagonal, dot, ger, inner, mm, mv, outer,
                       t, tensor_dot, trace)
from .statistics import (aminmax, clip_by_norm, cosine_similarity, diff, dist, median, msort, nanmean, nansum,
                         std_mean, var_mean)
from .margin_losses import (cosine_embedding_loss, hinge_embedding_loss, huber_loss, margin_ranking_loss,
                            soft_margin_loss)
from .rand import rand, rand_like, randint_like, randn, randn_like
from .trig import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, asin, asinh, atan, atanh, cosh,
                   sinh, tan)
from .state import assign, assign_add, assign_sub, print_
from .manipulation import (addn, atleast_1d, atleast_2d, atleast_3d, column_stack, count_nonzero, dsplit, dstack,
                           fliplr, flipud, gather_d, hsplit, hstack, index_select, l2_loss, masked_select, meshgrid,
                           moveaxis, movedim, narrow, nonzero, ravel, repeat_interleave, reverse, roll, rot90,
                           row_stack, scatter_nd, select, tensor_split, tril, triu, unbind, unique, unstack, vsplit,
                           vstack)
# op families for detection, image resampling, overflow status, constants and composites
from .constants import make_range, scalar_cast, scalar_to_array, scalar_to_tensor, tuple_len, tuple_to_array
from .detection import (bounding_box_decode, bounding_box_encode, check_valid, iou, nms_with_mask,
                        random_choice_with_mask, roi_align)
from .float_status import float_status
from .image import (crop_and_resize, depth_to_space, interpolate, resize_bilinear, resize_nearest_neighbor,
                    space_to_depth)
from .multitype import partial
from .conv3d import avg_pool3d, conv1d_transpose, conv3d, conv3d_transpose, max_pool3d
from .scatter import (index_add, inplace_add, scatter_nd_add, scatter_nd_sub, scatter_nd_update,
                      scatter_update, tensor_scatter_elements)
from .norms import l2_normalize, lp_norm, lrn
from .tensor_algebra import batch_dot, cumprod, diag_part, einsum, matrix_inverse
from .sequence import reverse_sequence, sequence_mask
from .categorical import multinomial

Number = (int, float, bool)


# ---- elementwise -------------------------------------------------------------------------------
def add(input: Any, other: Any) -> Tensor:  # noqa: A002
    return bind(add_p, input, other)


def sub(input: Any, other: Any) -> Tensor:  # noqa: A002
    return bind(sub_p, input, other)


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    return bind(mul_p, input, other)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """input / other; rounding_mode None (true division), 'floor' or 'trunc' (toward zero)."""
    if rounding_mode is None:
        return bind(div_p, input, other)
    if rounding_mode == "floor":
        return floor_div(input, other)
    if rounding_mode == "trunc":
        return truncate_div(input, other)
    raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")


def floor_div(x: Any, y: Any) -> Tensor:
    return floor_div_p(x, y)


def mod(x: Any, y: Any) -> Tensor:
    """Floor modulo (Python's %): the result has the sign of y."""
    return mod_p(x, y)


floor_mod = remainder = mod


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001,A002
    return pow_p(input, exponent)


def maximum(x: Any, y: Any) -> Tensor:
    return maximum_p(x, y)


def minimum(x: Any, y: Any) -> Tensor:
    return minimum_p(x, y)


def atan2(input: Any, other: Any) -> Tensor:  # noqa: A002
    return atan2_p(input, other)


def where(condition: Any, x: Any, y: Any) -> Tensor:
    return where_p(condition, x, y)


def _unary(prim: Any) -> Any:
    def fn(input: Any) -> Tensor:  # noqa: A002
        return bind(prim, input)
    fn.__name__ = prim.name
    fn.__doc__ = f"Elementwise {prim.name}."
    return fn


neg = _unary(neg_p)
negative = neg
abs = _unary(abs_p)  # noqa: A001
absolute = abs
sign = _unary(sign_p)
exp = _unary(exp_p)
expm1 = _unary(expm1_p)
log = _unary(log_p)
log1p = _unary(log1p_p)
sqrt = _unary(sqrt_p)
rsqrt = _unary(rsqrt_p)
square = _unary(square_p)
reciprocal = _unary(reciprocal_p)
sin = _unary(sin_p)
cos = _unary(cos_p)
tanh = _unary(tanh_p)
sigmoid = _unary(sigmoid_p)
erf = _unary(erf_p)
relu = _unary(relu_p)
floor = _unary(floor_p)
ceil = _unary(ceil_p)
round = _unary(round_p)  # noqa: A001
isnan = _unary(isnan_p)
isinf = _unary(isinf_p)
isfinite = _unary(isfinite_p)
logical_not = _unary(logical_not_p)
bitwise_not = _unary(bitwise_not_p)


def stop_gradient(value: Any) -> Any:
    """`value` with no gradient flowing back through it."""
    return bind(stop_gradient_p, value)


identity_copy = _unary(copy_p)


def _pred(prim: Any) -> Any:
    def fn(input: Any, other: Any) -> Tensor:  # noqa: A002
        return bind(prim, input, other)
    fn.__name__ = prim.name
    return fn


equal = _pred(equal_p)
not_equal = ne = _pred(not_equal_p)
less = lt = _pred(less_p)
less_equal = le = _pred(less_equal_p)
greater = gt = _pred(greater_p)
greater_equal = ge = _pred(greater_equal_p)
logical_and = _pred(logical_and_p)
logical_or = _pred(logical_or_p)
logical_xor = _pred(logical_xor_p)
bitwise_and = _pred(bitwise_and_p)
bitwise_or = _pred(bitwise_or_p)
bitwise_xor = _pred(bitwise_xor_p)


def cast(input: Tensor, dtype: Any) -> Tensor:  # noqa: A002 - MindSpore's name
    t = mstype.to_type(dtype, "dtype")
    if isinstance(input, Tensor) and input._data.dtype == t.np:
        return input
    return cast_p(input, dtype=t)


def mixed_precision_cast(dst_type: Any, input_x: Any) -> Any:
    """Cast the floating-point tensors in `input_x` (a Tensor, or nested tuple/list/dict of
    them) to `dst_type`; integer and bool tensors and non-tensors pass unchanged (MindSpore's
    `F.mixed_precision_cast`, used where amp casts network inputs, outputs and labels)."""
    if isinstance(input_x, Tensor):
        return cast(input_x, dst_type) if input_x._data.dtype.kind in "fV" else input_x
    if isinstance(input_x, (tuple, list)):
        return type(input_x)(mixed_precision_cast(dst_type, x) for x in input_x)
    if isinstance(input_x, dict):
        return {k: mixed_precision_cast(dst_type, v) for k, v in input_x.items()}
    return input_x


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002,F811
    return clip(input, min, max)


clip_by_value = clamp


# ---- shape -------------------------------------------------------------------------------------
def _index_tuple(values: Any, op: str, what: str) -> tuple:
    """Integer arguments (shapes, permutations, repeats): a float is a TypeError, never truncated."""
    try:
        return tuple(size_index(v) for v in ((values,) if isinstance(values, (int, Dim)) else values))
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int or a sequence of ints, got {values!r}") from None


def _int_arg(value: Any, op: str, what: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{op}: {what} must be an int, got bool {value!r}")
    try:
        return _index(value)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int, got {type(value).__name__} {value!r}") from None


def reshape(input: Tensor, shape: Any) -> Tensor:  # noqa: A002
    shape = _index_tuple(shape, "reshape", "shape")
    if same_shape(shape, input.shape):
        return input
    return _a.reshape_p(input, shape=_a._resolve_shape(shape, input.size))


def transpose(input: Tensor, input_perm: Sequence[int]) -> Tensor:  # noqa: A002
    n = input.ndim
    perm = tuple(p % n if n else 0 for p in _index_tuple(input_perm, "transpose", "input_perm"))
    if len(perm) != n or sorted(perm) != list(range(n)):
        raise ValueError(f"transpose: input_perm {list(input_perm)} is not a permutation of {n} axes "
                         f"(input {list(input.shape)})")
    return _a.transpose_p(input, perm=perm)


permute = transpose


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    perm = list(range(input.ndim))
    perm[axis0], perm[axis1] = perm[axis1], perm[axis0]
    return transpose(input, perm)


def expand_dims(input_x: Tensor, axis: int) -> Tensor:
    n = input_x.ndim + 1
    if not -n <= axis < n:
        raise ValueError(f"expand_dims: axis {axis} is out of range for a {input_x.ndim}-d input")
    shape = list(input_x.shape)
    shape.insert(axis % n, 1)
    return reshape(input_x, shape)


unsqueeze = expand_dims


def squeeze(input: Tensor, axis: Any = None) -> Tensor:  # noqa: A002
    if axis is None:
        shape = [d for d in input.shape if d != 1]
    else:
        axes = norm_axis(axis, input.ndim, "squeeze")
        for a in axes:
            if input.shape[a] != 1:
                raise ValueError(f"squeeze: dimension {a} of shape {list(input.shape)} is not 1")
        shape = [d for i, d in enumerate(input.shape) if i not in axes]
    return reshape(input, shape)


def flatten(input: Tensor, order: str = "C", *, start_dim: int = 1, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dimensions start_dim..end_dim (MindSpore 2.x `ops.flatten`, default start_dim=1)."""
    if order not in ("C", "F"):
        raise ValueError(f"flatten: order must be 'C' or 'F', got {order!r}")
    start_dim, end_dim = _int_arg(start_dim, "flatten", "start_dim"), _int_arg(end_dim, "flatten", "end_dim")
    if input.ndim == 0:
        return reshape(input, (1,))
    s, e = start_dim % input.ndim, end_dim % input.ndim
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} is after end_dim {end_dim}")
    x = transpose(input, tuple(range(input.ndim))[::-1]) if order == "F" else input
    shape = x.shape[:s] + (-1,) + x.shape[e + 1:]
    return reshape(x, shape)


def broadcast_to(input: Tensor, shape: Any) -> Tensor:  # noqa: A002
    shape = tuple(input.shape[i - (len(shape) - input.ndim)] if d == -1 else d for i, d in enumerate(shape))
    if same_shape(tuple(shape), input.shape):
        return input
    return _a.broadcast_to_p(input, shape=tuple(dim_of(d) for d in shape))


def tile(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    return _a.tile_p(input, reps=_index_tuple(dims, "tile", "dims"))


def repeat_elements(x: Tensor, rep: int, axis: Any = 0) -> Tensor:
    """Repeat each element `rep` times along `axis` (numpy.repeat with an int count)."""
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis = axis % x.ndim
    y = expand_dims(x, axis + 1)
    reps = [1] * y.ndim
    reps[axis + 1] = int(rep)
    y = tile(y, reps)
    shape = list(x.shape)
    shape[axis] *= int(rep)
    return reshape(y, shape)


def concat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("concat: needs at least one tensor")
    nd = tensors[0].ndim
    if not -nd <= axis < builtins.max(nd, 1):  # max/sum/slice are ops in this module
        raise ValueError(f"concat: axis {axis} is out of range for {nd}-d inputs")
    if len(tensors) == 1:
        return tensors[0]
    return _a.concat_p(*tensors, axis=axis % nd)


cat = concat


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    first = tensors[0].shape
    if builtins.any(len(t.shape) != len(first) or builtins.any(a != b for a, b in zip(t.shape, first))
                    for t in tensors[1:]):
        shapes = list(dict.fromkeys(t.shape for t in tensors))
        raise ValueError(f"stack: all tensors must have the same shape, got {[list(s) for s in shapes]}")
    n = tensors[0].ndim + 1
    return concat([expand_dims(t, axis % n) for t in tensors], axis % n)


def split(tensor: Tensor, split_size_or_sections: Any, axis: int = 0) -> tuple:
    """Split into chunks of size `split_size_or_sections` (int) or of the given sizes (list)."""
    axis = axis % tensor.ndim
    n = tensor.shape[axis]
    if isinstance(split_size_or_sections, int):
        k = split_size_or_sections
        if k <= 0:
            raise ValueError(f"split: split size must be positive, got {k}")
        if isinstance(n, Dim):
            raise DynamicDimError(f"split: axis {axis} has the run-time size {n} (declared None): the number of "
                                  f"pieces of size {k} is unknown while compiling; declare that axis with a "
                                  f"fixed size, or split another axis")
        sizes = [k] * (n // k) + ([n % k] if n % k else [])
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} do not add up to dimension {axis} of {list(tensor.shape)}")
    return _a.split_p(tensor, axis=axis, sizes=tuple(sizes))


def chunk(input: Tensor, chunks: int, axis: int = 0) -> tuple:  # noqa: A002
    n = input.shape[axis % input.ndim]
    if isinstance(n, Dim):
        raise DynamicDimError(f"chunk: axis {axis % input.ndim} has the run-time size {n} (declared None): the "
                              f"number and sizes of the chunks are unknown while compiling; declare that axis "
                              f"with a fixed size")
    size = -(-n // chunks)
    return split(input, size, axis)


def strided_slice(input_x: Tensor, begin: Sequence[int], end: Sequence[int], strides: Sequence[int],
                  begin_mask: int = 0, end_mask: int = 0, ellipsis_mask: int = 0, new_axis_mask: int = 0,
                  shrink_axis_mask: int = 0) -> Tensor:
    """x[begin:end:strides] per dimension; bit i of a mask applies to position i of the spec
    (TensorFlow's rule): begin/end_mask ignore that bound, ellipsis_mask puts `...`, new_axis_mask
    a new size-1 axis, shrink_axis_mask takes index begin[i] and drops the axis."""
    begin, end, strides = tuple(begin), tuple(end), tuple(strides)
    if not len(begin) == len(end) == len(strides):
        raise ValueError(f"strided_slice: begin {list(begin)}, end {list(end)} and strides {list(strides)} "
                         "must have the same length")
    if builtins.any(int(s) == 0 for s in strides):
        raise ValueError(f"strided_slice: strides must not be 0, got {list(strides)}")
    index: list = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ellipsis_mask & bit:
            index.append(Ellipsis)
        elif new_axis_mask & bit:
            index.append(None)
        elif shrink_axis_mask & bit:
            index.append(int(b))
        else:
            index.append(builtins.slice(None if begin_mask & bit else int(b), None if end_mask & bit else int(e),
                                        int(s)))
    return tensor_getitem(input_x, tuple(index))


def slice(input_x: Tensor, begin: Sequence[int], size: Sequence[int]) -> Tensor:  # noqa: A001
    """`ops.slice`: take `size[i]` elements from `begin[i]` (size -1 = to the end)."""
    index = tuple(builtins.slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))
    return tensor_getitem(input_x, index)


def gather(input_params: Tensor, input_indices: Any, axis: int, batch_dims: int = 0) -> Tensor:
    """Take slices of `input_params` along `axis` at `input_indices` (embedding lookup)."""
    if batch_dims != 0:
        raise ValueError("gather: batch_dims other than 0 is not supported; use gather_d/take_along_axis")
    idx = input_indices if isinstance(input_indices, Tensor) else Tensor(input_indices)
    return _a.gather_p(input_params, idx, axis=axis % input_params.ndim)


def embedding_lookup(params: Tensor, indices: Tensor) -> Tensor:
    return gather(params, indices, 0)


def gather_nd(input_x: Tensor, indices: Tensor) -> Tensor:
    return _a.gather_nd_p(input_x, indices)


def gather_elements(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    return take_along_axis(input, index, dim)


def take_along_axis(x: Tensor, indices: Tensor, axis: int) -> Tensor:
    return _a.take_along_axis_p(x, indices, axis=axis % x.ndim)


def tensor_scatter_update(input_x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
    return _a.tensor_scatter_update_p(input_x, indices, updates)


def tensor_scatter_add(input_x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
    return _a.tensor_scatter_add_p(input_x, indices, updates)


def scatter_add(input_x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
    """input_x with `updates` added at rows `indices` (axis 0); repeated rows accumulate.
    Returns a new tensor (mindlite never mutates arrays in place)."""
    return tensor_scatter_add(input_x, expand_dims(indices, -1), updates)


def one_hot(indices: Tensor, depth: int, on_value: Any = 1.0, off_value: Any = 0.0, axis: int = -1) -> Tensor:
    import numpy as np
    depth = _int_arg(depth, "one_hot", "depth")
    if depth < 0:
        raise ValueError(f"one_hot: depth must be >= 0, got {depth}")
    axis = _int_arg(axis, "one_hot", "axis")
    on = on_value.asnumpy() if isinstance(on_value, Tensor) else np.float32(on_value)
    off = off_value.asnumpy() if isinstance(off_value, Tensor) else np.float32(off_value)
    return _a.one_hot_p(indices, depth=int(depth), on_value=on.dtype.type(on), off_value=off.dtype.type(off),
                        axis=int(axis))


def pad(input_x: Tensor, padding: Sequence[int], mode: str = "constant", value: Any = None) -> Tensor:
    """`ops.pad`: `padding` lists (before, after) pairs starting from the LAST dimension."""
    if len(padding) % 2 or len(padding) // 2 > input_x.ndim:
        raise ValueError(f"pad: padding {list(padding)} must have an even length <= 2 * {input_x.ndim}")
    pairs = [(0, 0)] * input_x.ndim
    for i in range(len(padding) // 2):
        pairs[input_x.ndim - 1 - i] = (int(padding[2 * i]), int(padding[2 * i + 1]))
    return pad_nd(input_x, pairs, mode, value)


def pad_nd(x: Tensor, paddings: Sequence[Sequence[int]], mode: str = "constant", value: Any = None) -> Tensor:
    """Pad with numpy-style (before, after) pairs per dimension; mode constant|reflect|replicate."""
    mode = {"replicate": "edge"}.get(mode, mode)
    return _a.pad_p(x, paddings=tuple((int(a), int(b)) for a, b in paddings), mode=mode,
                    value=0 if value is None else value)


def flip(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    return _a.flip_p(input, axis=norm_axis(dims, input.ndim, "flip"))


def topk(input: Tensor, k: int, dim: Any = None, largest: bool = True, sorted: bool = True) -> tuple:  # noqa: A002
    """(values, indices) of the k largest (or smallest) entries along `dim` (default last)."""
    axis = -1 if dim is None else _int_arg(dim, "topk", "dim")
    axis %= input.ndim
    k = _int_arg(k, "topk", "k")
    if not 0 < k or not _decide("topk", f"whether k={k} fits axis {axis} of size {input.shape[axis]}",
                                lambda: k <= input.shape[axis]):
        raise ValueError(f"topk: k={k} is out of range for dimension {axis} of {list(input.shape)}")
    idx = _a.argsort_p(stop_gradient(input), axis=axis, descending=largest)
    idx = tensor_getitem(idx, (Ellipsis,) + (_slice_k(k),) + (_slice_all(),) * (input.ndim - 1 - axis))
    if not sorted:  # MindSpore's sorted=False keeps the k elements in their input order
        idx = take_along_axis(idx, _a.argsort_p(idx, axis=axis, descending=False), axis)
    return take_along_axis(input, idx, axis), cast(idx, mstype.int32)  # MindSpore's indices are int32


def top_k(input_x: Tensor, k: int, sorted: bool = True) -> tuple:  # noqa: A002
    """The k largest entries along the last axis (MindSpore 1.x/2.0 `ops.top_k`)."""
    return topk(input_x, k, -1, True, sorted)


def _slice_k(k: int) -> Any:
    return builtins.slice(0, k)


def _slice_all() -> Any:
    return builtins.slice(None)


def sort(input_x: Tensor, axis: int = -1, descending: bool = False) -> tuple:
    """(sorted values, int32 indices, as MindSpore's) along `axis` (stable)."""
    axis %= input_x.ndim
    idx = _a.argsort_p(stop_gradient(input_x), axis=axis, descending=descending)
    return take_along_axis(input_x, idx, axis), cast(idx, mstype.int32)


def argsort(input: Tensor, axis: int = -1, descending: bool = False) -> Tensor:  # noqa: A002
    return _a.argsort_p(input, axis=axis % input.ndim, descending=descending)


def depend(value: Any, expr: Any) -> Any:
    """Ordering hint for graph mode (MindSpore `ops.depend`); eager code runs in order already."""
    return value


def size(input_x: Tensor) -> int:
    return input_x.size


def shape(input_x: Tensor) -> tuple:
    return input_x.shape


def dyn_shape(input_x: Tensor) -> Tensor:
    """`ops.dyn_shape(input_x)`: the shape as an int64 Tensor, read when the op runs (in a
    compiled graph with axes declared None: each call's sizes)."""
    if not isinstance(input_x, Tensor):
        raise TypeError(f"dyn_shape: input_x must be a Tensor, got {type(input_x).__name__}")
    return _a.dyn_shape_p(input_x)


def rank(input_x: Tensor) -> int:
    return input_x.ndim


def numel(input: Tensor) -> int:  # noqa: A002
    return input.size


def dtype(input_x: Tensor) -> Any:
    return input_x.dtype


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def identity(input: Tensor) -> Tensor:  # noqa: A002
    """A copy of `input` (ops.Identity)."""
    return identity_copy(input)


def bias_add(input_x: Tensor, bias: Tensor, data_format: str = "NCHW") -> Tensor:
    """input_x + bias along the channel axis (axis 1 for NCHW/NCDHW, the last axis for NHWC)."""
    if data_format not in ("NCHW", "NHWC", "NCDHW"):
        raise ValueError(f"bias_add: data_format must be 'NCHW', 'NHWC' or 'NCDHW', got {data_format!r}")
    if not isinstance(bias, Tensor) or bias.ndim != 1:
        raise ValueError(f"bias_add: bias must be a 1-D Tensor, got {getattr(bias, 'shape', bias)!r}")
    if input_x.ndim < 2:
        raise ValueError(f"bias_add: input_x must be at least 2-D, got {list(input_x.shape)}")
    axis = input_x.ndim - 1 if data_format == "NHWC" else 1
    if input_x.shape[axis] != bias.shape[0]:
        raise ValueError(f"bias_add: bias of {bias.shape[0]} values does not match channel axis {axis} of "
                         f"input {list(input_x.shape)} ({data_format})")
    if axis == input_x.ndim - 1:
        return input_x + bias
    return input_x + reshape(bias, (1, -1) + (1,) * (input_x.ndim - 2))


def _legacy_reduce(fn: Any, name: str) -> Any:
    def reduce(x: Tensor, axis: Any = (), keep_dims: bool = False) -> Tensor:
        return fn(x, None if axis == () else axis, keep_dims)
    reduce.__name__ = name
    reduce.__doc__ = f"`ops.{name}(x, axis=(), keep_dims=False)` (MindSpore 1.x/2.0 name); () = all axes."
    return reduce


reduce_sum = _legacy_reduce(sum, "reduce_sum")
reduce_mean = _legacy_reduce(mean, "reduce_mean")
reduce_max = _legacy_reduce(amax, "reduce_max")
reduce_min = _legacy_reduce(amin, "reduce_min")
reduce_prod = _legacy_reduce(prod, "reduce_prod")

# MindSpore's alternative spellings of the same ops
inverse, choice_with_mask = matrix_inverse, random_choice_with_mask


def random_categorical(logits: Tensor, num_sample: int, seed: int = 0, dtype: Any = mstype.int64) -> Tensor:
    """Samples of the categorical distributions softmax(logits) per row (ops.RandomCategorical)."""
    from .categorical import RandomCategorical
    return RandomCategorical(dtype)(logits, num_sample, seed)


multiply, subtract, divide, true_divide, floor_divide = mul, sub, div, div, floor_div
arctan2, eq, swapdims = atan2, equal, swapaxes

def __getattr__(name: str):  # noqa: ANN202 - a MindSpore name mindlite lacks gets an error saying so
    from .._api_names import missing_attribute
    raise missing_attribute(__name__, name, "ops.functional")


# primitives whose bprops are referenced as F.<name>_p
gelu_p = gelu_p

from .legacy import (add_flags, pows, tensor_add, tensor_div, tensor_floordiv, tensor_ge,  # noqa: E402
                     tensor_gt, tensor_le, tensor_lt, tensor_mod, tensor_mul, tensor_pow, tensor_sub)
