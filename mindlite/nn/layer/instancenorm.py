"""Instance normalisation: nn.InstanceNorm1d / 2d / 3d. Each (sample, channel) plane is
normalised by its own mean and (biased) variance, in training and in evaluation alike, then
scaled by `gamma` and shifted by `beta` (per channel) when `affine`."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...common.initializer import initializer
from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from ..cell import Cell


class _InstanceNorm(Cell):
    _ndim = 4

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 gamma_init: Any = "ones", beta_init: Any = "zeros", dtype: Any = mstype.float32) -> None:
        super().__init__()
        owner = type(self).__name__
        validator.check_positive_int(num_features, "num_features", owner)
        self.eps = validator.check_positive_float(eps, "eps", owner)
        self.momentum = validator.check_float_range(momentum, 0.0, 1.0, validator.INC_BOTH, "momentum", owner)
        validator.check_bool(affine, "affine", owner)
        dtype = validator.check_float_dtype(dtype, "dtype", owner)
        self.num_features, self.affine = num_features, affine
        self.gamma = Parameter(initializer(gamma_init, (num_features,), dtype), name="gamma",
                               requires_grad=affine)
        self.beta = Parameter(initializer(beta_init, (num_features,), dtype), name="beta", requires_grad=affine)

    def construct(self, x: Tensor) -> Tensor:
        owner = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim != self._ndim or x.shape[1] != self.num_features:
            raise ValueError(f"{owner}: expected a {self._ndim}-d input with {self.num_features} channels, got "
                             f"{list(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
        axes = tuple(range(2, x.ndim))
        mean = ops.mean(x, axes, True)
        var = ops.mean(ops.square(x - mean), axes, True)
        y = (x - mean) * ops.rsqrt(var + self.eps)
        if not self.affine:
            return y
        shape = (1, -1) + (1,) * (x.ndim - 2)
        return y * ops.reshape(ops.cast(self.gamma, x.dtype), shape) + ops.reshape(ops.cast(self.beta, x.dtype), shape)

    def extend_repr(self) -> str:
        return f"num_features={self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class InstanceNorm1d(_InstanceNorm):
    """`nn.InstanceNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True, gamma_init='ones',
    beta_init='zeros', dtype=mstype.float32)` over (N, C, L)."""
    _ndim = 3


class InstanceNorm2d(_InstanceNorm):
    """`nn.InstanceNorm2d(num_features, ...)` over (N, C, H, W)."""
    _ndim = 4


class InstanceNorm3d(_InstanceNorm):
    """`nn.InstanceNorm3d(num_features, ...)` over (N, C, D, H, W)."""
    _ndim = 5
