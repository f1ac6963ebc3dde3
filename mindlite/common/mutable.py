"""`mindlite.common.mutable`: `mutable(input_data, dynamic_len=False)` marks a tuple, list, dict
or scalar passed to a compiled function as a variable rather than a constant.

mindlite already passes the tensors inside such containers to a compiled graph as inputs; a
Python scalar or a sequence length stays part of the compiled signature, so a new value (or
length) compiles a new graph instead of reusing one. The results are the same as MindSpore's;
only the number of compilations differs.
"""
from __future__ import annotations

from typing import Any

from ..core.tensor import Tensor


def _check(value: Any, where: str) -> None:
    if isinstance(value, (Tensor, int, float, bool)):
        return
    if isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            _check(v, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _check(v, f"{where}[{k!r}]")
        return
    raise TypeError(f"mutable: {where} must be a Tensor, a number, or a tuple/list/dict of them, "
                    f"got {type(value).__name__}")


def mutable(input_data: Any, dynamic_len: bool = False) -> Any:
    """Returns `input_data` after checking it is a Tensor/number or a tuple/list/dict of them;
    `dynamic_len` needs a tuple or list, as in MindSpore."""
    if not isinstance(dynamic_len, bool):
        raise TypeError(f"mutable: dynamic_len must be a bool, got {type(dynamic_len).__name__}")
    if dynamic_len and not isinstance(input_data, (tuple, list)):
        raise TypeError(f"mutable: dynamic_len=True needs a tuple or list, got {type(input_data).__name__}")
    _check(input_data, "input_data")
    return input_data


__all__ = ["mutable"]
