"""Argument checks with MindSpore's exception types (after MindSpore's `_checkparam` / `Validator`).

A value of the wrong *type* raises TypeError, a value of the right type outside its allowed
range raises ValueError; every message names the owner (`For 'Dense', ...`), the argument,
what was expected and what was given. `bool` is never accepted where an int or a float is
asked for (MindSpore rejects `True` as a channel count too).

    >>> from mindlite import _checkparam as validator
    >>> validator.check_positive_int(in_channels, "in_channels", "Dense")
    >>> validator.check_float_range(momentum, 0.0, 1.0, validator.INC_BOTH, "momentum", "BatchNorm2d")
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

import numpy as np

# relations (MindSpore's names; also reachable as `Rel.GE` etc.)
EQ, NE, LT, LE, GT, GE = "==", "!=", "<", "<=", ">", ">="
INC_NEITHER, INC_LEFT, INC_RIGHT, INC_BOTH = "()", "[)", "(]", "[]"
IN, NOT_IN = "in", "not in"

_COMPARE = {EQ: lambda a, b: a == b, NE: lambda a, b: a != b, LT: lambda a, b: a < b,
            LE: lambda a, b: a <= b, GT: lambda a, b: a > b, GE: lambda a, b: a >= b}
_RANGE = {INC_NEITHER: (False, False), INC_LEFT: (True, False), INC_RIGHT: (False, True), INC_BOTH: (True, True)}


class Rel:
    """MindSpore's `Rel` enumeration of the relations a check can ask for."""
    EQ, NE, LT, LE, GT, GE = EQ, NE, LT, LE, GT, GE
    INC_NEITHER, INC_LEFT, INC_RIGHT, INC_BOTH = INC_NEITHER, INC_LEFT, INC_RIGHT, INC_BOTH
    IN, NOT_IN = IN, NOT_IN


def _where(prim_name: str | None, arg_name: str | None) -> str:
    owner = f"For '{prim_name}', " if prim_name else ""
    arg = f"'{arg_name}'" if arg_name else "the argument"
    return f"{owner}{arg}"


