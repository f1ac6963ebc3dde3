"""Embedding lookup."""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _checkparam as validator
from ... import ops
from ...common.initializer import Normal, initializer
from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from ..cell import Cell


class Embedding(Cell):
    """A (vocab_size, embedding_size) table `embedding_table` (Normal(0.01) by default);
    integer ids of any shape give shape + (embedding_size,). `padding_idx` zeroes that row."""

    def __init__(self, vocab_size: int, embedding_size: int, use_one_hot: bool = False,
                 embedding_table: Any = "normal", dtype: Any = mstype.int32, padding_idx: int | None = None) -> None:
        super().__init__()
        validator.check_positive_int(vocab_size, "vocab_size", "Embedding")
        validator.check_positive_int(embedding_size, "embedding_size", "Embedding")
        validator.check_bool(use_one_hot, "use_one_hot", "Embedding")
        dtype = validator.check_dtype(dtype, "dtype", "Embedding")
        if padding_idx is not None:
            validator.check_is_int(padding_idx, "padding_idx", "Embedding")
        self.vocab_size, self.embedding_size, self.use_one_hot = vocab_size, embedding_size, use_one_hot
        if isinstance(embedding_table, str) and embedding_table == "normal":
            embedding_table = Normal(0.01)
        table = initializer(embedding_table, (vocab_size, embedding_size), mstype.float32)
        if padding_idx is not None:
            if not -vocab_size <= padding_idx < vocab_size:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for vocab {vocab_size}")
            arr = table.asnumpy()
            arr[padding_idx] = 0
            table = Tensor(arr)
        self.padding_idx = padding_idx
        self.embedding_table = Parameter(table, name="embedding_table")

    def construct(self, ids: Tensor) -> Tensor:
        if ids.dtype.kind not in ("int", "uint"):
            raise TypeError(f"Embedding: ids must be integers, got {ids.dtype}")
        if self.use_one_hot:
            flat = ops.reshape(ids, (-1,))
            onehot = ops.one_hot(flat, self.vocab_size, np.float32(1), np.float32(0))
            out = ops.matmul(onehot, self.embedding_table)
            return ops.reshape(out, tuple(ids.shape) + (self.embedding_size,))
        return ops.gather(self.embedding_table, ids, 0)

    def extend_repr(self) -> str:
        return f"vocab_size={self.vocab_size}, embedding_size={self.embedding_size}"
