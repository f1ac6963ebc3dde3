"""`mindlite.ops.function.math_func`: MindSpore's math functions (elementwise,
comparison, reduction, linear algebra) that mindlite implements."""
from ._family import export, missing

__all__ = export(globals(), """
    abs absolute acos arccos acosh add addn addcdiv addcmul arccosh arcsin arcsinh arctan arctanh
    arctan2 asin asinh atan atan2 atanh bitwise_and bitwise_or bitwise_xor ceil clamp clip cos cosh
    cumsum cumprod deg2rad div divide erf erfc exp exp2 expm1 floor floor_div floor_divide floor_mod
    fmod inv invert lerp log log2 log10 log1p logaddexp logical_and logical_not logical_or
    logical_xor logit mul multiply neg negative pow reciprocal remainder round rsqrt sign sin sinh
    sqrt square sub subtract tan tanh true_divide trunc truncate_div truncate_mod xdivy xlogy
    squared_difference div_no_nan rint all amax amin any argmax argmin logsumexp max mean median min
    norm prod std var sum reduce_sum reduce_mean reduce_max reduce_min reduce_prod approximate_equal
    eq equal ge greater greater_equal gt isclose isfinite isinf isnan le less less_equal lt maximum
    minimum ne not_equal matmul bmm batch_matmul batch_dot dot tensor_dot outer inner mm mv kron
""")


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    raise missing(__name__, name)
