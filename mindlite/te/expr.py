"""Tensor expressions: a hash-consed DAG of scalar expressions and the tensors they index.

A `Tensor` is a placeholder (an input) or a compute stage: a shape and a scalar body over
the stage's iteration variables. Scalar nodes are interned: building the same expression
twice gives the same object, so common subexpressions are shared for free and identity is
structural equality. Iteration variables are positional (`Axis(k)` is axis k of whatever
stage it appears in), so equal stage bodies are equal objects too.

    >>> n = var("n")
    >>> A = placeholder((n, 4), "float32", "A")
    >>> k = reduce_axis((0, 4), "k")
    >>> rowsum = compute((n,), lambda i: sum(A[i, k], axis=k), "rowsum")
"""
from __future__ import annotations

from mindlite.core.prim import UnsupportedError

import inspect
import itertools
import weakref
from typing import Any, Callable, Sequence

import numpy as np

_TABLE: "weakref.WeakValueDictionary[tuple, Any]" = weakref.WeakValueDictionary()
_INDEX = np.dtype(np.int64)


def _intern(key: tuple, make: Callable[[], Any]) -> Any:
    node = _TABLE.get(key)
    if node is None:
        node = make()
        _TABLE[key] = node
    return node


def as_dtype(dtype: Any) -> np.dtype:
    """A numpy dtype from a numpy/mindlite dtype or its name."""
    return np.dtype(getattr(dtype, "np", dtype))


# ---- scalar expressions ----------------------------------------------------------------------
class Expr:
    """A scalar expression node. Arithmetic and comparison operators build new nodes;
    `weak` marks Python-number constants (they take the other operand's type, NEP 50)."""

    __slots__ = ("dtype", "weak", "__weakref__")
    __hash__ = object.__hash__

    def __add__(self, o: Any) -> "Expr":
        return op("add", self, o)

    def __radd__(self, o: Any) -> "Expr":
        return op("add", o, self)

    def __sub__(self, o: Any) -> "Expr":
        return op("sub", self, o)

    def __rsub__(self, o: Any) -> "Expr":
        return op("sub", o, self)

    def __mul__(self, o: Any) -> "Expr":
        return op("mul", self, o)

    def __rmul__(self, o: Any) -> "Expr":
        return op("mul", o, self)

    def __truediv__(self, o: Any) -> "Expr":
        return op("div", self, o)

    def __rtruediv__(self, o: Any) -> "Expr":
        return op("div", o, self)

    def __floordiv__(self, o: Any) -> "Expr":
        return op("floordiv", self, o)

    def __rfloordiv__(self, o: Any) -> "Expr":
        return op("floordiv", o, self)

    def __mod__(self, o: Any) -> "Expr":
        return op("mod", self, o)

    def __rmod__(self, o: Any) -> "Expr":
        return op("mod", o, self)

    def __neg__(self) -> "Expr":
        return op("neg", self)

    def __lt__(self, o: Any) -> "Expr":
        return op("lt", self, o)

    def __le__(self, o: Any) -> "Expr":
        return op("le", self, o)

    def __gt__(self, o: Any) -> "Expr":
        return op("gt", self, o)

    def __ge__(self, o: Any) -> "Expr":
        return op("ge", self, o)

    def __eq__(self, o: Any) -> "Expr":  # type: ignore[override]
        return op("eq", self, o)

    def __ne__(self, o: Any) -> "Expr":  # type: ignore[override]
        return op("ne", self, o)

    def __and__(self, o: Any) -> "Expr":
        return op("and", self, o)

    def __or__(self, o: Any) -> "Expr":
        return op("or", self, o)

    def __invert__(self) -> "Expr":
        return op("not", self)

    def __bool__(self) -> bool:
        # `a == b` builds an expression; its truth is identity (as TVM's EqualOp), so
        # containers of expressions (`v in vars`, tuple equality) work
        if isinstance(self, Op) and self.name in ("eq", "ne") and len(self.args) == 2:
            return (self.args[0] is self.args[1]) == (self.name == "eq")
        raise TypeError("a te expression has no truth value: use te.select(cond, a, b) instead of if/and/or")

    def __repr__(self) -> str:
        from .printer import expr_text
        return expr_text(self)


