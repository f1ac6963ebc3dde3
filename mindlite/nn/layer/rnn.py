"""Recurrent layers: nn.RNN, nn.GRU, nn.LSTM (stacked, optionally bidirectional, with
`seq_length` for padded batches) and the single-step nn.RNNCell, nn.GRUCell, nn.LSTMCell.

MindSpore's formulation (the same as PyTorch's): gates in the order i, f, g, o for LSTM and
r, z, n for GRU, weights `weight_ih_l{k}` (gates*hidden, input) / `weight_hh_l{k}` and biases
`bias_ih_l{k}` / `bias_hh_l{k}` (suffix `_reverse` for the backward direction), all drawn from
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

The time loop is a Python loop over a known sequence length, so in GRAPH_MODE it is flattened
into the graph; the input projection of all steps is one matmul. With `seq_length`, steps past
a sequence's length leave its state unchanged and give zero outputs, and the reverse direction
runs over each sequence's valid part only.
"""
from __future__ import annotations

import math
from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...common.initializer import Uniform, initializer
from ...core import dtype as mstype
from ...core.tensor import Parameter, ParameterTuple, Tensor
from ..cell import Cell

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ---- one step of each cell ------------------------------------------------------------------------
def rnn_tanh_cell(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Any) -> Tensor:
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh); `xw` is the input projection with its bias."""
    return ops.tanh(xw + _proj(h, w_hh, b_hh))


def rnn_relu_cell(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Any) -> Tensor:
    return ops.relu(xw + _proj(h, w_hh, b_hh))


def lstm_cell(xw: Tensor, hc: tuple, w_hh: Tensor, b_hh: Any) -> tuple:
    h, c = hc
    gates = xw + _proj(h, w_hh, b_hh)
    i, f, g, o = ops.split(gates, gates.shape[-1] // 4, -1)
    c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(c), c


def gru_cell(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Any) -> Tensor:
    hw = _proj(h, w_hh, b_hh)
    n3 = xw.shape[-1] // 3
    xr, xz, xn = ops.split(xw, n3, -1)
    hr, hz, hn = ops.split(hw, n3, -1)
    r, z = ops.sigmoid(xr + hr), ops.sigmoid(xz + hz)
    n = ops.tanh(xn + r * hn)
    return (1 - z) * n + z * h


_STEP = {"RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell, "LSTM": lstm_cell, "GRU": gru_cell}


def _proj(x: Tensor, w: Tensor, b: Any) -> Tensor:
    y = ops.matmul(x, ops.transpose(w, (1, 0)))
    return y if b is None else y + b


# ---- sequence helpers ------------------------------------------------------------------------------
def _reverse_valid(x: Tensor, seq_length: Any) -> Tensor:
    """Reverse each sequence of a (T, B, F) tensor within its length (the padding stays put)."""
    t = x.shape[0]
    if seq_length is None:
        return ops.flip(x, (0,))
    steps = ops.reshape(ops.arange(t, dtype=mstype.int64), (t, 1))
    lengths = ops.reshape(ops.cast(seq_length, mstype.int64), (1, -1))
    idx = ops.where(steps < lengths, lengths - 1 - steps, steps)                       # (T, B)
    idx = ops.broadcast_to(ops.expand_dims(idx, -1), x.shape)
    return ops.take_along_axis(x, idx, 0)


def _masks(seq_length: Any, steps: int, dtype: Any) -> list | None:
    if seq_length is None:
        return None
    lengths = ops.reshape(ops.cast(seq_length, dtype), (-1, 1))
    return [ops.cast(lengths > t, dtype) for t in range(steps)]


def run_direction(mode: str, x: Tensor, state: Any, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any,
                  seq_length: Any = None, reverse: bool = False) -> tuple:
    """One layer in one direction over (T, B, F) input: (outputs (T, B, H), final state)."""
    if reverse:
        x = _reverse_valid(x, seq_length)
    steps = x.shape[0]
    xw = _proj(x, w_ih, b_ih)                                  # every step's input projection at once
    step = _STEP[mode]
    masks = _masks(seq_length, steps, x.dtype)
    outs = []
    for t in range(steps):
        new = step(xw[t], state, w_hh, b_hh)
        if masks is None:
            state = new
            outs.append(new[0] if mode == "LSTM" else new)
            continue
        m = masks[t]                                           # steps past the length keep the state
        if mode == "LSTM":
            state = (m * new[0] + (1 - m) * state[0], m * new[1] + (1 - m) * state[1])
            outs.append(m * new[0])
        else:
            state = m * new + (1 - m) * state
            outs.append(m * new)
    out = ops.stack(outs, 0)
    if reverse:
        out = _reverse_valid(out, seq_length)
    return out, state


# ---- the stacked layers ------------------------------------------------------------------------------
class _RNNBase(Cell):
    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, has_bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype: Any = mstype.float32) -> None:
        super().__init__()
        owner = type(self).__name__
        validator.check_positive_int(input_size, "input_size", owner)
        validator.check_positive_int(hidden_size, "hidden_size", owner)
        validator.check_positive_int(num_layers, "num_layers", owner)
        for name, v in (("has_bias", has_bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            validator.check_bool(v, name, owner)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
            raise TypeError(f"For '{owner}', 'dropout' must be a float, got {type(dropout).__name__}")
        if not 0 <= dropout < 1:
            raise ValueError(f"For '{owner}', 'dropout' must be in [0, 1), got {dropout}")
        dtype = validator.check_float_dtype(dtype, "dtype", owner)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.has_bias, self.batch_first, self.dropout, self.bidirectional = has_bias, batch_first, float(dropout), \
            bidirectional
        self.num_directions = 2 if bidirectional else 1
        gate = _GATES[mode] * hidden_size
        init = Uniform(1 / math.sqrt(hidden_size))
        w_ih, w_hh, b_ih, b_hh = [], [], [], []
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in ("", "_reverse")[:self.num_directions]:
                w_ih.append(Parameter(initializer(init, (gate, in_size), dtype), name=f"weight_ih_l{layer}{suffix}"))
                w_hh.append(Parameter(initializer(init, (gate, hidden_size), dtype), name=f"weight_hh_l{layer}{suffix}"))
                if has_bias:
                    b_ih.append(Parameter(initializer(init, (gate,), dtype), name=f"bias_ih_l{layer}{suffix}"))
                    b_hh.append(Parameter(initializer(init, (gate,), dtype), name=f"bias_hh_l{layer}{suffix}"))
        self.w_ih_list, self.w_hh_list = ParameterTuple(w_ih), ParameterTuple(w_hh)
        self.b_ih_list, self.b_hh_list = ParameterTuple(b_ih), ParameterTuple(b_hh)

    def _initial(self, hx: Any, batch: int, dtype: Any) -> list:
        """Per (layer, direction) initial state, from `hx` or zeros."""
        shape = (self.num_layers * self.num_directions, batch, self.hidden_size)
        lstm = self.mode == "LSTM"
        if hx is None:
            z = ops.zeros((batch, self.hidden_size), dtype)
            return [(z, z) if lstm else z for _ in range(shape[0])]
        parts = tuple(hx) if lstm else (hx,)
        if lstm and len(parts) != 2:
            raise TypeError(f"{type(self).__name__}: hx must be a tuple (h_0, c_0), got {len(parts)} tensors")
        for p in parts:
            if not isinstance(p, Tensor) or tuple(p.shape) != shape:
                got = list(p.shape) if isinstance(p, Tensor) else type(p).__name__
                raise ValueError(f"{type(self).__name__}: initial state must have shape {list(shape)}, got {got}")
        if lstm:
            return [(parts[0][k], parts[1][k]) for k in range(shape[0])]
        return [parts[0][k] for k in range(shape[0])]

    def construct(self, x: Tensor, hx: Any = None, seq_length: Any = None) -> tuple:
        owner = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim != 3:
            raise ValueError(f"{owner}: x must be a 3-d Tensor, got {list(x.shape) if isinstance(x, Tensor) else x!r}")
        if self.batch_first:
            x = ops.transpose(x, (1, 0, 2))
        if x.shape[2] != self.input_size:
            raise ValueError(f"{owner}: x has feature size {x.shape[2]}, expected input_size {self.input_size}")
        if seq_length is not None and tuple(seq_length.shape) != (x.shape[1],):
            raise ValueError(f"{owner}: seq_length must have shape ({x.shape[1]},), got {list(seq_length.shape)}")
        states = self._initial(hx, x.shape[1], x.dtype)
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                k = layer * self.num_directions + d
                b_ih = self.b_ih_list[k] if self.has_bias else None
                b_hh = self.b_hh_list[k] if self.has_bias else None
                out, state = run_direction(self.mode, x, states[k], self.w_ih_list[k], self.w_hh_list[k], b_ih, b_hh,
                                           seq_length, reverse=d == 1)
                outs.append(out)
                finals.append(state)
            x = outs[0] if len(outs) == 1 else ops.concat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = ops.dropout(x, p=self.dropout)
        if self.batch_first:
            x = ops.transpose(x, (1, 0, 2))
        if self.mode == "LSTM":
            return x, (ops.stack([s[0] for s in finals], 0), ops.stack([s[1] for s in finals], 0))
        return x, ops.stack(finals, 0)

    def extend_repr(self) -> str:
        return (f"input_size={self.input_size}, hidden_size={self.hidden_size}, num_layers={self.num_layers}, "
                f"has_bias={self.has_bias}, batch_first={self.batch_first}, dropout={self.dropout}, "
                f"bidirectional={self.bidirectional}")


class RNN(_RNNBase):
    """`nn.RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', has_bias=True,
    batch_first=False, dropout=0., bidirectional=False, dtype=mstype.float32)`;
    construct(x, hx=None, seq_length=None) -> (output, h_n)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        args = list(args)
        nonlinearity = kwargs.pop("nonlinearity", args.pop(3) if len(args) > 3 else "tanh")
        validator.check_string(nonlinearity, ["tanh", "relu"], "nonlinearity", "RNN")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.nonlinearity = nonlinearity


