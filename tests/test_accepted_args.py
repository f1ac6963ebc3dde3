"""No argument is accepted and then ignored: every parameter of a functional op or a Tensor
method either changes the result (checked here against numpy, in both modes) or raises a clear
error, except the few listed in IGNORED_ON_PURPOSE with the reason they cannot change a result."""
from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

import numpy as np
import pytest

import mindlite as ms
from mindlite import ops
from mindlite.ops import functional as F
from util import numeric_grad_check

# (qualified name, parameter) -> why it cannot change a result
IGNORED_ON_PURPOSE = {
    ("ops.depend", "expr"): "an ordering hint: eager code runs in order, and a graph keeps side effects in program "
                            "order (their nodes are impure, so never dropped)",
    ("Tensor.__init__", "internal"): "marks framework-made tensors in MindSpore; no effect on values",
    ("Tensor.__init__", "const_arg"): "MindSpore compiles such a value into the graph; mindlite passes it as a "
                                      "graph input, which computes the same numbers",
    # MindSpore's lock around one variable's read-modify-write for concurrent kernels; a mindlite
    # update is one call computing the new buffer and rebinding the parameter to it, so a single
    # thread's results never depend on it (updates of one parameter from several Python threads at
    # once are not serialised by it either)
    ("ops.index_add", "use_lock"): "lock for concurrent in-place kernels (see above)",
    ("ops.scatter_nd_add", "use_locking"): "lock for concurrent in-place kernels (see above)",
    ("ops.scatter_nd_sub", "use_locking"): "lock for concurrent in-place kernels (see above)",
}


