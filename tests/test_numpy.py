"""mindlite.numpy against numpy itself: every function on small inputs, eagerly and compiled
with ms.jit (the tensor arguments become graph inputs), and float64 gradients of the
differentiable ones against central differences."""
from __future__ import annotations

import math

import numpy as np
import pytest

import mindlite as ms
import mindlite.numpy as mnp

from util import numeric_grad_check

RNG = np.random.default_rng(1234)
A = RNG.uniform(-2, 2, (3, 4))
B = RNG.uniform(-2, 2, (3, 4))
P = RNG.uniform(0.5, 2.5, (3, 4))            # positive
U = RNG.uniform(-0.9, 0.9, (3, 4))           # inside (-1, 1)
V = RNG.uniform(-2, 2, (4,))
M = RNG.uniform(-2, 2, (4, 5))
C3 = RNG.uniform(-2, 2, (2, 3, 4))
I = np.array([[3, 1, 2], [0, 2, 1]])
BOOL = RNG.random((3, 4)) < 0.5


def _run(fn, arrays, graph: bool):
    tensors = [ms.Tensor(a) for a in arrays]
    return (ms.jit(fn) if graph else fn)(*tensors)


def _check(got, want, rtol=1e-10):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            _check(g, w, rtol)
        return
    assert isinstance(got, ms.Tensor), f"expected a Tensor, got {type(got).__name__}"
    g, w = got.asnumpy(), np.asarray(want)
    assert g.shape == w.shape, f"shape {g.shape} != numpy's {w.shape}"
    if w.dtype.kind == "f":
        np.testing.assert_allclose(g.astype(np.float64), w, rtol=rtol, atol=rtol)
    else:
        np.testing.assert_array_equal(g, w)


