"""mindlite.parser: the source transformation of if / while / for-range into cond / while_loop.

Most tests run a function and its converted form on the same Python or eager-Tensor inputs
and compare results (the conversion must not change what plain Python does). Symbolic
predicates are faked (`Sym`: `_data.is_symbolic`) under a stub trace that records what
`mindlite.ops.control` hands it.
"""
from __future__ import annotations

import functools
import importlib.util
import inspect
import random
import traceback

import numpy as np
import pytest

import mindlite as ms
from mindlite import parser
from mindlite.ops import control
from mindlite.parser import GraphSyntaxError, convert, show

HERE = __file__


def outcome(fn, *args, **kwargs):
    """Result or exception kind; NameError covers UnboundLocalError (a local may become a free name)."""
    try:
        return ("ok", fn(*args, **kwargs))
    except NameError:
        return ("NameError",)
    except Exception as e:  # noqa: BLE001
        return (type(e).__name__, str(e))


# ---- the semantics table -----------------------------------------------------------------------
def if_chain(x):
    if x < 0:
        s = "neg"
    elif x == 0:
        s = "zero"
    elif x < 10:
        s = "small"
    else:
        s = "big"
    return s, x


def nested_if(x, y):
    z = 0
    if x > 0:
        if y > 0:
            z = 1
        else:
            z = 2
            x = -x
    elif y > 0:
        z = 3
    return x, y, z


def one_branch_only(x):
    if x > 0:
        only = x * 2
    if x > 5:
        return only          # defined whenever this runs
    return x


def read_unbound(x):
    if x > 0:
        only = 1
    return only              # NameError when x <= 0, as in Python


def while_break_continue(n):
    i, acc = 0, []
    while True:
        i += 1
        if i % 3 == 0:
            continue
        if i > n:
            break
        acc.append(i)
    return acc, i


def while_else(n):
    i = 0
    while i < n:
        if i == 7:
            break
        i += 1
    else:
        i = -i
    return i


def for_range_variants(a, b):
    out = []
    for i in range(a):
        out.append(i)  # noqa: PERF402 - the loop is what is tested
    for j in range(a, b):
        out.append(j * 10)
    for k in range(b, a, -2):
        out.append(-k)
    for m in range(a, b, 3):
        m = m * 100          # rebinding the loop variable does not change the iteration
        out.append(m)
    return out, locals().get("i"), locals().get("k")


def for_range_jumps(n):
    total = 0
    for i in range(n):
        if i == 2:
            continue
        for j in range(i):
            if j == 3:
                break
            total += j
        if total > 20:
            return "early", i, total
    else:  # noqa: PLW0120 - for/else after a loop that returns
        total = -total
    return "late", total


def return_in_nested_loops(rows):
    for r, row in enumerate(rows):
        k = 0
        while k < len(row):
            if row[k] < 0:
                return r, k
            k += 1
    return None


def early_returns(x):
    if x is None:
        return "none"
    if x < 0:
        if x < -10:
            return "very negative"
        x = -x
    y = x + 1
    if y > 100:
        return "big"
    return y


def python_loops(xs):
    found = None
    for i, x in enumerate(xs):        # loops over Python values stay Python loops
        if x % 2 == 0:
            found = (i, x)
            break
    total = sum(x for x in xs if x > 1)
    return found, total


def for_else_in_python_loop(xs):
    for x in xs:
        if x > 3:
            res = x
            break
    else:
        res = -1
    return res


def defaults(x, scale=3, *, shift=1):
    if x > 0:
        x = x * scale
    return x + shift


def bool_tests(a, b, c):
    out = []
    if a and b or not c:
        out.append(1)
    while a > 0 and (b or c):
        a -= 1
        out.append(a)
    return out


def augmented_and_unpack(v):
    a, b = 0, 1
    for _ in range(v):
        if a < 50:
            a, b = b, a + b
        else:
            b -= 1
    return a, b


def with_try_and_del(x, log):
    if x > 0:
        try:
            y = 10 // (x - 1)
        except ZeroDivisionError:
            y = -1
        del x
        log.append(y)
        return y
    return x


def generator(n):
    for i in range(n):
        if i % 2:
            yield i