def _unused_parameters(fn: Any) -> list:
    """Parameters of `fn` that its body never names (a syntactic check)."""
    node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    a = node.args
    params = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
    params += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
    used = {n.id for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    return [p for p in params if p not in used and p not in ("self", "cls")]


def _public_api() -> list:
    """(qualified name, function) for every functional op and public Tensor/Parameter method."""
    out, seen = [], set()
    for name in sorted(dir(F)):
        fn = getattr(F, name)
        if not name.startswith("_") and inspect.isfunction(fn) and fn.__module__.startswith("mindlite.ops") \
                and fn not in seen:
            seen.add(fn)
            out.append((f"ops.{name}", fn))
    for cls in (ms.Tensor, ms.Parameter):
        for name, fn in inspect.getmembers(cls, inspect.isfunction):
            if (not name.startswith("_") or name in ("__init__", "__array__")) and fn not in seen:
                seen.add(fn)
                out.append((f"{cls.__name__}.{name}", fn))
    return out


def test_no_public_op_or_tensor_method_ignores_an_argument() -> None:
    found = {(q, p) for q, fn in _public_api() for p in _unused_parameters(fn)}
    assert len(_public_api()) > 200
    unexplained = sorted(found - set(IGNORED_ON_PURPOSE))
    assert not unexplained, f"accepted but never used: {unexplained}"
    assert set(IGNORED_ON_PURPOSE) <= found, "IGNORED_ON_PURPOSE lists arguments that are now used: update it"


# ---- Tensor.max / Tensor.min with initial and where ---------------------------------------------
X = np.array([[1.0, 5.0, 2.0, -4.0], [7.0, 0.0, 3.0, 6.0], [-1.0, 2.0, 8.0, 0.5]])
MASK = np.array([[True, False, True, True], [False, True, True, False], [True, True, False, True]])
ROW_MASK = np.array([True, False, True, True])  # broadcast over rows


def _np_minmax(op: str, x: np.ndarray, axis: Any, keepdims: bool, initial: Any, where: Any) -> np.ndarray:
    fn = np.max if op == "max" else np.min
    return fn(x, axis=axis, keepdims=keepdims, initial=initial, where=True if where is None else where)


def _np_index(op: str, x: np.ndarray, axis: int, initial: float, where: np.ndarray) -> np.ndarray:
    """MindSpore's indices: into x bounded by initial, masked-out elements set to initial."""
    bounded = np.maximum(x, initial) if op == "max" else np.minimum(x, initial)
    filled = np.where(np.broadcast_to(where, x.shape), bounded, initial)
    return (np.argmax if op == "max" else np.argmin)(filled, axis)


CASES = [  # (axis, keepdims, initial, where)
    (None, False, -10.0, MASK), (1, False, 2.5, MASK), (0, True, 4.0, MASK), (1, False, 0.0, ROW_MASK),
    ((0, 1), False, 100.0, MASK), (1, False, 3.0, None), (None, False, 9.0, None), (-1, True, -2.0, True),
    (0, False, 1.5, False),
]


@pytest.fixture(params=[ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def mode(request: Any) -> Any:
    ms.set_context(mode=request.param)
    yield request.param
    ms.set_context(mode=ms.PYNATIVE_MODE)


class _Reduce(ms.nn.Cell):
    """Tensor.max/min inside a Cell, so GRAPH_MODE compiles it."""

    def __init__(self, op: str, **kw: Any) -> None:
        super().__init__()
        self.op, self.kw = op, kw

    def construct(self, x: Any, where: Any) -> Any:
        kw = dict(self.kw)
        if where is not None:
            kw["where"] = where
        return x.max(**kw) if self.op == "max" else x.min(**kw)


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("axis,keepdims,initial,where", CASES)
def test_tensor_max_min_where_and_initial(mode: Any, op: str, axis: Any, keepdims: bool, initial: float,
                                          where: Any) -> None:
    w = ms.Tensor(where) if isinstance(where, np.ndarray) else where
    got = _Reduce(op, axis=axis, keepdims=keepdims, initial=initial)(ms.Tensor(X), w)
    np.testing.assert_array_equal(got.asnumpy(), _np_minmax(op, X, axis, keepdims, initial, where))
    assert got.dtype == ms.float64


@pytest.mark.parametrize("op", ["max", "min"])
def test_tensor_max_min_where_indices_and_gradient(mode: Any, op: str) -> None:
    kw = dict(axis=1, initial=2.5 if op == "max" else 4.5, return_indices=True)
    values, idx = _Reduce(op, **kw)(ms.Tensor(X), ms.Tensor(MASK))
    np.testing.assert_array_equal(values.asnumpy(), _np_minmax(op, X, 1, False, kw["initial"], MASK))
    np.testing.assert_array_equal(idx.asnumpy(), _np_index(op, X, 1, kw["initial"], MASK))
    f = lambda t: getattr(t, op)(axis=1, initial=kw["initial"], where=ms.Tensor(MASK))  # noqa: E731
    numeric_grad_check(f, [X + 0.01 * np.arange(12).reshape(3, 4)])  # ties broken


def test_tensor_max_where_needs_initial_and_initial_takes_the_dtype() -> None:
    with pytest.raises(ValueError, match="'where' needs 'initial'"):
        ms.Tensor(X).max(where=ms.Tensor(MASK))
    with pytest.raises(ValueError, match="'where' needs 'initial'"):
        ms.Tensor(X).min(axis=0, where=MASK)
    xi = ms.Tensor(np.array([[1, 5, 2], [7, 0, 3]]))
    out = xi.max(axis=1, initial=2.5, where=ms.Tensor(np.array([True, False, True])))
    assert out.dtype == ms.int64  # MindSpore fills `initial` in the tensor's dtype: 2.5 -> 2
    np.testing.assert_array_equal(out.asnumpy(), [2, 7])


# ---- copy= arguments -----------------------------------------------------------------------------
def test_astype_copy() -> None:
    x = ms.Tensor(np.arange(4.0, dtype=np.float32))
    y = x.astype(ms.float32)                 # copy=True: a new tensor, even for the same dtype
    assert y is not x
    y[0] = 10.0
    assert x.asnumpy()[0] == 0.0             # rebinding the copy leaves x alone
    assert x.astype(ms.float32, copy=False) is x
    z = x.astype(ms.float16, copy=False)     # a different dtype always converts
    assert z.dtype == ms.float16 and z is not x


def test_array_protocol_copy() -> None:
    x = ms.Tensor(np.arange(4.0))
    a = x.__array__(copy=False)
    assert np.shares_memory(a, x.asnumpy()) is False  # asnumpy copies; copy=False must not
    a2 = x.__array__(copy=False)
    assert np.shares_memory(a, a2)
    b = x.__array__()
    assert not np.shares_memory(a, b)
    with pytest.raises(ValueError, match="without a copy"):
        x.__array__(np.float32, copy=False)
    np.testing.assert_array_equal(x.__array__(np.float32), np.arange(4.0, dtype=np.float32))


# ---- randperm offset -----------------------------------------------------------------------------
def test_randperm_offset_picks_a_fixed_position_of_the_stream() -> None:
    ms.set_seed(3)
    a = ops.randperm(8, seed=5, offset=2).asnumpy()
    b = ops.randperm(8, seed=5, offset=2).asnumpy()
    np.testing.assert_array_equal(a, b)                      # a fixed (seed, offset): the same draw
    np.testing.assert_array_equal(np.sort(a), np.arange(8))
    # offset k is the k-th draw of the stream that offset=0 walks through
    ms.set_seed(3)
    draws = [ops.randperm(8, seed=5).asnumpy() for _ in range(3)]
    np.testing.assert_array_equal(draws[2], a)
    np.testing.assert_array_equal(ms.jit(lambda: ops.randperm(8, seed=5, offset=2))().asnumpy(), a)
    with pytest.raises(ValueError, match="offset"):
        ops.randperm(8, offset=-1)


# ---- conv2d_transpose output_padding -------------------------------------------------------------
def test_conv2d_transpose_output_padding_only_with_pad_mode_pad() -> None:
    x, w = ms.Tensor(np.ones((1, 2, 3, 3))), ms.Tensor(np.ones((2, 1, 3, 3)))
    out = ops.conv2d_transpose(x, w, stride=2, pad_mode="pad", padding=1, output_padding=(1, 0))
    assert out.shape == (1, 1, 6, 5)  # (3-1)*2 + 3 - 2 + output_padding
    for mode in ("same", "valid"):
        with pytest.raises(ValueError, match="output_padding"):
            ops.conv2d_transpose(x, w, stride=2, pad_mode=mode, output_padding=1)
    with pytest.raises(ValueError, match="output_padding"):
        ops.conv2d_transpose(x, w, input_size=(1, 1, 6, 6), stride=2, pad_mode="pad", padding=1, output_padding=1)
