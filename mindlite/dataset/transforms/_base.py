"""Base class and small helpers shared by `transforms`, `vision` and `text`.

A transform is a plain callable on numpy arrays (vision ones also on PIL images):
`op(*columns) -> array | tuple of arrays`. The engine's `map` just calls it, so the
same object works eagerly and in a pipeline. Subclasses set `random = True` when they
draw random numbers (they must use `_rng.get_rng()` so that pipelines stay
deterministic across worker counts).
"""
from __future__ import annotations

import numpy as np

__all__ = ["PyTensorOperation", "TensorOperation", "as_array", "to_np_dtype"]

_DTYPE_ALIASES = {
    "bool": np.bool_, "bool_": np.bool_, "string": np.str_, "str": np.str_,
    "float": np.float32, "half": np.float16, "single": np.float32, "double": np.float64,
}


def to_np_dtype(data_type) -> np.dtype:
    """numpy dtype of a MindSpore-style dtype without importing mindlite.core.

    Accepts numpy dtypes/types, mindlite dtype objects (anything with a `.np`
    attribute), and names such as "int32", "Float32", "mstype.int32", "string".
    """
    np_attr = getattr(data_type, "np", None)
    if np_attr is not None:
        return np.dtype(np_attr)
    if isinstance(data_type, str):
        name = data_type.rsplit(".", 1)[-1].lower()
        if name in _DTYPE_ALIASES:
            return np.dtype(_DTYPE_ALIASES[name])
        try:
            return np.dtype(name)
        except TypeError:
            raise TypeError(f"unknown data type name {data_type!r}") from None
    try:
        return np.dtype(data_type)
    except TypeError:
        raise TypeError(f"cannot interpret {data_type!r} as a data type: pass a numpy dtype, "
                        f"a mindlite dtype (ms.int32) or a name such as 'int32'") from None


def as_array(x) -> np.ndarray:
    """Column value as a numpy array (strings become numpy str arrays)."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "asnumpy"):  # a Tensor handed in eagerly
        return x.asnumpy()
    return np.asarray(x)


class TensorOperation:
    """Base of every transform: callable, printable, accepted by `Dataset.map`."""

    random = False          # True when the op draws from the per-row generator
    implementation = "py"   # MindSpore reports "c" or "py"; all of ours are Python

    def __call__(self, *inputs):
        if not inputs:
            raise TypeError(f"{type(self).__name__} expects at least one input")
        return self._execute(*inputs)

    def _execute(self, *inputs):  # pragma: no cover - every transform defines it
        raise TypeError(f"{type(self).__name__} must define _execute()")

    def device(self, device_target="CPU"):
        """MindSpore 2.x selects an accelerator here; everything runs on the CPU in mindlite."""
        return self

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


# MindSpore 2.x separates C++ (TensorOperation) and Python (PyTensorOperation) ops;
# here both are the same Python class.
PyTensorOperation = TensorOperation
