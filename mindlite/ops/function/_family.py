"""Builds a family submodule of `mindlite.ops.function` from MindSpore's list of that family."""
from __future__ import annotations

from typing import Any

from .. import functional as _functional


def export(namespace: dict, names: str) -> list:
    """Put each of the whitespace-separated `names` that mindlite implements into `namespace`;
    returns them (the module's `__all__`). Names not implemented stay missing, so the module's
    `__getattr__` reports them."""
    found = [n for n in names.split() if callable(getattr(_functional, n, None))]
    namespace.update({n: getattr(_functional, n) for n in found})
    return found


def missing(module: str, name: str) -> Any:
    from ..._api_names import missing_attribute
    return missing_attribute(module, name, "ops")
