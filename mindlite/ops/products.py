"""Products built on matmul (MindSpore 2.x names): outer/ger, inner, dot, mm, mv, tensor_dot,
addmm/addmv/addbmm/baddbmm/addr, cross, trace, diag, diagonal. Composites of the table's
primitives, so they differentiate in both modes."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import Tensor
from ._sizes import numel
from ..core.dims import Dim, DynamicDimError, is_static
from .registry import broadcast_shapes


def _rank(op: str, name: str, x: Any, ranks: tuple) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    if x.ndim not in ranks:
        raise ValueError(f"{op}: {name} must be {' or '.join(f'{r}-D' for r in ranks)}, got shape {list(x.shape)}")
    return x


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """input[i] * vec2[j] for 1-D input and vec2."""
    _rank("outer", "input", input, (1,))
    _rank("outer", "vec2", vec2, (1,))
    return F.reshape(input, (-1, 1)) * F.reshape(vec2, (1, -1))


ger = outer


def t(input: Tensor) -> Tensor:  # noqa: A002
    """Transpose of a tensor of at most 2 dimensions."""
    _rank("t", "input", input, (0, 1, 2))
    return F.transpose(input, (1, 0)) if input.ndim == 2 else input


def inner(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Sum over the last axis of both inputs (a scalar operand multiplies)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise ValueError(f"inner: last dimensions differ: {list(input.shape)} and {list(other.shape)}")
    return tensor_dot(input, other, ((input.ndim - 1,), (other.ndim - 1,)))


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Matrix product of two 2-D tensors."""
    _rank("mm", "input", input, (2,))
    _rank("mm", "mat2", mat2, (2,))
    return F.matmul(input, mat2)


def mv(mat: Tensor, vec: Tensor) -> Tensor:
    """Matrix (n, m) times vector (m,)."""
    _rank("mv", "mat", mat, (2,))
    _rank("mv", "vec", vec, (1,))
    return F.matmul(mat, vec)


def _axes_pair(axes: Any, a: Tensor, b: Tensor) -> tuple:
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(a.ndim, b.ndim):
            raise ValueError(f"tensor_dot: axes={n} is out of range for shapes {list(a.shape)} and {list(b.shape)}")
        return tuple(range(a.ndim - n, a.ndim)), tuple(range(n))
    xa, xb = axes
    xa = (xa,) if isinstance(xa, (int, np.integer)) else tuple(xa)
    xb = (xb,) if isinstance(xb, (int, np.integer)) else tuple(xb)
    if len(xa) != len(xb):
        raise ValueError(f"tensor_dot: axes {list(xa)} and {list(xb)} must have the same length")
    return tuple(int(i) % a.ndim for i in xa), tuple(int(i) % b.ndim for i in xb)


def tensor_dot(x1: Tensor, x2: Tensor, axes: Any) -> Tensor:
    """Contract axes[0] of x1 with axes[1] of x2 (an int n: the last n of x1 with the first n of x2)."""
    xa, xb = _axes_pair(axes, x1, x2)
    for i, j in zip(xa, xb):
        if x1.shape[i] != x2.shape[j]:
            raise ValueError(f"tensor_dot: axis {i} of {list(x1.shape)} and axis {j} of {list(x2.shape)} differ")
    free_a = [i for i in range(x1.ndim) if i not in xa]
    free_b = [j for j in range(x2.ndim) if j not in xb]
    a = F.reshape(F.transpose(x1, free_a + list(xa)), (-1, numel(x1.shape[i] for i in xa)))
    b = F.reshape(F.transpose(x2, list(xb) + free_b), (numel(x2.shape[j] for j in xb), -1))
    return F.reshape(F.matmul(a, b), tuple(x1.shape[i] for i in free_a) + tuple(x2.shape[j] for j in free_b))