# (id, mindlite.numpy call, numpy call, array arguments) - both calls take the arrays positionally
CASES = [
    ("add", lambda a, b: mnp.add(a, b), np.add, (A, B)),
    ("subtract", lambda a, b: mnp.subtract(a, b), np.subtract, (A, B)),
    ("multiply_scalar", lambda a: mnp.multiply(a, 2.5), lambda a: a * 2.5, (A,)),
    ("divide", lambda a, b: mnp.divide(a, b), np.divide, (A, P)),
    ("true_divide_bcast", lambda a, v: mnp.true_divide(a, v), np.true_divide, (A, V + 3)),
    ("floor_divide", lambda a, b: mnp.floor_divide(a, b), np.floor_divide, (A, P)),
    ("remainder", lambda a, b: mnp.remainder(a, b), np.remainder, (A, P)),
    ("fmod", lambda a, b: mnp.fmod(a, b), np.fmod, (A, P)),
    ("power", lambda a, b: mnp.power(a, b), np.power, (P, A)),
    ("float_power", lambda a: mnp.float_power(a, 3), lambda a: np.float_power(a, 3), (A,)),
    ("maximum", lambda a, b: mnp.maximum(a, b), np.maximum, (A, B)),
    ("minimum", lambda a, b: mnp.minimum(a, b), np.minimum, (A, B)),
    ("fmax", lambda a, b: mnp.fmax(a, b), np.fmax, (np.array([1.0, np.nan, 3.0]), np.array([np.nan, 2.0, 4.0]))),
    ("fmin", lambda a, b: mnp.fmin(a, b), np.fmin, (np.array([1.0, np.nan, 3.0]), np.array([np.nan, 2.0, 4.0]))),
    ("arctan2", lambda a, b: mnp.arctan2(a, b), np.arctan2, (A, B)),
    ("hypot", lambda a, b: mnp.hypot(a, b), np.hypot, (A, B)),
    ("logaddexp", lambda a, b: mnp.logaddexp(a, b), np.logaddexp, (A, B)),
    ("logaddexp2", lambda a, b: mnp.logaddexp2(a, b), np.logaddexp2, (A, B)),
    ("heaviside", lambda a: mnp.heaviside(a, 0.5), lambda a: np.heaviside(a, 0.5), (np.array([-1.0, 0.0, 2.0]),)),
    ("negative", mnp.negative, np.negative, (A,)),
    ("positive", mnp.positive, np.positive, (A,)),
    ("absolute", mnp.absolute, np.absolute, (A,)),
    ("abs", mnp.abs, np.abs, (A,)),
    ("sign", mnp.sign, np.sign, (A,)),
    ("sqrt", mnp.sqrt, np.sqrt, (P,)),
    ("cbrt", mnp.cbrt, np.cbrt, (A,)),
    ("square", mnp.square, np.square, (A,)),
    ("reciprocal", mnp.reciprocal, np.reciprocal, (P,)),
    ("exp", mnp.exp, np.exp, (A,)),
    ("exp2", mnp.exp2, np.exp2, (A,)),
    ("expm1", mnp.expm1, np.expm1, (A,)),
    ("log", mnp.log, np.log, (P,)),
    ("log2", mnp.log2, np.log2, (P,)),
    ("log10", mnp.log10, np.log10, (P,)),
    ("log1p", mnp.log1p, np.log1p, (P,)),
    ("sin", mnp.sin, np.sin, (A,)),
    ("cos", mnp.cos, np.cos, (A,)),
    ("tan", mnp.tan, np.tan, (U,)),
    ("arcsin", mnp.arcsin, np.arcsin, (U,)),
    ("arccos", mnp.arccos, np.arccos, (U,)),
    ("arctan", mnp.arctan, np.arctan, (A,)),
    ("sinh", mnp.sinh, np.sinh, (A,)),
    ("cosh", mnp.cosh, np.cosh, (A,)),
    ("tanh", mnp.tanh, np.tanh, (A,)),
    ("arcsinh", mnp.arcsinh, np.arcsinh, (A,)),
    ("arccosh", mnp.arccosh, np.arccosh, (P + 1,)),
    ("arctanh", mnp.arctanh, np.arctanh, (U,)),
    ("deg2rad", mnp.deg2rad, np.deg2rad, (A,)),
    ("rad2deg", mnp.rad2deg, np.rad2deg, (A,)),
    ("floor", mnp.floor, np.floor, (A,)),
    ("ceil", mnp.ceil, np.ceil, (A,)),
    ("trunc", mnp.trunc, np.trunc, (A,)),
    ("rint", mnp.rint, np.rint, (np.array([0.5, 1.5, -2.5, 2.2]),)),
    ("around", lambda a: mnp.around(a, 2), lambda a: np.around(a, 2), (A,)),
    ("clip", lambda a: mnp.clip(a, -0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7), (A,)),
    ("sum", lambda a: mnp.sum(a, 1), lambda a: np.sum(a, 1), (A,)),
    ("sum_all_keep", lambda a: mnp.sum(a, None, keepdims=True), lambda a: np.sum(a, None, keepdims=True), (A,)),
    ("prod", lambda a: mnp.prod(a, 0), lambda a: np.prod(a, 0), (A,)),
    ("mean", lambda a: mnp.mean(a, (0, 2)), lambda a: np.mean(a, (0, 2)), (C3,)),
    ("average_w", lambda a, w: mnp.average(a, 1, w), lambda a, w: np.average(a, 1, w), (A, np.abs(V) + 0.1)),
    ("var", lambda a: mnp.var(a, 1, ddof=1), lambda a: np.var(a, 1, ddof=1), (A,)),
    ("std", lambda a: mnp.std(a), np.std, (A,)),
    ("amax", lambda a: mnp.amax(a, -1), lambda a: np.amax(a, -1), (A,)),
    ("amin", lambda a: mnp.amin(a, 0, keepdims=True), lambda a: np.amin(a, 0, keepdims=True), (A,)),
    ("ptp", lambda a: mnp.ptp(a, 1), lambda a: np.ptp(a, 1), (A,)),
    ("nansum", mnp.nansum, np.nansum, (np.array([1.0, np.nan, 2.0]),)),
    ("nanmean", mnp.nanmean, np.nanmean, (np.array([1.0, np.nan, 2.0]),)),
    ("nanmax", mnp.nanmax, np.nanmax, (np.array([1.0, np.nan, 2.0]),)),
    ("argmax", lambda a: mnp.argmax(a, 1), lambda a: np.argmax(a, 1).astype(np.int32), (A,)),
    ("argmin", mnp.argmin, lambda a: np.argmin(a).astype(np.int32), (A,)),
    ("cumsum", lambda a: mnp.cumsum(a, 1), lambda a: np.cumsum(a, 1), (A,)),
    ("cumprod", lambda a: mnp.cumprod(a, 0), lambda a: np.cumprod(a, 0), (A,)),
    ("diff", lambda a: mnp.diff(a, 2, 1), lambda a: np.diff(a, 2, 1), (A,)),
    ("ediff1d", mnp.ediff1d, np.ediff1d, (V,)),
    ("matmul", mnp.matmul, np.matmul, (A, M)),
    ("dot_vec", mnp.dot, np.dot, (V, V)),
    ("dot_nd", mnp.dot, np.dot, (C3, M)),
    ("vdot", mnp.vdot, np.vdot, (A, B)),
    ("inner", mnp.inner, np.inner, (A, B)),
    ("outer", mnp.outer, np.outer, (V, V)),
    ("tensordot", lambda a, b: mnp.tensordot(a, b, ((1,), (1,))), lambda a, b: np.tensordot(a, b, ((1,), (1,))),
     (A, B)),
    ("tensordot_int", lambda a, b: mnp.tensordot(a, b, 1), lambda a, b: np.tensordot(a, b, 1), (C3, M)),
    ("kron", mnp.kron, np.kron, (A[:2, :2], B[:2, :3])),
    ("cross", mnp.cross, np.cross, (RNG.uniform(-1, 1, (4, 3)), RNG.uniform(-1, 1, (4, 3)))),
    ("norm", mnp.norm, np.linalg.norm, (A,)),
    ("norm_axis_ord", lambda a: mnp.norm(a, 1, 1), lambda a: np.linalg.norm(a, 1, 1), (A,)),
    ("norm_inf", lambda a: mnp.norm(a, np.inf, 0), lambda a: np.linalg.norm(a, np.inf, 0), (A,)),
    ("norm_p3", lambda a: mnp.norm(a, 3, 1), lambda a: np.linalg.norm(a, 3, 1), (A,)),
    ("norm_matrix1", lambda a: mnp.norm(a, 1), lambda a: np.linalg.norm(a, 1), (A,)),
    ("norm_fro", lambda a: mnp.norm(a, "fro", (1, 2)), lambda a: np.linalg.norm(a, "fro", (1, 2)), (C3,)),
    ("interp", lambda x: mnp.interp(x, [0.0, 1.0, 2.5], [1.0, 3.0, -2.0]),
     lambda x: np.interp(x, [0.0, 1.0, 2.5], [1.0, 3.0, -2.0]), (np.array([-1.0, 0.3, 1.7, 2.5, 4.0]),)),
    ("count_nonzero", lambda a: mnp.count_nonzero(a, 1), lambda a: np.count_nonzero(a, 1).astype(np.int32),
     (np.array([[0, 1, 2], [0, 0, 3]]),)),
    # array manipulation
    ("reshape", lambda a: mnp.reshape(a, (4, -1)), lambda a: np.reshape(a, (4, -1)), (A,)),
    ("ravel", mnp.ravel, np.ravel, (A,)),
    ("squeeze", lambda a: mnp.squeeze(a, 1), lambda a: np.squeeze(a, 1), (A[:, :1],)),
    ("expand_dims", lambda a: mnp.expand_dims(a, (0, 3)), lambda a: np.expand_dims(a, (0, 3)), (A,)),
    ("transpose", lambda a: mnp.transpose(a, (2, 0, 1)), lambda a: np.transpose(a, (2, 0, 1)), (C3,)),
    ("swapaxes", lambda a: mnp.swapaxes(a, 0, 2), lambda a: np.swapaxes(a, 0, 2), (C3,)),
    ("moveaxis", lambda a: mnp.moveaxis(a, 0, -1), lambda a: np.moveaxis(a, 0, -1), (C3,)),
    ("moveaxis_multi", lambda a: mnp.moveaxis(a, (0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0)), (C3,)),
    ("rollaxis", lambda a: mnp.rollaxis(a, 2, 0), lambda a: np.rollaxis(a, 2, 0), (C3,)),
    ("concatenate", lambda a, b: mnp.concatenate((a, b), 1), lambda a, b: np.concatenate((a, b), 1), (A, B)),
    ("concatenate_none", lambda a, b: mnp.concatenate((a, b), None), lambda a, b: np.concatenate((a, b), None),
     (A, V)),
    ("stack", lambda a, b: mnp.stack((a, b), -1), lambda a, b: np.stack((a, b), -1), (A, B)),
    ("hstack", lambda a, b: mnp.hstack((a, b)), lambda a, b: np.hstack((a, b)), (A, B)),
    ("vstack", lambda a, v: mnp.vstack((a, v)), lambda a, v: np.vstack((a, v)), (A, V)),
    ("dstack", lambda a, b: mnp.dstack((a, b)), lambda a, b: np.dstack((a, b)), (A, B)),
    ("column_stack", lambda v, a: mnp.column_stack((v, a)), lambda v, a: np.column_stack((v, a)), (V[:3], A)),
    ("append", lambda a, b: mnp.append(a, b, 0), lambda a, b: np.append(a, b, 0), (A, B)),
    ("split", lambda a: mnp.split(a, 2, 1), lambda a: np.split(a, 2, 1), (A,)),
    ("split_points", lambda a: mnp.split(a, [1, 3], 1), lambda a: np.split(a, [1, 3], 1), (A,)),
    ("array_split", lambda a: mnp.array_split(a, 3, 1), lambda a: np.array_split(a, 3, 1), (A,)),
    ("hsplit", lambda a: mnp.hsplit(a, 2), lambda a: np.hsplit(a, 2), (A,)),
    ("vsplit", lambda a: mnp.vsplit(a, 3), lambda a: np.vsplit(a, 3), (A,)),
    ("tile", lambda a: mnp.tile(a, (2, 1, 2)), lambda a: np.tile(a, (2, 1, 2)), (A,)),
    ("repeat", lambda a: mnp.repeat(a, 2, 1), lambda a: np.repeat(a, 2, 1), (A,)),
    ("repeat_counts", lambda a: mnp.repeat(a, [1, 0, 3], 0), lambda a: np.repeat(a, [1, 0, 3], 0), (A,)),
    ("broadcast_to", lambda v: mnp.broadcast_to(v, (3, 4)), lambda v: np.broadcast_to(v, (3, 4)), (V,)),
    ("broadcast_arrays", lambda a, v: mnp.broadcast_arrays(a, v), lambda a, v: np.broadcast_arrays(a, v), (A, V)),
    ("atleast_3d", mnp.atleast_3d, np.atleast_3d, (A,)),
    ("flip", lambda a: mnp.flip(a, 1), lambda a: np.flip(a, 1), (A,)),
    ("flip_all", mnp.flip, np.flip, (C3,)),
    ("fliplr", mnp.fliplr, np.fliplr, (A,)),
    ("flipud", mnp.flipud, np.flipud, (A,)),
    ("rot90", lambda a: mnp.rot90(a, 1, (1, 2)), lambda a: np.rot90(a, 1, (1, 2)), (C3,)),
    ("rot90_3", lambda a: mnp.rot90(a, 3), lambda a: np.rot90(a, 3), (A,)),
    ("rot90_2", lambda a: mnp.rot90(a, 2), lambda a: np.rot90(a, 2), (A,)),
    ("roll", lambda a: mnp.roll(a, 2, 1), lambda a: np.roll(a, 2, 1), (A,)),
    ("roll_flat", lambda a: mnp.roll(a, -3), lambda a: np.roll(a, -3), (A,)),
    ("roll_multi", lambda a: mnp.roll(a, (1, -1), (0, 1)), lambda a: np.roll(a, (1, -1), (0, 1)), (A,)),
    ("pad_constant", lambda a: mnp.pad(a, ((1, 2), (0, 1)), constant_values=((0.5, 1.5), (2, 3))),
     lambda a: np.pad(a, ((1, 2), (0, 1)), constant_values=((0.5, 1.5), (2, 3))), (A,)),
    ("pad_edge", lambda a: mnp.pad(a, 2, "edge"), lambda a: np.pad(a, 2, "edge"), (A,)),
    ("pad_reflect", lambda a: mnp.pad(a, ((2, 1), (1, 3)), "reflect"), lambda a: np.pad(a, ((2, 1), (1, 3)),
                                                                                          "reflect"), (A,)),
    ("pad_symmetric", lambda a: mnp.pad(a, 1, "symmetric"), lambda a: np.pad(a, 1, "symmetric"), (A,)),
    ("pad_wrap", lambda a: mnp.pad(a, ((1, 1), (2, 0)), "wrap"), lambda a: np.pad(a, ((1, 1), (2, 0)), "wrap"), (A,)),
    ("take", lambda a, i: mnp.take(a, i, 1), lambda a, i: np.take(a, i, 1), (A, I)),
    ("take_flat_clip", lambda a, i: mnp.take(a, i + 10), lambda a, i: np.take(a, i + 10, mode="clip"), (A, I)),
    ("take_along_axis", lambda a, i: mnp.take_along_axis(a, i, 1), lambda a, i: np.take_along_axis(a, i, 1),
     (A[:2], I)),
    ("where", lambda c, a, b: mnp.where(c, a, b), np.where, (BOOL, A, B)),
    ("where_scalar", lambda c, a: mnp.where(c, a, 0.0), lambda c, a: np.where(c, a, 0.0), (BOOL, A)),
    ("select", lambda a: mnp.select([a < -1, a > 1], [a * 2, a * 3], 0.5),
     lambda a: np.select([a < -1, a > 1], [a * 2, a * 3], 0.5), (A,)),
    ("unravel_index", lambda i: mnp.unravel_index(i, (3, 4)), lambda i: np.unravel_index(i, (3, 4)),
     (np.array([0, 5, 11]),)),
    ("ravel_multi_index", lambda r, c: mnp.ravel_multi_index((r, c), (3, 4)),
     lambda r, c: np.ravel_multi_index((r, c), (3, 4)), (np.array([0, 2, 1]), np.array([3, 0, 2]))),
    ("sort", lambda a: mnp.sort(a, 0), lambda a: np.sort(a, 0), (A,)),
    ("argsort", mnp.argsort, lambda a: np.argsort(a, kind="stable").astype(np.int32), (A,)),
    ("searchsorted", lambda s, v: mnp.searchsorted(s, v), np.searchsorted, (np.array([1.0, 2.0, 2.0, 5.0]),
                                                                            np.array([0.5, 2.0, 3.0, 6.0]))),
    ("searchsorted_right", lambda s, v: mnp.searchsorted(s, v, "right"), lambda s, v: np.searchsorted(s, v, "right"),
     (np.array([1.0, 2.0, 2.0, 5.0]), np.array([0.5, 2.0, 3.0, 6.0]))),
    ("diagonal", lambda a: mnp.diagonal(a, 1), lambda a: np.diagonal(a, 1), (A,)),
    ("diagonal_3d", lambda a: mnp.diagonal(a, -1, 1, 2), lambda a: np.diagonal(a, -1, 1, 2), (C3,)),
    ("diag_2d", lambda a: mnp.diag(a, -1), lambda a: np.diag(a, -1), (A,)),
    ("diag_1d", lambda v: mnp.diag(v, 1), lambda v: np.diag(v, 1), (V,)),
    ("diagflat", mnp.diagflat, np.diagflat, (A[:1, :3],)),
    ("trace", lambda a: mnp.trace(a, 1), lambda a: np.trace(a, 1), (A,)),
    ("tril", lambda a: mnp.tril(a, -1), lambda a: np.tril(a, -1), (A,)),
    ("triu", lambda a: mnp.triu(a, 1), lambda a: np.triu(a, 1), (C3,)),
    ("linspace_arrays", lambda s, e: mnp.linspace(s, e, 5, axis=1), lambda s, e: np.linspace(s, e, 5, axis=1),
     (V, V + 3)),
    # logic
    ("equal", mnp.equal, np.equal, (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0]))),
    ("not_equal", mnp.not_equal, np.not_equal, (np.array([1.0, 2.0]), np.array([1.0, 0.0]))),
    ("greater", mnp.greater, np.greater, (A, B)),
    ("greater_equal", mnp.greater_equal, np.greater_equal, (A, B)),
    ("less", mnp.less, np.less, (A, B)),
    ("less_equal", mnp.less_equal, np.less_equal, (A, B)),
    ("logical_and", mnp.logical_and, np.logical_and, (BOOL, BOOL.T[:3, :3].repeat(2, 1)[:, :4])),
    ("logical_or", mnp.logical_or, np.logical_or, (BOOL, ~BOOL)),
    ("logical_xor", mnp.logical_xor, np.logical_xor, (BOOL, BOOL[::-1])),
    ("logical_not", mnp.logical_not, np.logical_not, (BOOL,)),
    ("isfinite", mnp.isfinite, np.isfinite, (np.array([1.0, np.inf, np.nan, -np.inf]),)),
    ("isnan", mnp.isnan, np.isnan, (np.array([1.0, np.inf, np.nan, -np.inf]),)),
    ("isinf", mnp.isinf, np.isinf, (np.array([1.0, np.inf, np.nan, -np.inf]),)),
    ("isposinf", mnp.isposinf, np.isposinf, (np.array([1.0, np.inf, np.nan, -np.inf]),)),
    ("isneginf", mnp.isneginf, np.isneginf, (np.array([1.0, np.inf, np.nan, -np.inf]),)),
    ("signbit", mnp.signbit, np.signbit, (np.array([1.0, -0.0, 0.0, -2.0]),)),
    ("isclose", mnp.isclose, np.isclose, (np.array([1.0, 1.0 + 1e-9, 2.0, np.inf]), np.array([1.0, 1.0, 2.1, np.inf]))),
    ("allclose", mnp.allclose, np.allclose, (A, A + 1e-10)),
    ("array_equal", mnp.array_equal, np.array_equal, (A, A)),
    ("all", lambda b: mnp.all(b, 1), lambda b: np.all(b, 1), (BOOL,)),
    ("any", mnp.any, np.any, (BOOL,)),
    ("isin", lambda a, b: mnp.isin(a, b), np.isin, (np.array([[1, 5], [3, 7]]), np.array([3, 1, 9]))),
]


