"""nn.EmbeddingLookup: rows of a (vocab_size, embedding_size) table for integer ids. MindSpore's
distribution arguments (target, slice_mode, manual_shapes, vocab_cache_size) describe where the
table lives on a cluster; on one device the lookup is the same gather, so they are checked and
kept."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...common.initializer import initializer
from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from ..cell import Cell

_SLICE_MODES = ("field_slice", "table_row_slice", "table_column_slice", "batch_slice")


class EmbeddingLookup(Cell):
    """`nn.EmbeddingLookup(vocab_size, embedding_size, param_init='normal', target='CPU',
    slice_mode='batch_slice', manual_shapes=None, max_norm=None, sparse=True, vocab_cache_size=0,
    dtype=mstype.float32)`; construct(indices) -> indices.shape + (embedding_size,). With
    `max_norm`, looked-up rows longer than max_norm are scaled down to it."""

    def __init__(self, vocab_size: int, embedding_size: int, param_init: Any = "normal", target: str = "CPU",
                 slice_mode: str = "batch_slice", manual_shapes: Any = None, max_norm: Any = None,
                 sparse: bool = True, vocab_cache_size: int = 0, dtype: Any = mstype.float32) -> None:
        super().__init__()
        owner = "EmbeddingLookup"
        self.vocab_size = validator.check_positive_int(vocab_size, "vocab_size", owner)
        self.embedding_size = validator.check_positive_int(embedding_size, "embedding_size", owner)
        validator.check_string(target, ["CPU", "DEVICE"], "target", owner)
        validator.check_string(slice_mode, list(_SLICE_MODES), "slice_mode", owner)
        validator.check_bool(sparse, "sparse", owner)
        validator.check_non_negative_int(vocab_cache_size, "vocab_cache_size", owner)
        self.max_norm = None if max_norm is None else validator.check_positive_float(max_norm, "max_norm", owner)
        self.target, self.slice_mode, self.manual_shapes, self.sparse = target, slice_mode, manual_shapes, sparse
        dtype = validator.check_float_dtype(dtype, "dtype", owner)
        self.embedding_table = Parameter(initializer(param_init, (vocab_size, embedding_size), dtype),
                                         name="embedding_table")

    def construct(self, indices: Tensor) -> Tensor:
        if not isinstance(indices, Tensor) or indices.dtype.kind not in ("int", "uint"):
            raise TypeError(f"For 'EmbeddingLookup', indices must be an int Tensor, got "
                            f"{getattr(indices, 'dtype', type(indices).__name__)}")
        out = ops.gather(self.embedding_table, indices, 0)
        if self.max_norm is not None:
            norm = ops.sqrt(ops.sum(ops.square(out), -1, True))
            out = out * ops.minimum(1.0, self.max_norm / ops.maximum(norm, 1e-12))
        return out

    def extend_repr(self) -> str:
        return f"vocab_size={self.vocab_size}, embedding_size={self.embedding_size}, max_norm={self.max_norm}"
