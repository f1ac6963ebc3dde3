"""3-D convolution and pooling over NCDHW tensors (`ops.conv3d`, `ops.Conv3D`,
`ops.Conv3DTranspose`, `ops.MaxPool3D`, `ops.AvgPool3D`, `ops.max_pool3d`, `ops.avg_pool3d`),
and `ops.conv1d_transpose` for nn.Conv1dTranspose.

They are composites of the 2-D primitives: a 3-D convolution is a sum over the kd depth taps of
one 2-D convolution each, applied to the depth slices folded into the batch; a transposed one
scatters each tap's 2-D transposed convolution to its depth positions; pooling pools the
(height, width) planes in 2-D and then combines depth windows. The 2-D primitives carry the
gradients (to any order), so the 3-D ops need no rules of their own and capture in GRAPH_MODE.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.tensor import Tensor
from . import conv as C
from .primitive import PrimitiveOp


# ---- argument normalisation -------------------------------------------------------------------------
def triple(v: Any, name: str, op: str, minimum: int = 1) -> tuple:
    """int | (a,) | (a, b, c) | (1, 1, a, b, c) -> (a, b, c) of ints >= minimum."""
    t = (v,) if isinstance(v, (int, np.integer)) else tuple(v)
    t = t * 3 if len(t) == 1 else t[2:] if len(t) == 5 else t
    if len(t) != 3 or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) and i >= minimum
                              for i in t):
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}: {name} must be a {kind} int or a tuple of 3 {kind} ints, got {v!r}")
    return tuple(int(i) for i in t)


def pads6(padding: Any, op: str) -> tuple:
    """int | (d, h, w) | (head, tail, top, bottom, left, right) -> 6 non-negative ints."""
    p = (padding,) if isinstance(padding, (int, np.integer)) else tuple(padding)
    p = p * 6 if len(p) == 1 else (p[0], p[0], p[1], p[1], p[2], p[2]) if len(p) == 3 else p
    if len(p) != 6 or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) and i >= 0 for i in p):
        raise ValueError(f"{op}: padding must be a non-negative int or a tuple of 3 or 6 of them, got {padding!r}")
    return tuple(int(i) for i in p)


def conv3d_pads(in_dhw: tuple, kernel: tuple, stride: tuple, dilation: tuple, pad_mode: str, padding: Any,
                op: str) -> tuple:
    """MindSpore's pad_mode rule per axis -> (head, tail, top, bottom, left, right)."""
    mode = str(pad_mode).lower()
    if mode not in ("same", "valid", "pad"):
        raise ValueError(f"{op}: pad_mode must be 'same', 'valid' or 'pad', got {pad_mode!r}")
    p = pads6(padding, op)
    if mode == "pad":
        return p
    if any(p):
        raise ValueError(f"{op}: padding must be 0 when pad_mode is {pad_mode!r}, got {padding!r}")
    if mode == "valid":
        return (0,) * 6
    return C.same_pads(in_dhw, kernel, stride, dilation)


