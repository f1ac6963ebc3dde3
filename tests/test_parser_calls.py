"""Converted calls: while a graph is traced, every function a converted function calls
(helpers, methods, lambdas, partials, callable objects, nested and recursive calls) runs
converted too, so its tensor-dependent if / while / for / `a if c else b` are captured as
cond / while nodes; mindlite's own code, libraries, builtins, classes and Cells run as they are.

The semantics table runs with a stand-in trace installed (so callees really are converted)
on Python values, where converted code must compute exactly what Python computes. The
capture tests compare PYNATIVE and GRAPH_MODE (and ms.jit of a converted function) with
numpy and look for the cond / while nodes in the captured graph.
"""
from __future__ import annotations

import functools
import inspect
import json
import sys

import numpy as np
import pytest

import mindlite as ms
from mindlite import Tensor, nn, ops
from mindlite.ops import control
from mindlite.parser import GraphSyntaxError, convert, converted, show

HERE = __file__


def outcome(fn, *args, **kwargs):
    try:
        return ("ok", fn(*args, **kwargs))
    except NameError:  # UnboundLocalError or a free variable read before assignment
        return ("NameError",)
    except Exception as e:  # noqa: BLE001
        return (type(e).__name__, str(e))


class _StandInTrace:
    """Installed as the current trace: converted calls convert their callees. Nothing here
    creates symbolic values, so every cond / while_loop runs as plain Python."""


@pytest.fixture
def tracing(monkeypatch):
    monkeypatch.setattr(control.STATE, "trace", _StandInTrace())


def in_converted_code():
    """True when the calling function runs its converted code (or a branch made from it)."""
    code = sys._getframe(1).f_code
    return code.co_name.startswith("__ml_") or "__ml_ctrl__" in code.co_freevars


# ---- the semantics table ------------------------------------------------------------------------
LIMIT = 10


def clamp(x, lo=0, *, hi=LIMIT):
    if x < lo:
        return lo
    while x > hi:
        x -= hi
    return x


def star_args(x, *rest, **kw):
    total = clamp(x, **kw)
    for i in range(len(rest)):
        total += clamp(rest[i], lo=-1)
    return total, sorted(kw)


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


fact = lambda n: 1 if n <= 1 else n * fact(n - 1)  # noqa: E731 - a recursive lambda


def recursion(n):
    return fib(n), fact(n)


def make_counter(start):
    count = start

    def bump(by=1):
        nonlocal count
        if by > 0:
            count += by
        return count
    return bump


def closures(n):
    c = make_counter(n)
    c()
    c(by=5)
    scale = 3
    return c(-1), [(lambda v: v * scale if v % 2 else -v)(i) for i in range(n)]


_TOTAL = 0


def add_to_total(v):
    global _TOTAL
    if v > 0:
        _TOTAL += v
    return _TOTAL


def globals_rw(v):
    before = _TOTAL
    return add_to_total(v) - before, LIMIT


def logged(log):
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            log.append(fn.__name__)
            return fn(*args, **kwargs)
        return wrapper
    return deco


_CALLS: list = []


@logged(_CALLS)
def decorated(x):
    while x > 3:
        x = x // 2
    return x


def decorators(x):
    del _CALLS[:]
    return decorated(x), decorated(x + 7), list(_CALLS)


def evens(n):
    for i in range(n):
        if i % 2 == 0:
            yield i


def generators(n):
    return sum(evens(n)), list(evens(n))