def dot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """numpy's dot for N-D: the last axis of input with the second-to-last of other."""
    if input.ndim < 1 or other.ndim < 1:
        raise ValueError(f"dot: inputs must be at least 1-D, got {list(input.shape)} and {list(other.shape)}")
    return tensor_dot(input, other, ((input.ndim - 1,), (max(other.ndim - 2, 0),)))


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """beta * input + alpha * (mat1 @ mat2)."""
    return beta * input + alpha * mm(mat1, mat2)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """beta * input + alpha * (mat @ vec)."""
    return beta * input + alpha * mv(mat, vec)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """beta * input + alpha * sum over the batch of batch1[b] @ batch2[b]."""
    _rank("addbmm", "batch1", batch1, (3,))
    _rank("addbmm", "batch2", batch2, (3,))
    return beta * input + alpha * F.sum(F.matmul(batch1, batch2), 0)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """beta * input + alpha * (batch1 @ batch2) per batch."""
    _rank("baddbmm", "batch1", batch1, (3,))
    _rank("baddbmm", "batch2", batch2, (3,))
    return beta * input + alpha * F.matmul(batch1, batch2)


def addr(x: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * x + alpha * outer(vec1, vec2)."""
    return beta * x + alpha * outer(vec1, vec2)


def cross(input: Tensor, other: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """3-vector cross product along `dim` (None: the first axis of size 3)."""
    if is_static(input.shape) and is_static(other.shape):
        shape = np.broadcast_shapes(input.shape, other.shape)
    else:
        shape = broadcast_shapes("cross", input.shape, other.shape)
    if dim is None:
        sized = [i for i, d in enumerate(shape) if d == 3]
        if not sized:
            raise ValueError(f"cross: no dimension of size 3 in {list(shape)}")
        dim = sized[0]
    dim = int(dim) % len(shape)
    if shape[dim] != 3:
        raise ValueError(f"cross: dimension {dim} of {list(shape)} must have size 3")
    a, b = F.broadcast_to(input, shape), F.broadcast_to(other, shape)
    a0, a1, a2 = F.split(a, 1, dim)
    b0, b1, b2 = F.split(b, 1, dim)
    return F.concat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The `offset` diagonal of the (dim1, dim2) planes, as a new last axis (numpy's rule)."""
    if input.ndim < 2:
        raise ValueError(f"diagonal: input must be at least 2-D, got {list(input.shape)}")
    d1, d2 = int(dim1) % input.ndim, int(dim2) % input.ndim
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, got {dim1} and {dim2}")
    rest = [i for i in range(input.ndim) if i not in (d1, d2)]
    x = F.transpose(input, rest + [d1, d2])
    n1, n2 = input.shape[d1], input.shape[d2]
    if isinstance(n1, Dim) or isinstance(n2, Dim):
        raise DynamicDimError(f"diagonal: the planes of axes {d1} and {d2} have sizes {n1} and {n2}, one of them "
                              f"declared None: the length of the offset-{offset} diagonal, min({n1}, {n2} - "
                              f"{offset}) - max(0, {-offset}), is unknown while compiling; declare both axes with "
                              f"fixed sizes")
    rows = np.arange(max(0, -offset), min(n1, n2 - offset)) if min(n1, n2 - offset) > max(0, -offset) \
        else np.zeros(0, np.int64)
    cols = rows + offset
    flat = F.reshape(x, tuple(x.shape[:-2]) + (n1 * n2,))
    return F.gather(flat, Tensor((rows * n2 + cols).astype(np.int64)), flat.ndim - 1)


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """Sum of the main diagonal of a 2-D tensor."""
    _rank("trace", "input", input, (2,))
    return F.sum(diagonal(input))


def diag(input: Tensor) -> Tensor:  # noqa: A002
    """A tensor of shape input.shape * 2 with `input` on its diagonal (1-D input: a diagonal matrix)."""
    if not isinstance(input, Tensor) or input.ndim == 0:
        raise ValueError(f"diag: input must be a Tensor of rank >= 1, got {getattr(input, 'shape', input)!r}")
    n = input.size
    if isinstance(n, Dim):  # a run-time size: the identity mask from an index range
        r = F.arange(0, n)
        eye = F.equal(F.expand_dims(r, 1), r)
    else:
        eye = Tensor(np.eye(n, dtype=bool))
    flat = F.reshape(input, (1, n))
    return F.reshape(F.where(eye, flat, F.zeros((), input.dtype)), tuple(input.shape) * 2)


from . import functional as F  # noqa: E402  (composites resolve ops at call time)