def closure_lambda_in_loop(n):
    fs = []
    i = 0
    while i < n:
        fs.append(lambda: i)  # noqa: B023 - Python shares one `i` between these lambdas
        i += 1
    return [f() for f in fs]


def nested_def(x):
    def helper(y):
        if y > 0:
            return y
        return -y
    return helper(x) + helper(-2 * x)


def match_in_if(x):
    if x > 0:
        match x:
            case 1:
                r = "one"
            case _:
                r = "many"
    else:
        r = "none"
    return r


def exception_in_branch_inside_try(x):
    d = None
    try:
        if x > 0:
            d = 5
            d = 1 // (x - 1)
    except ZeroDivisionError:
        pass
    return d                   # 5 when x == 1: the branch's first assignment must survive


def conditional_expressions(x, log):
    a = x * 2 if x > 0 else -x if x < 0 else log.append("zero")
    b = [v if v % 2 else -v for v in range(x if x > 0 else 0)]
    c = (lambda v: v + 1 if v else 0)(x)
    if 0 < x < 5 and not x == 3:               # chained comparison in a test
        log.append("small")
    while -3 < x <= 0:
        x += 1
    return a, b, c, x


TABLE = [
    (conditional_expressions, [(4, []), (0, []), (-5, []), (3, [])]),
    (if_chain, [(-3,), (0,), (4,), (99,)]),
    (nested_if, [(1, 1), (1, -1), (-1, 1), (-1, -1)]),
    (one_branch_only, [(-1,), (3,), (8,)]),
    (read_unbound, [(1,), (-1,)]),
    (while_break_continue, [(0,), (5,), (11,)]),
    (while_else, [(3,), (10,), (0,)]),
    (for_range_variants, [(0, 0), (3, 9), (5, 2), (-2, 4)]),
    (for_range_jumps, [(0,), (4,), (9,), (30,)]),
    (return_in_nested_loops, [([[1, 2], [3, -1]],), ([[1], []],), ([],)]),
    (early_returns, [(None,), (-20,), (-3,), (5,), (200,)]),
    (python_loops, [([1, 3, 4, 6],), ([1, 3],), ([],)]),
    (for_else_in_python_loop, [([1, 5],), ([1, 2],)]),
    (defaults, [(2,), (-2,)]),
    (bool_tests, [(2, 0, 1), (0, 1, 0), (3, 1, 1), (1, 0, 0)]),
    (augmented_and_unpack, [(0,), (5,), (20,)]),
    (closure_lambda_in_loop, [(0,), (3,)]),
    (nested_def, [(3,), (-2,)]),
    (match_in_if, [(1,), (4,), (-1,)]),
    (exception_in_branch_inside_try, [(0,), (1,), (3,)]),
    (for_range_variants, [(True, 3)]),   # bools are ints to range()
    (for_range_variants, [(1.5, 3)]),    # ... floats are an error, in both
]


@pytest.mark.parametrize("fn,cases", TABLE, ids=[f"{f.__name__}" for f, _ in TABLE])
def test_converted_function_behaves_like_python(fn, cases):
    g = convert(fn)
    assert g is not fn
    for args in cases:
        assert outcome(g, *args) == outcome(fn, *args), args


_HITS = 0


def bump_global(x):
    global _HITS
    if x > 0:
        _HITS += 1                 # rebinding a global: the `if` stays Python
    return _HITS


def test_side_effects_generators_and_keywords():
    assert [convert(bump_global)(x) for x in (1, -1, 2)] == [1, 1, 2]
    assert [bump_global(x) for x in (1, -1, 2)] == [3, 3, 4]
    log1, log2 = [], []
    for x in (-1, 1, 3):
        assert outcome(convert(with_try_and_del), x, log2) == outcome(with_try_and_del, x, log1)
    assert log1 == log2 == [-1, 5]
    assert list(convert(generator)(7)) == list(generator(7)) == [1, 3, 5]
    assert convert(defaults)(2, scale=5, shift=0) == defaults(2, scale=5, shift=0) == 10


# ---- eager Tensors -------------------------------------------------------------------------------
def tensor_program(x, n):
    if x.sum() > 0:
        y = x * 2
    elif x.sum() == 0:
        y = x
    else:
        y = -x + 1
    steps = 0
    while y.max() < 50:
        y = y * 1.5 + 1
        steps += 1
        if steps > 100:
            break
    for i in range(n):          # a Tensor trip count: range() takes its __index__
        y = y - i
    return y, steps