@pytest.mark.parametrize("graph", [False, True], ids=["pynative", "graph"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_against_numpy(case, graph):
    _, fn, ref, arrays = case
    want = ref(*arrays)
    got = _run(fn, arrays, graph)
    _check(got, want)


CREATION = [
    ("arange", lambda: mnp.arange(2, 11, 3), np.arange(2, 11, 3).astype(np.int32)),
    ("arange_float", lambda: mnp.arange(0.5, 2.0, 0.25), np.arange(0.5, 2.0, 0.25).astype(np.float32)),
    ("arange_stop", lambda: mnp.arange(5), np.arange(5).astype(np.int32)),
    ("zeros", lambda: mnp.zeros((2, 3)), np.zeros((2, 3), np.float32)),
    ("ones_int", lambda: mnp.ones(3, mnp.int32), np.ones(3, np.int32)),
    ("full", lambda: mnp.full((2, 2), 7), np.full((2, 2), 7, np.int32)),
    ("full_float", lambda: mnp.full((2,), 1.5, mnp.float64), np.full((2,), 1.5)),
    ("empty", lambda: mnp.empty((2, 1)).shape, None),
    ("eye", lambda: mnp.eye(3, 4, 1), np.eye(3, 4, 1, dtype=np.float32)),
    ("identity", lambda: mnp.identity(3), np.identity(3, dtype=np.float32)),
    ("tri", lambda: mnp.tri(3, 4, -1), np.tri(3, 4, -1, dtype=np.float32)),
    ("linspace", lambda: mnp.linspace(0, 1, 5), np.linspace(0, 1, 5, dtype=np.float32)),
    ("linspace_noend", lambda: mnp.linspace(2, 3, 4, endpoint=False), np.linspace(2, 3, 4, endpoint=False)),
    ("logspace", lambda: mnp.logspace(0, 2, 3), np.logspace(0, 2, 3)),
    ("geomspace", lambda: mnp.geomspace(1, 1000, 4), np.geomspace(1, 1000, 4)),
    ("array_list", lambda: mnp.array([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]], np.int32)),
    ("array_float_list", lambda: mnp.array([1.0, 2.0]), np.array([1.0, 2.0], np.float32)),
    ("array_ndmin", lambda: mnp.array([1.0, 2.0], ndmin=3), np.array([1.0, 2.0], ndmin=3)),
    ("asarray_dtype", lambda: mnp.asarray([1, 2], mnp.float32), np.asarray([1, 2], np.float32)),
    ("asfarray", lambda: mnp.asfarray([1, 2]), np.asarray([1, 2], np.float32)),
    ("zeros_like", lambda: mnp.zeros_like(ms.Tensor(A)), np.zeros_like(A)),
    ("ones_like_dtype", lambda: mnp.ones_like(ms.Tensor(A), mnp.int32), np.ones_like(A, np.int32)),
    ("full_like", lambda: mnp.full_like(ms.Tensor(A), 2.5), np.full_like(A, 2.5)),
    ("meshgrid_xy", lambda: mnp.meshgrid(mnp.arange(3), mnp.arange(2)), np.meshgrid(np.arange(3), np.arange(2))),
    ("meshgrid_ij", lambda: mnp.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0], indexing="ij"),
     np.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0], indexing="ij")),
    ("meshgrid_sparse", lambda: mnp.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0], sparse=True),
     np.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0], sparse=True)),
    ("indices", lambda: mnp.indices((2, 3)), np.indices((2, 3))),
    ("tril_indices", lambda: mnp.tril_indices(3), np.tril_indices(3)),
    ("triu_indices", lambda: mnp.triu_indices(3, 1, 4), np.triu_indices(3, 1, 4)),
]