class Const(Expr):
    """A constant. `structural` marks zeros made by differentiation (the simplifier may
    fold x*0 to 0 only for those: for a user's 0, NaN*0 must stay NaN)."""

    __slots__ = ("value", "structural")

    @staticmethod
    def make(value: Any, dtype: Any = None, structural: bool = False) -> "Const":
        if isinstance(value, (np.generic, np.ndarray)):
            dtype = value.dtype if dtype is None else dtype
            value = value.item()
        if not isinstance(value, (bool, int, float)):
            raise TypeError(f"te constant must be a number, got {type(value).__name__}")
        weak = dtype is None
        dt = np.dtype(type(value) if weak else as_dtype(dtype))
        if dt.kind == "b":
            value = bool(value)
        elif dt.kind in "iu":
            value = int(value)
        else:
            value = float(value)
        key = ("const", type(value).__name__, repr(value), dt.str, weak, structural)

        def make() -> "Const":
            c = Const.__new__(Const)
            c.value, c.dtype, c.weak, c.structural = value, dt, weak, structural
            return c
        return _intern(key, make)


class Var(Expr):
    """An integer variable: an iteration axis, a reduction variable or a symbolic size."""

    __slots__ = ("name",)


class Axis(Var):
    """Iteration variable of axis k of the stage it appears in."""

    __slots__ = ("k",)

    @staticmethod
    def make(k: int) -> "Axis":
        def make() -> "Axis":
            a = Axis.__new__(Axis)
            a.k, a.name, a.dtype, a.weak = k, "ijklmnopqrstuvwxyz"[k] if k < 18 else f"i{k}", _INDEX, False
            return a
        return _KEEP_AXES.setdefault(k, _intern(("axis", k), make))


_KEEP_AXES: dict[int, Axis] = {}  # axes live for the whole process
_IDS = itertools.count()


class ReduceVar(Var):
    """A reduction variable ranging over [lo, hi); each `reduce_axis` call makes a new one."""

    __slots__ = ("lo", "hi", "uid")

    def __init__(self, lo: Any, hi: Any, name: str) -> None:
        self.lo, self.hi, self.name, self.uid = lo, hi, name, next(_IDS)
        self.dtype, self.weak = _INDEX, False

    @property
    def extent(self) -> Any:
        return self.hi if isinstance(self.lo, int) and self.lo == 0 else self.hi - self.lo


class SizeVar(Var):
    """A symbolic dimension (`var("n")`); the same name is the same variable."""

    __slots__ = ()

    @staticmethod
    def make(name: str) -> "SizeVar":
        def make() -> "SizeVar":
            v = SizeVar.__new__(SizeVar)
            v.name, v.dtype, v.weak = name, _INDEX, False
            return v
        return _KEEP_SIZES.setdefault(name, _intern(("size", name), make))


_KEEP_SIZES: dict[str, SizeVar] = {}


class Access(Expr):
    """`tensor[indices]`: one element of a tensor."""

    __slots__ = ("tensor", "indices")

    @staticmethod
    def make(tensor: "Tensor", indices: Sequence[Expr]) -> "Access":
        indices = tuple(indices)
        key = ("access", id(tensor), *map(id, indices))

        def make() -> "Access":
            a = Access.__new__(Access)
            a.tensor, a.indices, a.dtype, a.weak = tensor, indices, tensor.dtype, False
            return a
        return _intern(key, make)


class Op(Expr):
    """An operation (arithmetic, comparison, intrinsic, select, cast) on scalar operands."""

    __slots__ = ("name", "args", "attr")

    @staticmethod
    def make(name: str, args: Sequence[Expr], dtype: np.dtype, weak: bool, attr: Any = None) -> "Op":
        args = tuple(args)
        key = ("op", name, repr(attr), dtype.str, weak, *map(id, args))

        def make() -> "Op":
            o = Op.__new__(Op)
            o.name, o.args, o.attr, o.dtype, o.weak = name, args, attr, dtype, weak
            return o
        return _intern(key, make)


class Reduce(Expr):
    """`kind` ("sum" | "max" | "min") of `body` over the reduction variables `rvars`."""

    __slots__ = ("kind", "body", "rvars")

    @staticmethod
    def make(kind: str, body: Expr, rvars: Sequence[ReduceVar]) -> "Reduce":
        rvars = tuple(rvars)
        key = ("reduce", kind, id(body), *map(id, rvars))

        def make() -> "Reduce":
            r = Reduce.__new__(Reduce)
            r.kind, r.body, r.rvars, r.dtype, r.weak = kind, body, rvars, body.dtype, body.weak
            return r
        return _intern(key, make)


