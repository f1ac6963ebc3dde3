"""Pruning: unstructured magnitude masks, and structural removal of convolution channels.

    lite.prune.magnitude(net, amount, scope="layer" | "global")
        zero the `amount` fraction of smallest-|w| weights (per weight tensor, or over all of them
        together); the masks stay applied after every optimizer step (any optimizer, either mode)
        until `lite.prune.remove(net)` makes the zeros permanent and drops the masks.
    lite.prune.channels(net, amount, norm="l1", inputs=...)
        remove the `amount` fraction of each convolution's output channels with the smallest
        L1 (or L2) weight norm, with the matching batch-norm channels and the next layer's inputs
        (next convolution's input channels, or a dense layer's inputs after a flatten). The
        dataflow is read from the network's captured graph, so `inputs` (example tensors) are
        needed; a convolution whose output reaches anything else (a residual add, a concat, two
        consumers) raises ValueError naming it. Build the optimizer after pruning.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import Parameter, Tensor
from ..ir.graph import Var

_SLOT = Tensor.__dict__["_data"]  # the storage slot of every tensor's array


class MaskedParameter(Parameter):
    """A Parameter whose every new value is multiplied by its pruning mask (`_prune_mask`).

    Optimizers (eager assign, or the write-back of a compiled step) rebind `_data`; the mask
    is applied there, so masked weights stay zero after every step. Symbolic values met while a
    graph is being captured pass through untouched.
    """

    @property  # type: ignore[override]
    def _data(self) -> Any:
        return _SLOT.__get__(self, Tensor)

    @_data.setter
    def _data(self, value: Any) -> None:
        mask = self.__dict__.get("_prune_mask")
        if mask is not None and hasattr(value, "shape") and not isinstance(value, Var) \
                and tuple(value.shape) == mask.shape:
            xp = np if isinstance(value, np.ndarray) else __import__("cupy")
            value = value * (mask if xp is np else xp.asarray(mask)).astype(value.dtype, copy=False)
        _SLOT.__set__(self, value)


def _check_amount(amount: Any) -> float:
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0.0 <= float(amount) < 1.0:
        raise ValueError(f"prune: amount must be a number in [0, 1), got {amount!r}")
    return float(amount)


def prunable(net: Any) -> list[tuple[str, Parameter]]:
    """The weights magnitude pruning considers: trainable parameters with 2+ dimensions."""
    return [(n, p) for n, p in net.parameters_and_names() if p.requires_grad and len(p.shape) >= 2]


def _apply_mask(p: Parameter, mask: np.ndarray) -> None:
    if not isinstance(p, MaskedParameter):
        p.__class__ = MaskedParameter
    p.__dict__["_prune_mask"] = mask
    p._data = p._data  # apply now (the setter multiplies)


def magnitude(net: Any, amount: float, scope: str = "layer") -> dict[str, np.ndarray]:
    """Mask the smallest-magnitude weights; returns {parameter name: 0/1 mask}.

    With scope="layer" each weight tensor loses round(amount * size) entries; with "global"
    round(amount * total) entries over all of them together (ties broken by position).
    A weight pruned before keeps its old zeros: the new mask multiplies the old one.
    """
    amount = _check_amount(amount)
    if scope not in ("layer", "global"):
        raise ValueError(f"prune.magnitude: scope must be 'layer' or 'global', got {scope!r}")
    params = prunable(net)
    if not params:
        raise ValueError(f"prune.magnitude: {type(net).__name__} has no trainable weight with 2+ dimensions")
    values = [np.abs(np.asarray(p.asnumpy(), np.float64)).reshape(-1) for _, p in params]
    flat_masks = [np.ones(v.size, np.float32) for v in values]
    if scope == "layer":
        for v, m in zip(values, flat_masks):
            m[np.argsort(v, kind="stable")[:int(round(amount * v.size))]] = 0
    else:
        allv = np.concatenate(values)
        drop = np.argsort(allv, kind="stable")[:int(round(amount * allv.size))]
        offsets = np.cumsum([0] + [v.size for v in values])
        for k, m in enumerate(flat_masks):
            sel = drop[(drop >= offsets[k]) & (drop < offsets[k + 1])] - offsets[k]
            m[sel] = 0
    masks = {}
    for (name, p), m in zip(params, flat_masks):
        mask = m.reshape(tuple(p.shape)).astype(p.asnumpy().dtype)
        old = p.__dict__.get("_prune_mask")
        if old is not None:
            mask = mask * old
        _apply_mask(p, mask)
        masks[name] = mask
    return masks


def remove(net: Any) -> list[str]:
    """Make the pruning permanent: the zeros stay, the masks go; returns the names unmasked."""
    done = []
    for name, p in net.parameters_and_names():
        if isinstance(p, MaskedParameter):
            p._data = p._data
            p.__dict__.pop("_prune_mask", None)
            p.__class__ = Parameter
            done.append(name)
    return done


def sparsity(net: Any) -> float:
    """Fraction of zeros among the prunable weights."""
    params = prunable(net)
    total = sum(int(np.prod(p.shape)) for _, p in params)
    zeros = sum(int((p.asnumpy() == 0).sum()) for _, p in params)
    return zeros / max(total, 1)


# ---- structural: convolution channels --------------------------------------------------------------------------
_CHANNEL_WISE = ("relu", "sigmoid", "tanh", "gelu", "neg", "abs", "square", "sqrt", "exp", "identity",
                 "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "cast")


class _Edit:
    """What removing channels of one convolution changes."""

    def __init__(self, conv_cell: Any, name: str) -> None:
        self.conv, self.name = conv_cell, name
        self.bns: list = []
        self.next_convs: list = []
        self.dense: list = []  # (dense cell, spatial size per channel)
        self.refusal: ValueError | None = None


def _owners(net: Any) -> dict[int, tuple[str, Any, str]]:
    """Parameter id -> (cell path, cell, attribute name)."""
    out = {}
    for path, cell in net.cells_and_names():
        for attr, p in cell._params.items():
            if p is not None:
                out.setdefault(id(p), (path, cell, attr))
    return out


def _analyse(net: Any, inputs: tuple) -> list[_Edit]:
    from .capture import capture
    from ..nn.layer.conv import Conv2d
    flags = {id(c): c.training for _, c in net.cells_and_names()}
    net.set_train(False)
    try:
        cap = capture(net, inputs, type(net).__name__)
    finally:
        for _, c in net.cells_and_names():
            object.__setattr__(c, "training", flags[id(c)])
    g = cap.graph
    param_of = {id(v): p for v, p in zip(g.inputs, cap.parameters) if p is not None}
    owners = _owners(net)
    users: dict[int, list] = {}
    producer: dict[int, Any] = {}
    for n in g.nodes:
        for o in n.outs:
            producer[id(o)] = n
        for a in n.inputs:
            if isinstance(a, Var):
                users.setdefault(id(a), []).append(n)
    outputs = {id(a) for a in g.outputs if isinstance(a, Var)}

    def owner(a: Any) -> Any:
        """The (path, cell, attr) of the parameter operand a reads (through reshape/transpose)."""
        while isinstance(a, Var) and id(a) not in param_of and producer.get(id(a)) is not None \
                and producer[id(a)].prim.name in ("reshape", "transpose"):
            a = producer[id(a)].inputs[0]
        p = param_of.get(id(a)) if isinstance(a, Var) else None
        return owners.get(id(p)) if p is not None else None

    edits = []
    for n in g.nodes:
        if n.prim.name != "conv2d" or owner(n.inputs[1]) is None:
            continue
        path, cell, _ = owner(n.inputs[1])
        if not isinstance(cell, Conv2d) or cell.group != 1:
            continue
        edit = _Edit(cell, path)
        try:
            _follow(n.outs[0], edit, users, outputs, owner, g)
        except ValueError as e:
            edit.refusal = e  # raised only if this convolution is to be pruned
        edits.append(edit)
    return edits


def _follow(v: Var, edit: _Edit, users: dict, outputs: set, owner: Any, g: Any) -> None:
    """Walk the channel-preserving chain from a convolution's output to the layer(s) reading it."""
    from ..nn.layer.basic import Dense
    from ..nn.layer.conv import Conv2d
    from ..nn.layer.normalization import _BatchNorm

    def refuse(why: str) -> ValueError:
        return ValueError(f"prune.channels: cannot remove channels of {edit.name or 'the root'} "
                          f"({type(edit.conv).__name__}): its output {why}")

    spatial = None
    while True:
        us = users.get(id(v), [])
        if id(v) in outputs:
            raise refuse("is an output of the network")
        if len(us) != 1:
            raise refuse(f"is read by {len(us)} operations ({', '.join(u.prim.name for u in us) or 'none'}), "
                         "e.g. a residual connection")
        n = us[0]
        name = n.prim.name
        if name == "add" and len(n.inputs) == 2 and n.inputs[0] is v and owner(n.inputs[1]) is not None \
                and owner(n.inputs[1])[1] is edit.conv:
            v = n.outs[0]  # the convolution's own bias
        elif name == "batch_norm" and n.inputs[0] is v and owner(n.inputs[1]) is not None \
                and isinstance(owner(n.inputs[1])[1], _BatchNorm):
            edit.bns.append(owner(n.inputs[1])[1])
            v = n.outs[0]
        elif name in _CHANNEL_WISE and len(n.inputs) == 1:
            v = n.outs[0]
        elif name == "conv2d" and n.inputs[0] is v and owner(n.inputs[1]) is not None \
                and isinstance(owner(n.inputs[1])[1], Conv2d) and owner(n.inputs[1])[1].group == 1:
            edit.next_convs.append(owner(n.inputs[1])[1])
            return
        elif name == "reshape" and v.ndim == 4 and n.outs[0].ndim == 2 and n.outs[0].shape[0] == v.shape[0]:
            spatial = v.shape[2] * v.shape[3]
            v = n.outs[0]
        elif name == "matmul" and spatial is not None and n.inputs[0] is v and owner(n.inputs[1]) is not None \
                and isinstance(owner(n.inputs[1])[1], Dense):
            edit.dense.append((owner(n.inputs[1])[1], spatial))
            return
        else:
            raise refuse(f"reaches {name} (scope {n.loc or '?'}), which cannot drop input channels")


