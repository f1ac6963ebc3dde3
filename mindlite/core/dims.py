"""Symbolic sizes: one compiled graph for every size of an axis declared `None`.

`Cell.set_inputs(Tensor(shape=[None, 3], dtype=...))` or `jit(input_signature=...)` makes
axis 0 of that input a *run-time size*: while tracing, the symbolic input's shape holds a
`Dim` (with a process-wide unique name such as `s12`) instead of an int. A `Dim` is an
integer polynomial over such sizes (and over floor divisions / remainders of them), so the
shape rules' own arithmetic - `(h + 2*pad - k)//stride + 1`, `math.prod(shape)`, reshape's
`-1` - gives exact symbolic answers, and the graph's shapes and attributes are expressions
that the executor evaluates from the input shapes of each call (backend/executor.py).

Comparisons. Sizes are >= 1 (checked at run time), which decides `s >= 1`, `s == 0`,
`s == -1`. Two different sizes compared equal (`s0 == s1`: a loss pairing logits with labels)
are *unified* for good (each size belongs to one graph). Another equality (`s == 3`) is
answered False, the generic case. An ordering that depends on the size (`x[:10]` along the
axis: is `s >= 10`?) is answered for the sizes of the call being traced (`hints`). Every
answer that can change what the program computes is recorded in the `unification_scope`
and checked on each call; a call whose sizes answer one otherwise compiles its exact shapes
(core/jit.py), and the executor checks every value's shape, so the numbers are always
eager mode's. What cannot be answered at all - `int(s)`, `range(s)` outside a converted
loop, `float(s)` - raises `DynamicDimError`.
"""
from __future__ import annotations

import operator
import os
import sys
import threading
from typing import Any, Iterable

import numpy as np

from .prim import UnsupportedError


class DynamicDimError(UnsupportedError):
    """A question about a run-time size that cannot be answered while compiling."""


def _atom_key(a: Any) -> str:
    return a if isinstance(a, str) else repr(a)


# Every size has a process-wide unique name (`fresh`), so an equality assumed between two
# sizes of one graph holds wherever that graph's shapes are inferred again (the passes, the
# verifier, its gradient graph): the union-find below is global.
_PARENT: dict[str, str] = {}
_LOCK = threading.Lock()
_COUNTER = [0]


class _Scope(threading.local):
    def __init__(self) -> None:
        self.assumed: dict | None = None
        self.generic = True  # record "False" answers too (tracing); passes record unifications only
        self.hints: dict | None = None  # the sizes of the call being traced


_SCOPE = _Scope()


class unification_scope:
    """While tracing one graph: every answer to a question the sizes could answer otherwise
    is recorded in `assumed` - {(expression, "eq"): is it zero} for equalities (`s0 == s1`
    unified -> True, `s0 == 1` answered False -> False) and {(expression, "ge"): is it >= 0}
    for orderings that only the traced call's sizes (`hints`) could answer (`x[:10]` along a
    None axis: is s >= 10?). The caller checks them on every call (core/jit.py compiles for
    the call's exact shapes when one does not hold)."""

    def __init__(self, hints: dict | None = None) -> None:
        self.hints = hints

    def __enter__(self) -> "unification_scope":
        self.saved = (_SCOPE.assumed, _SCOPE.generic, _SCOPE.hints)
        self.assumed: dict = {}
        _SCOPE.assumed, _SCOPE.generic, _SCOPE.hints = self.assumed, True, self.hints
        return self

    def __exit__(self, *exc: Any) -> None:
        _SCOPE.assumed, _SCOPE.generic, _SCOPE.hints = self.saved

    @staticmethod
    def optimizing() -> None:
        """From here on (the passes), a False answer is not recorded: a pass that finds two
        shapes unequal just does not rewrite, which is right for every size."""
        _SCOPE.generic = False


def fresh(prefix: str = "s") -> "Dim":
    """A new run-time size with a process-wide unique name."""
    with _LOCK:
        k = _COUNTER[0]
        _COUNTER[0] += 1
    return Dim.var(f"{prefix}{k}")


