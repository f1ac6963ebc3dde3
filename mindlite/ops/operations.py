"""Primitive-class spelling: `ops.ReLU()(x)`, `ops.MatMul(transpose_b=True)(a, b)`, ...

Each class is a thin callable over the functional ops: its constructor takes the
MindSpore attributes, `__call__` the tensor inputs. `shard()` records a parallel strategy
for the auto-parallel planner.
"""
from __future__ import annotations

from typing import Any, Callable

from . import functional as F
from ..core import dtype as mstype
from ..core.tensor import Tensor


class PrimitiveOp:
    """Base of the primitive classes (MindSpore's `ops.Primitive` role for users)."""

    def __init__(self, **attrs: Any) -> None:
        self.attrs = dict(attrs)
        self.in_strategy: Any = None
        self.out_strategy: Any = None
        for k, v in attrs.items():
            setattr(self, k, v)

    def add_prim_attr(self, name: str, value: Any) -> "PrimitiveOp":
        self.attrs[name] = value
        setattr(self, name, value)
        return self

    def shard(self, in_strategy: Any = None, out_strategy: Any = None) -> "PrimitiveOp":
        """Record a per-input shard strategy, e.g. `MatMul().shard(((2, 1), (1, 1)))`."""
        if in_strategy is not None and not all(isinstance(s, tuple) and all(isinstance(d, int) and d > 0 for d in s)
                                               for s in in_strategy):
            raise ValueError(f"{type(self).__name__}.shard: in_strategy must be a tuple of tuples of positive ints, "
                             f"got {in_strategy!r}")
        self.in_strategy, self.out_strategy = in_strategy, out_strategy
        return self

    def set_device(self, device_target: str) -> "PrimitiveOp":
        self.attrs["primitive_target"] = device_target
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.attrs.items())
        return f"{type(self).__name__}<{args}>"


def _op(name: str, fn: Callable[..., Any], doc: str = "") -> type:
    """A primitive class with no attributes whose call is `fn(*inputs)`."""
    def __call__(self: Any, *args: Any) -> Any:
        return fn(*args)
    return type(name, (PrimitiveOp,), {"__call__": __call__, "__doc__": doc or f"`ops.{name}()(...)`."})


Add = _op("Add", F.add)
Sub = _op("Sub", F.sub)
Mul = _op("Mul", F.mul)
Div = RealDiv = _op("Div", F.div)
FloorDiv = _op("FloorDiv", F.floor_div)
FloorMod = Mod = _op("FloorMod", F.mod)
Pow = _op("Pow", F.pow)
Maximum = _op("Maximum", F.maximum)
Minimum = _op("Minimum", F.minimum)
Neg = _op("Neg", F.neg)
Abs = _op("Abs", F.abs)
Sign = _op("Sign", F.sign)
Exp = _op("Exp", F.exp)
Expm1 = _op("Expm1", F.expm1)
Log = _op("Log", F.log)
Log1p = _op("Log1p", F.log1p)
Sqrt = _op("Sqrt", F.sqrt)
Rsqrt = _op("Rsqrt", F.rsqrt)
Square = _op("Square", F.square)
Reciprocal = _op("Reciprocal", F.reciprocal)
Sin = _op("Sin", F.sin)
Cos = _op("Cos", F.cos)
Tanh = _op("Tanh", F.tanh)
Sigmoid = _op("Sigmoid", F.sigmoid)
Erf = _op("Erf", F.erf)
ReLU = _op("ReLU", F.relu)
ReLU6 = _op("ReLU6", F.relu6)
SiLU = _op("SiLU", F.silu)
FastGeLU = _op("FastGeLU", F.fast_gelu)
Softplus = _op("Softplus", F.softplus)
HSwish = _op("HSwish", F.hardswish)
Floor = _op("Floor", F.floor)
Ceil = _op("Ceil", F.ceil)
Round = _op("Round", F.round)
IsNan = _op("IsNan", F.isnan)
IsInf = _op("IsInf", F.isinf)
IsFinite = _op("IsFinite", F.isfinite)
Equal = _op("Equal", F.equal)
NotEqual = _op("NotEqual", F.not_equal)
Less = _op("Less", F.less)
LessEqual = _op("LessEqual", F.less_equal)
Greater = _op("Greater", F.greater)
GreaterEqual = _op("GreaterEqual", F.greater_equal)
LogicalAnd = _op("LogicalAnd", F.logical_and)
LogicalOr = _op("LogicalOr", F.logical_or)
LogicalNot = _op("LogicalNot", F.logical_not)
Select = _op("Select", F.where)
Identity = _op("Identity", F.identity_copy)
StopGradient = _op("StopGradient", F.stop_gradient)
Reshape = _op("Reshape", F.reshape)
Transpose = _op("Transpose", F.transpose)
ExpandDims = _op("ExpandDims", F.expand_dims)
Tile = _op("Tile", F.tile)
Gather = _op("Gather", F.gather)
GatherNd = _op("GatherNd", F.gather_nd)
TensorScatterUpdate = _op("TensorScatterUpdate", F.tensor_scatter_update)
TensorScatterAdd = _op("TensorScatterAdd", F.tensor_scatter_add)
ZerosLike = _op("ZerosLike", F.zeros_like)
OnesLike = _op("OnesLike", F.ones_like)
Fill = _op("Fill", F.fill)
Shape = _op("Shape", lambda x: x.shape)
Size = _op("Size", lambda x: x.size)
Rank = _op("Rank", lambda x: x.ndim)
DType = _op("DType", lambda x: x.dtype)
Eye = _op("Eye", lambda n, m, t: F.eye(n, m, t))
StridedSlice = _op("StridedSlice", F.strided_slice)
Slice = _op("Slice", F.slice)
AddN = _op("AddN", lambda xs: _add_n(xs))
Depend = _op("Depend", F.depend)