@pytest.mark.parametrize("case", CREATION, ids=[c[0] for c in CREATION])
def test_creation(case):
    _, fn, want = case
    got = fn()
    if want is None:
        assert got == (2, 1)
        return
    _check(got, want, rtol=1e-6)
    if isinstance(want, np.ndarray) and want.dtype in (np.int32, np.float32):
        assert got.asnumpy().dtype == want.dtype, f"dtype {got.dtype}, numpy-module default {want.dtype}"


def test_creation_in_graph_mode():
    @ms.jit
    def f(x):
        return mnp.zeros((2, 3)) + x * mnp.arange(3) + mnp.eye(2, 3) + mnp.linspace(0.0, 1.0, 3)

    x = ms.Tensor(np.array([1.0, 2.0, 3.0], np.float32))
    want = np.zeros((2, 3)) + np.array([1.0, 2.0, 3.0]) * np.arange(3) + np.eye(2, 3) + np.linspace(0, 1, 3)
    np.testing.assert_allclose(f(x).asnumpy(), want, rtol=1e-6)


def test_constants_and_dtypes():
    assert mnp.pi == math.pi and mnp.e == math.e and mnp.inf == math.inf and math.isnan(mnp.nan)
    assert mnp.float32 == ms.float32 and mnp.int32 == ms.int32 and mnp.bool_ == ms.bool_ and mnp.uint8 == ms.uint8
    assert mnp.newaxis is None


