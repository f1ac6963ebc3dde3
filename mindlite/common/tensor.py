"""`mindlite.common.tensor` (MindSpore's home of `Tensor`): re-exports the one definition."""
from ..core.tensor import Tensor  # noqa: F401


def tensor(input_data=None, dtype=None, shape=None, init=None, const_arg=False):  # noqa: ANN001,ANN201
    """`mindlite.tensor(...)` (MindSpore 2.3+): creates a Tensor, as `Tensor(...)` does."""
    return Tensor(input_data, dtype, shape, init, const_arg=const_arg)


def from_numpy(array):  # noqa: ANN001,ANN201
    """`mindlite.from_numpy(array)`: a Tensor sharing memory with `array` (`Tensor.from_numpy`)."""
    return Tensor.from_numpy(array)


def is_tensor(obj) -> bool:  # noqa: ANN001
    """True for mindlite Tensors (and Parameters)."""
    return isinstance(obj, Tensor)


__all__ = ["Tensor", "from_numpy", "is_tensor", "tensor"]