def _set(cell: Any, attr: str, array: np.ndarray) -> None:
    old = getattr(cell, attr)
    setattr(cell, attr, Parameter(Tensor(np.ascontiguousarray(array)), name=old.name,
                                  requires_grad=old.requires_grad))


def channels(net: Any, amount: float, norm: str = "l1", *, inputs: Any, layers: Any = None) -> dict[str, list]:
    """Remove output channels of convolutions (see the module doc); returns {conv path: kept
    channel indices}. `layers` limits it to those convolution paths (default: all of them)."""
    amount = _check_amount(amount)
    if norm not in ("l1", "l2"):
        raise ValueError(f"prune.channels: norm must be 'l1' or 'l2', got {norm!r}")
    inputs = tuple(inputs) if isinstance(inputs, (list, tuple)) else (inputs,)
    edits = _analyse(net, inputs)
    if layers is not None:
        wanted = set(layers)
        unknown = wanted - {e.name for e in edits}
        if unknown:
            raise ValueError(f"prune.channels: {sorted(unknown)} are not prunable convolutions; candidates: "
                             f"{[e.name for e in edits]}")
        edits = [e for e in edits if e.name in wanted]
    for e in edits:
        if e.refusal is not None:
            raise e.refusal
    plan = []
    for e in edits:
        w = e.conv.weight.asnumpy().astype(np.float64)
        scores = np.abs(w).reshape(w.shape[0], -1).sum(1) if norm == "l1" else \
            np.sqrt(np.square(w).reshape(w.shape[0], -1).sum(1))
        n_remove = min(int(round(amount * w.shape[0])), w.shape[0] - 1)
        keep = np.sort(np.argsort(scores, kind="stable")[n_remove:])
        plan.append((e, keep))
    for e, keep in plan:  # output channels of the convs and their BNs; inputs of the readers
        conv = e.conv
        _set(conv, "weight", conv.weight.asnumpy()[keep])
        if conv.bias is not None:
            _set(conv, "bias", conv.bias.asnumpy()[keep])
        object.__setattr__(conv, "out_channels", len(keep))
        for bn in e.bns:
            for attr in ("gamma", "beta", "moving_mean", "moving_variance"):
                _set(bn, attr, getattr(bn, attr).asnumpy()[keep])
            object.__setattr__(bn, "num_features", len(keep))
        for nxt in e.next_convs:
            _set(nxt, "weight", nxt.weight.asnumpy()[:, keep])
            object.__setattr__(nxt, "in_channels", len(keep))
        for dense, hw in e.dense:
            cols = (keep[:, None] * hw + np.arange(hw)[None, :]).reshape(-1)
            _set(dense, "weight", dense.weight.asnumpy()[:, cols])
            object.__setattr__(dense, "in_channels", len(cols))
    return {e.name: keep.tolist() for e, keep in plan}
