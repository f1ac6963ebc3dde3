"""BatchNorm1d/2d, LayerNorm, GroupNorm."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...common.initializer import initializer
from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from ..cell import Cell


class _BatchNorm(Cell):
    """Batch normalisation over every axis but the channel axis (1).

    MindSpore's `momentum` is the weight of the OLD running value:
    `moving = momentum * moving + (1 - momentum) * batch` (default 0.9, PyTorch's 0.1).
    `use_batch_statistics`: None -> batch statistics (and update) in training, moving ones in
    eval; True -> always batch statistics; False -> always moving statistics.
    """

    _ndims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.9, affine: bool = True,
                 gamma_init: Any = "ones", beta_init: Any = "zeros", moving_mean_init: Any = "zeros",
                 moving_var_init: Any = "ones", use_batch_statistics: Any = None, data_format: str = "NCHW",
                 dtype: Any = mstype.float32) -> None:
        super().__init__()
        name = type(self).__name__
        validator.check_positive_int(num_features, "num_features", name)
        eps = validator.check_positive_float(eps, "eps", name)
        momentum = validator.check_float_range(momentum, 0.0, 1.0, validator.INC_BOTH, "momentum", name)
        validator.check_bool(affine, "affine", name)
        if use_batch_statistics is not None:
            validator.check_bool(use_batch_statistics, "use_batch_statistics", name)
        validator.check_string(data_format, ["NCHW", "NHWC"], "data_format", name)
        if data_format != "NCHW":
            raise ValueError(f"{name}: data_format='NHWC' is not supported, use 'NCHW'")
        dtype = validator.check_float_dtype(dtype, "dtype", name)
        self.num_features, self.eps, self.momentum = num_features, float(eps), float(momentum)
        self.use_batch_statistics, self.affine = use_batch_statistics, affine
        self.gamma = Parameter(initializer(gamma_init, num_features, dtype), name="gamma", requires_grad=affine)
        self.beta = Parameter(initializer(beta_init, num_features, dtype), name="beta", requires_grad=affine)
        self.moving_mean = Parameter(initializer(moving_mean_init, num_features, dtype), name="moving_mean",
                                     requires_grad=False)
        self.moving_variance = Parameter(initializer(moving_var_init, num_features, dtype), name="moving_variance",
                                         requires_grad=False)

    def construct(self, x: Tensor) -> Tensor:
        if x.ndim not in self._ndims:
            raise ValueError(f"{type(self).__name__}: expected a {' or '.join(map(str, self._ndims))}-d input, "
                             f"got shape {list(x.shape)}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: input has {x.shape[1]} channels, expected {self.num_features}")
        use_batch = self.training if self.use_batch_statistics is None else bool(self.use_batch_statistics)
        if use_batch and x.size == 0:
            # an empty batch has no statistics: the mean of nothing is NaN, and it would stay in
            # moving_mean/moving_variance for good
            where = self.moving_mean.name[:-len("moving_mean")].rstrip(".")
            raise ValueError(f"{type(self).__name__}{f' {where!r}' if where else ''}: cannot compute batch statistics "
                             f"of an empty batch (input shape {list(x.shape)}); skip empty batches, or use the moving "
                             "statistics (set_train(False))")
        return ops.batch_norm(x, self.moving_mean, self.moving_variance, self.gamma, self.beta,
                              training=use_batch, momentum=1.0 - self.momentum, eps=self.eps)

    def extend_repr(self) -> str:
        return f"num_features={self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm2d(_BatchNorm):
    _ndims = (4,)


class BatchNorm1d(_BatchNorm):
    _ndims = (2, 3)


class BatchNorm3d(_BatchNorm):
    _ndims = (5,)


class LayerNorm(Cell):
    """Normalise over axes >= begin_norm_axis; gamma/beta have shape `normalized_shape`.
    MindSpore's default epsilon is 1e-7 (PyTorch's 1e-5)."""

    def __init__(self, normalized_shape: Any, begin_norm_axis: int = -1, begin_params_axis: int = -1,
                 gamma_init: Any = "ones", beta_init: Any = "zeros", epsilon: float = 1e-7,
                 dtype: Any = mstype.float32) -> None:
        super().__init__()
        self.normalized_shape = validator.check_positive_int_sequence(normalized_shape, "normalized_shape",
                                                                      "LayerNorm")
        validator.check_is_int(begin_norm_axis, "begin_norm_axis", "LayerNorm")
        validator.check_is_int(begin_params_axis, "begin_params_axis", "LayerNorm")
        epsilon = validator.check_positive_float(epsilon, "epsilon", "LayerNorm")
        dtype = validator.check_float_dtype(dtype, "dtype", "LayerNorm")
        self.begin_norm_axis, self.begin_params_axis, self.epsilon = begin_norm_axis, begin_params_axis, epsilon
        self.gamma = Parameter(initializer(gamma_init, self.normalized_shape, dtype), name="gamma")
        self.beta = Parameter(initializer(beta_init, self.normalized_shape, dtype), name="beta")

    def construct(self, x: Tensor) -> Tensor:
        return ops.layer_norm(x, self.gamma, self.beta, self.begin_norm_axis, self.begin_params_axis, self.epsilon)

    def extend_repr(self) -> str:
        return f"normalized_shape={self.normalized_shape}, begin_norm_axis={self.begin_norm_axis}, " \
               f"begin_params_axis={self.begin_params_axis}"


class GroupNorm(Cell):
    """Normalise each group of `num_channels // num_groups` channels (N, C, ...)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 gamma_init: Any = "ones", beta_init: Any = "zeros", dtype: Any = mstype.float32) -> None:
        super().__init__()
        validator.check_positive_int(num_groups, "num_groups", "GroupNorm")
        validator.check_positive_int(num_channels, "num_channels", "GroupNorm")
        eps = validator.check_positive_float(eps, "eps", "GroupNorm")
        validator.check_bool(affine, "affine", "GroupNorm")
        dtype = validator.check_float_dtype(dtype, "dtype", "GroupNorm")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels {num_channels} is not divisible by num_groups {num_groups}")
        self.num_groups, self.num_channels, self.eps = num_groups, num_channels, eps
        self.gamma = Parameter(initializer(gamma_init, num_channels, dtype), name="gamma", requires_grad=affine)
        self.beta = Parameter(initializer(beta_init, num_channels, dtype), name="beta", requires_grad=affine)

    def construct(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected (N, {self.num_channels}, ...) input, got {list(x.shape)}")
        return ops.group_norm(x, self.num_groups, self.gamma, self.beta, self.eps)