pick = lambda v, k=2: v * k if v > 0 else -v  # noqa: E731
halve, double = (lambda v: v // 2), (lambda v: v * 2 if v else 1)  # noqa: E731 - two on one line


def lambdas(xs):
    out = [pick(x) for x in xs]
    out.append(halve(double(len(xs))))
    return out, sorted(xs, key=lambda v: -v if v % 2 else v)


class Base:
    def step(self, x):
        if x > 0:
            return x * 2
        return -x

    @staticmethod
    def sign(x):
        return 1 if x > 0 else -1 if x < 0 else 0

    @classmethod
    def make(cls, x):
        return cls(x) if x > 0 else None


class Child(Base):
    def __init__(self, x=0):
        self.__offset = x if x > 0 else 0          # private: mangled to _Child__offset

    def step(self, x):
        y = super().step(x)                         # zero-argument super in a converted method
        if y > 3:
            y = y - self.__offset
        return y + self.__bonus()

    def __bonus(self):
        return 1 if self.__offset else 0


def methods(x):
    c = Child(x)
    made = Child.make(x)
    return c.step(x), c.step(-x), Base.sign(x), Child.sign(-x), made is not None and made.step(1)


class Scale:
    def __init__(self, k):
        self.k = k if k else 1

    def __call__(self, x):
        if x > self.k:
            return x * self.k
        return x


def partials_and_callables(x):
    lo = functools.partial(clamp, lo=2)
    return lo(x), Scale(3)(x), Scale(0)(x), functools.partial(Scale(2))(x)


def lazy_branches(x, log):
    a = log.append("a") or x if x > 0 else log.append("b") or -x
    b = 1 / x if x else 0                           # the other branch would divide by zero
    return a, b


def bool_ops(x, y):
    out = []
    if 0 < x < 10 and not y:
        out.append(1)
    if x > 5 or 1 / y > 0:                          # short-circuit: 1 / y only when x <= 5
        out.append(2)
    while 0 <= x < 3:
        x += 1
        out.append(x)
    return out


def library_calls(xs):
    return json.dumps({"n": len(xs)}), float(np.mean(xs)), max(xs), isinstance(xs, list)


def local_class(x):
    class Local:
        def f(self, v):
            if v > 1:
                return v - 1
            return v
    return Local().f(x), [Local().f(v) for v in range(x)]


def raising(x):
    if x < 0:
        raise ValueError(f"negative {x}")
    return x


def exceptions(x):
    try:
        return raising(x)
    except ValueError as e:
        return str(e)


TABLE = [
    (star_args, [(5,), (-3, 12, -4), (25, 1)]),
    (recursion, [(0,), (1,), (7,)]),
    (closures, [(0,), (4,)]),
    (globals_rw, [(3,), (-2,)]),
    (decorators, [(2,), (40,)]),
    (generators, [(0,), (7,)]),
    (lambdas, [([3, -1, 4],), ([],)]),
    (methods, [(3,), (-2,), (0,)]),
    (partials_and_callables, [(1,), (5,)]),
    (bool_ops, [(1, 0), (7, 0), (2, 1), (5, 0)]),
    (library_calls, [([1, 2, 3],)]),
    (local_class, [(0,), (3,)]),
    (exceptions, [(2,), (-2,)]),
]


@pytest.mark.parametrize("fn,cases", TABLE, ids=[f.__name__ for f, _ in TABLE])
def test_converted_calls_behave_like_python(tracing, fn, cases):
    g = convert(fn)
    assert g is not fn
    for args in cases:
        assert outcome(g, *args) == outcome(fn, *args), args


def test_keyword_arguments_and_conditional_expressions_evaluate_like_python(tracing):
    assert convert(star_args)(25, 1, hi=7) == star_args(25, 1, hi=7) == (5, ["hi"])
    for x in (2, -3, 0):
        log1, log2 = [], []
        assert outcome(convert(lazy_branches), x, log2) == outcome(lazy_branches, x, log1)
        assert log1 == log2  # only the chosen branch of each `a if c else b` ran


def leaf():
    return in_converted_code()


def middle():
    return leaf()


class Holder:
    def method(self):
        return leaf()

    def __call__(self):
        return in_converted_code()


def callers():
    h = Holder()
    return (middle(), h.method(), h(), functools.partial(leaf)(), (lambda: leaf())(),
            Child().step(1) and in_converted_code())


def test_callees_really_run_converted_while_traced(tracing):
    assert callers() == (False,) * 5 + (False,)
    assert convert(callers)() == (True,) * 6
    assert converted(leaf) is not leaf and converted(leaf) is converted(leaf)  # cached


def test_outside_a_trace_callees_run_as_they_are():
    assert control.STATE.trace is None
    assert convert(callers)() == (False,) * 5 + (True,)  # only the converted function itself
    assert converted(leaf) is leaf


def no_source_fn():
    ns: dict = {}
    exec("def nosrc(x):\n    if x:\n        return 1\n    return 2\n", ns)  # noqa: S102 - no source on purpose
    return ns["nosrc"]


def test_what_passes_through_unconverted(tracing):
    t = Tensor(np.ones(2, np.float32))
    relu = nn.ReLU()
    for f in (ops.sum, t.sum, relu, np.mean, json.dumps, len, dict, Child, evens, no_source_fn(),
              inspect.getsource, print):
        assert converted(f) is f, f
    assert converted(relu) is relu and converted(functools.partial(ops.sum)).func is ops.sum
    bound = converted(Child().step)
    assert bound.__func__ is not Child.step and bound.__func__.__wrapped__ is Child.step


def make_adder(k):
    def add(x):
        if x > 0:
            return x + k
        return x
    return add


def test_cache_per_code_object_and_live_closures(tracing):
    a, b = make_adder(1), make_adder(100)
    ca, cb = converted(a), converted(b)
    assert ca.__code__ is cb.__code__ and (ca(1), cb(1), ca(-1)) == (2, 101, -1)
    assert converted(a) is ca
    a.__defaults__ = None  # a changed function object is converted again
    assert converted(a) is ca
    assert convert(ca) is ca and converted(ca) is ca


def test_show_converted_source():
    src = show(partials_and_callables)
    assert ("__ml_ctrl__.converted(__ml_ctrl__.converted(functools.partial)(__ml_ctrl__.converted(Scale)(2)))(x)"
            in src)  # the call of the call's result is a converted call too
    assert "__ml_ctrl__.converted(functools.partial)(clamp, lo=2)" in src
    assert show(pick) == ("lambda v, k=2: __ml_ctrl__.ifexp(v > 0, lambda: v * k, lambda: -v)")
    assert "sum(" in show(generators)  # a builtin stays a direct call
    flat = show(lazy_branches, recursive=False)
    assert "converted" not in flat and flat.count("__ml_ctrl__.ifexp(") == 2
    with pytest.raises(ValueError, match="no source"):
        show(no_source_fn())


def test_generators_and_async_functions_are_left_unchanged(caplog):
    async def coro(x):
        if x:
            return 1
        return 2
    with caplog.at_level("DEBUG", logger="mindlite.parser"):
        assert convert(coro) is coro
    assert "generator or async function" in caplog.text
    assert convert(evens) is evens and show(evens) is not None


# ---- capture in GRAPH_MODE ------------------------------------------------------------------------
def gate(x):                               # a module-level helper with a tensor `if`
    if ops.sum(x) > 0:
        y = x * 2
    else:
        y = x * x - 1
    return y


def gate_np(x):
    return x * 2 if x.sum() > 0 else x * x - 1


def grow(x):                               # ... with a tensor `while`
    while ops.sum(x) < 20:
        x = ops.abs(x) * 1.5 + 0.5
    return x


def grow_np(x):
    while x.sum() < 20:
        x = np.abs(x) * 1.5 + 0.5
    return x


def gate_twice(x):                         # a helper calling a helper
    return gate(gate(x) - 3)


bump = lambda v: v + 10 if ops.sum(v) < 0 else v * 0.5  # noqa: E731 - a lambda with `a if c else b`


def bump_np(v):
    return v + 10 if v.sum() < 0 else v * 0.5


class IfHelper(nn.Cell):
    def construct(self, x):
        return gate(x) + 1


class WhileHelper(nn.Cell):
    def construct(self, x):
        return grow(x)


class MethodRange(nn.Cell):
    def _step(self, x, n):                 # a method helper with a tensor trip count
        for i in range(n):
            x = x + i * 0.5
        return x

    def construct(self, x, n):
        return self._step(x, n)


class Nested(nn.Cell):
    def construct(self, x):
        return gate_twice(x)


class LambdaIfExp(nn.Cell):
    def __init__(self):
        super().__init__()
        self.act = lambda v: v * 3 if ops.sum(v) > 1 else -v  # noqa: E731 - defined in __init__

    def construct(self, x):
        return self.act(bump(x))


def graph_prims(g):
    """Names of the primitives of a graph, its subgraphs included."""
    for n in g.nodes:
        yield n.prim.name
        for v in n.params.values():
            for sub in (v if isinstance(v, tuple) else (v,)):
                if hasattr(sub, "nodes"):
                    yield from graph_prims(sub)


def top_prims(net, *args):
    g = ms.jit(lambda *a: net(*a)).executable(args).graph
    return [n.prim.name for n in g.nodes], list(graph_prims(g))


def both_modes(net, *args):
    eager = net(*args).asnumpy()
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        graph = net(*args).asnumpy()
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    return eager, graph


X_VALUES = [[1.0, 2.0], [-1.0, -2.5], [0.25, -0.5]]


def _t(v):
    return Tensor(np.array(v, np.float32))


@pytest.mark.parametrize("xv", X_VALUES)
def test_helper_with_tensor_if_in_graph_mode(xv):
    eager, graph = both_modes(IfHelper(), _t(xv))
    want = gate_np(np.array(xv, np.float32)) + 1
    np.testing.assert_allclose(eager, want, rtol=1e-6)
    np.testing.assert_allclose(graph, want, rtol=1e-6)
    top, _ = top_prims(IfHelper(), _t(xv))
    assert top.count("cond") == 1


@pytest.mark.parametrize("xv", X_VALUES)
def test_helper_with_tensor_while_in_graph_mode(xv):
    eager, graph = both_modes(WhileHelper(), _t(xv))
    want = grow_np(np.array(xv, np.float32))
    np.testing.assert_allclose(eager, want, rtol=1e-5)
    np.testing.assert_allclose(graph, want, rtol=1e-5)
    top, _ = top_prims(WhileHelper(), _t(xv))
    assert top.count("while") == 1


@pytest.mark.parametrize("n", [0, 1, 4])
def test_method_helper_with_tensor_trip_count_in_graph_mode(n):
    x, nt = _t([1.0, -2.0]), Tensor(np.array(n, np.int32))
    eager, graph = both_modes(MethodRange(), x, nt)
    want = np.array([1.0, -2.0], np.float32) + 0.5 * sum(range(n))
    np.testing.assert_allclose(eager, want, rtol=1e-6)
    np.testing.assert_allclose(graph, want, rtol=1e-6)
    top, _ = top_prims(MethodRange(), x, nt)
    assert top.count("while") == 1  # a loop node, not n unrolled adds


@pytest.mark.parametrize("xv", X_VALUES)
def test_nested_helpers_in_graph_mode(xv):
    eager, graph = both_modes(Nested(), _t(xv))
    x = np.array(xv, np.float32)
    want = gate_np(gate_np(x) - 3)
    np.testing.assert_allclose(eager, want, rtol=1e-6)
    np.testing.assert_allclose(graph, want, rtol=1e-6)
    top, _ = top_prims(Nested(), _t(xv))
    assert top.count("cond") == 2


@pytest.mark.parametrize("xv", X_VALUES + [[-20.0, 0.0]])
def test_lambdas_with_conditional_expressions_in_graph_mode(xv):
    eager, graph = both_modes(LambdaIfExp(), _t(xv))
    x = bump_np(np.array(xv, np.float32))
    want = x * 3 if x.sum() > 1 else -x
    np.testing.assert_allclose(eager, want, rtol=1e-6)
    np.testing.assert_allclose(graph, want, rtol=1e-6)
    top, _ = top_prims(LambdaIfExp(), _t(xv))
    assert top.count("cond") == 2


class Squash:                              # a callable object (not a Cell)
    def __call__(self, x):
        if ops.sum(x) > 2:
            return x / 2
        return x


class Tools:
    @staticmethod
    def flip(x):
        return -x if ops.sum(x) > 1 else x

    @classmethod
    def shrink(cls, x):
        while ops.sum(ops.abs(x)) > 1:
            x = x * 0.5
        return x


def callee_kinds(x):
    x = Squash()(x)
    x = Tools.flip(x)
    x = functools.partial(gate)(x)
    return Tools.shrink(x)


def callee_kinds_np(x):
    x = x / 2 if x.sum() > 2 else x
    x = -x if x.sum() > 1 else x
    x = gate_np(x)
    while np.abs(x).sum() > 1:
        x = x * 0.5
    return x


@pytest.mark.parametrize("xv", X_VALUES + [[3.0, 4.0]])
def test_callable_objects_static_class_methods_and_partials_in_jit(xv):
    f = ms.jit(convert(callee_kinds))
    np.testing.assert_allclose(f(_t(xv)).asnumpy(), callee_kinds_np(np.array(xv, np.float32)), rtol=1e-6)
    prims = [n.prim.name for n in f.executable((_t(xv),)).graph.nodes]
    assert prims.count("cond") == 3 and prims.count("while") == 1


class Gate(nn.Cell):
    def construct(self, x):
        if ops.sum(x) > 0:
            return x * 2
        return x - 1


class Gated(Gate):
    def construct(self, x):
        y = super().construct(x)            # the parent's construct runs converted too
        return self.__grow(y)

    def __grow(self, y):                    # a private method helper
        while ops.sum(y) < 10:
            y = ops.abs(y) * 2 + 1
        return y


@pytest.mark.parametrize("xv", X_VALUES)
def test_super_and_private_method_helpers_in_graph_mode(xv):
    eager, graph = both_modes(Gated(), _t(xv))
    y = np.array(xv, np.float32)
    y = y * 2 if y.sum() > 0 else y - 1
    while y.sum() < 10:
        y = np.abs(y) * 2 + 1
    np.testing.assert_allclose(eager, y, rtol=1e-6)
    np.testing.assert_allclose(graph, y, rtol=1e-6)
    top, _ = top_prims(Gated(), _t(xv))
    assert top.count("cond") == 1 and top.count("while") == 1


def logic_in_conditions(x):
    if ops.sum(x) > 0 and not x.max() > 5:   # symbolic `and` / `not`: logical ops
        y = x + 1
    else:
        y = x - 1
    if 0 < ops.sum(y) < 4:                      # a chained comparison
        y = y * 10
    return y


@pytest.mark.parametrize("xv", [[1.0, 2.0], [1.0, 7.0], [-1.0, -2.0], [0.5, 0.25]])
def test_and_or_not_and_chained_comparisons_in_jit(xv):
    x = np.array(xv, np.float32)
    y = x + 1 if x.sum() > 0 and not x.max() > 5 else x - 1
    want = y * 10 if 0 < y.sum() < 4 else y
    got = ms.jit(convert(logic_in_conditions))(_t(xv)).asnumpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(convert(logic_in_conditions)(_t(xv)).asnumpy(), want, rtol=1e-6)


def uses_gate(x):
    return gate(x) * 3


def calls_under_if(flag):
    if flag:
        return middle(), in_converted_code()
    return None


def test_recursive_false_leaves_calls_unconverted(tracing):
    assert convert(calls_under_if)(True) == (True, True)
    assert convert(calls_under_if, recursive=False)(True) == (False, True)  # middle() ran as written
    assert "__ml_ctrl__.converted" not in show(calls_under_if, recursive=False)
    assert convert(uses_gate, recursive=False) is uses_gate  # no statement to convert


def test_jit_of_a_plain_function_converts_its_helpers():
    x = _t([1.0, -2.0])
    for f in (uses_gate, convert(uses_gate)):
        np.testing.assert_allclose(ms.jit(f)(x).asnumpy(), gate_np(x.asnumpy()) * 3, rtol=1e-6)
        np.testing.assert_allclose(ms.jit(f)(-x).asnumpy(), gate_np(-x.asnumpy()) * 3, rtol=1e-6)


def loss_through_helper(x, w):
    return ops.sum(gate(x * w))


@pytest.mark.parametrize("xv", [[1.0, 2.0], [-1.0, -2.0]])
def test_gradient_through_a_converted_helper(xv):
    x, w = np.array(xv, np.float32), np.float32(0.5)
    got = ms.jit(lambda a, b: ms.grad(convert(loss_through_helper), 1)(a, b))(_t(xv), Tensor(w))
    want = (2 * x).sum() if (x * w).sum() > 0 else (2 * x * x * w).sum()  # d/dw of sum(gate(x w))
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5)


def helper_with_try(x):
    if ops.sum(x) > 0:
        try:
            x = x * 2
        except ValueError:
            pass
    return x


class CallsBadHelper(nn.Cell):
    def construct(self, x):
        return helper_with_try(x) + 1


def test_unsupported_construct_in_a_helper_names_its_file_and_line():
    src, first = inspect.getsourcelines(helper_with_try)
    line = first + next(i for i, text in enumerate(src) if "try:" in text)
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        with pytest.raises(GraphSyntaxError, match="a `try` statement") as info:
            CallsBadHelper()(_t([1.0, 2.0]))
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    assert info.value.filename == HERE and info.value.lineno == line
    np.testing.assert_allclose(CallsBadHelper()(_t([1.0, 2.0])).asnumpy(), [3.0, 5.0])  # PYNATIVE runs it