@pytest.mark.parametrize("data", [[1.0, -0.5, 2.0], [0.0, 0.0, 0.0], [-3.0, 1.0, -1.0]])
def test_eager_tensor_predicates_give_the_same_numbers(data):
    x, n = ms.Tensor(np.array(data, np.float32)), ms.Tensor(3)
    (y1, s1), (y2, s2) = tensor_program(x, n), convert(tensor_program)(x, n)
    np.testing.assert_array_equal(y1.asnumpy(), y2.asnumpy())
    assert s1 == s2


class Net(ms.nn.Cell):
    def __init__(self):
        super().__init__()
        self.__gain = 3.0                              # private: mangled to _Net__gain
        self.layers = ms.nn.CellList([ms.nn.ReLU(), ms.nn.ReLU()])

    def construct(self, x):
        for layer in self.layers:                      # a CellList: stays a Python loop
            x = layer(x)
        if x.sum() > self.__gain:
            x = x / self.__gain
        return x + super().__class__.__name__.__len__()


def test_methods_self_private_names_super_and_cells():
    net = Net()
    x = ms.Tensor(np.array([[4.0, -1.0, 2.0]], np.float32))
    want = net.construct(x).asnumpy()
    bound = convert(net.construct)
    assert bound.__self__ is net
    np.testing.assert_allclose(bound(x).asnumpy(), want)
    np.testing.assert_allclose(convert(Net.construct)(net, x).asnumpy(), want)


class Counter:
    def __init__(self):
        self.count = 0

    def step(self, x):
        if x > 0:
            self.count += 1         # a side effect: fine with a concrete predicate
        return self.count


def test_attribute_assignment_with_concrete_predicate():
    a, b = Counter(), Counter()
    for x in (1, -1, 2):
        assert convert(b.step)(x) == a.step(x)


# ---- closures, caching, fast paths -------------------------------------------------------------------
def make_closure(k):
    def inner(x):
        if x > k:
            return "above"
        return "below"

    def rebind(v):
        nonlocal k
        k = v
    return inner, rebind


def test_closures_stay_live_and_cache_per_code_object():
    inner, rebind = make_closure(5)
    g = convert(inner)
    assert g(6) == "above"
    rebind(10)                               # the converted function shares the original's cells
    assert g(6) == "below" == inner(6)
    other, _ = make_closure(0)
    assert convert(other).__code__ is g.__code__  # one conversion per code object
    assert convert(inner) is g and convert(g) is g
    assert inspect.signature(convert(defaults)) == inspect.signature(defaults)
    assert "__ml_ctrl__" not in globals() and "__ml_undefined__" not in globals()


def no_control_flow(x, xs):
    total = 0
    for v in xs:            # not range(): nothing to convert
        total += v
    return x + total


def test_fast_paths_return_the_function_unchanged():
    assert convert(no_control_flow) is no_control_flow
    lam = lambda x: x + 1
    assert convert(lam) is lam                       # nothing to convert in a lambda without calls
    absval = lambda x: x if x > 0 else -x
    assert convert(absval) is not absval and [convert(absval)(v) for v in (3, -2)] == [3, 2]
    ns: dict = {}
    exec("def nosrc(x):\n    if x:\n        return 1\n    return 2\n", ns)  # noqa: S102 - a function without source
    assert convert(ns["nosrc"]) is ns["nosrc"]
    with pytest.raises(ValueError, match="no source"):
        show(ns["nosrc"])
    part = functools.partial(defaults, scale=10)
    assert convert(part)(2) == part(2) == 21


def range_shadowed(n):
    out = []
    for i in range(n):
        if i:
            out.append(i)
    return out


def test_shadowed_range_keeps_a_python_loop(monkeypatch):
    monkeypatch.setitem(globals(), "range", lambda n: [n, n])
    src = show(range_shadowed)
    assert "range_args" not in src and "for i in __ml_ctrl__.converted(range)(n):" in src  # a global: called converted
    assert "for i in range(n):" in show(range_shadowed, recursive=False)
    assert convert(range_shadowed)(3) == [3, 3]


# ---- generated source ----------------------------------------------------------------------------
def snap_abs(x):
    if x > 0:
        y = x
    else:
        y = -x
    return y


