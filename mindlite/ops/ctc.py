"""`ops.CTCLoss`: connectionist temporal classification loss with TensorFlow/MindSpore's
interface - logits (max_time, batch, num_classes), the labels as a sparse tensor
(labels_indices (n, 2) of (batch, position), labels_values (n,)), per-sequence lengths, and the
blank class num_classes - 1. It returns the loss per sequence and its gradient w.r.t. the logits.

The forward-backward recursion runs on the host in log space (numpy); the bprop scales the
returned gradient by the incoming loss gradient, as MindSpore's does.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import Tensor
from .primitive import PrimitiveOp
from .registry import Aval, Primitive


def _host(xp: Any, a: Any) -> np.ndarray:
    return a if xp is np else xp.asnumpy(a)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def _logsumexp(*terms: np.ndarray) -> np.ndarray:
    stack = np.stack(terms)
    m = stack.max(0)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(m), safe + np.log(np.exp(stack - safe).sum(0)), -np.inf)


def ctc_one(logp: np.ndarray, labels: list, blank: int) -> tuple:
    """(-log p(labels | logp), d loss / d logits) for one sequence; logp is (T, C) log-softmax."""
    t_len, n_cls = logp.shape
    ext = [blank]
    for c in labels:
        ext += [c, blank]
    s_len = len(ext)
    ext = np.asarray(ext)
    # the skip s-2 -> s is allowed into a label that differs from the label two states back
    skip = np.zeros(s_len, bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    alpha = np.full((t_len, s_len), -np.inf)
    alpha[0, 0] = logp[0, blank]
    if s_len > 1:
        alpha[0, 1] = logp[0, ext[1]]
    for t in range(1, t_len):
        prev = alpha[t - 1]
        one = np.concatenate([[-np.inf], prev[:-1]])
        two = np.where(skip, np.concatenate([[-np.inf, -np.inf], prev[:-2]]), -np.inf)
        alpha[t] = _logsumexp(prev, one, two) + logp[t, ext]
    beta = np.full((t_len, s_len), -np.inf)
    beta[-1, -1] = logp[-1, ext[-1]]
    if s_len > 1:
        beta[-1, -2] = logp[-1, ext[-2]]
    skip_from = np.zeros(s_len, bool)
    skip_from[:-2] = skip[2:]
    for t in range(t_len - 2, -1, -1):
        nxt = beta[t + 1]
        one = np.concatenate([nxt[1:], [-np.inf]])
        two = np.where(skip_from, np.concatenate([nxt[2:], [-np.inf, -np.inf]]), -np.inf)
        beta[t] = _logsumexp(nxt, one, two) + logp[t, ext]
    log_p = _logsumexp(alpha[-1, -1], alpha[-1, -2]) if s_len > 1 else alpha[-1, -1]
    occ = alpha + beta - logp[:, ext]               # log of the occupancy of each state
    post = np.zeros((t_len, n_cls))
    for k in np.unique(ext):            # occupancy summed over the states that emit class k
        sel = occ[:, ext == k]
        m = sel.max(1, keepdims=True)
        safe = np.where(np.isfinite(m), m, 0.0)
        with np.errstate(divide="ignore"):
            post[:, k] = np.exp(safe[:, 0] + np.log(np.exp(sel - safe).sum(1)) - log_p)
    grad = np.exp(logp) - post
    return -float(log_p), grad


def _labels_of(indices: np.ndarray, values: np.ndarray, batch: int, collapse: bool) -> list:
    out: list = [[] for _ in range(batch)]
    for (b, pos), v in sorted(zip(map(tuple, indices.tolist()), values.tolist())):
        out[b].append(int(v))
    if collapse:
        out = [[c for i, c in enumerate(seq) if i == 0 or c != seq[i - 1]] for seq in out]
    return out


def _ctc_impl(xp: Any, x: Any, indices: Any, values: Any, lengths: Any, preprocess_collapse_repeated: bool,
              ctc_merge_repeated: bool, ignore_longer_outputs_than_inputs: bool) -> tuple:
    logits = _host(xp, x).astype(np.float64)
    t_max, batch, n_cls = logits.shape
    labels = _labels_of(_host(xp, indices), _host(xp, values), batch, preprocess_collapse_repeated)
    seq_len = _host(xp, lengths).astype(np.int64)
    loss = np.zeros(batch)
    grad = np.zeros_like(logits)
    for b in range(batch):
        t_b = int(seq_len[b])
        lab = labels[b]
        need = len(lab) + sum(1 for i in range(1, len(lab)) if lab[i] == lab[i - 1])
        if t_b > t_max or t_b < 0:
            raise ValueError(f"CTCLoss: sequence_length[{b}] = {t_b} is outside [0, {t_max}]")
        if any(not 0 <= c < n_cls - 1 for c in lab):
            raise ValueError(f"CTCLoss: labels of sequence {b} must be in [0, {n_cls - 1}) (class {n_cls - 1} is the "
                             f"blank), got {lab}")
        if need > t_b:
            if ignore_longer_outputs_than_inputs:
                continue  # loss 0, gradient 0, as MindSpore/TensorFlow
            raise ValueError(f"CTCLoss: sequence {b} has {len(lab)} labels needing {need} frames but only {t_b}; "
                             f"set ignore_longer_outputs_than_inputs=True to skip it")
        if t_b == 0:
            continue
        loss[b], grad[:t_b, b] = ctc_one(_log_softmax(logits[:t_b, b]), lab, n_cls - 1)
    return xp.asarray(loss.astype(x.dtype)), xp.asarray(grad.astype(x.dtype))


def _ctc_infer(x: Aval, indices: Aval, values: Aval, lengths: Aval, **_: Any) -> tuple:
    if x.ndim != 3 or x.dtype.kind != "f":
        raise ValueError(f"CTCLoss: x must be float logits (max_time, batch, num_classes), got {x}")
    if indices.ndim != 2 or indices.shape[1] != 2 or values.shape != (indices.shape[0],):
        raise ValueError(f"CTCLoss: labels_indices must be (n, 2) and labels_values (n,), got {indices} and {values}")
    if lengths.shape != (x.shape[1],):
        raise ValueError(f"CTCLoss: sequence_length must be ({x.shape[1]},), got {lengths}")
    return Aval((x.shape[1],), x.dtype), x


ctc_loss_p = Primitive("ctc_loss", _ctc_impl, _ctc_infer, multiple_results=True)


@ctc_loss_p.def_bprop
def _ctc_bprop(x, indices, values, lengths, *, out, dout, **params):
    from . import functional as F
    dloss = dout[0]
    return out[1] * F.reshape(dloss, (1, -1, 1)), None, None, None


class CTCLoss(PrimitiveOp):
    """`ops.CTCLoss(preprocess_collapse_repeated=False, ctc_merge_repeated=True,
    ignore_longer_outputs_than_inputs=False)(x, labels_indices, labels_values, sequence_length)`
    -> (loss (batch,), gradient (max_time, batch, num_classes))."""

    def __init__(self, preprocess_collapse_repeated: bool = False, ctc_merge_repeated: bool = True,
                 ignore_longer_outputs_than_inputs: bool = False) -> None:
        for name, v in (("preprocess_collapse_repeated", preprocess_collapse_repeated),
                        ("ctc_merge_repeated", ctc_merge_repeated),
                        ("ignore_longer_outputs_than_inputs", ignore_longer_outputs_than_inputs)):
            if not isinstance(v, bool):
                raise TypeError(f"CTCLoss: {name} must be a bool, got {type(v).__name__}")
        if not ctc_merge_repeated:
            raise ValueError("CTCLoss: ctc_merge_repeated=False is not supported (repeated labels are always merged)")
        super().__init__(preprocess_collapse_repeated=preprocess_collapse_repeated,
                         ctc_merge_repeated=ctc_merge_repeated,
                         ignore_longer_outputs_than_inputs=ignore_longer_outputs_than_inputs)

    def __call__(self, x: Tensor, labels_indices: Tensor, labels_values: Tensor, sequence_length: Tensor) -> tuple:
        for name, v in (("x", x), ("labels_indices", labels_indices), ("labels_values", labels_values),
                        ("sequence_length", sequence_length)):
            if not isinstance(v, Tensor):
                raise TypeError(f"CTCLoss: {name} must be a Tensor, got {type(v).__name__}")
        _ctc_infer(*(Aval(tuple(t.shape), t.dtype.np) for t in (x, labels_indices, labels_values, sequence_length)))
        return ctc_loss_p(x, labels_indices, labels_values, sequence_length,
                          preprocess_collapse_repeated=self.preprocess_collapse_repeated,
                          ctc_merge_repeated=self.ctc_merge_repeated,
                          ignore_longer_outputs_than_inputs=self.ignore_longer_outputs_than_inputs)
