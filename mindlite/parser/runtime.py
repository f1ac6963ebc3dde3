"""What converted code calls at run time; it reaches this module as the closure variable
`__ml_ctrl__` (and the sentinel as `__ml_undefined__`).

`cond` and `while_loop` take the arguments of `mindlite.ops.control.cond` / `while_loop` and
forward them there. With a concrete predicate that is all they do. Under a graph trace with a
symbolic predicate they first check what control.py cannot see in its tuples: a state variable
still holding `UNDEFINED` (bound on one path only) raises `GraphSyntaxError` naming the user's
file and line; an `UNDEFINED` operand that every branch overwrites is dropped, so the graph
never receives the sentinel.
"""
from __future__ import annotations

import linecache
import operator
import sys
from collections.abc import Callable
from typing import Any

from ..core.dims import Dim, size_tensor
from ..ops import control


class _Undefined:
    """The value of a variable that has not been bound yet (Python would say: unbound)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<undefined>"

    def __reduce__(self) -> str:  # pickles as this module's single instance
        return "UNDEFINED"


UNDEFINED = _Undefined()  # the only instance; generated code compares with `is`


class GraphSyntaxError(SyntaxError):
    """Python code a graph cannot capture; names the user's file, line and the construct.

    A SyntaxError, so tracebacks show the offending source line with the message.
    """

    def __init__(self, message: str, filename: str, lineno: int) -> None:
        text = linecache.getline(filename, lineno) or None
        super().__init__(f'File "{filename}", line {lineno}: {message}', (filename, lineno, None, text))

    def __str__(self) -> str:
        return str(self.msg)


def _symbolic(x: Any) -> bool:
    return control.STATE.trace is not None and control.is_symbolic(x)


# ---- control flow ----------------------------------------------------------------------------

def cond(pred: Any, true_fn: Callable[..., tuple], false_fn: Callable[..., tuple], operands: tuple = ()) -> tuple:
    """`mindlite.ops.control.cond`, checking state variables when `pred` is symbolic."""
    if not _symbolic(pred):
        return control.cond(pred, true_fn, false_fn, operands)
    keep = [i for i, v in enumerate(operands) if v is not UNDEFINED]

    def checked(fn: Callable[..., tuple]) -> Callable[..., tuple]:
        def branch(*vals: Any) -> tuple:
            full: list[Any] = [UNDEFINED] * len(operands)
            for i, v in zip(keep, vals):
                full[i] = v
            out = tuple(fn(*full))
            _check_defined(out, fn, _IF_UNDEFINED)
            return out
        branch.__name__ = branch.__qualname__ = fn.__name__
        return branch
    return control.cond(pred, checked(true_fn), checked(false_fn), tuple(operands[i] for i in keep))


def while_loop(cond_fn: Callable[..., Any], body_fn: Callable[..., tuple], init_val: tuple) -> tuple:
    """`mindlite.ops.control.while_loop`, checking the state when the loop turns symbolic."""
    if control.STATE.trace is None:
        return control.while_loop(cond_fn, body_fn, init_val)

    def checked_cond(*val: Any) -> Any:
        res = cond_fn(*val)
        if control.is_symbolic(res):  # control.while_loop is about to build a graph loop
            _check_defined(val, cond_fn, _LOOP_UNDEFINED)
        return res
    checked_cond.__name__ = checked_cond.__qualname__ = cond_fn.__name__
    return control.while_loop(checked_cond, body_fn, init_val)


_IF_UNDEFINED = ("`{name}` is bound on only one path through this `if`, whose condition depends on a tensor "
                 "value, and has no value before it. Give `{name}` a value before the `if` (for example "
                 "`{name} = ops.zeros_like(...)`) or assign it in every branch.")
_LOOP_UNDEFINED = ("`{name}` is carried from one iteration to the next of this loop, whose condition depends on "
                   "a tensor value, but has no value before the loop. Assign `{name}` before the loop.")
_LOOP_RETURN = ("`return` inside a loop whose condition depends on a tensor value: a graph loop cannot return "
                "early. Store the result in a variable, `break`, and return it after the loop.")


def _check_defined(values: tuple, fn: Callable[..., Any], template: str) -> None:
    code = fn.__code__
    names = code.co_varnames[:code.co_argcount]  # generated branch/body parameters = state names
    for i, v in enumerate(values):
        if v is UNDEFINED:
            name = names[i] if i < len(names) else "the returned value"
            msg = _LOOP_RETURN if name == "__ml_retv" else template.format(name=name)
            raise GraphSyntaxError(msg, code.co_filename, code.co_firstlineno)


# ---- statements that stay Python --------------------------------------------------------------

_WHAT = {  # kind -> (the construct, what to change); "{stmt}" is `if`, `while` or `for`
    "try": ("a `try` statement", "a graph cannot catch exceptions; move the `try` out of the `{stmt}`"),
    "with": ("a `with` statement",
             ("a context manager would run once, at trace time; move the `with` out of the `{stmt}`")),
    "yield": ("`yield` / `await`",
              ("a generator cannot be captured in a graph; collect the values in a tuple or list instead")),
    "global": ("rebinding a `global` / `nonlocal` name",
               "return the new value from the function and assign it outside"),
    "del": ("a `del` statement", "assign a new value instead of deleting the variable"),
    "raise": ("`raise` / `assert`",
              ("a graph cannot raise on a tensor value; check it after the step, or make the condition a "
               "Python value")),
    "store": ("an assignment to an attribute or item of an object",
              ("the graph cannot capture this side effect; compute the value into a local variable (use "
               "ops.assign for a Parameter)")),
    "closure": ("an assignment to a variable that a nested function or lambda reads",
                ("inside a converted `{stmt}` the variable is a copy, so that function could see a stale "
                 "value; pass the value to the function as an argument instead")),
    "return": ("`return` inside a `with` / `try` block",
               "assign the result to a variable and return it after the block"),
    "walrus": ("`:=` in a loop condition", "assign the value in the loop body and before the loop"),
    "break": ("`break` or `return` in a `for` loop over a Python sequence",
              ("such a loop is unrolled when traced and cannot stop on a tensor value; loop over "
               "`range(...)` or use a `while` loop")),
}
_IN_TRY = ("this `{stmt}` sits in the `try` block at line {line}, which a graph cannot capture (an exception "
           "would lose the `{stmt}`'s assignments): move the `{stmt}` out of the `try` block, or make its "
           "condition a Python value.")


def concrete(value: Any, stmt: str, kind: str, line: int) -> Any:
    """Test of a statement left in Python: returns `value`, or raises GraphSyntaxError if it is
    symbolic, naming the construct (`kind`, at `line`) that kept the statement from converting."""
    if not _symbolic(value):
        return value
    frame = sys._getframe(1)
    here = frame.f_lineno  # the statement's own line: generated code carries it
    if kind == "in_try":
        raise GraphSyntaxError(_IN_TRY.format(stmt=stmt, line=line), frame.f_code.co_filename, here)
    what, advice = _WHAT[kind]
    msg = (f"{what} (line {line}) inside a `{stmt}` whose condition (line {here}) depends on a tensor value "
           f"cannot be captured in a graph: {advice.format(stmt=stmt)}.")
    raise GraphSyntaxError(msg, frame.f_code.co_filename, line)


# ---- for i in range(...) ---------------------------------------------------------------------

def range_args(*args: Any) -> tuple:
    """(start, stop, step) of `range(*args)`; symbolic bounds stay symbolic (a run-time size,
    core/dims.py, becomes a 0-d tensor: the loop runs as a graph loop)."""
    if any(isinstance(a, Dim) for a in args):
        args = tuple(size_tensor(a) if isinstance(a, Dim) else a for a in args)
    if not any(_symbolic(a) for a in args):
        r = range(*args)  # Python's own argument checks and __index__ conversions
        return r.start, r.stop, r.step
    args = tuple(a if _symbolic(a) else operator.index(a) for a in args)
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (args + (1,))[:3]
    if _symbolic(step):
        frame = sys._getframe(1)
        raise GraphSyntaxError("the step of `range(...)` must be a Python int, not a tensor value",
                               frame.f_code.co_filename, frame.f_lineno)
    if step == 0:
        raise ValueError("range() arg 3 must not be zero")
    return start, stop, step


def range_test(it: Any, stop: Any, step: int) -> Any:
    """Loop test of a lowered `for ... in range(...)`; `step` is a Python int."""
    return it < stop if step > 0 else it > stop


# ---- lazy boolean operators in tests ------------------------------------------------------------

def and_(first: Any, *rest: Callable[[], Any]) -> Any:
    """`first and rest[0]() and ...` with Python's short-circuit; logical_and once symbolic."""
    value = first
    for f in rest:
        if _symbolic(value):
            from ..ops import functional as F
            value = F.logical_and(value, f())
        elif not value:
            return value
        else:
            value = f()
    return value