def wrap(x: Any) -> Expr:
    """An Expr from an Expr or a Python number (a weak constant)."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, Tensor):
        raise TypeError(f"te tensor {x.name} used as a scalar: index it ({x.name}[i, ...]) inside te.compute, "
                        "or use te.lang ops on whole tensors")
    if isinstance(x, (bool, int, float, np.generic)):
        return Const.make(x)
    raise TypeError(f"te expressions take numbers and te expressions, got {type(x).__name__}")


def op(name: str, *args: Any, attr: Any = None) -> Expr:
    """Build operation `name` on args (checks arity and operand types)."""
    from .intrin import OPS, result_dtype
    if name not in OPS:
        raise UnsupportedError(f"te has no intrinsic {name!r}")
    spec = OPS[name]
    xs = [wrap(a) for a in args]
    if len(xs) != spec.arity:
        raise TypeError(f"te.{name} takes {spec.arity} operands, got {len(xs)}")
    dtype, weak = result_dtype(name, xs, attr)
    return Op.make(name, xs, dtype, weak, attr)


# ---- tensors ----------------------------------------------------------------------------------
class Tensor:
    """A te tensor: a placeholder (body None) or a compute stage (body over its axes).
    `origin` is "user" or "grad" (a stage made by differentiation)."""

    __slots__ = ("shape", "dtype", "body", "name", "origin", "__weakref__")

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def is_placeholder(self) -> bool:
        return self.body is None

    def __getitem__(self, idx: Any) -> Access:
        idx = idx if isinstance(idx, tuple) else (idx,)
        if len(idx) != self.ndim:
            raise ValueError(f"te tensor {self.name} has {self.ndim} dimension(s), indexed with {len(idx)}")
        out = []
        for d, (i, n) in enumerate(zip(idx, self.shape)):
            if isinstance(i, slice):
                raise TypeError(f"te tensor {self.name} is indexed by iteration variables or ints, not slices")
            if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer, Expr)):
                raise TypeError(f"te tensor {self.name}: index {d} must be an int or an integer expression, "
                                f"got {type(i).__name__}")
            e = Const.make(int(i)) if isinstance(i, (int, np.integer)) else i
            if e.dtype.kind not in "iu":
                raise TypeError(f"te tensor {self.name}: index {d} has dtype {e.dtype}, not an integer")
            if isinstance(e, Const) and isinstance(n, int) and not 0 <= e.value < n:
                raise IndexError(f"te tensor {self.name}: index {e.value} is out of range for axis {d} of size {n}")
            out.append(e)
        return Access.make(self, out)

    def __iter__(self) -> Any:
        raise TypeError(f"te tensor {self.name} is not iterable")

    def __repr__(self) -> str:
        dims = ", ".join(str(getattr(d, "name", d)) for d in self.shape)
        kind = "placeholder" if self.body is None else "compute"
        return f"te.Tensor({self.name}: {self.dtype.name}[{dims}], {kind})"


def _check_shape(shape: Any, what: str) -> tuple:
    if isinstance(shape, (int, np.integer, SizeVar)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{what}: shape must be a tuple of ints or te.var sizes, got {type(shape).__name__}")
    out = []
    for d in shape:
        if isinstance(d, SizeVar):
            out.append(d)
        elif isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise ValueError(f"{what}: dimension {d!r} is not an int (or a te.var)")
        elif d <= 0:
            raise ValueError(f"{what}: dimension {d} must be positive")
        else:
            out.append(int(d))
    return tuple(out)


def _shape_key(shape: tuple) -> tuple:
    return tuple(("var", d.name) if isinstance(d, SizeVar) else d for d in shape)


def placeholder(shape: Any, dtype: Any = "float32", name: str = "placeholder") -> Tensor:
    """An input tensor of `shape` (ints or `var` sizes) and `dtype`."""
    t = Tensor.__new__(Tensor)
    t.shape, t.dtype, t.body, t.name, t.origin = _check_shape(shape, f"te.placeholder {name}"), as_dtype(dtype), \
        None, name, "user"
    return t


def var(name: str = "n") -> SizeVar:
    """A symbolic dimension size."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"te.var name must be an identifier, got {name!r}")
    return SizeVar.make(name)


def stage(shape: tuple, body: Expr, name: str = "compute", origin: str = "user") -> Tensor:
    """The compute tensor of `body` (already over Axis(0..)); interned by (shape, body)."""
    dtype = body.dtype
    if body.weak:  # a body of Python numbers only: MindSpore's default types
        dtype = {"f": np.dtype(np.float32), "i": np.dtype(np.int32), "u": np.dtype(np.int32)}.get(dtype.kind, dtype)
        body = Const.make(body.value, dtype, body.structural) if isinstance(body, Const) else op(
            "cast", body, attr=dtype)
    if isinstance(body, Reduce):  # bound variables by position: equal reductions are one stage
        from .visit import substitute
        canon = {r: _canonical_rvar(k, r) for k, r in enumerate(body.rvars)}
        if any(a is not b for a, b in canon.items()):
            body = substitute(body, canon)
    key = ("compute", _shape_key(shape), dtype.str, id(body), origin)

    def make() -> Tensor:
        t = Tensor.__new__(Tensor)
        t.shape, t.dtype, t.body, t.name, t.origin = shape, dtype, body, name, origin
        return t
    return _intern(key, make)


_CANON_RVARS: dict[tuple, ReduceVar] = {}


