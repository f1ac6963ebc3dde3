"""MultiheadAttention, TransformerEncoderLayer, TransformerEncoder (MindSpore 2.x, PyTorch-like)."""
from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from ... import _checkparam as validator
from ... import ops
from ...common.initializer import XavierUniform, initializer
from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from ..cell import Cell, CellList
from .activation import get_activation
from .basic import Dense, Dropout
from .normalization import LayerNorm


class MultiheadAttention(Cell):
    """Multi-head attention. Inputs are (L, N, E) or, with `batch_first`, (N, L, E); 2-D inputs
    are one unbatched sequence. `key_padding_mask` (N, S) and a bool `attn_mask` mark positions
    to IGNORE with True; a float `attn_mask` is added to the scores. Returns
    `(attn_output, attn_weights)` (weights averaged over heads unless `average_attn_weights=False`)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, has_bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, dtype: Any = mstype.float32) -> None:
        super().__init__()
        where = "MultiheadAttention"
        validator.check_positive_int(embed_dim, "embed_dim", where)
        validator.check_positive_int(num_heads, "num_heads", where)
        dropout = validator.check_float_range(dropout, 0.0, 1.0, validator.INC_LEFT, "dropout", where)
        for name, flag in (("has_bias", has_bias), ("add_bias_kv", add_bias_kv), ("add_zero_attn", add_zero_attn),
                           ("batch_first", batch_first)):
            validator.check_bool(flag, name, where)
        for name, dim in (("kdim", kdim), ("vdim", vdim)):
            if dim is not None:
                validator.check_positive_int(dim, name, where)
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self.same_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first, self.add_zero_attn = dropout, batch_first, add_zero_attn
        if self.same_dim:
            self.in_proj_weight = Parameter(initializer(XavierUniform(), (3 * embed_dim, embed_dim), dtype),
                                            name="in_proj_weight")
        else:
            self.q_proj_weight = Parameter(initializer(XavierUniform(), (embed_dim, embed_dim), dtype), "q_proj_weight")
            self.k_proj_weight = Parameter(initializer(XavierUniform(), (embed_dim, self.kdim), dtype), "k_proj_weight")
            self.v_proj_weight = Parameter(initializer(XavierUniform(), (embed_dim, self.vdim), dtype), "v_proj_weight")
        self.in_proj_bias = Parameter(initializer("zeros", (3 * embed_dim,), dtype), "in_proj_bias") if has_bias \
            else None
        self.out_proj = Dense(embed_dim, embed_dim, has_bias=has_bias, dtype=dtype)
        if has_bias:
            self.out_proj.bias.set_data(Tensor(np.zeros(embed_dim, np.float32)))
        self.bias_k = self.bias_v = None
        if add_bias_kv:
            self.bias_k = Parameter(initializer(XavierUniform(), (1, 1, embed_dim), dtype), "bias_k")
            self.bias_v = Parameter(initializer(XavierUniform(), (1, 1, embed_dim), dtype), "bias_v")

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple:
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self.same_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return ops.dense(query, wq, bq), ops.dense(key, wk, bk), ops.dense(value, wv, bv)

    def construct(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                  need_weights: bool = True, attn_mask: Tensor | None = None,
                  average_attn_weights: bool = True) -> tuple:
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (ops.expand_dims(t, 1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = ops.expand_dims(key_padding_mask, 0)
        if self.batch_first and not unbatched:  # work in (L, N, E)
            query, key, value = (ops.transpose(t, (1, 0, 2)) for t in (query, key, value))
        tgt_len, bsz, _ = query.shape
        q, k, v = self._project(query, key, value)
        if self.bias_k is not None:
            k = ops.concat([k, ops.broadcast_to(self.bias_k, (1, bsz, self.embed_dim))], 0)
            v = ops.concat([v, ops.broadcast_to(self.bias_v, (1, bsz, self.embed_dim))], 0)
            attn_mask, key_padding_mask = _pad_mask(attn_mask, -1), _pad_mask(key_padding_mask, -1)
        if self.add_zero_attn:
            k = ops.concat([k, ops.zeros((1, bsz, self.embed_dim), k.dtype)], 0)
            v = ops.concat([v, ops.zeros((1, bsz, self.embed_dim), v.dtype)], 0)
            attn_mask, key_padding_mask = _pad_mask(attn_mask, -1), _pad_mask(key_padding_mask, -1)
        h, d = self.num_heads, self.head_dim
        # (L, N, E) -> (N, h, L, d)
        q = ops.transpose(ops.reshape(q, (tgt_len, bsz, h, d)), (1, 2, 0, 3)) * (1.0 / math.sqrt(d))
        k = ops.transpose(ops.reshape(k, (k.shape[0], bsz, h, d)), (1, 2, 3, 0))
        v = ops.transpose(ops.reshape(v, (v.shape[0], bsz, h, d)), (1, 2, 0, 3))
        scores = ops.matmul(q, k)  # (N, h, L, S)
        scores = _apply_masks(scores, attn_mask, key_padding_mask)
        weights = ops.softmax(scores, -1)
        if self.training and self.dropout > 0:
            weights = ops.dropout(weights, self.dropout, True)
        out = ops.matmul(weights, v)  # (N, h, L, d)
        out = ops.reshape(ops.transpose(out, (2, 0, 1, 3)), (tgt_len, bsz, self.embed_dim))
        out = self.out_proj(out)
        if self.batch_first and not unbatched:
            out = ops.transpose(out, (1, 0, 2))
        if unbatched:
            out = ops.squeeze(out, 1)
        if not need_weights:
            return out, None
        w = ops.mean(weights, 1) if average_attn_weights else weights
        return out, (ops.squeeze(w, 0) if unbatched else w)


def _pad_mask(mask: Tensor | None, axis: int) -> Tensor | None:
    """Append one allowed position along the key axis (for bias_kv / zero_attn)."""
    if mask is None:
        return None
    shape = list(mask.shape)
    shape[axis] = 1
    return ops.concat([mask, ops.zeros(tuple(shape), mask.dtype)], axis)


def _apply_masks(scores: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None) -> Tensor:
    if attn_mask is not None:
        if attn_mask.ndim == 3:  # (N*h, L, S)
            attn_mask = ops.reshape(attn_mask, scores.shape)
        if attn_mask.dtype == mstype.bool_:
            scores = ops.masked_fill(scores, attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    if key_padding_mask is not None:
        mask = ops.reshape(key_padding_mask, (key_padding_mask.shape[0], 1, 1, key_padding_mask.shape[1]))
        if mask.dtype == mstype.bool_:
            scores = ops.masked_fill(scores, mask, float("-inf"))
        else:
            scores = scores + mask
    return scores


class TransformerEncoderLayer(Cell):
    """Self-attention + feed-forward block with residuals (post-norm unless `norm_first`)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, dtype: Any = mstype.float32) -> None:
        super().__init__()
        where = "TransformerEncoderLayer"
        validator.check_positive_int(dim_feedforward, "dim_feedforward", where)
        validator.check_bool(norm_first, "norm_first", where)
        if not isinstance(activation, (str, Cell)) and not callable(activation):
            raise TypeError(f"For '{where}', 'activation' must be a str, a Cell or a function, got "
                            f"{type(activation).__name__}")
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, dtype=dtype)
        self.linear1 = Dense(d_model, dim_feedforward, dtype=dtype)
        self.dropout = Dropout(p=dropout)
        self.linear2 = Dense(dim_feedforward, d_model, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm((d_model,), epsilon=layer_norm_eps)
        self.norm2 = LayerNorm((d_model,), epsilon=layer_norm_eps)
        self.dropout1 = Dropout(p=dropout)
        self.dropout2 = Dropout(p=dropout)
        self.activation = get_activation(activation) if isinstance(activation, str) else activation

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any) -> Tensor:
        out, _ = self.self_attn(x, x, x, key_padding_mask=key_padding_mask, need_weights=False, attn_mask=attn_mask)
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def construct(self, src: Tensor, src_mask: Tensor | None = None,
                  src_key_padding_mask: Tensor | None = None) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask))
        return self.norm2(x + self._ff_block(x))


class TransformerEncoder(Cell):
    """`num_layers` copies of `encoder_layer`, then an optional final `norm`."""

    def __init__(self, encoder_layer: Cell, num_layers: int, norm: Cell | None = None) -> None:
        super().__init__()
        if not isinstance(encoder_layer, Cell):
            raise TypeError(f"For 'TransformerEncoder', 'encoder_layer' must be a Cell, got "
                            f"{type(encoder_layer).__name__}")
        validator.check_positive_int(num_layers, "num_layers", "TransformerEncoder")
        self.layers = CellList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def construct(self, src: Tensor, src_mask: Tensor | None = None,
                  src_key_padding_mask: Tensor | None = None) -> Tensor:
        out = src
        for layer in self.layers:
            out = layer(out, src_mask, src_key_padding_mask)
        return self.norm(out) if self.norm is not None else out