def _root(name: str) -> str:
    while name in _PARENT:
        name = _PARENT[name]
    return name


class Dim:
    """A run-time size: sum of coef * monomial; a monomial is a sorted tuple of
    (atom, power), an atom a size name or ("//" | "%", Dim, divisor)."""

    __slots__ = ("terms", "_hash")

    def __init__(self, terms: tuple) -> None:
        self.terms = terms  # ((monomial, coef), ...) sorted, no zero coef, not only a constant
        self._hash = hash(terms)

    # ---- construction ------------------------------------------------------------------------
    @staticmethod
    def var(name: str) -> "Dim":
        return Dim((((((name, 1),), 1)),))

    @staticmethod
    def _make(terms: dict) -> Any:
        items = tuple(sorted(((m, c) for m, c in terms.items() if c), key=lambda mc: _mono_key(mc[0])))
        if not items:
            return 0
        if len(items) == 1 and items[0][0] == ():
            return items[0][1]
        return Dim(items)

    def _dict(self) -> dict:
        return dict(self.terms)

    # ---- arithmetic ------------------------------------------------------------------------------
    def __add__(self, other: Any) -> Any:
        o = _poly(other)
        if o is None:
            return _to_tensor(self) + other
        d = self._dict()
        for m, c in o.items():
            d[m] = d.get(m, 0) + c
        return Dim._make(d)

    __radd__ = __add__

    def __neg__(self) -> Any:
        return Dim._make({m: -c for m, c in self.terms})

    def __pos__(self) -> "Dim":
        return self

    def __sub__(self, other: Any) -> Any:
        o = _poly(other)
        if o is None:
            return _to_tensor(self) - other
        return self + Dim._make({m: -c for m, c in o.items()})

    def __rsub__(self, other: Any) -> Any:
        o = _poly(other)
        if o is None:
            return other - _to_tensor(self)
        return (-self) + other

    def __mul__(self, other: Any) -> Any:
        o = _poly(other)
        if o is None:
            return _to_tensor(self) * other
        d: dict = {}
        for m1, c1 in self.terms:
            for m2, c2 in o.items():
                m = _mono_mul(m1, m2)
                d[m] = d.get(m, 0) + c1 * c2
        return Dim._make(d)

    __rmul__ = __mul__

    def __floordiv__(self, other: Any) -> Any:
        return _floordiv(self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        if _poly(other) is None:
            return other // _to_tensor(self)
        return _floordiv(other, self)

    def __mod__(self, other: Any) -> Any:
        return _mod(self, other)

    def __rmod__(self, other: Any) -> Any:
        if _poly(other) is None:
            return other % _to_tensor(self)
        return _mod(other, self)

    def __truediv__(self, other: Any) -> Any:
        return _to_tensor(self) / other

    def __rtruediv__(self, other: Any) -> Any:
        return other / _to_tensor(self)

    def __pow__(self, other: Any) -> Any:
        if isinstance(other, int) and not isinstance(other, bool) and other >= 0:
            out: Any = 1
            for _ in range(other):
                out = out * self
            return out
        return _to_tensor(self) ** other

    # ---- comparison ------------------------------------------------------------------------------
    def __eq__(self, other: Any) -> bool:  # type: ignore[override]
        if _poly(other) is None:
            return NotImplemented
        diff = _canon(self - other)
        if isinstance(diff, int):
            return diff == 0
        pair = _unifiable(diff)
        if pair is not None:
            a, b = pair
            with _LOCK:
                if _root(a) != _root(b):
                    _PARENT[_root(b)] = _root(a)
        elif _provably_nonzero(diff):  # s == -1, s == 0, s + 1 == 1: never, for sizes >= 1
            return False
        if _SCOPE.assumed is not None and (pair is not None or (_SCOPE.generic and _semantic(diff))):
            _SCOPE.assumed[(self - other, "eq")] = pair is not None
        return pair is not None

    def __ne__(self, other: Any) -> bool:  # type: ignore[override]
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return self._hash

    def __ge__(self, other: Any) -> bool:
        return _decide(self - other, 0, f"{self} >= {other}")

    def __gt__(self, other: Any) -> bool:
        return _decide(self - other, 1, f"{self} > {other}")

    def __le__(self, other: Any) -> bool:
        return _decide(other - self, 0, f"{self} <= {other}")

    def __lt__(self, other: Any) -> bool:
        return _decide(other - self, 1, f"{self} < {other}")

    def __bool__(self) -> bool:
        return True  # a size is >= 1

    # ---- what cannot be known while compiling -----------------------------------------------------
    def __index__(self) -> int:
        raise DynamicDimError(f"the size {self} is known only when the graph runs (an axis declared None); "
                              f"it cannot be used as a Python int here (range, int(), indexing a list). "
                              f"Declare that axis with a fixed size, or compute with tensor ops")

    __int__ = __index__

    def __float__(self) -> float:
        raise DynamicDimError(f"the size {self} is known only when the graph runs; float() of it is unknown "
                              f"while compiling")

    # ---- run time ----------------------------------------------------------------------------------
    def evaluate(self, env: dict) -> int:
        total = 0
        for m, c in self.terms:
            v = c
            for atom, p in m:
                v *= _atom_value(atom, env) ** p
            total += v
        return total

    def names(self) -> set:
        out: set = set()
        for m, _ in self.terms:
            for atom, _p in m:
                if isinstance(atom, str):
                    out.add(atom)
                else:
                    out |= _names_of(atom[1]) | _names_of(atom[2])
        return out

    @property
    def name(self) -> str | None:
        """The size's name if this is a plain size (not an expression)."""
        if len(self.terms) == 1:
            m, c = self.terms[0]
            if c == 1 and len(m) == 1 and m[0][1] == 1 and isinstance(m[0][0], str):
                return m[0][0]
        return None

    def __repr__(self) -> str:
        parts = []
        for m, c in self.terms:
            body = "*".join(_atom_str(a) + (f"**{p}" if p > 1 else "") for a, p in m)
            if not body:
                parts.append(str(c))
            elif c == 1:
                parts.append(body)
            elif c == -1:
                parts.append("-" + body)
            else:
                parts.append(f"{c}*{body}")
        return " + ".join(parts).replace("+ -", "- ")

    def __reduce__(self) -> tuple:
        return (Dim, (self.terms,))


# ---- helpers ---------------------------------------------------------------------------------------
def _mono_key(m: tuple) -> tuple:
    return tuple((_atom_key(a), p) for a, p in m)


def _mono_mul(m1: tuple, m2: tuple) -> tuple:
    d: dict = {}
    for a, p in m1 + m2:
        d[a] = d.get(a, 0) + p
    return tuple(sorted(d.items(), key=lambda ap: _atom_key(ap[0])))


def _poly(x: Any) -> dict | None:
    """x as {monomial: coef}; None for what is not an integer size (floats, tensors)."""
    if isinstance(x, Dim):
        return x._dict()
    if isinstance(x, bool) or not isinstance(x, int):
        if isinstance(x, np.integer):
            return {(): int(x)} if int(x) else {}
        return None
    return {(): x} if x else {}


def _names_of(x: Any) -> set:
    return x.names() if isinstance(x, Dim) else set()


def _atom_str(a: Any) -> str:
    if isinstance(a, str):
        return a
    op, num, den = a
    return f"({num}){op}{den}" if not isinstance(den, Dim) else f"({num}){op}({den})"


def _atom_value(a: Any, env: dict) -> int:
    if isinstance(a, str):
        return env[a]
    op, num, den = a
    n, d = evaluate(num, env), evaluate(den, env)
    return n // d if op == "//" else n % d


def _divides(d: Any, m: tuple, c: int) -> tuple | None:
    """(m, c) / (monomial dm, coef dc) if exact, else None."""
    dm, dc = d
    if c % dc:
        return None
    powers = dict(m)
    for a, p in dm:
        if powers.get(a, 0) < p:
            return None
        powers[a] -= p
    mono = tuple(sorted(((a, p) for a, p in powers.items() if p), key=lambda ap: _atom_key(ap[0])))
    return mono, c // dc


def _floordiv(a: Any, b: Any) -> Any:
    a, b = _canon(a), _canon(b)  # unified sizes divide exactly: s2 // s1 is 1 once s1 == s2
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None:
        return _to_tensor(a) // b if isinstance(a, Dim) else a // _to_tensor(b)
    if not pb:
        raise ZeroDivisionError(f"size {a} divided by zero")
    if len(pb) == 1:
        (dm, dc), = pb.items()
        if dc > 0:
            exact: dict = {}
            rest: dict = {}
            for m, c in pa.items():
                q = _divides((dm, dc), m, c)
                if q is not None:
                    exact[q[0]] = exact.get(q[0], 0) + q[1]
                else:
                    rest[m] = c
            r = Dim._make(rest)
            if isinstance(r, int) and dm == ():
                return Dim._make(exact) + r // dc
            if not rest:
                return Dim._make(exact)
            if dm == ():  # (q*c + r) // c = q + r // c for integer q
                return Dim._make(exact) + _atom_dim(("//", r, dc))
    return _atom_dim(("//", Dim._make(pa), Dim._make(pb)))


def _mod(a: Any, b: Any) -> Any:
    a, b = _canon(a), _canon(b)
    pa, pb = _poly(a), _poly(b)
    if pa is None or pb is None:
        return _to_tensor(a) % b if isinstance(a, Dim) else a % _to_tensor(b)
    q = _floordiv(a, b)
    if not (isinstance(q, Dim) and any(not isinstance(at, str) for m, _ in q.terms for at, _p in m)):
        return a - b * q  # exact quotient: the remainder is a polynomial
    return _atom_dim(("%", Dim._make(pa), Dim._make(pb)))


def _atom_dim(atom: tuple) -> Dim:
    return Dim((((((atom, 1),), 1)),))


def _lower_bound(x: Any) -> int | None:
    """A lower bound of x over sizes >= 1, or None if x can decrease without bound."""
    if isinstance(x, int):
        return x
    total = 0
    for m, c in x.terms:
        if m == ():
            total += c
            continue
        if c < 0:
            return None
        lb = 1
        for a, p in m:
            la = _atom_lower_bound(a)
            if la is None:
                return None
            lb *= la ** p
        total += c * lb
    return total


def _atom_lower_bound(a: Any) -> int | None:
    if isinstance(a, str):
        return 1
    op, num, den = a
    if op == "%":
        return 0
    lb = _lower_bound(num)
    if lb is None or not isinstance(den, int) or den <= 0 or lb < 0:
        return None
    return lb // den


def _decide(diff: Any, at_least: int, what: str) -> bool:
    """Whether diff >= at_least for every size; raises when it depends on the sizes."""
    diff = _canon(diff)
    lb = _lower_bound(diff)
    if lb is not None and lb >= at_least:
        return True
    ub = _lower_bound(-diff) if not isinstance(diff, int) else -diff
    if ub is not None and -ub < at_least:  # diff <= -ub < at_least always
        return False
    hints = _SCOPE.hints
    if hints is not None and _SCOPE.assumed is not None and diff.names() <= set(hints):
        # answered for the sizes being traced, and guarded: other sizes that answer it
        # otherwise get their own graph
        answer = diff.evaluate(hints) >= at_least
        _SCOPE.assumed[(diff - at_least, "ge")] = answer
        return answer
    raise DynamicDimError(f"comparing run-time sizes while compiling ({what}): the answer depends on the "
                          f"sizes of each call. Declare that axis with a fixed size, or avoid the comparison")


def assume_zero(expr: Any) -> bool:
    """Whether `expr` (a remainder, a difference of element counts) is 0, for a shape rule
    that needs it to be (reshape): True where provable; else, while tracing, where unifying
    two sizes that are equal in the traced call makes it 0 (ids [None, None] and their mask
    [None, None] reshaped together), or where it is 0 for the traced call's sizes - recorded
    either way, so other calls are checked; False otherwise."""
    expr = _canon(expr)
    if not isinstance(expr, Dim):
        return expr == 0
    hints = _SCOPE.hints
    if hints is None or _SCOPE.assumed is None:
        return False
    names = sorted(expr.names())
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            if hints.get(x) is None or hints.get(x) != hints.get(y) or _root(x) == _root(y):
                continue
            with _LOCK:
                ry = _root(y)
                _PARENT[ry] = _root(x)
            if _canon(expr) == 0:
                _SCOPE.assumed[(Dim.var(x) - Dim.var(y), "eq")] = True
                return True
            with _LOCK:
                del _PARENT[ry]
    if set(names) <= set(hints) and expr.evaluate(hints) == 0:
        _SCOPE.assumed[(expr, "eq")] = True
        return True
    return False


def _provably_nonzero(diff: Dim) -> bool:
    lb = _lower_bound(diff)
    if lb is not None and lb > 0:
        return True
    ub = _lower_bound(-diff)
    return ub is not None and ub > 0


_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _semantic(diff: Dim) -> bool:
    """Whether a "not equal" answer may change what a program computes, so it must be
    guarded: a comparison in the user's code (`if x.shape[0] == 3:`), or with 1 anywhere
    (size-1 axes broadcast and squeeze). mindlite's own rules treat every other size alike
    (their equality tests pick fast paths), so guarding those would only recompile."""
    if _lower_bound(diff + 1) == 1 or _lower_bound(1 - diff) == 1:  # diff is s - 1 (or 1 - s)
        return True
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename == __file__:
        f = f.f_back
    return f is None or not f.f_code.co_filename.startswith(_PKG)


def same_shape(a: tuple, b: tuple) -> bool:
    """Whether two shapes are the same, asking nothing of the sizes: a run-time size equals
    only an equal expression, never an int. For fast paths (`reshape` to the same shape returns
    the input) whose "no" is right for every size, so it needs no guard."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x is y:
            continue
        if isinstance(x, Dim) or isinstance(y, Dim):
            if not (isinstance(x, Dim) and isinstance(y, Dim)):
                return False
            d = _canon(x - y)
            if not (isinstance(d, int) and d == 0):
                return False
        elif x != y:
            return False
    return True


def _canon(x: Any) -> Any:
    """x with unified sizes replaced by their representative."""
    if not isinstance(x, Dim) or not _PARENT:
        return x
    return substitute(x, lambda name: Dim.var(_root(name)))


def _unifiable(diff: Dim) -> tuple[str, str] | None:
    """(a, b) if diff is k*(a - b) for two plain sizes."""
    if len(diff.terms) != 2:
        return None
    (m1, c1), (m2, c2) = diff.terms
    if c1 != -c2 or len(m1) != 1 or len(m2) != 1 or m1[0][1] != 1 or m2[0][1] != 1:
        return None
    a, b = m1[0][0], m2[0][0]
    if not (isinstance(a, str) and isinstance(b, str)):
        return None
    return (a, b) if a < b else (b, a)


# ---- public helpers ----------------------------------------------------------------------------------
def is_dim(x: Any) -> bool:
    return isinstance(x, Dim)


def is_static(shape: Iterable) -> bool:
    return not any(isinstance(d, Dim) for d in shape)


def has_dims(value: Any) -> bool:
    """Whether a (nested) attribute value holds a run-time size."""
    if isinstance(value, Dim):
        return True
    if isinstance(value, (tuple, list)):
        return any(has_dims(v) for v in value)
    if isinstance(value, dict):
        return any(has_dims(v) for v in value.values())
    return False


def size_names(value: Any) -> set:
    """The names of the run-time sizes in a (nested) attribute value."""
    if isinstance(value, Dim):
        return value.names()
    if isinstance(value, (tuple, list)):
        return set().union(*map(size_names, value)) if value else set()
    if isinstance(value, dict):
        return size_names(tuple(value.values()))
    return set()


def evaluate(x: Any, env: dict) -> Any:
    """x with every size replaced by its value in env (tuples, lists and dicts recursively)."""
    if isinstance(x, Dim):
        return x.evaluate(env)
    if isinstance(x, tuple):
        return tuple(evaluate(v, env) for v in x)
    if isinstance(x, list):
        return [evaluate(v, env) for v in x]
    if isinstance(x, dict):
        return {k: evaluate(v, env) for k, v in x.items()}
    return x


def substitute(x: Any, fn: Any) -> Any:
    """x with each size name replaced by fn(name) (a Dim or an int)."""
    if not isinstance(x, Dim):
        return x
    total: Any = 0
    for m, c in x.terms:
        v: Any = c
        for atom, p in m:
            if isinstance(atom, str):
                a = fn(atom)
            else:
                op, num, den = atom
                num, den = substitute(num, fn), substitute(den, fn)
                a = num // den if op == "//" else num % den
            v = v * a ** p if p > 1 else v * a
        total = total + v
    return total


def bind_sizes(formal: Iterable, actual: Iterable) -> dict:
    """{size name: int or Dim} from shapes holding plain sizes (a graph's inputs) and the
    shapes of what it is applied to."""
    env: dict = {}
    for fs, acs in zip(formal, actual):
        for f, a in zip(fs, acs):
            if isinstance(f, Dim) and f.name is not None and f.name not in env:
                env[f.name] = a
    return env


def instantiate(shape: tuple, env: dict) -> tuple:
    """shape with the sizes named in env replaced by their values."""
    if not env:
        return shape
    return tuple(substitute(d, lambda n: env.get(n, Dim.var(n))) if isinstance(d, Dim) else d for d in shape)


TYPICAL_SIZE = 64


def typical(x: Any) -> Any:
    """x with every run-time size taken as TYPICAL_SIZE: for decisions that only weigh costs
    (which values share a buffer slot, whether fusing pays), never for correctness."""
    if isinstance(x, Dim):
        return x.evaluate(_Typical())
    if isinstance(x, tuple):
        return tuple(typical(v) for v in x)
    return x


class _Typical(dict):
    def __missing__(self, key: str) -> int:
        return TYPICAL_SIZE


def size_index(x: Any) -> Any:
    """`operator.index` that lets a run-time size through (shape arguments)."""
    return x if isinstance(x, Dim) else operator.index(x)


def dim_of(x: Any) -> Any:
    """An int or a Dim from a shape entry (numpy ints included)."""
    if isinstance(x, Dim):
        return x
    return int(x)


class SizeScalar(int):
    """What a shape rule sees of a run-time size used as an operand (`x.sum() / x.shape[0]`):
    a Python int - weakly typed, as the size is in PYNATIVE mode - whose value is a stand-in.
    The executor passes the real size when the graph runs."""


_TO_TENSOR: list = [None]


def set_tensor_hook(fn: Any) -> None:
    """Installed by the graph trace: how a size used as a number becomes a 0-d tensor."""
    _TO_TENSOR[0] = fn


def size_tensor(d: Dim) -> Any:
    """A run-time size as a 0-d int64 tensor of the graph being traced."""
    return _to_tensor(d)


def _to_tensor(d: Any) -> Any:
    if _TO_TENSOR[0] is None:
        raise DynamicDimError(f"the size {d} is known only when the graph runs")
    return _TO_TENSOR[0](d)


__all__ = ["Dim", "DynamicDimError", "SizeScalar", "unification_scope", "fresh", "is_dim", "is_static", "has_dims", "evaluate",
           "size_names", "substitute", "same_shape", "assume_zero", "typical", "bind_sizes", "instantiate", "dim_of", "size_index", "size_tensor", "set_tensor_hook"]
