"""`mindlite.ops.function.nn_func`: MindSpore's neural-network functions
(activations, convolution, pooling, normalisation, losses) that mindlite implements."""
from ._family import export, missing

__all__ = export(globals(), """
    adaptive_avg_pool2d avg_pool2d batch_norm bias_add conv1d conv2d conv2d_transpose dense dropout
    flatten group_norm layer_norm max_pool2d pad interpolate celu elu fast_gelu gelu glu hardshrink
    hardsigmoid hardswish hardtanh leaky_relu log_softmax logsigmoid mish prelu relu relu6 selu
    sigmoid silu softmax softmin softplus softshrink soft_shrink softsign tanhshrink threshold
    binary_cross_entropy binary_cross_entropy_with_logits cross_entropy kl_div l1_loss mse_loss
    nll_loss smooth_l1_loss l2_loss
""")


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    raise missing(__name__, name)