class GRU(_RNNBase):
    """`nn.GRU(input_size, hidden_size, num_layers=1, has_bias=True, batch_first=False, dropout=0.,
    bidirectional=False, dtype=mstype.float32)`; construct(x, hx=None, seq_length=None) -> (output, h_n)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("GRU", *args, **kwargs)


class LSTM(_RNNBase):
    """`nn.LSTM(input_size, hidden_size, num_layers=1, has_bias=True, batch_first=False, dropout=0.,
    bidirectional=False, dtype=mstype.float32)`; construct(x, hx=None, seq_length=None) ->
    (output, (h_n, c_n))."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)


# ---- single-step cells ------------------------------------------------------------------------------------
class _CellBase(Cell):
    def __init__(self, mode: str, input_size: int, hidden_size: int, has_bias: bool = True,
                 dtype: Any = mstype.float32) -> None:
        super().__init__()
        owner = type(self).__name__
        validator.check_positive_int(input_size, "input_size", owner)
        validator.check_positive_int(hidden_size, "hidden_size", owner)
        validator.check_bool(has_bias, "has_bias", owner)
        dtype = validator.check_float_dtype(dtype, "dtype", owner)
        self.mode, self.input_size, self.hidden_size, self.has_bias = mode, input_size, hidden_size, has_bias
        gate = _GATES[mode] * hidden_size
        init = Uniform(1 / math.sqrt(hidden_size))
        self.weight_ih = Parameter(initializer(init, (gate, input_size), dtype), name="weight_ih")
        self.weight_hh = Parameter(initializer(init, (gate, hidden_size), dtype), name="weight_hh")
        self.bias_ih = Parameter(initializer(init, (gate,), dtype), name="bias_ih") if has_bias else None
        self.bias_hh = Parameter(initializer(init, (gate,), dtype), name="bias_hh") if has_bias else None

    def _step(self, x: Tensor, hx: Any) -> Any:
        owner = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{owner}: x must be (batch, {self.input_size}) or ({self.input_size},), got "
                             f"{list(x.shape) if isinstance(x, Tensor) else x!r}")
        single = x.ndim == 1
        if single:
            x = ops.expand_dims(x, 0)
        if hx is None:
            z = ops.zeros((x.shape[0], self.hidden_size), x.dtype)
            hx = (z, z) if self.mode == "LSTM" else z
        elif single:
            hx = tuple(ops.expand_dims(h, 0) for h in hx) if self.mode == "LSTM" else ops.expand_dims(hx, 0)
        out = _STEP[self.mode](_proj(x, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh)
        if single:
            out = tuple(o[0] for o in out) if self.mode == "LSTM" else out[0]
        return out

    def extend_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}, has_bias={self.has_bias}"


