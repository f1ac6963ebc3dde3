"""Text of te expressions: a readable form for users, and the C-like scalar dialect of
`Primitive.expr` (the one ops/math.py uses) for elementwise te primitives."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .expr import Access, Axis, Const, Expr, Op, Reduce, ReduceVar, SizeVar, Tensor
from .intrin import OPS

_C_CASTS = {"float32": "float", "float64": "double", "int32": "int", "bool": "bool"}


def _const_text(c: Const) -> str:
    v = c.value
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v)


def expr_text(e: Expr, leaf: Callable[[Expr], str | None] | None = None, limit: int = 4000) -> str:
    """Infix text of e (a tree: shared nodes are printed at each use, cut off past `limit`
    characters)."""
    out: list[str] = []
    budget = [limit]

    def emit(s: str) -> None:
        budget[0] -= len(s)
        out.append(s)

    def go(n: Expr) -> None:
        if budget[0] <= 0:
            out.append("...")
            return
        got = leaf(n) if leaf is not None else None
        if got is not None:
            emit(got)
        elif isinstance(n, Const):
            emit(_const_text(n))
        elif isinstance(n, (Axis, ReduceVar, SizeVar)):
            emit(n.name)
        elif isinstance(n, Access):
            emit(n.tensor.name + "[")
            for k, i in enumerate(n.indices):
                emit(", " if k else "")
                go(i)
            emit("]")
        elif isinstance(n, Reduce):
            emit(f"{n.kind}(")
            go(n.body)
            emit(", axis=[" + ", ".join(r.name for r in n.rvars) + "])")
        elif isinstance(n, Op):
            _op_text(n, go, emit)

    go(e)
    return "".join(out)


def _op_text(n: Op, go: Callable[[Expr], None], emit: Callable[[str], None]) -> None:
    spec = OPS[n.name]
    if n.name == "select":
        emit("(")
        go(n.args[0])
        emit(" ? ")
        go(n.args[1])
        emit(" : ")
        go(n.args[2])
        emit(")")
    elif n.name == "cast":
        emit(_C_CASTS.get(np.dtype(n.attr).name, f"cast<{np.dtype(n.attr).name}>") + "(")
        go(n.args[0])
        emit(")")
    elif spec.symbol and spec.arity == 2 and n.name != "floordiv":
        emit("(")
        go(n.args[0])
        emit(f" {spec.symbol} ")
        go(n.args[1])
        emit(")")
    elif spec.symbol and spec.arity == 1:
        emit(spec.symbol)
        go(n.args[0])
    else:
        emit(f"{n.name}(")
        for k, a in enumerate(n.args):
            emit(", " if k else "")
            go(a)
        emit(")")


def scalar_dialect(body: Expr, operand: dict[int, str], limit: int = 2000) -> str | None:
    """`body` in the Primitive.expr dialect, tensor accesses named by `operand` ({id(Access):
    name}); None if it has something the dialect cannot say (iteration variables used as
    values, reductions, unusual casts, non-finite constants) or is longer than `limit`."""
    ok = [True]

    def leaf(n: Expr) -> str | None:
        if isinstance(n, Access):
            if id(n) not in operand:
                ok[0] = False
            return operand.get(id(n), "?")
        if isinstance(n, (Axis, ReduceVar, SizeVar, Reduce)):
            ok[0] = False
            return "?"
        if isinstance(n, Op) and (n.name == "cast" and np.dtype(n.attr).name not in _C_CASTS
                                  or OPS[n.name].kind == "extern" or n.name == "floordiv"):
            ok[0] = False
            return "?"
        if isinstance(n, Const) and isinstance(n.value, float) and not np.isfinite(n.value):
            ok[0] = False
            return "?"
        return None

    text = expr_text(body, leaf, limit)
    return text if ok[0] and len(text) <= limit and "..." not in text else None


def tensor_text(t: Tensor) -> str:
    """Every stage t depends on, one line each (placeholders first)."""
    from .visit import tensors
    lines = []
    for s in tensors([t]):
        dims = ", ".join(str(getattr(d, "name", d)) for d in s.shape)
        if s.is_placeholder:
            lines.append(f"{s.name} = placeholder(({dims}), {s.dtype.name})")
        else:
            axes = ", ".join(Axis.make(k).name for k in range(s.ndim))
            lines.append(f"{s.name}[{axes}] = {expr_text(s.body)}    # ({dims}) {s.dtype.name}")
    return "\n".join(lines)


__all__ = ["expr_text", "scalar_dialect", "tensor_text"]
