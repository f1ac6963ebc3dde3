"""Tensor algebra from MindSpore's op set: `Einsum` / `ops.einsum`, `MatrixInverse`, `DiagPart`,
`ops.batch_dot`, `CumProd` / `ops.cumprod`.

`einsum` and `matrix_inverse` are primitives (numpy's kernels) with bprops written in mindlite
ops (again einsum / matrix products), so higher-order gradients work; the others are composites.
"""
from __future__ import annotations

import string
from typing import Any, Sequence

import numpy as np

from ..core.dims import Dim, DynamicDimError
from ..core.tensor import Tensor
from .primitive import PrimitiveOp
from .registry import Aval, Primitive, result_dtype


# ---- einsum -------------------------------------------------------------------------------------------
def _parse(equation: str, shapes: Sequence[tuple]) -> tuple:
    """Normalise an einsum equation: explicit output, ellipses expanded to letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: equation {equation!r} has {len(terms)} operands, {len(shapes)} were given")
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in string.ascii_letters if c not in used]
    ell_rank = max((len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes) if "..." in t), default=0)
    ell = "".join(spare[:ell_rank])
    out_terms = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            n = len(s) - len(t.replace("...", ""))
            t = t.replace("...", ell[ell_rank - n:] if n else "")
        if len(t) != len(s) or not all(c.isalpha() for c in t):
            raise ValueError(f"einsum: operand subscripts {t!r} do not match its shape {list(s)}")
        out_terms.append(t)
    if arrow:
        out = rhs.replace("...", ell)
    else:  # implicit output: the letters used once, in alphabetical order, after the ellipsis dims
        counts = {c: "".join(out_terms).count(c) for c in set("".join(out_terms))}
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    dims: dict = {}
    for t, s in zip(out_terms, shapes):
        for c, d in zip(t, s):
            if dims.setdefault(c, d) != d and d != 1 and dims[c] != 1:
                raise ValueError(f"einsum: subscript {c!r} has sizes {dims[c]} and {d} in {equation!r}")
            dims[c] = max(dims[c], d)
    if any(c not in dims for c in out):
        raise ValueError(f"einsum: output subscript of {equation!r} does not appear in the inputs")
    return ",".join(out_terms) + "->" + out, dims


def _einsum_infer(*xs: Aval, equation: str) -> Aval:
    eq, dims = _parse(equation, [x.shape for x in xs])
    return Aval(tuple(dims[c] for c in eq.split("->")[1]), result_dtype(*xs))


def _einsum_impl(xp: Any, *xs: Any, equation: str) -> Any:
    eq, _ = _parse(equation, [x.shape for x in xs])
    dt = np.result_type(*[x.dtype for x in xs])
    return xp.einsum(eq, *[x.astype(dt, copy=False) for x in xs])


einsum_p = Primitive("einsum", _einsum_impl, _einsum_infer)


@einsum_p.def_bprop
def _einsum_bprop(*xs, out, dout, equation):
    from . import functional as F
    eq, dims = _parse(equation, [x.shape for x in xs])
    ins, res = eq.split("->")
    terms = ins.split(",")
    grads = []
    for i, t in enumerate(terms):
        if len(set(t)) != len(t):
            raise ValueError(f"einsum: the gradient of an operand with a repeated subscript ({t!r}) is not supported")
        others = [terms[j] for j in range(len(terms)) if j != i]
        operands = [dout] + [xs[j] for j in range(len(terms)) if j != i]
        subs = [res] + others
        lonely = [c for c in t if c not in res and not any(c in o for o in others)]
        for c in lonely:  # summed in this operand only: its gradient is broadcast along c
            subs.append(c)
            operands.append(F.ones((dims[c],), dout.dtype))
        g = einsum_p(*operands, equation=",".join(subs) + "->" + t)
        grads.append(F.sum_to(g, xs[i].shape) if g.shape != xs[i].shape else g)
    return tuple(grads)


def einsum(equation: str, *operands: Any) -> Tensor:
    """`ops.einsum(equation, *operands)`: Einstein summation (explicit '->' output, ellipsis allowed)."""
    if len(operands) == 1 and isinstance(operands[0], (tuple, list)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a str, got {type(equation).__name__}")
    if not operands or not all(isinstance(o, Tensor) for o in operands):
        raise TypeError("einsum: operands must be one or more Tensors")
    if len({o.dtype for o in operands}) > 1:
        raise TypeError(f"einsum: operands must have one dtype, got {[str(o.dtype) for o in operands]}")
    _parse(equation, [o.shape for o in operands])
    return einsum_p(*operands, equation=equation)


class Einsum(PrimitiveOp):
    """`ops.Einsum(equation)(inputs)` with `inputs` a tuple of Tensors."""

    def __init__(self, equation: str) -> None:
        if not isinstance(equation, str):
            raise TypeError(f"Einsum: equation must be a str, got {type(equation).__name__}")
        super().__init__(equation=equation)

    def __call__(self, inputs: Any) -> Tensor:
        return einsum(self.equation, *(inputs if isinstance(inputs, (tuple, list)) else (inputs,)))


# ---- matrix inverse --------------------------------------------------------------------------------------
def _inv_infer(x: Aval, adjoint: bool) -> Aval:
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"MatrixInverse: input must be (..., M, M), got {list(x.shape)}")
    if x.dtype.kind not in "fc":
        raise TypeError(f"MatrixInverse: input must be float or complex, got {x.dtype}")
    return x


def _inv_impl(xp: Any, x: Any, adjoint: bool) -> Any:
    if adjoint:
        x = xp.conj(xp.swapaxes(x, -1, -2))
    return xp.linalg.inv(x)


matrix_inverse_p = Primitive("matrix_inverse", _inv_impl, _inv_infer)


@matrix_inverse_p.def_bprop
def _inv_bprop(x, *, out, dout, adjoint):
    from . import functional as F
    t = F.swapaxes(out, -1, -2)
    g = -F.matmul(F.matmul(t, dout), t)       # d(A^-1) = -A^-1 dA A^-1
    return (F.swapaxes(g, -1, -2) if adjoint else g),


def matrix_inverse(x: Tensor, adjoint: bool = False) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"MatrixInverse: x must be a Tensor, got {type(x).__name__}")
    _inv_infer(Aval(tuple(x.shape), x.dtype.np), adjoint)
    return matrix_inverse_p(x, adjoint=bool(adjoint))


class MatrixInverse(PrimitiveOp):
    """`ops.MatrixInverse(adjoint=False)(x)`: the inverse of each (M, M) matrix."""

    def __init__(self, adjoint: bool = False) -> None:
        if not isinstance(adjoint, bool):
            raise TypeError(f"MatrixInverse: adjoint must be a bool, got {type(adjoint).__name__}")
        super().__init__(adjoint=adjoint)

    def __call__(self, x: Tensor) -> Tensor:
        return matrix_inverse(x, self.adjoint)


# ---- diag_part / batch_dot / cumprod ------------------------------------------------------------------------
def diag_part(input_x: Tensor) -> Tensor:
    """The diagonal of a rank-2k tensor of shape (d1..dk, d1..dk), shape (d1..dk)."""
    from . import functional as F
    k = input_x.ndim // 2
    if input_x.ndim == 0 or input_x.ndim % 2 or input_x.shape[:k] != input_x.shape[k:]:
        raise ValueError(f"DiagPart: input must have shape (d1..dk, d1..dk), got {list(input_x.shape)}")
    half = input_x.shape[:k]
    n = int(np.prod(half))
    flat = F.reshape(input_x, (n * n,))
    return F.reshape(F.gather(flat, Tensor(np.arange(n, dtype=np.int64) * (n + 1)), 0), half)


class DiagPart(PrimitiveOp):
    """`ops.DiagPart()(input_x)`."""

    def __call__(self, input_x: Tensor) -> Tensor:
        return diag_part(input_x)


def batch_dot(x1: Tensor, x2: Tensor, axes: Any = None) -> Tensor:
    """Per batch element (axis 0), contract axes[0] of x1 with axes[1] of x2; the result is
    (batch,) + x1's free axes + x2's free axes, and (batch, 1) when that would be 1-d."""
    from . import functional as F
    op = "batch_dot"
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[0] != x2.shape[0]:
        raise ValueError(f"{op}: inputs must be at least 2-d with one batch size, got {list(x1.shape)} and "
                         f"{list(x2.shape)}")
    if axes is None:
        axes = (x1.ndim - 1, x2.ndim - 2 if x2.ndim > 2 else x2.ndim - 1)
    elif isinstance(axes, (int, np.integer)):
        axes = (int(axes), int(axes))
    a1, a2 = (int(axes[0]) % x1.ndim, int(axes[1]) % x2.ndim)
    if 0 in (a1, a2):
        raise ValueError(f"{op}: axes cannot include the batch axis 0, got {axes!r}")
    if x1.shape[a1] != x2.shape[a2]:
        raise ValueError(f"{op}: axis {a1} of {list(x1.shape)} and axis {a2} of {list(x2.shape)} differ in size")
    letters = string.ascii_letters
    s1 = "A" + letters[:x1.ndim - 1]
    s2 = "A" + letters[x1.ndim - 1:x1.ndim - 1 + x2.ndim - 1]
    s2 = s2[:a2] + s1[a1] + s2[a2 + 1:]
    out = "A" + "".join(c for i, c in enumerate(s1) if i not in (0, a1)) + \
        "".join(c for i, c in enumerate(s2) if i not in (0, a2))
    y = einsum(f"{s1},{s2}->{out}", x1, x2)
    return F.reshape(y, (y.shape[0], 1)) if y.ndim == 1 else y


def cumprod(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """Running product along `dim` (exact with zeros and signs; differentiable)."""
    return _cumprod(input, dim, False, False, dtype)


def _cumprod(x: Tensor, axis: int, exclusive: bool, reverse: bool, dtype: Any = None) -> Tensor:
    from . import functional as F
    if not isinstance(x, Tensor):
        raise TypeError(f"cumprod: input must be a Tensor, got {type(x).__name__}")
    if dtype is not None:
        x = F.cast(x, dtype)
    if x.ndim == 0:
        return x
    axis = int(axis) % x.ndim
    if reverse:
        x = F.flip(x, (axis,))
    if isinstance(x.shape[axis], Dim):
        raise DynamicDimError(f"cumprod: axis {axis} has the run-time size {x.shape[axis]} (declared None): the "
                              f"running product is built from one piece per element, whose number is unknown "
                              f"while compiling; declare that axis with a fixed size")
    parts = list(F.split(x, 1, axis)) if x.shape[axis] > 1 else [x]
    if exclusive:
        parts = [F.ones_like(parts[0])] + parts[:-1]
    out = [parts[0]]
    for p in parts[1:]:
        out.append(out[-1] * p)
    y = F.concat(out, axis) if len(out) > 1 else out[0]
    return F.flip(y, (axis,)) if reverse else y


class CumProd(PrimitiveOp):
    """`ops.CumProd(exclusive=False, reverse=False)(x, axis)`."""

    def __init__(self, exclusive: bool = False, reverse: bool = False) -> None:
        super().__init__(exclusive=exclusive, reverse=reverse)

    def __call__(self, x: Tensor, axis: int) -> Tensor:
        return _cumprod(x, axis, self.exclusive, self.reverse)