def test_eager_only_functions():
    x = np.array([[0.0, 1.5], [2.0, 0.0]])
    _check(mnp.nonzero(ms.Tensor(x)), tuple(i.astype(np.int32) for i in np.nonzero(x)))
    _check(mnp.where(ms.Tensor(x)), tuple(i.astype(np.int32) for i in np.nonzero(x)))
    _check(mnp.flatnonzero(ms.Tensor(x)), np.flatnonzero(x).astype(np.int32))
    vals, inv = mnp.unique(ms.Tensor(np.array([3, 1, 3, 2])), return_inverse=True)
    np.testing.assert_array_equal(vals.asnumpy(), [1, 2, 3])
    np.testing.assert_array_equal(inv.asnumpy(), [2, 0, 2, 1])
    with pytest.raises(ms.core.graph_trace.GraphModeError, match="nonzero"):
        ms.jit(lambda t: mnp.nonzero(t))(ms.Tensor(x))


def test_random_arrays_repeat_under_seed():
    ms.set_seed(3)
    a, b, c = mnp.rand(2, 3), mnp.randn((4,)), mnp.randint(2, 9, (50,))
    ms.set_seed(3)
    np.testing.assert_array_equal(mnp.rand(2, 3).asnumpy(), a.asnumpy())
    np.testing.assert_array_equal(mnp.randn(4).asnumpy(), b.asnumpy())
    assert a.shape == (2, 3) and a.dtype == ms.float32 and 0 <= a.asnumpy().min() and a.asnumpy().max() < 1
    cv = c.asnumpy()
    assert c.dtype == ms.int32 and cv.min() >= 2 and cv.max() < 9


