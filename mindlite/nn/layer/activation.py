"""Activation Cells and `get_activation(name)`."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ... import ops
from ..cell import Cell


class ReLU(Cell):
    def construct(self, x: Any) -> Any:
        return ops.relu(x)


class ReLU6(Cell):
    def construct(self, x: Any) -> Any:
        return ops.relu6(x)


class LeakyReLU(Cell):
    """max(alpha * x, x); MindSpore's default alpha is 0.2 (PyTorch's is 0.01)."""

    def __init__(self, alpha: float = 0.2) -> None:
        super().__init__()
        self.alpha = validator.check_is_float(alpha, "alpha", "LeakyReLU")

    def construct(self, x: Any) -> Any:
        return ops.leaky_relu(x, self.alpha)

    def extend_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Cell):
    """GELU. MindSpore's `nn.GELU` defaults to the tanh approximation (`approximate=True`),
    while the functional `ops.gelu` defaults to the exact erf form."""

    def __init__(self, approximate: bool = True) -> None:
        super().__init__()
        self.approximate = validator.check_bool(approximate, "approximate", "GELU")

    def construct(self, x: Any) -> Any:
        return ops.gelu(x, approximate="tanh" if self.approximate else "none")


class FastGelu(Cell):
    def construct(self, x: Any) -> Any:
        return ops.fast_gelu(x)


class SiLU(Cell):
    def construct(self, x: Any) -> Any:
        return ops.silu(x)


class Sigmoid(Cell):
    def construct(self, x: Any) -> Any:
        return ops.sigmoid(x)


class Tanh(Cell):
    def construct(self, x: Any) -> Any:
        return ops.tanh(x)


class HSwish(Cell):
    def construct(self, x: Any) -> Any:
        return ops.hardswish(x)


class Softplus(Cell):
    def __init__(self, beta: float = 1, threshold: float = 20) -> None:
        super().__init__()
        self.beta = validator.check_is_float(beta, "beta", "Softplus")
        self.threshold = validator.check_is_float(threshold, "threshold", "Softplus")

    def construct(self, x: Any) -> Any:
        return ops.softplus(x, self.beta, self.threshold)


class Softmax(Cell):
    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = validator.check_axis(axis, "axis", type(self).__name__, allow_tuple=True)

    def construct(self, x: Any) -> Any:
        return ops.softmax(x, self.axis)

    def extend_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Softmax):
    def construct(self, x: Any) -> Any:
        return ops.log_softmax(x, self.axis)


_ACTIVATIONS = {
    "relu": ReLU, "relu6": ReLU6, "leakyrelu": LeakyReLU, "gelu": GELU, "fast_gelu": FastGelu, "silu": SiLU,
    "swish": SiLU, "sigmoid": Sigmoid, "tanh": Tanh, "hswish": HSwish, "softplus": Softplus, "softmax": Softmax,
    "logsoftmax": LogSoftmax,
}


def get_activation(name: str | None, prim_name: str | None = None) -> Cell | None:
    """The activation Cell for a name such as 'relu' (None for None)."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise TypeError(f"activation must be a str or None, got {type(name).__name__}")
    cls = _ACTIVATIONS.get(name.lower())
    if cls is None:
        raise KeyError(f"unknown activation {name!r}; known: {sorted(_ACTIVATIONS)}")
    return cls()
