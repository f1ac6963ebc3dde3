"""The fused recurrent Primitives of MindSpore's Ascend code: `DynamicRNN` (an LSTM with the
gates in the order i, j, f, o and one stacked weight for [x, h]) and `DynamicGRUV2` (a GRU with
separate input/hidden weights). Both run the time loop with mindlite ops - a Python loop over a
known number of steps, flattened into the graph in GRAPH_MODE - so they are differentiable and
return every per-step output MindSpore's kernels return."""
from __future__ import annotations

from typing import Any

from ..core.tensor import Tensor
from .primitive import PrimitiveOp


def _check_common(op: str, direction: str, cell_depth: int, keep_prob: float, cell_clip: float, num_proj: int,
                  time_major: bool, activation: str) -> None:
    if direction != "UNIDIRECTIONAL":
        raise ValueError(f"{op}: direction must be 'UNIDIRECTIONAL' (MindSpore supports only that), got {direction!r}")
    if cell_depth != 1 or num_proj != 0:
        raise ValueError(f"{op}: cell_depth must be 1 and num_proj 0 (MindSpore supports only those), got "
                         f"{cell_depth} and {num_proj}")
    if not time_major:
        raise ValueError(f"{op}: time_major must be True (MindSpore supports only that)")
    if activation != "tanh":
        raise ValueError(f"{op}: activation must be 'tanh', got {activation!r}")
    if keep_prob != 1.0:
        raise ValueError(f"{op}: keep_prob other than 1.0 is not supported, got {keep_prob}")
    if cell_clip != -1.0 and cell_clip <= 0:
        raise ValueError(f"{op}: cell_clip must be positive or -1 (no clipping), got {cell_clip}")


class DynamicRNN(PrimitiveOp):
    """`ops.DynamicRNN(cell_type='LSTM', direction='UNIDIRECTIONAL', cell_depth=1, use_peephole=False,
    keep_prob=1.0, cell_clip=-1.0, num_proj=0, time_major=True, activation='tanh', forget_bias=0.0,
    is_training=True)(x, w, b, seq_length, init_h, init_c)`.

    x (T, B, I), w (I + H, 4H), b (4H,), init_h / init_c (1, B, H); per step
    [i, j, f, o] = [x_t, h] @ w + b, c = sigmoid(f + forget_bias) * c + sigmoid(i) * tanh(j)
    (clipped to +-cell_clip when set), h = sigmoid(o) * tanh(c). Returns (y, output_h, output_c, i, j,
    f, o, tanhc), each (T, B, H): the gate activations of every step."""

    def __init__(self, cell_type: str = "LSTM", direction: str = "UNIDIRECTIONAL", cell_depth: int = 1,
                 use_peephole: bool = False, keep_prob: float = 1.0, cell_clip: float = -1.0, num_proj: int = 0,
                 time_major: bool = True, activation: str = "tanh", forget_bias: float = 0.0,
                 is_training: bool = True) -> None:
        if cell_type != "LSTM":
            raise ValueError(f"DynamicRNN: cell_type must be 'LSTM', got {cell_type!r}")
        if use_peephole:
            raise ValueError("DynamicRNN: use_peephole=True is not supported (MindSpore does not support it either)")
        _check_common("DynamicRNN", direction, cell_depth, keep_prob, cell_clip, num_proj, time_major, activation)
        super().__init__(cell_type=cell_type, direction=direction, cell_depth=cell_depth, use_peephole=use_peephole,
                         keep_prob=keep_prob, cell_clip=cell_clip, num_proj=num_proj, time_major=time_major,
                         activation=activation, forget_bias=float(forget_bias), is_training=is_training)

    def __call__(self, x: Tensor, w: Tensor, b: Tensor, seq_length: Any, init_h: Tensor, init_c: Tensor) -> tuple:
        from . import functional as F
        if seq_length is not None:
            raise ValueError("DynamicRNN: seq_length must be None (MindSpore supports only that)")
        t, batch, in_size = x.shape
        hidden = w.shape[1] // 4
        if w.shape != (in_size + hidden, 4 * hidden) or b.shape != (4 * hidden,):
            raise ValueError(f"DynamicRNN: w must be ({in_size} + H, 4H) and b (4H,), got {list(w.shape)} and "
                             f"{list(b.shape)}")
        if init_h.shape != (1, batch, hidden) or init_c.shape != (1, batch, hidden):
            raise ValueError(f"DynamicRNN: init_h and init_c must be (1, {batch}, {hidden}), got "
                             f"{list(init_h.shape)} and {list(init_c.shape)}")
        xw = F.matmul(x, w[:in_size]) + b                       # every step's input part at once
        w_h = w[in_size:]
        h, c = init_h[0], init_c[0]
        outs: dict = {k: [] for k in ("h", "c", "i", "j", "f", "o", "tanhc")}
        for step in range(t):
            gates = xw[step] + F.matmul(h, w_h)
            i, j, f, o = F.split(gates, hidden, -1)
            i, j, f, o = F.sigmoid(i), F.tanh(j), F.sigmoid(f + self.forget_bias), F.sigmoid(o)
            c = f * c + i * j
            if self.cell_clip > 0:
                c = F.clamp(c, -self.cell_clip, self.cell_clip)
            tanhc = F.tanh(c)
            h = o * tanhc
            for k, v in (("h", h), ("c", c), ("i", i), ("j", j), ("f", f), ("o", o), ("tanhc", tanhc)):
                outs[k].append(v)
        hs = F.stack(outs["h"], 0)
        return (hs, hs) + tuple(F.stack(outs[k], 0) for k in ("c", "i", "j", "f", "o", "tanhc"))