def test_errors_name_the_function_and_problem():
    with pytest.raises(ValueError, match="split.*equal division"):
        mnp.split(mnp.ones((5,)), 2)
    with pytest.raises(ValueError, match="axis 3 is out of bounds"):
        mnp.sum(mnp.ones((2, 2)), 3)
    with pytest.raises(ValueError, match="pad: mode 'median' is not supported"):
        mnp.pad(mnp.ones((2,)), 1, "median")
    with pytest.raises(ValueError, match="squeeze"):
        mnp.squeeze(mnp.ones((2, 3)), 0)
    with pytest.raises(TypeError, match="expected numbers"):
        mnp.array(object())  # no numbers in it


# float64 gradients of differentiable functions (central differences)
GRAD_CASES = [
    ("exp_log_sin", lambda a, p: mnp.sum(mnp.exp(a) * mnp.log(p) + mnp.sin(a) * mnp.sqrt(p)), (A, P)),
    ("trig", lambda u: mnp.arcsin(u) + mnp.arccos(u) * mnp.arctanh(u) + mnp.tan(u) + mnp.cbrt(u + 2.0), (U,)),
    ("hyper", lambda a: mnp.arcsinh(a) * mnp.cosh(a) + mnp.logaddexp(a, a * 0.5) + mnp.hypot(a, 1.5), (A,)),
    ("reductions", lambda a: mnp.var(a, 1) + mnp.std(a, 1) + mnp.mean(a, 1) + mnp.prod(a, 1) + mnp.amax(a, 1), (A,)),
    ("cumprod_cumsum", lambda a: mnp.cumprod(a, 1) + mnp.cumsum(a, 1), (A,)),
    ("products", lambda a, m: mnp.tensordot(a, m, 1) + mnp.dot(a, m) + mnp.sum(mnp.kron(a[:2, :2], a[:2, :2])), (A, M)),
    ("norms", lambda a: mnp.norm(a) + mnp.norm(a, 3, 1) + mnp.norm(a, 1), (A,)),
    ("manipulation", lambda a: mnp.sum(mnp.rot90(mnp.pad(a, 1, "reflect")) * mnp.roll(mnp.pad(a, 1, "wrap"), 1, 0).T),
     (A,)),
    ("split_concat", lambda a: mnp.concatenate(mnp.array_split(a * 2, 3, 1)[::-1], 1), (A,)),
    ("take_diag", lambda a: mnp.take(a, np.array([3, 0, 3]), 1) + mnp.diagonal(a, 1)[0] + mnp.trace(a), (A,)),
    ("interp", lambda x, fp: mnp.interp(x, np.array([0.0, 1.0, 2.5]), fp), (np.array([0.3, 1.7, 2.2]),
                                                                            np.array([1.0, 3.0, -2.0]))),
    ("cross_outer", lambda a, b: mnp.cross(a[:, :3], b[:, :3]) + mnp.outer(a[0], b[1])[:3, :3], (A, B)),
    ("where_clip", lambda a, b: mnp.where(a > 0, mnp.clip(a, -1.3, 1.3), b * b), (A, B)),
]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients(case):
    _, fn, arrays = case
    numeric_grad_check(fn, list(arrays))


def test_gradient_in_graph_mode():
    def loss(a, m):
        return mnp.sum(mnp.tanh(mnp.matmul(a, m)) ** 2) + mnp.mean(mnp.flip(a, 0) * a)
    a, m = ms.Tensor(A), ms.Tensor(M)
    eager = ms.grad(loss, grad_position=(0, 1))(a, m)
    graph = ms.jit(ms.grad(loss, grad_position=(0, 1)))(a, m)
    for e, g in zip(eager, graph):
        np.testing.assert_allclose(g.asnumpy(), e.asnumpy(), rtol=1e-12)
    numeric_grad_check(loss, [A, M])
