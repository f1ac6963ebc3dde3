"""`mindlite.numpy` (MindSpore's `mindspore.numpy`): a numpy-style functional API over Tensor.

    >>> import mindlite.numpy as mnp
    >>> x = mnp.arange(6).reshape(2, 3)            # int32, as MindSpore's numpy module
    >>> mnp.where(x > 2, mnp.sqrt(x), mnp.zeros_like(x, mnp.float32))

Every function is built from mindlite ops, so results are Tensors, gradients flow through
them and they capture in GRAPH_MODE (functions whose output size depends on the data -
`nonzero`, one-argument `where`, `unique` - run in PYNATIVE mode only). Inputs may be Tensors,
Python numbers, nested lists or numpy arrays; 64-bit host data becomes int32/float32 (the
module's default dtypes), Tensors keep theirs.
"""
import math as _math

from ..core.dtype import (bool_, complex64, complex128, float16, float32, float64, int8, int16, int32, int64,  # noqa: F401
                          uint8, uint16, uint32, uint64)
from .array_creations import (arange, array, asarray, asfarray, copy, diag, diag_indices, diagflat, diagonal,  # noqa: F401
                              empty, empty_like, eye, full, full_like, geomspace, identity, indices, linspace,
                              logspace, meshgrid, ones, ones_like, rand, randint, randn, trace, tri, tril,
                              tril_indices, triu, triu_indices, zeros, zeros_like)
from .array_ops import (append, argsort, array_split, atleast_1d, atleast_2d, atleast_3d, broadcast_arrays,  # noqa: F401
                        broadcast_to, column_stack, concatenate, dsplit, dstack, expand_dims, flatnonzero, flip,
                        fliplr, flipud, hsplit, hstack, moveaxis, ndim, nonzero, pad, ravel, ravel_multi_index,
                        repeat, reshape, roll, rollaxis, rot90, row_stack, searchsorted, select, shape, size, sort,
                        split, squeeze, stack, swapaxes, take, take_along_axis, tile, transpose, unique,
                        unravel_index, vsplit, vstack, where)
from .math_ops import (abs, absolute, add, amax, amin, arccos, arccosh, arcsin, arcsinh, arctan, arctan2,  # noqa: F401,A004
                       arccosh, arctanh, argmax, argmin, around, average, cbrt, ceil, clip, cos, cosh, count_nonzero,
                       cross, cumprod, cumsum, deg2rad, degrees, diff, divide, divmod, dot, ediff1d, exp, exp2,
                       expm1, fix, float_power, floor, floor_divide, fmax, fmin, fmod, heaviside, hypot, inner, interp,
                       kron, log, log1p, log2, log10, logaddexp, logaddexp2, matmul, max, maximum, mean, min,
                       minimum, mod, multiply, nanmax, nanmean, nanmin, nansum, negative, norm, outer, positive,
                       power, prod, ptp, rad2deg, radians, reciprocal, remainder, rint, round, sign, sin, sinh, sqrt,
                       square, std, subtract, sum, tan, tanh, tensordot, true_divide, trunc, var, vdot)
from .logic_ops import (all, allclose, any, array_equal, array_equiv, equal, greater, greater_equal, in1d,  # noqa: F401,A004
                        isclose, isfinite, isin, isinf, isnan, isneginf, isposinf, isscalar, less, less_equal,
                        logical_and, logical_not, logical_or, logical_xor, not_equal, signbit)
from ..core.tensor import Tensor as ndarray  # noqa: F401  (MindSpore's numpy arrays are Tensors)

float_ = float32
int_ = int32
bool8 = bool_
pi = _math.pi
e = _math.e
euler_gamma = 0.5772156649015329
inf = float("inf")
Inf = PINF = inf
NINF = -inf
nan = NaN = float("nan")
newaxis = None
