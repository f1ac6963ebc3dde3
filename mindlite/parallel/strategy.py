"""Strategies of one node: which device axes split which of its labels (see rules.py).

A `Strategy` maps labels to device axes (of the plan's device matrix) and says which
linear inputs arrive as pending sums (`carry`). From it follow the layouts the node needs
of its inputs and the layouts of its outputs. `candidates` enumerates strategies for the
search; `follow_inputs` / `follow_output` derive the strategy that needs no redistribution
from a neighbour's layout (sharding propagation).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from .layout import TensorLayout
from .rules import OpSpec


@dataclass(frozen=True)
class Strategy:
    assign: tuple   # ((label, axes tuple), ...) sorted by label
    carry: tuple    # per input: frozenset of device axes arriving as a pending sum

    @staticmethod
    def make(assign: dict, n_inputs: int, carry: dict | None = None) -> "Strategy":
        items = tuple(sorted((lb, tuple(ax)) for lb, ax in assign.items() if ax))
        c = tuple(frozenset((carry or {}).get(i, ())) for i in range(n_inputs))
        return Strategy(items, c)

    def axes(self, label: Any) -> tuple:
        for lb, ax in self.assign:
            if lb == label:
                return ax
        return ()

    def as_dict(self) -> dict:
        return dict(self.assign)

    def __str__(self) -> str:
        body = ", ".join(f"{lb}:{'x'.join(map(str, ax))}" for lb, ax in self.assign) or "replicated"
        carried = [f"in{i}+{sorted(c)}" for i, c in enumerate(self.carry) if c]
        return body + (f" carry {' '.join(carried)}" if carried else "")


def in_layouts(spec: OpSpec, st: Strategy, dm: tuple) -> list:
    out = []
    for i, labels in enumerate(spec.in_labels):
        if labels is None:
            out.append(None)
            continue
        tmap = tuple(st.axes(lb) if lb is not None else () for lb in labels)
        out.append(TensorLayout(dm, tmap, st.carry[i] if i < len(st.carry) else frozenset()))
    return out


def out_partial(spec: OpSpec, st: Strategy) -> frozenset:
    p = set()
    for c in st.carry:
        p |= c
    for lb in spec.reduce:
        p |= set(st.axes(lb))
    return frozenset(p)


def out_layouts(spec: OpSpec, st: Strategy, dm: tuple) -> list:
    partial = out_partial(spec, st)
    return [TensorLayout(dm, tuple(st.axes(lb) if lb is not None else () for lb in labels), partial)
            for labels in spec.out_labels]


def check(spec: OpSpec, st: Strategy, dm: tuple) -> str | None:
    """None when `st` is a valid strategy of the node, else the reason."""
    used: list = []
    for lb, ax in st.assign:
        if lb in spec.fixed:
            return f"dimension {lb!r} cannot be split"
        if lb not in spec.sizes:
            return f"unknown dimension {lb!r}"
        k = 1
        for a in ax:
            k *= dm[a]
        if spec.sizes[lb] % k:
            return f"dimension {lb!r} of size {spec.sizes[lb]} is not divisible by {k}"
        used.extend(ax)
    carried = [i for i, c in enumerate(st.carry) if c]
    for i in carried:
        if i not in spec.linear:
            return f"input {i} cannot arrive as a pending sum"
        used.extend(st.carry[i])
    if carried:
        sets = {st.carry[i] for i in carried}
        if spec.linear_mode == "all":
            tensors = [i for i, lb in enumerate(spec.in_labels) if lb is not None]
            if len(sets) != 1 or set(carried) != set(tensors):
                return "every operand of a sum must carry the same pending sum"
            used = [a for lb, ax in st.assign for a in ax] + sorted(next(iter(sets)))
        elif len(carried) > 1:
            return "only one operand of a product may carry a pending sum"
    if len(used) != len(set(used)):
        return "a device axis is used twice"
    return None


def candidates(spec: OpSpec, groups: Sequence[tuple], dm: tuple, n_inputs: int) -> list:
    """Every valid strategy assigning each axis group (a logical mesh axis: a tuple of
    device axes) to one splittable label or to none, plus pending-sum variants of linear
    inputs over the unused groups."""
    labels = spec.splittable()
    out = []
    seen = set()
    for choice in itertools.product([None] + labels, repeat=len(groups)):
        assign: dict = {}
        for g, lb in zip(groups, choice):
            if lb is not None:
                assign[lb] = assign.get(lb, ()) + tuple(g)
        unused = [g for g, lb in zip(groups, choice) if lb is None]
        variants = [{}]
        if spec.linear and unused:
            for r in range(1, len(unused) + 1):
                for subset in itertools.combinations(unused, r):
                    axes = frozenset(a for g in subset for a in g)
                    if spec.linear_mode == "all":
                        variants.append({i: axes for i in spec.linear})
                    else:
                        variants.extend({i: axes} for i in spec.linear)
        for carry in variants:
            st = Strategy.make(assign, n_inputs, carry)
            if st not in seen and check(spec, st, dm) is None:
                seen.add(st)
                out.append(st)
    return out


def follow_inputs(spec: OpSpec, layouts: Sequence[TensorLayout | None], dm: tuple, n_inputs: int) -> Strategy:
    """The strategy that takes the given input layouts as they are, as far as it can
    (conflicting or unsupported splits are left for redistribution)."""
    assign: dict = {}
    carry: dict = {}
    for i, (labels, lay) in enumerate(zip(spec.in_labels, layouts)):
        if labels is None or lay is None:
            continue
        for lb, axes in zip(labels, lay.tensor_map):
            if lb is None or not axes or lb in assign:
                continue
            trial = dict(assign)
            trial[lb] = tuple(axes)
            if check(spec, Strategy.make(trial, n_inputs, carry), dm) is None:
                assign = trial
        if lay.partial and i in spec.linear:
            trial_c = dict(carry)
            trial_c[i] = lay.partial
            if check(spec, Strategy.make(assign, n_inputs, trial_c), dm) is None:
                carry = trial_c
    st = Strategy.make(assign, n_inputs, carry)
    if spec.linear_mode == "all" and any(st.carry) and check(spec, st, dm) is not None:
        st = Strategy.make(assign, n_inputs)
    return st


def follow_output(spec: OpSpec, k: int, layout: TensorLayout, dm: tuple, n_inputs: int) -> Strategy:
    """The strategy whose output `k` already has `layout` (without its pending sums)."""
    assign: dict = {}
    for lb, axes in zip(spec.out_labels[k], layout.tensor_map):
        if lb is None or not axes:
            continue
        trial = dict(assign)
        trial[lb] = tuple(axes)
        if check(spec, Strategy.make(trial, n_inputs), dm) is None:
            assign = trial
    return Strategy.make(assign, n_inputs)


def replicated_strategy(n_inputs: int) -> Strategy:
    return Strategy.make({}, n_inputs)


def distinct(strategies: Iterable[Strategy]) -> list:
    out, seen = [], set()
    for s in strategies:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out
