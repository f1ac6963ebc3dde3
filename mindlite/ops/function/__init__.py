"""`mindlite.ops.function`: MindSpore 2.x's functional namespace (`ops.add`, `ops.conv2d`, ...),
with its family submodules `array_func`, `math_func`, `nn_func`, `random_func`,
`parameter_func`, `clip_func` and `debug_func`.

Every name is the one definition in `mindlite.ops.functional` (re-exported, never copied);
primitives (`*_p`) and helpers private to the implementation are left out.
"""
from types import ModuleType

from .. import functional as _functional

# implementation helpers that functional.py imports or defines but MindSpore does not export
_INTERNAL = frozenset({"annotations", "Any", "Sequence", "Tensor", "Number", "bind", "norm_axis", "builtins",
                       "mstype", "tensor_getitem", "tensor_setitem", "batch_norm_with_stats"})


def _is_public(name: str, value: object) -> bool:
    return (not name.startswith("_") and not name.endswith("_p") and name not in _INTERNAL
            and callable(value) and not isinstance(value, (type, ModuleType)))


__all__ = sorted(n for n, v in vars(_functional).items() if _is_public(n, v))
globals().update({n: getattr(_functional, n) for n in __all__})
# `range` is not bound in functional.py, whose own code needs the builtin
from ..manipulation import range_op as range  # noqa: E402,A004
__all__ = sorted(__all__ + ["range"])

from . import array_func, clip_func, debug_func, math_func, nn_func, parameter_func, random_func  # noqa: E402,F401


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    from ..._api_names import missing_attribute
    raise missing_attribute(__name__, name, "ops")