def snap_sum(n):
    s = 0
    for i in range(n):
        s = s + i
    return s


def test_show_golden_if():
    assert show(snap_abs) == '''\
def snap_abs(x):

    def __ml_then_1(y):
        y = x
        return (y,)

    def __ml_else_1(y):
        y = -x
        return (y,)
    y, = __ml_ctrl__.cond(x > 0, __ml_then_1, __ml_else_1, (__ml_undefined__,))
    return y'''


def snap_calls(x, k):
    y = helper_of(x) if x > k else len(x)
    return y


def helper_of(x):
    return x


def test_show_golden_calls_and_conditional_expression():
    assert show(snap_calls) == '''\
def snap_calls(x, k):
    y = __ml_ctrl__.ifexp(x > k, lambda: __ml_ctrl__.converted(helper_of)(x), lambda: len(x))
    return y'''


def test_show_golden_for_range():
    assert show(snap_sum) == '''\
def snap_sum(n):
    s = 0
    __ml_it_1, __ml_stop_1, __ml_step_1 = __ml_ctrl__.range_args(n)

    def __ml_cond_2(__ml_it_1, s):
        return __ml_ctrl__.range_test(__ml_it_1, __ml_stop_1, __ml_step_1)

    def __ml_body_2(__ml_it_1, s):
        i = __ml_it_1
        __ml_it_1 = __ml_it_1 + __ml_step_1
        s = s + i
        return (__ml_it_1, s)
    __ml_it_1, s = __ml_ctrl__.while_loop(__ml_cond_2, __ml_body_2, (__ml_it_1, s))
    return s'''


def divide_in_branch(x):
    if x > 0:
        y = 1 / (x - x)     # the traceback must point here
    else:
        y = 0
    return y


def test_tracebacks_point_at_the_user_line():
    with pytest.raises(ZeroDivisionError) as info:
        convert(divide_in_branch)(1)
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    _, first = inspect.getsourcelines(divide_in_branch)
    assert frame.filename == HERE and frame.lineno == first + 2
    assert "1 / (x - x)" in frame.line


# ---- symbolic predicates under a stub trace ---------------------------------------------------------
class Sym:
    """A stand-in for a symbolic tensor: control.is_symbolic looks at `_data.is_symbolic`."""

    class _Data:
        is_symbolic = True

    def __init__(self, name="s"):
        self._data = Sym._Data()
        self.name = name

    def _op(self, other, op):
        return Sym(f"({self.name} {op} {getattr(other, 'name', other)})")

    def __add__(self, o): return self._op(o, "+")
    def __radd__(self, o): return self._op(o, "+")
    def __sub__(self, o): return self._op(o, "-")
    def __mul__(self, o): return self._op(o, "*")
    def __gt__(self, o): return self._op(o, ">")
    def __lt__(self, o): return self._op(o, "<")
    def sum(self): return Sym(f"sum({self.name})")

    def __bool__(self):
        raise TypeError("bool() of a symbolic value")


class StubTrace:
    """Records the structured calls; traces both branches / the body once, as a graph trace would."""

    def __init__(self):
        self.calls = []

    def graph_cond(self, pred, true_fn, false_fn, operands):
        outs = (true_fn(*operands), false_fn(*operands))
        self.calls.append(("cond", pred.name, operands, outs))
        if not isinstance(outs[0], tuple):  # a conditional expression: one value
            return Sym("merge")
        return tuple(Sym(f"merge{i}") for i in range(len(outs[0])))

    def graph_while(self, cond_fn, body_fn, init):
        cond_fn(*init)
        out = body_fn(*init)
        self.calls.append(("while", init, out))
        return tuple(Sym(f"loop{i}") for i in range(len(out)))

    def bind(self, prim, args, params):
        return Sym(prim.name)


@pytest.fixture
def stub(monkeypatch):
    trace = StubTrace()
    monkeypatch.setattr(control.STATE, "trace", trace)
    return trace


def sym_if(x, flag):
    if x.sum() > 0 and flag:
        y = x * 2
    else:
        y = x - 1
    if flag:                    # a Python predicate stays Python, even under the trace
        y = y + 1
    return y