class DynamicGRUV2(PrimitiveOp):
    """`ops.DynamicGRUV2(direction='UNIDIRECTIONAL', cell_depth=1, keep_prob=1.0, cell_clip=-1.0,
    num_proj=0, time_major=True, activation='tanh', gate_order='rzh', reset_after=True,
    is_training=True)(x, weight_input, weight_hidden, bias_input, bias_hidden, seq_length, init_h)`.

    x (T, B, I), weight_input (I, 3H), weight_hidden (H, 3H), biases (3H,) or None, init_h (B, H);
    gates split in `gate_order` ('rzh' or 'zrh'). Per step r, z = sigmoid(.), n = tanh(x W_n + b_n +
    r * (h W_hn + b_hn)) (reset_after) or tanh(x W_n + b_n + (r * h) W_hn + b_hn), h = z * h + (1 - z) * n.
    Returns (y, output_h, update, reset, new, hidden_new), each (T, B, H)."""

    def __init__(self, direction: str = "UNIDIRECTIONAL", cell_depth: int = 1, keep_prob: float = 1.0,
                 cell_clip: float = -1.0, num_proj: int = 0, time_major: bool = True, activation: str = "tanh",
                 gate_order: str = "rzh", reset_after: bool = True, is_training: bool = True) -> None:
        _check_common("DynamicGRUV2", direction, cell_depth, keep_prob, cell_clip, num_proj, time_major, activation)
        if gate_order not in ("rzh", "zrh"):
            raise ValueError(f"DynamicGRUV2: gate_order must be 'rzh' or 'zrh', got {gate_order!r}")
        super().__init__(direction=direction, cell_depth=cell_depth, keep_prob=keep_prob, cell_clip=cell_clip,
                         num_proj=num_proj, time_major=time_major, activation=activation, gate_order=gate_order,
                         reset_after=bool(reset_after), is_training=is_training)

    def _split(self, v: Tensor, hidden: int) -> tuple:
        from . import functional as F
        a, b_, n = F.split(v, hidden, -1)
        return (a, b_, n) if self.gate_order == "rzh" else (b_, a, n)   # -> (r, z, n)

    def __call__(self, x: Tensor, weight_input: Tensor, weight_hidden: Tensor, bias_input: Any, bias_hidden: Any,
                 seq_length: Any, init_h: Tensor) -> tuple:
        from . import functional as F
        if seq_length is not None:
            raise ValueError("DynamicGRUV2: seq_length must be None (MindSpore supports only that on this path)")
        t, batch, in_size = x.shape
        hidden = weight_hidden.shape[0]
        if weight_input.shape != (in_size, 3 * hidden) or weight_hidden.shape != (hidden, 3 * hidden):
            raise ValueError(f"DynamicGRUV2: weight_input must be ({in_size}, 3H) and weight_hidden (H, 3H), got "
                             f"{list(weight_input.shape)} and {list(weight_hidden.shape)}")
        if init_h.shape != (batch, hidden):
            raise ValueError(f"DynamicGRUV2: init_h must be ({batch}, {hidden}), got {list(init_h.shape)}")
        xw = F.matmul(x, weight_input)
        if bias_input is not None:
            xw = xw + bias_input
        h = init_h
        outs: dict = {k: [] for k in ("h", "z", "r", "n", "hn")}
        for step in range(t):
            xr, xz, xn = self._split(xw[step], hidden)
            hw = F.matmul(h, weight_hidden)
            if bias_hidden is not None:
                hw = hw + bias_hidden
            hr, hz, hn = self._split(hw, hidden)
            r, z = F.sigmoid(xr + hr), F.sigmoid(xz + hz)
            if self.reset_after:
                n = F.tanh(xn + r * hn)
            else:
                w_n = self._split(weight_hidden, hidden)[2]
                hn = F.matmul(r * h, w_n) + (self._split(bias_hidden, hidden)[2] if bias_hidden is not None else 0)
                n = F.tanh(xn + hn)
            h = z * h + (1 - z) * n
            for k, v in (("h", h), ("z", z), ("r", r), ("n", n), ("hn", hn)):
                outs[k].append(v)
        hs = F.stack(outs["h"], 0)
        return (hs, hs) + tuple(F.stack(outs[k], 0) for k in ("z", "r", "n", "hn"))