def _add_n(xs: Any) -> Tensor:
    xs = list(xs)
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


class BroadcastTo(PrimitiveOp):
    def __init__(self, shape: Any) -> None:
        super().__init__(shape=tuple(shape))

    def __call__(self, x: Tensor) -> Tensor:
        return F.broadcast_to(x, self.shape)


class Cast(PrimitiveOp):
    def __call__(self, x: Tensor, dtype: Any) -> Tensor:
        return F.cast(x, dtype)


class MatMul(PrimitiveOp):
    def __init__(self, transpose_a: bool = False, transpose_b: bool = False) -> None:
        super().__init__(transpose_a=transpose_a, transpose_b=transpose_b)

    def __call__(self, x: Tensor, y: Tensor) -> Tensor:
        return F.batch_matmul(x, y, self.transpose_a, self.transpose_b)


class BatchMatMul(MatMul):
    """`ops.BatchMatMul(transpose_a=False, transpose_b=False)`: MatMul over leading batch axes."""


class BiasAdd(PrimitiveOp):
    def __init__(self, data_format: str = "NCHW") -> None:
        super().__init__(data_format=data_format)

    def __call__(self, x: Tensor, bias: Tensor) -> Tensor:
        if x.ndim > 2 and self.data_format == "NCHW":
            return x + F.reshape(bias, (1, -1) + (1,) * (x.ndim - 2))
        return x + bias


def _reduce_op(name: str, fn: Callable[..., Any]) -> type:
    def __init__(self: Any, keep_dims: bool = False) -> None:
        PrimitiveOp.__init__(self, keep_dims=keep_dims)

    def __call__(self: Any, x: Tensor, axis: Any = ()) -> Tensor:
        return fn(x, axis if axis != () else None, self.keep_dims)
    return type(name, (PrimitiveOp,), {"__init__": __init__, "__call__": __call__})


ReduceSum = _reduce_op("ReduceSum", F.sum)
ReduceMean = _reduce_op("ReduceMean", F.mean)
ReduceMax = _reduce_op("ReduceMax", F.amax)
ReduceMin = _reduce_op("ReduceMin", F.amin)
ReduceProd = _reduce_op("ReduceProd", F.prod)
ReduceAll = _reduce_op("ReduceAll", F.all)
ReduceAny = _reduce_op("ReduceAny", F.any)


class Softmax(PrimitiveOp):
    def __init__(self, axis: int = -1) -> None:
        super().__init__(axis=axis)

    def __call__(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.axis[0] if isinstance(self.axis, (tuple, list)) else self.axis)