class RNNCell(_CellBase):
    """`nn.RNNCell(input_size, hidden_size, has_bias=True, nonlinearity='tanh', dtype=mstype.float32)`;
    construct(x, hx) -> h'."""

    def __init__(self, input_size: int, hidden_size: int, has_bias: bool = True, nonlinearity: str = "tanh",
                 dtype: Any = mstype.float32) -> None:
        validator.check_string(nonlinearity, ["tanh", "relu"], "nonlinearity", "RNNCell")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, has_bias,
                         dtype)
        self.nonlinearity = nonlinearity

    def construct(self, x: Tensor, hx: Any = None) -> Tensor:
        return self._step(x, hx)


class GRUCell(_CellBase):
    """`nn.GRUCell(input_size, hidden_size, has_bias=True, dtype=mstype.float32)`; construct(x, hx) -> h'."""

    def __init__(self, input_size: int, hidden_size: int, has_bias: bool = True, dtype: Any = mstype.float32) -> None:
        super().__init__("GRU", input_size, hidden_size, has_bias, dtype)

    def construct(self, x: Tensor, hx: Any = None) -> Tensor:
        return self._step(x, hx)


class LSTMCell(_CellBase):
    """`nn.LSTMCell(input_size, hidden_size, has_bias=True, dtype=mstype.float32)`;
    construct(x, hx=(h, c)) -> (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, has_bias: bool = True, dtype: Any = mstype.float32) -> None:
        super().__init__("LSTM", input_size, hidden_size, has_bias, dtype)

    def construct(self, x: Tensor, hx: Any = None) -> tuple:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c), got {type(hx).__name__}")
        return self._step(x, None if hx is None else tuple(hx))