def or_(first: Any, *rest: Callable[[], Any]) -> Any:
    """`first or rest[0]() or ...` with Python's short-circuit; logical_or once symbolic."""
    value = first
    for f in rest:
        if _symbolic(value):
            from ..ops import functional as F
            value = F.logical_or(value, f())
        elif value:
            return value
        else:
            value = f()
    return value


def not_(value: Any) -> Any:
    """`not value`; logical_not for a symbolic value."""
    if _symbolic(value):
        from ..ops import functional as F
        return F.logical_not(value)
    return not value


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le, "Gt": operator.gt,
    "GtE": operator.ge, "Is": operator.is_, "IsNot": operator.is_not,
    "In": lambda a, b: a in b, "NotIn": lambda a, b: a not in b,
}


def compare(first: Any, ops: tuple[str, ...], *rest: Callable[[], Any]) -> Any:
    """A chained comparison `first op0 rest[0]() op1 rest[1]() ...`: each operand evaluated
    once, in order, stopping at the first false link as Python does; once a link is symbolic
    the links are combined with logical_and."""
    left, value = first, None
    for i, (op, operand) in enumerate(zip(ops, rest)):
        right = operand()
        link = _COMPARE[op](left, right)
        if i and _symbolic(value):
            from ..ops import functional as F
            value = F.logical_and(value, link)
        else:
            value = link
        if not _symbolic(value) and not value:
            return value
        left = right
    return value


# ---- conditional expressions ------------------------------------------------------------------

def ifexp(pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """`true_fn() if pred else false_fn()`: only the chosen branch runs; with a symbolic `pred`
    both are traced into one cond node (each must give tensors, numbers or a tuple of them)."""
    if not _symbolic(pred):
        return true_fn() if pred else false_fn()
    return control.cond(pred, true_fn, false_fn, ())