class LogSoftmax(Softmax):
    def __call__(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.axis)


class GeLU(PrimitiveOp):
    """MindSpore's GeLU primitive uses the tanh approximation."""

    def __call__(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate="tanh")


class LeakyReLU(PrimitiveOp):
    def __init__(self, alpha: float = 0.2) -> None:
        super().__init__(alpha=alpha)

    def __call__(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.alpha)


class Concat(PrimitiveOp):
    def __init__(self, axis: int = 0) -> None:
        super().__init__(axis=axis)

    def __call__(self, xs: Any) -> Tensor:
        return F.concat(xs, self.axis)


class Stack(Concat):
    def __call__(self, xs: Any) -> Tensor:
        return F.stack(xs, self.axis)


class Unstack(Concat):
    def __call__(self, x: Tensor) -> tuple:
        return tuple(F.squeeze(p, self.axis) for p in F.split(x, 1, self.axis))


class Split(PrimitiveOp):
    def __init__(self, axis: int = 0, output_num: int = 1) -> None:
        super().__init__(axis=axis, output_num=output_num)

    def __call__(self, x: Tensor) -> tuple:
        n = x.shape[self.axis]
        if n % self.output_num:
            raise ValueError(f"Split: dimension {self.axis} ({n}) is not divisible by output_num {self.output_num}")
        return F.split(x, n // self.output_num, self.axis)


class Squeeze(PrimitiveOp):
    def __init__(self, axis: Any = ()) -> None:
        super().__init__(axis=axis)

    def __call__(self, x: Tensor) -> Tensor:
        return F.squeeze(x, self.axis if self.axis != () else None)


class OneHot(PrimitiveOp):
    def __init__(self, axis: int = -1) -> None:
        super().__init__(axis=axis)

    def __call__(self, indices: Tensor, depth: int, on_value: Any, off_value: Any) -> Tensor:
        return F.one_hot(indices, depth, on_value, off_value, self.axis)


class Pad(PrimitiveOp):
    """`ops.Pad(paddings)`: numpy-style ((before, after), ...) per dimension."""

    def __init__(self, paddings: Any) -> None:
        super().__init__(paddings=tuple(tuple(p) for p in paddings))

    def __call__(self, x: Tensor) -> Tensor:
        return F.pad_nd(x, self.paddings)


class Argmax(PrimitiveOp):
    def __init__(self, axis: int = -1, output_type: Any = mstype.int32) -> None:
        super().__init__(axis=axis, output_type=output_type)

    def __call__(self, x: Tensor) -> Tensor:
        return F.cast(F.argmax(x, self.axis), self.output_type)


class Argmin(Argmax):
    def __call__(self, x: Tensor) -> Tensor:
        return F.cast(F.argmin(x, self.axis), self.output_type)


class ArgMaxWithValue(PrimitiveOp):
    def __init__(self, axis: int = 0, keep_dims: bool = False) -> None:
        super().__init__(axis=axis, keep_dims=keep_dims)

    def __call__(self, x: Tensor) -> tuple:
        return F.argmax(x, self.axis, self.keep_dims), F.amax(x, self.axis, self.keep_dims)


class ArgMinWithValue(ArgMaxWithValue):
    def __call__(self, x: Tensor) -> tuple:
        return F.argmin(x, self.axis, self.keep_dims), F.amin(x, self.axis, self.keep_dims)


class TopK(PrimitiveOp):
    def __init__(self, sorted: bool = True) -> None:  # noqa: A002
        super().__init__(sorted=sorted)

    def __call__(self, x: Tensor, k: int) -> tuple:
        return F.topk(x, k, -1, True, self.sorted)


class Sort(PrimitiveOp):
    def __init__(self, axis: int = -1, descending: bool = False) -> None:
        super().__init__(axis=axis, descending=descending)

    def __call__(self, x: Tensor) -> tuple:
        return F.sort(x, self.axis, self.descending)


class CumSum(PrimitiveOp):
    def __init__(self, exclusive: bool = False, reverse: bool = False) -> None:
        super().__init__(exclusive=exclusive, reverse=reverse)

    def __call__(self, x: Tensor, axis: int) -> Tensor:
        return F.cumsum(x, axis, exclusive=self.exclusive, reverse=self.reverse)


class LayerNorm(PrimitiveOp):
    """Returns (y, mean, variance) as MindSpore's primitive does."""

    def __init__(self, begin_norm_axis: int = 1, begin_params_axis: int = 1, epsilon: float = 1e-7) -> None:
        super().__init__(begin_norm_axis=begin_norm_axis, begin_params_axis=begin_params_axis, epsilon=epsilon)

    def __call__(self, x: Tensor, gamma: Tensor, beta: Tensor) -> tuple:
        from .nn import layer_norm_p
        y, mean, rstd = layer_norm_p(x, gamma, beta, begin_norm_axis=self.begin_norm_axis % x.ndim,
                                     begin_params_axis=self.begin_params_axis % x.ndim, eps=float(self.epsilon))
        return y, mean, 1.0 / (rstd * rstd) - self.epsilon


class SoftmaxCrossEntropyWithLogits(PrimitiveOp):
    """Returns (per-sample loss, gradient w.r.t. logits) as MindSpore's primitive does."""

    def __call__(self, logits: Tensor, labels: Tensor) -> tuple:
        loss = F.softmax_cross_entropy_with_logits(logits, labels)
        return loss, F.softmax(logits, -1) - labels


class SparseSoftmaxCrossEntropyWithLogits(PrimitiveOp):
    def __init__(self, is_grad: bool = False) -> None:
        super().__init__(is_grad=is_grad)

    def __call__(self, logits: Tensor, labels: Tensor) -> Tensor:
        if self.is_grad:
            onehot = F.one_hot(labels, logits.shape[-1], 1.0, 0.0)
            return (F.softmax(logits, -1) - F.cast(onehot, logits.dtype)) / logits.shape[0]
        return F.mean(F.softmax_cross_entropy_with_logits(logits, labels, sparse=True))


class Dropout(PrimitiveOp):
    """`ops.Dropout(keep_prob=0.5)` returns (output, mask)."""

    def __init__(self, keep_prob: float = 0.5, Seed0: int = 0, Seed1: int = 0) -> None:  # noqa: N803
        if not 0.0 < keep_prob <= 1.0:
            raise ValueError(f"Dropout: keep_prob must be in (0, 1], got {keep_prob}")
        super().__init__(keep_prob=keep_prob, Seed0=Seed0, Seed1=Seed1)

    def __call__(self, x: Tensor) -> tuple:
        from .random import keep_mask
        mask = keep_mask(x.shape, self.keep_prob, x.dtype, self.Seed1 or None)
        return x * (mask * (1.0 / self.keep_prob)), mask


class UniformReal(PrimitiveOp):
    def __init__(self, seed: int = 0, seed2: int = 0) -> None:
        super().__init__(seed=seed, seed2=seed2)

    def __call__(self, shape: Any) -> Tensor:
        return F.uniform(shape, 0.0, 1.0, self.seed2 or None)


class StandardNormal(UniformReal):
    def __call__(self, shape: Any) -> Tensor:
        return F.standard_normal(shape, self.seed2 or None)


class Assign(PrimitiveOp):
    """`ops.Assign()(variable, value)`: sets the Parameter's value and returns it."""

    def __call__(self, variable: Tensor, value: Any) -> Tensor:
        return variable.assign_value(F.cast(value, variable.dtype) if isinstance(value, Tensor) else
                                     Tensor(value, variable.dtype))


class AssignAdd(PrimitiveOp):
    def __call__(self, variable: Tensor, value: Any) -> Tensor:
        return variable.assign_value(F.cast(variable + value, variable.dtype))


class AssignSub(PrimitiveOp):
    def __call__(self, variable: Tensor, value: Any) -> Tensor:
        return variable.assign_value(F.cast(variable - value, variable.dtype))


class Print(PrimitiveOp):
    """Prints its inputs (tensors as arrays) and returns the first input, as MindSpore's Print."""

    def __call__(self, *inputs: Any) -> Any:
        print(*[x.asnumpy() if isinstance(x, Tensor) else x for x in inputs])
        return inputs[0] if inputs else None