def test_symbolic_if_emits_one_cond_and_drops_the_sentinel(stub):
    y = convert(sym_if)(Sym("x"), True)
    [(kind, pred, operands, (t_out, f_out))] = stub.calls
    assert kind == "cond" and pred == "logical_and"       # `and` on a symbolic value: logical_and
    assert operands == () and t_out[0].name == "(x * 2)" and f_out[0].name == "(x - 1)"
    assert y.name == "(merge0 + 1)"


def sym_loops(x, n):
    i = 0
    while i < n:
        x = x + 1
        i = i + 1
    for k in range(n):
        x = x * 2
    return x


def sym_ifexp(x):
    y = x * 2 if x.sum() > 0 else x - 1
    if 0 < x.sum() < 3:
        y = y + 1
    return y


def test_symbolic_conditional_expression_and_chained_comparison_emit_conds(stub):
    convert(sym_ifexp)(Sym("x"))
    (k1, pred1, ops1, (t1, f1)), (k2, pred2, _, _) = stub.calls
    assert (k1, pred1, ops1) == ("cond", "(sum(x) > 0)", ()) and (t1.name, f1.name) == ("(x * 2)", "(x - 1)")
    assert (k2, pred2) == ("cond", "logical_and")      # 0 < s < 3: (0 < s) and (s < 3), s evaluated once


def test_symbolic_while_and_range_emit_loops_with_tuple_state(stub):
    convert(sym_loops)(Sym("x"), Sym("n"))
    (k1, init1, out1), (k2, init2, out2) = stub.calls
    assert k1 == k2 == "while"
    assert [getattr(v, "name", v) for v in init1] == [0, "x"]          # (i, x): sorted state names
    assert len(out1) == 2 and len(init2) == len(out2) == 2             # (counter, x)


def sym_one_branch(x):
    if x.sum() > 0:
        only = x
    return only


def sym_try(x):
    if x.sum() > 0:
        try:
            x = x + 1
        except ValueError:
            pass
    return x


def sym_return_in_loop(x, n):
    for i in range(n):
        if x.sum() > i:
            return x
    return x + 1


class Stateful:
    def __init__(self):
        self.hits = 0

    def step(self, x):
        if x.sum() > 0:
            self.hits = self.hits + 1
        return x


def sym_break_in_list_loop(x, xs):
    for v in xs:
        if x.sum() > v:
            break
        x = x + v
    return x


def sym_if_in_try(x):
    try:
        if x.sum() > 0:
            x = x + 1
    except ValueError:
        pass
    return x


def sym_global(x):
    global _HITS
    if x.sum() > 0:
        _HITS += 1
    return x


def _line_of(fn, text):
    src, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(src) if text in line)


@pytest.mark.parametrize("fn,args,where,match", [
    (sym_one_branch, (), "if x.sum() > 0:", "`only` is bound on only one path"),
    (sym_try, (), "try:", "a `try` statement .* move the `try` out of the `if`"),
    (sym_return_in_loop, (Sym("n"),), "for i in range(n):", "`return` inside a loop"),
    (Stateful().step, (), "self.hits = ", "assignment to an attribute"),
    (sym_break_in_list_loop, ([1, 2],), "for v in xs:", "`break` or `return` in a `for` loop over a Python"),
    (sym_if_in_try, (), "if x.sum() > 0:", "sits in the `try` block at line"),
    (sym_global, (), "_HITS += 1", "rebinding a `global`"),
], ids=["one-branch", "try", "return-in-loop", "attribute", "break-in-list-loop", "if-in-try", "global"])
def test_unsupported_under_symbolic_predicate_names_file_and_line(stub, fn, args, where, match):
    func = getattr(fn, "__func__", fn)
    line = _line_of(func, where)
    with pytest.raises(GraphSyntaxError, match=match) as info:
        convert(fn)(Sym("x"), *args)
    err = info.value
    assert isinstance(err, SyntaxError) and err.filename == HERE and err.lineno == line
    assert str(err).startswith(f'File "{HERE}", line {line}: ')


def test_unsupported_constructs_still_run_with_concrete_predicates():
    x = ms.Tensor(np.array([1.0, 2.0], np.float32))
    np.testing.assert_allclose(convert(sym_try)(x).asnumpy(), sym_try(x).asnumpy())
    np.testing.assert_allclose(convert(sym_if_in_try)(x).asnumpy(), [2.0, 3.0])
    assert outcome(convert(sym_one_branch), -x) == outcome(sym_one_branch, -x) == ("NameError",)