def _check5(op: str, x: Any, name: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    if x.ndim != 5:
        raise ValueError(f"{op}: expects a 5-D (N, C, D, H, W) {name}, got shape {list(x.shape)}")


def _depth_slice(x: Tensor, start: int, count: int, step: int) -> Tensor:
    """x[:, :, start : start + step*(count-1) + 1 : step]."""
    return x[:, :, start:start + step * (count - 1) + 1:step]


def _fold_depth(x: Tensor) -> Tensor:
    """(N, C, D, H, W) -> (N*D, C, H, W)."""
    from . import functional as F
    n, c, d, h, w = x.shape
    return F.reshape(F.transpose(x, (0, 2, 1, 3, 4)), (n * d, c, h, w))


def _unfold_depth(y: Tensor, n: int) -> Tensor:
    """(N*D, C, H, W) -> (N, C, D, H, W)."""
    from . import functional as F
    nd, c, h, w = y.shape
    return F.transpose(F.reshape(y, (n, nd // n, c, h, w)), (0, 2, 1, 3, 4))


def _pad_depth(x: Tensor, lo: int, hi: int, value: float = 0.0) -> Tensor:
    from . import functional as F
    if lo == 0 and hi == 0:
        return x
    return F.pad_nd(x, ((0, 0), (0, 0), (lo, hi), (0, 0), (0, 0)), "constant", value)


def _out_len(n: int, k: int, s: int, d: int, lo: int, hi: int, op: str) -> int:
    span = n + lo + hi - d * (k - 1) - 1
    if span < 0:
        raise ValueError(f"{op}: kernel depth {k} (dilation {d}) is larger than the input depth {n} padded by "
                         f"({lo}, {hi})")
    return span // s + 1


# ---- conv3d --------------------------------------------------------------------------------------
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           pad_mode: str = "valid", padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D cross-correlation of NCDHW `input` with `weight` (C_out, C_in/groups, kd, kh, kw).
    `padding` (int, 3 or 6 ints) only with pad_mode='pad'."""
    from . import functional as F
    op = "conv3d"
    _check5(op, input)
    _check5(op, weight, "weight")
    s, d = triple(stride, "stride", op), triple(dilation, "dilation", op)
    k = tuple(weight.shape[2:])
    p = conv3d_pads(tuple(input.shape[2:]), k, s, d, pad_mode, padding, op)
    groups = int(groups)
    if input.shape[1] != weight.shape[1] * groups or weight.shape[0] % groups:
        raise ValueError(f"{op}: input {list(input.shape)} has {input.shape[1]} channels, but weight "
                         f"{list(weight.shape)} with groups={groups} needs {weight.shape[1] * groups} and out "
                         f"channels divisible by {groups}")
    n = input.shape[0]
    od = _out_len(input.shape[2], k[0], s[0], d[0], p[0], p[1], op)
    x = _pad_depth(input, p[0], p[1])
    out = None
    for t in range(k[0]):  # one 2-D convolution per depth tap, all depth slices in one batch
        y = C.conv2d_p(_fold_depth(_depth_slice(x, t * d[0], od, s[0])), weight[:, :, t], stride=s[1:],
                       pads=p[2:], dilation=d[1:], groups=groups)
        out = y if out is None else out + y
    out = _unfold_depth(out, n)
    return out if bias is None else out + F.reshape(bias, (1, -1, 1, 1, 1))


def deconv3d_len(n: int, k: int, s: int, d: int, mode: str, pad_total: int, output_padding: int) -> int:
    """Output length of a 3-D transposed convolution along one axis (MindSpore's pad_mode rule)."""
    dk = d * (k - 1) + 1
    if mode == "same":
        return n * s
    if mode == "valid":
        return n * s + max(dk - s, 0)
    return (n - 1) * s + dk - pad_total + output_padding


def conv3d_transpose(inputs: Tensor, weight: Tensor, pad_mode: str = "valid", padding: Any = 0, stride: Any = 1,
                     dilation: Any = 1, group: int = 1, output_padding: Any = 0) -> Tensor:
    """Transposed 3-D convolution (the gradient of conv3d w.r.t. its inputs); `weight` is
    (C_in, C_out/group, kd, kh, kw). Output size per axis: 'same' in*s; 'valid'
    in*s + max(dk - s, 0); 'pad' (in-1)*s + dk - pad_total + output_padding."""
    from . import functional as F
    op = "conv3d_transpose"
    _check5(op, inputs)
    _check5(op, weight, "weight")
    s, d = triple(stride, "stride", op), triple(dilation, "dilation", op)
    opad = triple(output_padding, "output_padding", op, minimum=0)
    mode = str(pad_mode).lower()
    if any(opad) and mode != "pad":
        raise ValueError(f"{op}: output_padding {list(opad)} only applies with pad_mode='pad'")
    if any(o >= max(si, di) for o, si, di in zip(opad, s, d)):
        raise ValueError(f"{op}: output_padding {list(opad)} must be smaller than stride {list(s)} or dilation "
                         f"{list(d)}")
    group = int(group)
    n, cin, dd, h, w = inputs.shape
    if cin != weight.shape[0]:
        raise ValueError(f"{op}: inputs has {cin} channels but weight {list(weight.shape)} expects {weight.shape[0]}")
    k = tuple(weight.shape[2:])
    cout = weight.shape[1] * group
    p_given = pads6(padding, op) if mode == "pad" else (0,) * 6
    size = tuple(deconv3d_len(m, k[a], s[a], d[a], mode, p_given[2 * a] + p_given[2 * a + 1], opad[a])
                 for a, m in enumerate((dd, h, w)))
    p = conv3d_pads(size, k, s, d, pad_mode, padding, op)
    # each tap: a 2-D transposed convolution of every depth slice, scattered to depths i*s + tap*d
    full_len = max((dd - 1) * s[0] + d[0] * (k[0] - 1) + 1, p[0] + size[0])
    hw_size = (n * dd, cout) + size[1:]
    x2 = _fold_depth(inputs)
    out = None
    for t in range(k[0]):
        y = C.conv2d_backprop_input_p(x2, weight[:, :, t], input_shape=hw_size, stride=s[1:], pads=p[2:],
                                      dilation=d[1:], groups=group)
        y = _unfold_depth(y, n)                                                # (N, Cout, D, H', W')
        if s[0] > 1:                                                           # insert s-1 zeros between slices
            z = F.zeros((n, cout, dd, s[0] - 1) + size[1:], y.dtype)
            y = F.reshape(F.concat([F.expand_dims(y, 3), z], 3), (n, cout, dd * s[0]) + size[1:])
            y = y[:, :, :(dd - 1) * s[0] + 1]
        start = t * d[0]
        y = _pad_depth(y, start, full_len - start - y.shape[2])
        out = y if out is None else out + y
    return out[:, :, p[0]:p[0] + size[0]]


def conv1d_transpose(input: Tensor, weight: Tensor, stride: int = 1, pad_mode: str = "valid",  # noqa: A002
                     padding: Any = 0, dilation: int = 1, groups: int = 1, output_padding: int = 0) -> Tensor:
    """Transposed 1-D convolution of (N, C_in, L) with weight (C_in, C_out/groups, k) (or MindSpore's
    stored (C_in, C_out/groups, 1, k)): a height-1 2-D transposed convolution."""
    from . import functional as F
    op = "conv1d_transpose"
    if input.ndim != 3 or weight.ndim not in (3, 4):
        raise ValueError(f"{op}: expects (N, C, L) input and (C_in, C_out/groups, k) weight, got "
                         f"{list(input.shape)} and {list(weight.shape)}")
    w4 = weight if weight.ndim == 4 else F.expand_dims(weight, 2)
    pad = (padding,) * 2 if isinstance(padding, (int, np.integer)) else tuple(padding)
    n, c, length = input.shape
    y = C.conv2d_transpose(F.reshape(input, (n, c, 1, length)), w4, None, (1, int(stride)), pad_mode,
                           (0, 0) + pad if str(pad_mode).lower() == "pad" else 0, (1, int(dilation)), groups,
                           (0, int(output_padding)))
    return F.reshape(y, (n, y.shape[1], y.shape[3]))


# ---- pooling ----------------------------------------------------------------------------------------
def _pool_geometry(x: Tensor, kernel: Any, stride: Any, pads: tuple, ceil_mode: bool, op: str) -> tuple:
    k = triple(kernel, "kernel_size", op)
    s = k if stride is None or stride == () else triple(stride, "stride", op)
    n_d = x.shape[2]
    span = n_d + pads[0] + pads[1] - k[0]
    if span < 0:
        raise ValueError(f"{op}: kernel depth {k[0]} is larger than the input depth {n_d} padded by {pads[:2]}")
    od = -(-span // s[0]) + 1 if ceil_mode else span // s[0] + 1
    if ceil_mode and (od - 1) * s[0] >= n_d + pads[0]:
        od -= 1  # the last window must start inside the input or the head padding
    extra = max((od - 1) * s[0] + k[0] - (n_d + pads[0] + pads[1]), 0)
    return k, s, od, extra


def max_pool3d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False) -> Tensor:
    """3-D max pooling of NCDHW `x` (padding with -inf); `stride` None means kernel_size."""
    from . import functional as F
    op = "max_pool3d"
    _check5(op, x)
    if triple(dilation, "dilation", op) != (1, 1, 1):
        raise ValueError(f"{op}: dilation other than 1 is not supported, got {dilation!r}")
    p = pads6(padding, op)
    k, s, od, extra = _pool_geometry(x, kernel_size, stride, p, ceil_mode, op)
    n = x.shape[0]
    planes = C.max_pool2d_p(_fold_depth(x), kernel=k[1:], stride=s[1:], pads=p[2:], dilation=(1, 1),
                            ceil_mode=bool(ceil_mode))
    lowest = -math.inf if x.dtype.is_floating_point else int(np.iinfo(x.dtype.np).min)
    y = _pad_depth(_unfold_depth(planes, n), p[0], p[1] + extra, lowest)
    out = None
    for t in range(k[0]):
        tap = _depth_slice(y, t, od, s[0])
        out = tap if out is None else F.maximum(out, tap)
    return out


def avg_pool3d(x: Tensor, kernel_size: Any = 1, stride: Any = 1, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Any = 0) -> Tensor:
    """3-D average pooling of NCDHW `x`; the divisor counts padding with count_include_pad (the
    window part beyond the padding never counts); divisor_override (non-zero) replaces it."""
    from . import functional as F
    op = "avg_pool3d"
    _check5(op, x)
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: input must be floating point, got {x.dtype}")
    p = pads6(padding, op)
    k, s, od, extra = _pool_geometry(x, kernel_size, stride, p, ceil_mode, op)
    n, n_d = x.shape[0], x.shape[2]
    override = int(divisor_override or 0)
    planes = C.avg_pool2d_p(_fold_depth(x), kernel=k[1:], stride=s[1:], pads=p[2:], ceil_mode=bool(ceil_mode),
                            count_include_pad=bool(count_include_pad), divisor_override=1 if override else None)
    y = _pad_depth(_unfold_depth(planes, n), p[0], p[1] + extra, 0.0)
    acc = None
    for t in range(k[0]):
        tap = _depth_slice(y, t, od, s[0])
        acc = tap if acc is None else acc + tap
    if override:
        return acc / float(override)
    start = np.arange(od) * s[0]
    lo, hi = (0, p[0] + n_d + p[1]) if count_include_pad else (p[0], p[0] + n_d)
    counts = np.clip(np.minimum(start + k[0], hi) - np.maximum(start, lo), 1, None).astype(np.float64)
    return acc / Tensor(counts.reshape(1, 1, od, 1, 1).astype(x.dtype.np))


# ---- primitive classes ---------------------------------------------------------------------------------
class Conv3D(PrimitiveOp):
    """`ops.Conv3D(out_channel, kernel_size, mode=1, pad_mode='valid', pad=0, stride=1, dilation=1,
    group=1, data_format='NCDHW')(x, weight, bias=None)`."""

    def __init__(self, out_channel: int, kernel_size: Any, mode: int = 1, pad_mode: str = "valid", pad: Any = 0,
                 stride: Any = 1, dilation: Any = 1, group: int = 1, data_format: str = "NCDHW") -> None:
        if data_format != "NCDHW":
            raise ValueError(f"Conv3D: data_format must be 'NCDHW', got {data_format!r}")
        super().__init__(out_channel=out_channel, kernel_size=triple(kernel_size, "kernel_size", "Conv3D"),
                         mode=mode, pad_mode=pad_mode, pad=pad, stride=stride, dilation=dilation, group=group,
                         data_format=data_format)

    def __call__(self, x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
        return conv3d(x, weight, bias, self.stride, self.pad_mode, self.pad, self.dilation, self.group)


class Conv3DTranspose(PrimitiveOp):
    """`ops.Conv3DTranspose(in_channel, out_channel, kernel_size, mode=1, pad_mode='valid', pad=0,
    stride=1, dilation=1, group=1, output_padding=0, data_format='NCDHW')(dout, weight)`."""

    def __init__(self, in_channel: int, out_channel: int, kernel_size: Any, mode: int = 1, pad_mode: str = "valid",
                 pad: Any = 0, stride: Any = 1, dilation: Any = 1, group: int = 1, output_padding: Any = 0,
                 data_format: str = "NCDHW") -> None:
        if data_format != "NCDHW":
            raise ValueError(f"Conv3DTranspose: data_format must be 'NCDHW', got {data_format!r}")
        super().__init__(in_channel=in_channel, out_channel=out_channel,
                         kernel_size=triple(kernel_size, "kernel_size", "Conv3DTranspose"), mode=mode,
                         pad_mode=pad_mode, pad=pad, stride=stride, dilation=dilation, group=group,
                         output_padding=output_padding, data_format=data_format)

    def __call__(self, dout: Tensor, weight: Tensor) -> Tensor:
        return conv3d_transpose(dout, weight, self.pad_mode, self.pad, self.stride, self.dilation, self.group,
                                self.output_padding)


def _pool_pads_for(x: Tensor, kernel: tuple, stride: tuple, pad_mode: str, pad: Any, op: str) -> tuple:
    mode = str(pad_mode).lower()
    if mode not in ("same", "valid", "pad"):
        raise ValueError(f"{op}: pad_mode must be 'SAME', 'VALID' or 'PAD', got {pad_mode!r}")
    return conv3d_pads(tuple(x.shape[2:]), kernel, stride, (1, 1, 1), mode, pad if mode == "pad" else 0, op)


class MaxPool3D(PrimitiveOp):
    """`ops.MaxPool3D(kernel_size=1, strides=1, pad_mode='VALID', pad_list=0, ceil_mode=None,
    data_format='NCDHW')(x)`."""

    def __init__(self, kernel_size: Any = 1, strides: Any = 1, pad_mode: str = "VALID", pad_list: Any = 0,
                 ceil_mode: Any = None, data_format: str = "NCDHW") -> None:
        super().__init__(kernel_size=triple(kernel_size, "kernel_size", "MaxPool3D"),
                         strides=triple(strides, "strides", "MaxPool3D"), pad_mode=pad_mode, pad_list=pad_list,
                         ceil_mode=ceil_mode, data_format=data_format)

    def __call__(self, x: Tensor) -> Tensor:
        _check5("MaxPool3D", x)
        pads = _pool_pads_for(x, self.kernel_size, self.strides, self.pad_mode, self.pad_list, "MaxPool3D")
        return max_pool3d(x, self.kernel_size, self.strides, pads, 1, bool(self.ceil_mode))


class AvgPool3D(PrimitiveOp):
    """`ops.AvgPool3D(kernel_size=1, strides=1, pad_mode='valid', pad=0, ceil_mode=False,
    count_include_pad=True, divisor_override=0, data_format='NCDHW')(x)`."""

    def __init__(self, kernel_size: Any = 1, strides: Any = 1, pad_mode: str = "valid", pad: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int = 0,
                 data_format: str = "NCDHW") -> None:
        super().__init__(kernel_size=triple(kernel_size, "kernel_size", "AvgPool3D"),
                         strides=triple(strides, "strides", "AvgPool3D"), pad_mode=pad_mode, pad=pad,
                         ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                         divisor_override=divisor_override, data_format=data_format)

    def __call__(self, x: Tensor) -> Tensor:
        _check5("AvgPool3D", x)
        pads = _pool_pads_for(x, self.kernel_size, self.strides, self.pad_mode, self.pad, "AvgPool3D")
        return avg_pool3d(x, self.kernel_size, self.strides, pads, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)


class MaxPoolWithArgmax(PrimitiveOp):
    """`ops.MaxPoolWithArgmax(kernel_size=1, strides=1, pad_mode='valid', data_format='NCHW')(x)`:
    (max-pooled x, int32 index of each maximum in its input plane, h * W + w)."""

    def __init__(self, kernel_size: Any = 1, strides: Any = 1, pad_mode: str = "valid",
                 data_format: str = "NCHW") -> None:
        if data_format != "NCHW":
            raise ValueError(f"MaxPoolWithArgmax: data_format must be 'NCHW', got {data_format!r}")
        if str(pad_mode).lower() not in ("same", "valid"):
            raise ValueError(f"MaxPoolWithArgmax: pad_mode must be 'same' or 'valid', got {pad_mode!r}")
        super().__init__(kernel_size=C._pair(kernel_size, "kernel_size", "MaxPoolWithArgmax"),
                         strides=C._pair(strides, "strides", "MaxPoolWithArgmax"), pad_mode=pad_mode,
                         data_format=data_format)

    def __call__(self, x: Tensor) -> tuple:
        from . import functional as F
        from ..core import dtype as mstype
        if not isinstance(x, Tensor) or x.ndim != 4:
            raise ValueError(f"MaxPoolWithArgmax: expects a 4-D (N, C, H, W) input, got "
                             f"{list(x.shape) if isinstance(x, Tensor) else x!r}")
        pads = C.pool_pads(x.shape[2:], self.kernel_size, self.strides, 1, self.pad_mode, 0, "MaxPoolWithArgmax")
        params = dict(kernel=self.kernel_size, stride=self.strides, pads=pads, dilation=(1, 1), ceil_mode=False)
        return C.max_pool2d_p(x, **params), F.cast(C.max_pool2d_argmax_p(x, **params), mstype.int32)
