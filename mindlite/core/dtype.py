"""mindlite dtypes: MindSpore-style type objects mapped one-to-one onto numpy dtypes.

A dtype prints like MindSpore's (`Float32`) and compares with `==`; the backend stores data
in the matching numpy/cupy dtype. bfloat16 is available when `ml_dtypes` is installed.
"""
from __future__ import annotations

from typing import Any

import numpy as np

try:  # optional: numpy has no native bfloat16
    import ml_dtypes as _ml_dtypes
    _BF16: Any = np.dtype(_ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    _BF16 = None


__all__ = ["Type", "float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64", "uint8",
           "uint16", "uint32", "uint64", "bool_", "complex64", "complex128", "half", "single", "double",
           "number_type", "float_type", "int_type", "uint_type", "all_types", "dtype_to_nptype",
           "pytype_to_dtype", "dtype_to_pytype"]


class Type:
    """A mindlite dtype. `Type.np` is the numpy dtype of the stored data."""

    __slots__ = ("name", "np", "kind")

    def __init__(self, name: str, np_dtype: Any, kind: str) -> None:
        self.name = name          # MindSpore's printed name, e.g. "Float32"
        self.np = np_dtype        # numpy dtype or None when the backend lacks it
        self.kind = kind          # "float" | "int" | "uint" | "bool" | "complex"

    def __repr__(self) -> str:
        return self.name

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, Type) and self.name == other.name)

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self) -> tuple:
        return (_by_name, (self.name,))

    @property
    def is_floating_point(self) -> bool:
        return self.kind == "float"

    @property
    def itemsize(self) -> int:
        return int(self.np.itemsize) if self.np is not None else 2


float16 = Type("Float16", np.dtype(np.float16), "float")
float32 = Type("Float32", np.dtype(np.float32), "float")
float64 = Type("Float64", np.dtype(np.float64), "float")
bfloat16 = Type("BFloat16", _BF16, "float")
int8 = Type("Int8", np.dtype(np.int8), "int")
int16 = Type("Int16", np.dtype(np.int16), "int")
int32 = Type("Int32", np.dtype(np.int32), "int")
int64 = Type("Int64", np.dtype(np.int64), "int")
uint8 = Type("UInt8", np.dtype(np.uint8), "uint")
uint16 = Type("UInt16", np.dtype(np.uint16), "uint")
uint32 = Type("UInt32", np.dtype(np.uint32), "uint")
uint64 = Type("UInt64", np.dtype(np.uint64), "uint")
bool_ = Type("Bool", np.dtype(np.bool_), "bool")
complex64 = Type("Complex64", np.dtype(np.complex64), "complex")
complex128 = Type("Complex128", np.dtype(np.complex128), "complex")
half, single, double = float16, float32, float64

all_types = (float16, float32, float64, bfloat16, int8, int16, int32, int64,
             uint8, uint16, uint32, uint64, bool_, complex64, complex128)
float_type = (float16, float32, float64, bfloat16)
int_type = (int8, int16, int32, int64)
uint_type = (uint8, uint16, uint32, uint64)
number_type = int_type + uint_type + float_type + (complex64, complex128)

_NAMES = {t.name: t for t in all_types}
_FROM_NP = {t.np: t for t in all_types if t.np is not None}


def _by_name(name: str) -> Type:
    return _NAMES[name]


def from_numpy_dtype(np_dtype: Any) -> Type:
    """The mindlite dtype for a numpy dtype (raises TypeError for unsupported ones)."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        t = _FROM_NP.get(np.dtype(np_dtype))
        if t is None:
            raise TypeError(f"numpy dtype {np_dtype} has no mindlite equivalent") from None
        return t


def to_type(dtype: Any, argname: str = "dtype") -> Type:
    """Accept a mindlite Type, a numpy dtype/type or a Python type; raise TypeError naming `argname`."""
    if isinstance(dtype, Type):
        if dtype.np is None:
            raise TypeError(f"{argname}={dtype} is not supported: install ml_dtypes for bfloat16")
        return dtype
    if isinstance(dtype, str):
        raise TypeError(f"{argname} must be a mindlite dtype such as mindlite.float32, got the string {dtype!r}")
    if dtype is float:
        return float32
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    try:
        return from_numpy_dtype(np.dtype(dtype))
    except TypeError:
        raise TypeError(f"{argname} must be a mindlite dtype such as mindlite.float32, got {dtype!r}") from None


def dtype_to_nptype(type_: Type) -> Any:
    """numpy type of a mindlite dtype, e.g. `dtype_to_nptype(float32) is np.float32`."""
    return to_type(type_).np.type


def pytype_to_dtype(obj: Any) -> Type:
    """mindlite dtype for a Python/numpy type; as in MindSpore, `float` maps to float64 here
    (while `Tensor(1.0)` is float32)."""
    if obj is float:
        return float64
    return to_type(obj)


def dtype_to_pytype(type_: Type) -> type:
    """Python type (bool, int, float, complex) matching a mindlite dtype."""
    return {"bool": bool, "int": int, "uint": int, "float": float, "complex": complex}[to_type(type_).kind]