def _given(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


# ---- types ---------------------------------------------------------------------------------------
def check_value_type(arg_name: str, arg_value: Any, valid_types: Any, prim_name: str | None = None) -> Any:
    """`arg_value` is an instance of one of `valid_types` (bool only if bool is listed)."""
    types = tuple(valid_types) if isinstance(valid_types, (list, tuple)) else (valid_types,)
    ok = isinstance(arg_value, types) and not (isinstance(arg_value, bool) and bool not in types)
    if not ok:
        names = ", ".join(getattr(t, "__name__", str(t)) for t in types)
        raise TypeError(f"{_where(prim_name, arg_name)} must be of type {names}, but got {_given(arg_value)}")
    return arg_value


def check_bool(arg_value: Any, arg_name: str | None = None, prim_name: str | None = None) -> bool:
    if not isinstance(arg_value, (bool, np.bool_)):
        raise TypeError(f"{_where(prim_name, arg_name)} must be a bool, but got {_given(arg_value)}")
    return bool(arg_value)


def check_is_int(arg_value: Any, arg_name: str | None = None, prim_name: str | None = None) -> int:
    if not _is_int(arg_value):
        raise TypeError(f"{_where(prim_name, arg_name)} must be an int, but got {_given(arg_value)}")
    return int(arg_value)


def check_is_float(arg_value: Any, arg_name: str | None = None, prim_name: str | None = None) -> float:
    """A float (a Python int is accepted and converted, a bool is not)."""
    if not _is_real(arg_value):
        raise TypeError(f"{_where(prim_name, arg_name)} must be a float, but got {_given(arg_value)}")
    return float(arg_value)


def check_string(arg_value: Any, valid_values: Iterable[str], arg_name: str | None = None,
                 prim_name: str | None = None) -> str:
    valid = list(valid_values)
    if not isinstance(arg_value, str):
        raise TypeError(f"{_where(prim_name, arg_name)} must be a str, one of {valid}, but got {_given(arg_value)}")
    if valid and arg_value not in valid:
        raise ValueError(f"{_where(prim_name, arg_name)} must be one of {valid}, but got {arg_value!r}")
    return arg_value


def check_type_name(arg_name: str, arg_type: Any, valid_types: Iterable[Any], prim_name: str | None = None) -> Any:
    """`arg_type` is a mindlite dtype among `valid_types` (TypeError naming both otherwise)."""
    from .core import dtype as mstype
    valid = list(valid_types)
    if not isinstance(arg_type, mstype.Type):
        raise TypeError(f"{_where(prim_name, arg_name)} must be a mindlite dtype such as mindlite.float32, but got "
                        f"{_given(arg_type)}")
    if arg_type not in valid:
        raise TypeError(f"{_where(prim_name, arg_name)} must be one of {valid}, but got {arg_type}")
    return arg_type


def check_dtype(arg_value: Any, arg_name: str = "dtype", prim_name: str | None = None) -> Any:
    """A mindlite dtype (or numpy dtype / Python type naming one): TypeError for anything else."""
    from .core import dtype as mstype
    try:
        return mstype.to_type(arg_value, arg_name)
    except TypeError as e:
        raise TypeError(f"{_where(prim_name, arg_name)}: {e}") from None


def check_float_dtype(arg_value: Any, arg_name: str = "dtype", prim_name: str | None = None) -> Any:
    t = check_dtype(arg_value, arg_name, prim_name)
    if not t.is_floating_point:
        raise TypeError(f"{_where(prim_name, arg_name)} must be a floating-point dtype, but got {t}")
    return t


def check_tensor(arg_value: Any, arg_name: str | None = None, prim_name: str | None = None) -> Any:
    from .core.tensor import Tensor
    if not isinstance(arg_value, Tensor):
        raise TypeError(f"{_where(prim_name, arg_name)} must be a Tensor, but got {type(arg_value).__name__}")
    return arg_value


# ---- values --------------------------------------------------------------------------------------
def check_int(arg_value: Any, value: int, rel: str, arg_name: str | None = None, prim_name: str | None = None) -> int:
    """An int with `arg_value <rel> value`, e.g. `check_int(k, 1, GE, "k", "TopK")`."""
    v = check_is_int(arg_value, arg_name, prim_name)
    if not _COMPARE[rel](v, value):
        raise ValueError(f"{_where(prim_name, arg_name)} must be {rel} {value}, but got {v}")
    return v


def check_positive_int(arg_value: Any, arg_name: str | None = None, prim_name: str | None = None) -> int:
    return check_int(arg_value, 0, GT, arg_name, prim_name)


def check_non_negative_int(arg_value: Any, arg_name: str | None = None, prim_name: str | None = None) -> int:
    return check_int(arg_value, 0, GE, arg_name, prim_name)


def check_number(arg_name: str, arg_value: Any, value: float, rel: str, prim_name: str | None = None) -> float:
    """A real number (int or float) with `arg_value <rel> value`."""
    if not _is_real(arg_value):
        raise TypeError(f"{_where(prim_name, arg_name)} must be a number, but got {_given(arg_value)}")
    if math.isnan(arg_value) or not _COMPARE[rel](arg_value, value):
        raise ValueError(f"{_where(prim_name, arg_name)} must be {rel} {value}, but got {arg_value}")
    return arg_value


def check_positive_float(arg_value: Any, arg_name: str | None = None, prim_name: str | None = None) -> float:
    v = check_is_float(arg_value, arg_name, prim_name)
    if math.isnan(v) or v <= 0:
        raise ValueError(f"{_where(prim_name, arg_name)} must be > 0, but got {v}")
    return v


def check_non_negative_float(arg_value: Any, arg_name: str | None = None, prim_name: str | None = None) -> float:
    v = check_is_float(arg_value, arg_name, prim_name)
    if math.isnan(v) or v < 0:
        raise ValueError(f"{_where(prim_name, arg_name)} must be >= 0, but got {v}")
    return v


def _check_range(v: float, lower: float, upper: float, rel: str, arg_name: str | None, prim_name: str | None) -> None:
    left, right = _RANGE[rel]
    ok = not (isinstance(v, float) and math.isnan(v))
    ok = ok and (v >= lower if left else v > lower) and (v <= upper if right else v < upper)
    if not ok:
        interval = f"{'[' if left else '('}{lower}, {upper}{']' if right else ')'}"
        raise ValueError(f"{_where(prim_name, arg_name)} must be in {interval}, but got {v}")


def check_int_range(arg_value: Any, lower_limit: int, upper_limit: int, rel: str, arg_name: str | None = None,
                    prim_name: str | None = None) -> int:
    v = check_is_int(arg_value, arg_name, prim_name)
    _check_range(v, lower_limit, upper_limit, rel, arg_name, prim_name)
    return v


def check_float_range(arg_value: Any, lower_limit: float, upper_limit: float, rel: str, arg_name: str | None = None,
                      prim_name: str | None = None) -> float:
    v = check_is_float(arg_value, arg_name, prim_name)
    _check_range(v, lower_limit, upper_limit, rel, arg_name, prim_name)
    return v


def check_number_range(arg_value: Any, lower_limit: float, upper_limit: float, rel: str, value_type: Any = None,
                       arg_name: str | None = None, prim_name: str | None = None) -> Any:
    if not _is_real(arg_value) or (value_type is int and not _is_int(arg_value)):
        kind = "an int" if value_type is int else "a number"
        raise TypeError(f"{_where(prim_name, arg_name)} must be {kind}, but got {_given(arg_value)}")
    _check_range(arg_value, lower_limit, upper_limit, rel, arg_name, prim_name)
    return arg_value


def check_positive_int_sequence(sequence: Any, arg_name: str | None = None, prim_name: str | None = None) -> tuple:
    if not isinstance(sequence, (tuple, list)):
        raise TypeError(f"{_where(prim_name, arg_name)} must be a tuple or list of ints, but got "
                        f"{type(sequence).__name__}")
    for i, v in enumerate(sequence):
        check_positive_int(v, f"{arg_name}[{i}]" if arg_name else f"[{i}]", prim_name)
    return tuple(int(v) for v in sequence)


def check_int_or_pair(arg_value: Any, arg_name: str, prim_name: str | None = None, length: int = 2,
                      minimum: int = 1) -> tuple:
    """An int or a tuple/list of `length` ints, each >= `minimum` (kernel sizes, strides)."""
    items = (arg_value,) * length if _is_int(arg_value) else arg_value
    if not isinstance(items, (tuple, list)) or len(items) != length:
        raise TypeError(f"{_where(prim_name, arg_name)} must be an int or a tuple of {length} ints, but got "
                        f"{_given(arg_value)}")
    for i, v in enumerate(items):
        check_int(v, minimum, GE, f"{arg_name}[{i}]", prim_name)
    return tuple(int(v) for v in items)


class Validator:
    """MindSpore 1.x spelling `from mindspore._checkparam import Validator`: the same checks."""
    check_value_type = staticmethod(check_value_type)
    check_bool = staticmethod(check_bool)
    check_is_int = staticmethod(check_is_int)
    check_is_float = staticmethod(check_is_float)
    check_string = staticmethod(check_string)
    check_type_name = staticmethod(check_type_name)
    check_int = staticmethod(check_int)
    check_positive_int = staticmethod(check_positive_int)
    check_non_negative_int = staticmethod(check_non_negative_int)
    check_number = staticmethod(check_number)
    check_positive_float = staticmethod(check_positive_float)
    check_non_negative_float = staticmethod(check_non_negative_float)
    check_int_range = staticmethod(check_int_range)
    check_float_range = staticmethod(check_float_range)
    check_number_range = staticmethod(check_number_range)
    check_positive_int_sequence = staticmethod(check_positive_int_sequence)


def check_padding(arg_value: Any, lengths: tuple = (1, 2, 4), arg_name: str = "padding",
                  prim_name: str | None = None) -> Any:
    """A non-negative int, or a tuple/list of non-negative ints of one of `lengths`."""
    if _is_int(arg_value):
        return check_non_negative_int(arg_value, arg_name, prim_name)
    if not isinstance(arg_value, (tuple, list)) or len(arg_value) not in lengths:
        raise TypeError(f"{_where(prim_name, arg_name)} must be an int or a tuple of {' or '.join(map(str, lengths))} "
                        f"ints, but got {_given(arg_value)}")
    for i, v in enumerate(arg_value):
        check_non_negative_int(v, f"{arg_name}[{i}]", prim_name)
    return tuple(int(v) for v in arg_value)


def check_axis(arg_value: Any, arg_name: str = "axis", prim_name: str | None = None, allow_none: bool = False,
               allow_tuple: bool = False) -> Any:
    """An int axis (or None / a tuple of ints where allowed): TypeError otherwise."""
    if arg_value is None and allow_none:
        return None
    if allow_tuple and isinstance(arg_value, (tuple, list)):
        return tuple(check_is_int(v, f"{arg_name}[{i}]", prim_name) for i, v in enumerate(arg_value))
    return check_is_int(arg_value, arg_name, prim_name)
