"""Math Primitive classes (`mindspore.ops.operations.math_ops`): elementwise arithmetic and
functions, comparisons, reductions, matmul. Each class calls its functional op."""
from __future__ import annotations

from typing import Any

from .. import functional as F
from ..primitive import PrimitiveOp, simple_op
from ...core import dtype as mstype
from ...core.tensor import Tensor

# ---- elementwise binary -----------------------------------------------------------------------
Add = simple_op("Add", F.add)
TensorAdd = Add  # MindSpore 0.x's name
Sub = simple_op("Sub", F.sub)
Mul = simple_op("Mul", F.mul)
Div = simple_op("Div", F.div)
RealDiv = simple_op("RealDiv", F.div)
FloorDiv = simple_op("FloorDiv", F.floor_div)
FloorMod = simple_op("FloorMod", F.floor_mod)
Mod = simple_op("Mod", F.mod)
Pow = simple_op("Pow", F.pow)
Maximum = simple_op("Maximum", F.maximum)
Minimum = simple_op("Minimum", F.minimum)
Atan2 = simple_op("Atan2", F.atan2)
SquaredDifference = simple_op("SquaredDifference", F.squared_difference)
DivNoNan = simple_op("DivNoNan", F.div_no_nan)
Xdivy = simple_op("Xdivy", F.xdivy)
Xlogy = simple_op("Xlogy", F.xlogy)
TruncateDiv = simple_op("TruncateDiv", F.truncate_div)
TruncateMod = simple_op("TruncateMod", F.truncate_mod)
BitwiseAnd = simple_op("BitwiseAnd", F.bitwise_and)
BitwiseOr = simple_op("BitwiseOr", F.bitwise_or)
BitwiseXor = simple_op("BitwiseXor", F.bitwise_xor)

# ---- elementwise unary ------------------------------------------------------------------------
Neg = simple_op("Neg", F.neg)
Abs = simple_op("Abs", F.abs)
Sign = simple_op("Sign", F.sign)
Exp = simple_op("Exp", F.exp)
Expm1 = simple_op("Expm1", F.expm1)
Log = simple_op("Log", F.log)
Log1p = simple_op("Log1p", F.log1p)
Sqrt = simple_op("Sqrt", F.sqrt)
Rsqrt = simple_op("Rsqrt", F.rsqrt)
Square = simple_op("Square", F.square)
Reciprocal = simple_op("Reciprocal", F.reciprocal)
Inv = simple_op("Inv", F.inv)
Invert = simple_op("Invert", F.invert)
Sin = simple_op("Sin", F.sin)
Cos = simple_op("Cos", F.cos)
Tan = simple_op("Tan", F.tan)
Asin = simple_op("Asin", F.asin)
ACos = simple_op("ACos", F.acos)
Atan = simple_op("Atan", F.atan)
Sinh = simple_op("Sinh", F.sinh)
Cosh = simple_op("Cosh", F.cosh)
Asinh = simple_op("Asinh", F.asinh)
Acosh = simple_op("Acosh", F.acosh)
Atanh = simple_op("Atanh", F.atanh)
Erf = simple_op("Erf", F.erf)
Erfc = simple_op("Erfc", F.erfc)
Floor = simple_op("Floor", F.floor)
Ceil = simple_op("Ceil", F.ceil)
Round = simple_op("Round", F.round)
Rint = simple_op("Rint", F.rint)
Trunc = simple_op("Trunc", F.trunc)
IsNan = simple_op("IsNan", F.isnan)
IsInf = simple_op("IsInf", F.isinf)
IsFinite = simple_op("IsFinite", F.isfinite)

# ---- comparison and logic ---------------------------------------------------------------------
Equal = simple_op("Equal", F.equal)
NotEqual = simple_op("NotEqual", F.not_equal)
Less = simple_op("Less", F.less)
LessEqual = simple_op("LessEqual", F.less_equal)
Greater = simple_op("Greater", F.greater)
GreaterEqual = simple_op("GreaterEqual", F.greater_equal)
LogicalAnd = simple_op("LogicalAnd", F.logical_and)
LogicalOr = simple_op("LogicalOr", F.logical_or)
LogicalXor = simple_op("LogicalXor", F.logical_xor)
LogicalNot = simple_op("LogicalNot", F.logical_not)
AddN = simple_op("AddN", F.addn)
Lerp = simple_op("Lerp", F.lerp)
Hypot = simple_op("Hypot", F.hypot)
Heaviside = simple_op("Heaviside", F.heaviside)
Sinc = simple_op("Sinc", F.sinc)
Addcdiv = simple_op("Addcdiv", F.addcdiv)
Addcmul = simple_op("Addcmul", F.addcmul)
Ger = simple_op("Ger", F.ger)
Trace = simple_op("Trace", F.trace)


