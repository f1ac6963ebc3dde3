"""Helpers of the ResNet recipe (MindSpore's ``src/util.py``): network from a config, weight
initialisation, parameter groups without weight decay on BN gamma/beta and biases."""
from __future__ import annotations

from typing import Any

from . import resnet as R

__all__ = ["NETWORKS", "build_network", "init_group_params", "load_pretrained"]

NETWORKS = {"resnet18": R.resnet18, "resnet34": R.resnet34, "resnet50": R.resnet50, "resnet101": R.resnet101,
            "resnet152": R.resnet152}
_BLOCKS = {"basic": R.ResidualBlockBase, "bottleneck": R.ResidualBlock}


def build_network(cfg: Any) -> R.ResNet:
    """The network named by ``cfg.net_name``: resnet18/34/50/101/152, or ``resnet`` - the generic
    ResNet of src/resnet.py with ``block`` (basic | bottleneck), ``layer_nums``, ``out_channels``
    (per stage; each stage's input is the previous output, the first one the 64-channel stem),
    ``strides`` (default [1, 2, 2, 2]) and ``res_base``. Then ``init_weight`` with ``conv_init`` /
    ``dense_init`` (MindSpore's recipe: XavierUniform / TruncatedNormal)."""
    name = cfg.get("net_name", "resnet50")
    zero = bool(cfg.get("zero_init_residual", False))
    if name in NETWORKS:
        kwargs: dict = {"zero_init_residual": zero}
        if name in ("resnet18", "resnet34") and "res_base" in cfg:
            kwargs["res_base"] = bool(cfg["res_base"])
        net = NETWORKS[name](int(cfg.get("class_num", 1000)), **kwargs)
    elif name == "resnet":
        block = cfg.get("block", "basic")
        if block not in _BLOCKS:
            raise ValueError(f"block must be one of {sorted(_BLOCKS)}, got {block!r}")
        out = [int(c) for c in cfg["out_channels"]]
        net = R.ResNet(_BLOCKS[block], [int(n) for n in cfg["layer_nums"]], [64] + out[:3], out,
                       [int(s) for s in cfg.get("strides", [1, 2, 2, 2])], int(cfg.get("class_num", 10)),
                       res_base=bool(cfg.get("res_base", block == "basic")), zero_init_residual=zero)
    else:
        raise ValueError(f"net_name must be one of {sorted(NETWORKS) + ['resnet']}, got {name!r}")
    R.init_weight(net, cfg.get("conv_init", "XavierUniform"), cfg.get("dense_init", "TruncatedNormal"))
    return net


def init_group_params(net: Any, weight_decay: float, no_decay_filter: Any = ("beta", "gamma", "bias")) -> list:
    """MindSpore's ``init_group_params``: weight decay on every trainable parameter except those
    whose name contains one of `no_decay_filter` (BN gamma/beta, biases), plus ``order_params``."""
    decay, no_decay = [], []
    for p in net.trainable_params():
        (no_decay if any(key in p.name for key in no_decay_filter) else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0},
            {"order_params": net.trainable_params()}]


def load_pretrained(net: Any, path: str, drop_head: bool = False) -> list:
    """Load a checkpoint into `net` (``drop_head``: skip end_point.*, for a new class count);
    returns the names of the net's parameters that were not loaded."""
    import mindlite as ms
    params = ms.load_checkpoint(path)
    params = {k: v for k, v in params.items() if not isinstance(v, str)}
    if drop_head:
        params = {k: v for k, v in params.items() if not k.startswith("end_point.")}
    return ms.load_param_into_net(net, params)[0]
