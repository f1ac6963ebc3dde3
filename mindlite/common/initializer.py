"""Parameter initializers with MindSpore's parameterisation (`mindlite.common.initializer`).

    >>> w = Parameter(initializer(HeUniform(negative_slope=math.sqrt(5)), (64, 128), ms.float32))

Random initializers draw from numpy's global generator, which `mindlite.set_seed` seeds.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .. import _checkparam as validator
from ..core import dtype as mstype
from ..core.tensor import Tensor


def _fans(shape: tuple) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    rf = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * rf, shape[0] * rf


def _gain(nonlinearity: str, param: float | None = None) -> float:
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid", "conv_transpose1d", "conv_transpose2d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


class Initializer:
    """Base class: `init(shape)` returns a float64 numpy array of that shape."""

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs

    def init(self, shape: tuple) -> np.ndarray:
        raise TypeError(f"{type(self).__name__} does not define init()")

    def __call__(self, arr: np.ndarray) -> None:
        arr[...] = self.init(arr.shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in self._kwargs.items())})"


class Zero(Initializer):
    def init(self, shape: tuple) -> np.ndarray:
        return np.zeros(shape)


class One(Initializer):
    def init(self, shape: tuple) -> np.ndarray:
        return np.ones(shape)


class Constant(Initializer):
    def __init__(self, value: Any) -> None:
        super().__init__(value=value)
        if isinstance(value, (str, bytes)) or not (isinstance(value, numbers.Number) or
                                                   (hasattr(value, "shape") and hasattr(value, "dtype"))):
            raise TypeError(f"For 'Constant', 'value' must be a number or an array, but got {type(value).__name__}")
        self.value = value

    def init(self, shape: tuple) -> np.ndarray:
        return np.full(shape, self.value, dtype=np.float64)


class Normal(Initializer):
    """N(mean, sigma^2)."""

    def __init__(self, sigma: float = 0.01, mean: float = 0.0) -> None:
        super().__init__(sigma=sigma, mean=mean)
        self.sigma = validator.check_non_negative_float(sigma, "sigma", "Normal")
        self.mean = validator.check_is_float(mean, "mean", "Normal")

    def init(self, shape: tuple) -> np.ndarray:
        return np.random.normal(self.mean, self.sigma, shape)


class TruncatedNormal(Initializer):
    """N(mean, sigma^2) restricted to [a, b] by rejection (a, b are absolute bounds)."""

    def __init__(self, sigma: float = 0.01, mean: float = 0.0, a: float = -2.0, b: float = 2.0) -> None:
        super().__init__(sigma=sigma, mean=mean, a=a, b=b)
        for name, v in (("sigma", sigma), ("mean", mean), ("a", a), ("b", b)):
            validator.check_is_float(v, name, "TruncatedNormal")
        validator.check_non_negative_float(sigma, "sigma", "TruncatedNormal")
        if a >= b:
            raise ValueError(f"TruncatedNormal: a ({a}) must be less than b ({b})")
        self.sigma, self.mean, self.a, self.b = sigma, mean, a, b

    def init(self, shape: tuple) -> np.ndarray:
        out = np.random.normal(self.mean, self.sigma, shape)
        bad = (out < self.a) | (out > self.b)
        while bad.any():
            out[bad] = np.random.normal(self.mean, self.sigma, int(bad.sum()))
            bad = (out < self.a) | (out > self.b)
        return out


class Uniform(Initializer):
    """U(-scale, scale)."""

    def __init__(self, scale: float = 0.07) -> None:
        super().__init__(scale=scale)
        self.scale = validator.check_non_negative_float(scale, "scale", "Uniform")

    def init(self, shape: tuple) -> np.ndarray:
        return np.random.uniform(-self.scale, self.scale, shape)


class HeUniform(Initializer):
    """U(-b, b) with b = gain * sqrt(3 / fan), gain from `nonlinearity` and `negative_slope`."""

    def __init__(self, negative_slope: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> None:
        super().__init__(negative_slope=negative_slope, mode=mode, nonlinearity=nonlinearity)
        where = type(self).__name__
        validator.check_is_float(negative_slope, "negative_slope", where)
        validator.check_string(mode, ["fan_in", "fan_out"], "mode", where)
        validator.check_string(nonlinearity, [], "nonlinearity", where)
        _gain(nonlinearity, negative_slope)  # an unknown nonlinearity fails here, not at init time
        self.negative_slope, self.mode, self.nonlinearity = negative_slope, mode, nonlinearity

    def _std(self, shape: tuple) -> float:
        fan_in, fan_out = _fans(shape)
        fan = fan_in if self.mode == "fan_in" else fan_out
        return _gain(self.nonlinearity, self.negative_slope) / math.sqrt(fan)

    def init(self, shape: tuple) -> np.ndarray:
        bound = math.sqrt(3.0) * self._std(shape)
        return np.random.uniform(-bound, bound, shape)


class HeNormal(HeUniform):
    """N(0, std^2) with std = gain / sqrt(fan)."""

    def init(self, shape: tuple) -> np.ndarray:
        return np.random.normal(0.0, self._std(shape), shape)


class XavierUniform(Initializer):
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""

    def __init__(self, gain: float = 1) -> None:
        super().__init__(gain=gain)
        self.gain = validator.check_is_float(gain, "gain", type(self).__name__)

    def init(self, shape: tuple) -> np.ndarray:
        fan_in, fan_out = _fans(shape)
        bound = self.gain * math.sqrt(6.0 / (fan_in + fan_out))
        return np.random.uniform(-bound, bound, shape)


class XavierNormal(XavierUniform):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""

    def init(self, shape: tuple) -> np.ndarray:
        fan_in, fan_out = _fans(shape)
        return np.random.normal(0.0, self.gain * math.sqrt(2.0 / (fan_in + fan_out)), shape)


class Orthogonal(Initializer):
    def __init__(self, gain: float = 1.0) -> None:
        super().__init__(gain=gain)
        self.gain = validator.check_is_float(gain, "gain", "Orthogonal")

    def init(self, shape: tuple) -> np.ndarray:
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs at least 2 dimensions, got shape {list(shape)}")
        rows, cols = shape[0], int(np.prod(shape[1:]))
        a = np.random.normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        q = q if rows >= cols else q.T
        return self.gain * q[:rows, :cols].reshape(shape)


class Identity(Initializer):
    def init(self, shape: tuple) -> np.ndarray:
        if len(shape) != 2:
            raise ValueError(f"Identity needs a 2-D shape, got {list(shape)}")
        return np.eye(*shape)


_NAMES = {
    "zeros": Zero, "zero": Zero, "ones": One, "one": One, "normal": Normal, "truncatednormal": TruncatedNormal,
    "uniform": Uniform, "heuniform": HeUniform, "he_uniform": HeUniform, "henormal": HeNormal,
    "he_normal": HeNormal, "xavieruniform": XavierUniform, "xavier_uniform": XavierUniform,
    "xaviernormal": XavierNormal, "xavier_normal": XavierNormal, "orthogonal": Orthogonal, "identity": Identity,
}


def initializer(init: Any, shape: Any = None, dtype: Any = mstype.float32) -> Tensor:
    """A Tensor of `shape` and `dtype` initialised by `init`: a name ('normal', 'zeros', ...),
    an Initializer, a Tensor (returned as is after a shape check) or a number (Constant)."""
    t = mstype.to_type(dtype, "dtype")
    if isinstance(init, Tensor):
        if shape is not None and tuple(init.shape) != tuple(_shape(shape)):
            raise ValueError(f"initializer: tensor shape {list(init.shape)} != requested shape {list(shape)}")
        return init
    if shape is None:
        raise ValueError("initializer: shape is required unless init is a Tensor")
    shp = _shape(shape)
    if isinstance(init, str):
        cls = _NAMES.get(init.lower())
        if cls is None:
            raise ValueError(f"initializer: unknown name {init!r}; known: {sorted(_NAMES)}")
        init = cls()
    elif isinstance(init, numbers.Number) and not isinstance(init, bool):
        init = Constant(init)
    elif isinstance(init, type) and issubclass(init, Initializer):
        init = init()
    if not isinstance(init, Initializer):
        raise TypeError(f"initializer: init must be a str, Initializer, Tensor or number, got {type(init).__name__}")
    return Tensor(init.init(shp).astype(t.np))


def _shape(shape: Any) -> tuple:
    """An int or a sequence of non-negative ints (TypeError for other types, ValueError below 0)."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        return (validator.check_non_negative_int(shape, "shape", "initializer"),)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"For 'initializer', 'shape' must be an int or a tuple/list of ints, but got "
                        f"{type(shape).__name__}")
    return tuple(validator.check_non_negative_int(s, f"shape[{i}]", "initializer") for i, s in enumerate(shape))