class NanToNum(PrimitiveOp):
    """`ops.NanToNum(nan=0.0, posinf=None, neginf=None)(x)`."""

    def __init__(self, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> None:
        super().__init__(nan=nan, posinf=posinf, neginf=neginf)

    def __call__(self, x: Tensor) -> Tensor:
        return F.nan_to_num(x, self.nan, self.posinf, self.neginf)


class Cross(PrimitiveOp):
    """`ops.Cross(dim=-65530)(x1, x2)`; the default dim means the first axis of size 3."""

    def __init__(self, dim: int = -65530) -> None:
        super().__init__(dim=dim)

    def __call__(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cross(x1, x2, None if self.dim == -65530 else self.dim)


class Median(PrimitiveOp):
    """`ops.Median(global_median=False, axis=0, keep_dims=False)(x)` -> (lower median, index);
    with global_median, the median of every element (index 0-d)."""

    def __init__(self, global_median: bool = False, axis: int = 0, keep_dims: bool = False) -> None:
        super().__init__(global_median=global_median, axis=axis, keep_dims=keep_dims)

    def __call__(self, x: Tensor) -> tuple:
        if self.global_median:
            return F.median(F.reshape(x, (-1,)), 0, False)
        return F.median(x, self.axis, self.keep_dims)


class ApproximateEqual(PrimitiveOp):
    """`ops.ApproximateEqual(tolerance=1e-5)(x, y)`: |x - y| < tolerance."""

    def __init__(self, tolerance: float = 1e-5) -> None:
        super().__init__(tolerance=float(tolerance))

    def __call__(self, x: Tensor, y: Tensor) -> Tensor:
        return F.approximate_equal(x, y, self.tolerance)


class IsClose(PrimitiveOp):
    """`ops.IsClose(rtol=1e-5, atol=1e-8, equal_nan=True)(input, other)`."""

    def __init__(self, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = True) -> None:
        super().__init__(rtol=rtol, atol=atol, equal_nan=equal_nan)

    def __call__(self, input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
        return F.isclose(input, other, self.rtol, self.atol, self.equal_nan)


# ---- matmul -----------------------------------------------------------------------------------
class MatMul(PrimitiveOp):
    """`ops.MatMul(transpose_a=False, transpose_b=False)(x, y)` for 2-D operands."""

    def __init__(self, transpose_a: bool = False, transpose_b: bool = False) -> None:
        super().__init__(transpose_a=transpose_a, transpose_b=transpose_b)

    def __call__(self, x: Tensor, y: Tensor) -> Tensor:
        return F.batch_matmul(x, y, self.transpose_a, self.transpose_b)


class BatchMatMul(MatMul):
    """`ops.BatchMatMul(transpose_a=False, transpose_b=False)`: MatMul over leading batch axes."""


# ---- reductions -------------------------------------------------------------------------------
class _Reduce(PrimitiveOp):
    """`ops.ReduceXxx(keep_dims=False)(x, axis=())`; () reduces every axis."""
    fn: Any = None

    def __init__(self, keep_dims: bool = False) -> None:
        if not isinstance(keep_dims, bool):
            raise TypeError(f"{type(self).__name__}: keep_dims must be a bool, got {type(keep_dims).__name__}")
        super().__init__(keep_dims=keep_dims)

    def __call__(self, x: Tensor, axis: Any = ()) -> Tensor:
        return type(self).fn(x, None if axis == () or axis == [] else axis, self.keep_dims)


def _reduce_class(name: str, fn: Any) -> type:
    return type(name, (_Reduce,), {"fn": staticmethod(fn), "__module__": __name__,
                                   "__doc__": f"`ops.{name}(keep_dims=False)(x, axis=())`."})


ReduceSum = _reduce_class("ReduceSum", F.sum)
ReduceMean = _reduce_class("ReduceMean", F.mean)
ReduceMax = _reduce_class("ReduceMax", F.amax)
ReduceMin = _reduce_class("ReduceMin", F.amin)
ReduceProd = _reduce_class("ReduceProd", F.prod)
ReduceAll = _reduce_class("ReduceAll", F.all)
ReduceAny = _reduce_class("ReduceAny", F.any)


class ReduceStd(PrimitiveOp):
    """`ops.ReduceStd(axis=(), unbiased=True, keep_dims=False)(x)` -> (std, mean)."""

    def __init__(self, axis: Any = (), unbiased: bool = True, keep_dims: bool = False) -> None:
        super().__init__(axis=axis, unbiased=unbiased, keep_dims=keep_dims)

    def __call__(self, x: Tensor) -> tuple:
        axis = None if self.axis in ((), []) else self.axis
        return (F.std(x, axis, 1 if self.unbiased else 0, self.keep_dims), F.mean(x, axis, self.keep_dims))


class Argmax(PrimitiveOp):
    """`ops.Argmax(axis=-1, output_type=mstype.int32)(x)`."""

    def __init__(self, axis: int = -1, output_type: Any = mstype.int32) -> None:
        super().__init__(axis=axis, output_type=output_type)

    def __call__(self, x: Tensor) -> Tensor:
        return F.cast(F.argmax(x, self.axis), self.output_type)


class Argmin(Argmax):
    """`ops.Argmin(axis=-1, output_type=mstype.int32)(x)`."""

    def __call__(self, x: Tensor) -> Tensor:
        return F.cast(F.argmin(x, self.axis), self.output_type)


class ArgMaxWithValue(PrimitiveOp):
    """`ops.ArgMaxWithValue(axis=0, keep_dims=False)(x)` -> (index, value)."""

    def __init__(self, axis: int = 0, keep_dims: bool = False) -> None:
        super().__init__(axis=axis, keep_dims=keep_dims)

    def __call__(self, x: Tensor) -> tuple:
        value, index = F.max(x, self.axis, self.keep_dims)
        return index, value


class ArgMinWithValue(ArgMaxWithValue):
    """`ops.ArgMinWithValue(axis=0, keep_dims=False)(x)` -> (index, value)."""

    def __call__(self, x: Tensor) -> tuple:
        value, index = F.min(x, self.axis, self.keep_dims)
        return index, value


class CumSum(PrimitiveOp):
    """`ops.CumSum(exclusive=False, reverse=False)(x, axis)`."""

    def __init__(self, exclusive: bool = False, reverse: bool = False) -> None:
        super().__init__(exclusive=exclusive, reverse=reverse)

    def __call__(self, x: Tensor, axis: int) -> Tensor:
        return F.cumsum(x, axis, exclusive=self.exclusive, reverse=self.reverse)


__all__ = [k for k, v in list(globals().items()) if isinstance(v, type) and issubclass(v, PrimitiveOp)
           and not k.startswith("_") and v is not PrimitiveOp]