# ---- random programs ---------------------------------------------------------------------------------
class _ProgramGen:
    """Random functions over ints mixing if/elif/else, while, for-range, Python for loops,
    break/continue/return, del, try, lambdas and reads of maybe-unbound names."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.k = 0

    def expr(self):
        v = self.r.choice("abcn")
        return self.r.choice([f"{v} + {self.r.randint(-3, 3)}", f"{v} * 2 - n", f"({v} % 3)",
                              str(self.r.randint(-4, 4)), f"10 // ({v} - 1)", f"helper({v})",
                              f"({v} if {self.cond()} else 10 // ({v} - 2))"])

    def cond(self):
        c = f"{self.r.choice('abcn')} {self.r.choice(['<', '>', '==', '!='])} {self.r.randint(-2, 4)}"
        return self.r.choice([c, f"not ({c})", f"{c} and a > 0", f"{c} or b < 1"])

    def block(self, ind, depth, loop):
        return [line for _ in range(self.r.randint(1, 3)) for line in self.stmt(ind, depth, loop)]

    def stmt(self, ind, depth, loop):
        p, r = " " * ind, self.r.random()
        if depth > 2 or r < 0.4:
            simple = [f"{self.r.choice('abc')} = {self.expr()}", f"log.append({self.expr()})",
                      f"return {self.r.choice('abc')}", f"del {self.r.choice('abc')}",
                      f"fs.append(lambda: {self.r.choice('abc')})"] + ["break", "continue"] * loop
            return [p + self.r.choice(simple)]
        self.k += 1
        if r < 0.65:
            lines = [p + f"if {self.cond()}:"] + self.block(ind + 4, depth + 1, loop)
            return lines + ([p + "else:"] + self.block(ind + 4, depth + 1, loop) if self.r.random() < 0.5 else [])
        if r < 0.75:
            w = f"w{self.k}"
            return [p + f"{w} = 0", p + f"while {w} < 4 and ({self.cond()}):", p + f"    {w} += 1"] + \
                self.block(ind + 4, depth + 1, True)
        if r < 0.9:
            head = f"for i in range({self.r.choice(['n', 'a, 4', '5, b, -2'])}):"
            return [p + head] + self.block(ind + 4, depth + 1, True)
        if r < 0.95:
            return [p + "for x in lst:"] + self.block(ind + 4, depth + 1, True)
        return [p + "try:"] + self.block(ind + 4, depth + 1, loop) + [p + "except ZeroDivisionError:",
                                                                         p + "    log.append('zde')"]

    def function(self, name):
        body = ["    a, b, fs = n, 1, []"] + self.block(4, 0, False)
        return "\n".join([f"def {name}(n, lst, log):"] + body + ["    return a, b, [f() for f in fs]"])


_HELPER = """\
def helper(v):
    if v > 2:
        return v - 1
    while v < -2:
        v += 3
    return v
"""


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "callees-converted"])
def test_random_programs_behave_like_python(tmp_path, monkeypatch, traced):
    n = 60
    path = tmp_path / "random_programs.py"
    path.write_text(_HELPER + "\n\n".join(_ProgramGen(s).function(f"f{s}") for s in range(n)) + "\n")
    if traced:  # a trace is installed: `helper` and the lambdas run converted (on Python values)
        monkeypatch.setattr(control.STATE, "trace", StubTrace())
    spec = importlib.util.spec_from_file_location("random_programs", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (parser.converted(mod.helper) is not mod.helper) == traced
    for s in range(n):
        f = getattr(mod, f"f{s}")
        g = convert(f)
        for value in (-2, 0, 1, 4):
            log1, log2 = [], []
            assert outcome(g, value, [3, 0], log2) == outcome(f, value, [3, 0], log1), (s, value)
            assert log1 == log2, (s, value)


def test_public_api():
    assert parser.UNDEFINED is parser.runtime.UNDEFINED and repr(parser.UNDEFINED) == "<undefined>"
    assert issubclass(GraphSyntaxError, SyntaxError)
    assert {"convert", "converted", "show", "GraphSyntaxError"} <= set(parser.__all__)
