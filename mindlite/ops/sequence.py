"""Variable-length sequence helpers: `ReverseSequence` / `ops.reverse_sequence` and
`ops.sequence_mask`. Both compute their index/mask with tensor ops from the lengths tensor, so
they work in GRAPH_MODE with lengths known only when the step runs."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import dtype as mstype
from ..core.tensor import Tensor
from .primitive import PrimitiveOp


def reverse_sequence(x: Tensor, seq_lengths: Tensor, seq_dim: int, batch_dim: int = 0) -> Tensor:
    """For each batch element b (along `batch_dim`), reverse its first seq_lengths[b] entries
    along `seq_dim`; the rest stay in place."""
    from . import functional as F
    op = "ReverseSequence"
    if not isinstance(x, Tensor) or not isinstance(seq_lengths, Tensor):
        raise TypeError(f"{op}: x and seq_lengths must be Tensors")
    if seq_lengths.dtype.kind not in ("int", "uint"):
        raise TypeError(f"{op}: seq_lengths must be int32 or int64, got {seq_lengths.dtype}")
    nd = x.ndim
    sd, bd = int(seq_dim) % nd, int(batch_dim) % nd
    if sd == bd:
        raise ValueError(f"{op}: seq_dim and batch_dim must differ, got {seq_dim} and {batch_dim}")
    if tuple(seq_lengths.shape) != (x.shape[bd],):
        raise ValueError(f"{op}: seq_lengths must have shape ({x.shape[bd]},), got {list(seq_lengths.shape)}")
    t = x.shape[sd]
    steps = F.reshape(F.arange(t, dtype=mstype.int64), tuple(t if i == sd else 1 for i in range(nd)))
    lengths = F.reshape(F.cast(seq_lengths, mstype.int64), tuple(x.shape[bd] if i == bd else 1 for i in range(nd)))
    idx = F.where(steps < lengths, lengths - 1 - steps, steps)
    return F.take_along_axis(x, F.broadcast_to(idx, x.shape), sd)


class ReverseSequence(PrimitiveOp):
    """`ops.ReverseSequence(seq_dim, batch_dim=0)(x, seq_lengths)`."""

    def __init__(self, seq_dim: int, batch_dim: int = 0) -> None:
        for name, v in (("seq_dim", seq_dim), ("batch_dim", batch_dim)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise TypeError(f"ReverseSequence: {name} must be an int, got {type(v).__name__}")
        super().__init__(seq_dim=int(seq_dim), batch_dim=int(batch_dim))

    def __call__(self, x: Tensor, seq_lengths: Tensor) -> Tensor:
        return reverse_sequence(x, seq_lengths, self.seq_dim, self.batch_dim)


def sequence_mask(lengths: Tensor, maxlen: Any = None) -> Tensor:
    """Bool mask of shape lengths.shape + (maxlen,): mask[..., j] = j < lengths[...]. Without
    `maxlen` the largest length is used (a value-dependent shape: PYNATIVE mode only)."""
    from . import functional as F
    if not isinstance(lengths, Tensor) or lengths.dtype.kind not in ("int", "uint"):
        raise TypeError(f"sequence_mask: lengths must be an int Tensor, got {getattr(lengths, 'dtype', lengths)!r}")
    if maxlen is None:
        if getattr(lengths._data, "is_symbolic", False):
            from ..core.graph_trace import graph_error
            raise graph_error("ops.sequence_mask without maxlen (its output shape depends on the values)",
                              "Pass maxlen, or use PYNATIVE_MODE.")
        maxlen = int(lengths.asnumpy().max()) if lengths.size else 0
    if isinstance(maxlen, Tensor):
        maxlen = int(maxlen.asnumpy())
    if not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"sequence_mask: maxlen must be a non-negative int, got {maxlen!r}")
    return F.less(F.arange(int(maxlen), dtype=mstype.int64), F.expand_dims(F.cast(lengths, mstype.int64), -1))