def _canonical_rvar(k: int, r: ReduceVar) -> ReduceVar:
    key = (k, r.lo, ("var", r.hi.name) if isinstance(r.hi, SizeVar) else r.hi)
    if key not in _CANON_RVARS:
        _CANON_RVARS[key] = ReduceVar(r.lo, r.hi, r.name)
    return _CANON_RVARS[key]


def compute(shape: Any, fcompute: Callable[..., Any], name: str = "compute") -> Tensor:
    """A tensor whose element at (i, j, ...) is `fcompute(i, j, ...)`.

    fcompute takes one iteration variable per dimension and returns a te expression (or a
    number). A reduction (`te.sum(..., axis=k)`) may appear anywhere in the body; one that
    is not the whole body becomes a stage of its own (over the axes it uses)."""
    shape = _check_shape(shape, f"te.compute {name}")
    if not callable(fcompute):
        raise TypeError(f"te.compute {name}: fcompute must be callable, got {type(fcompute).__name__}")
    axes = [Axis.make(k) for k in range(len(shape))]
    try:
        inspect.signature(fcompute).bind(*axes)
    except TypeError:
        raise TypeError(f"te.compute {name}: fcompute must take {len(shape)} iteration variable(s) "
                        f"(one per dimension of shape {list(shape)})") from None
    except ValueError:  # builtins without a signature: let the call decide
        pass
    body = fcompute(*axes)
    if isinstance(body, (bool, int, float, np.generic)):
        body = Const.make(body)
    if not isinstance(body, Expr):
        raise TypeError(f"te.compute {name}: fcompute must return a te expression, got {type(body).__name__}")
    return make_stage(shape, body, name)


def make_stage(shape: tuple, body: Expr, name: str, origin: str = "user") -> Tensor:
    """Checks a body (no free reduction variables, reductions only at the top) and makes the stage."""
    from .visit import free_vars, hoist_reductions
    body = hoist_reductions(body, shape, name, origin)
    stray = [v for v in free_vars(body) if isinstance(v, ReduceVar)]
    if stray:
        raise ValueError(f"te.compute {name}: reduce_axis {stray[0].name!r} is used outside a reduction "
                         "(wrap the expression in te.sum/te.max/te.min with axis=...)")
    axes = [v for v in free_vars(body) if isinstance(v, Axis) and v.k >= len(shape)]
    if axes:
        raise ValueError(f"te.compute {name}: iteration variable {axes[0].name} does not belong to this "
                         f"{len(shape)}-d compute")
    return stage(shape, body, name, origin)


def reduce_axis(dom: Any, name: str = "k") -> ReduceVar:
    """A reduction variable over [lo, hi) (`dom` = (lo, hi) or hi); bounds are ints or te.var sizes."""
    lo, hi = (0, dom) if not isinstance(dom, (tuple, list)) else tuple(dom)
    for b in (lo, hi):
        if not isinstance(b, (int, np.integer, SizeVar)) or isinstance(b, bool):
            raise ValueError(f"te.reduce_axis {name}: bounds must be ints or te.var sizes, got {b!r}")
    if isinstance(lo, SizeVar):
        raise ValueError(f"te.reduce_axis {name}: the lower bound must be an int")
    if isinstance(hi, (int, np.integer)) and not 0 <= lo < hi:
        raise ValueError(f"te.reduce_axis {name}: empty or negative range [{lo}, {hi})")
    return ReduceVar(int(lo), hi if isinstance(hi, SizeVar) else int(hi), name)


def _reduce(kind: str, expr: Any, axis: Any) -> Reduce:
    rvars = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if not rvars or not all(isinstance(r, ReduceVar) for r in rvars):
        raise TypeError(f"te.{kind}: axis must be te.reduce_axis variable(s), got {axis!r}")
    if len(set(map(id, rvars))) != len(rvars):
        raise ValueError(f"te.{kind}: a reduction variable is repeated")
    body = wrap(expr)
    if body.dtype.kind not in "fiu":
        raise TypeError(f"te.{kind}: cannot reduce {body.dtype} values; cast to a number type first")
    return Reduce.make(kind, body, rvars)


def sum(expr: Any, axis: Any) -> Reduce:  # noqa: A001 - te's name, as TVM's
    """Sum of `expr` over the reduction variable(s) `axis`."""
    return _reduce("sum", expr, axis)


def max(expr: Any, axis: Any) -> Reduce:  # noqa: A001
    """Maximum of `expr` over the reduction variable(s) `axis`."""
    return _reduce("max", expr, axis)


def min(expr: Any, axis: Any) -> Reduce:  # noqa: A001
    """Minimum of `expr` over the reduction variable(s) `axis`."""
    return _reduce("min", expr, axis)
