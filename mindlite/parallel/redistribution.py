"""Tensor redistribution: the collectives that turn one layout of a tensor into another.

`plan(shape, dtype, src, dst)` returns the steps, each a collective (or a local slice) over
device axes of the common device matrix:
  1. pending sums are resolved: reduce-scatter when the destination splits a dimension by
     exactly those axes next, else all-reduce;
  2. splits the destination does not share are undone, innermost first: by an all-to-all
     when the freed axes split another dimension next in the destination (one exchange
     instead of gather + slice), else by an all-gather;
  3. splits the destination adds are local slices (no communication).
`Step.nbytes` is the local input buffer of the collective, what the backends log, so the
cost model's bytes equal the logged bytes by construction of the same plan, and the tests
check that the execution really performs these calls. `apply(x, rank, steps)` runs the
steps with the collective primitives, so redistribution is differentiable.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .layout import TensorLayout, canonical, refine, to_matrix


@dataclass(frozen=True)
class Step:
    kind: str          # all_reduce | reduce_scatter | all_gather | all_to_all | slice
    axes: tuple        # device axes of the group, most significant first
    dim: int = -1      # the dimension gathered / scattered / sliced (all_to_all: concat dim)
    split_dim: int = -1  # all_to_all only
    in_shape: tuple = ()   # local shape before the step
    itemsize: int = 4

    @property
    def nbytes(self) -> int:
        return 0 if self.kind == "slice" else math.prod(self.in_shape) * self.itemsize

    def __str__(self) -> str:
        where = f" dim {self.dim}" if self.dim >= 0 else ""
        if self.kind == "all_to_all":
            where = f" split {self.split_dim} concat {self.dim}"
        return f"{self.kind}(axes {list(self.axes)}{where}, {list(self.in_shape)})"


def common(src: TensorLayout, dst: TensorLayout) -> tuple:
    fine = refine([src.dev_matrix, dst.dev_matrix])
    return canonical(to_matrix(src, fine)), canonical(to_matrix(dst, fine))


def plan(shape: Sequence[int], dtype: Any, src: TensorLayout, dst: TensorLayout) -> list:
    """The steps from `src` to `dst` for a tensor of global `shape` (see the module notes)."""
    shape = tuple(int(s) for s in shape)
    if len(src.tensor_map) != len(shape) or len(dst.tensor_map) != len(shape):
        raise ValueError(f"redistribution: layouts {src} -> {dst} do not match a {len(shape)}-d tensor {list(shape)}")
    if dst.partial:
        raise ValueError(f"redistribution: the destination layout {dst} cannot be partial")
    s, d = common(src, dst)
    for lay in (s, d):
        for k, n in zip(lay.splits(), shape):
            if n % k:
                raise ValueError(f"redistribution: dimension of size {n} is not divisible by split {k} in {lay}")
    dm = s.dev_matrix
    itemsize = np.dtype(dtype).itemsize
    cur = [list(m) for m in s.tensor_map]
    target = [list(m) for m in d.tensor_map]
    partial = set(s.partial)
    steps: list = []

    def local() -> tuple:
        return tuple(n // math.prod(dm[a] for a in m) for n, m in zip(shape, cur))

    # 1. pending sums
    if partial:
        for dim in range(len(shape)):
            k = len(cur[dim])
            nxt = target[dim][k:k + len(partial)]
            if target[dim][:k] == cur[dim] and set(nxt) == partial and len(nxt) == len(partial):
                steps.append(Step("reduce_scatter", tuple(nxt), dim, -1, local(), itemsize))
                cur[dim] = cur[dim] + nxt
                partial = set()
                break
        if partial:
            steps.append(Step("all_reduce", tuple(sorted(partial)), -1, -1, local(), itemsize))
            partial = set()

    # 2. undo splits the destination does not share
    def prefix(dim: int) -> int:
        k = 0
        while k < len(cur[dim]) and k < len(target[dim]) and cur[dim][k] == target[dim][k]:
            k += 1
        return k

    while True:
        pending = [dim for dim in range(len(shape)) if prefix(dim) < len(cur[dim])]
        if not pending:
            break
        moved = False
        for i in pending:
            freed = cur[i][prefix(i):]
            for j in range(len(shape)):
                if j == i or prefix(j) < len(cur[j]):
                    continue
                n = len(cur[j])
                if target[j][n:n + len(freed)] == freed:
                    steps.append(Step("all_to_all", tuple(freed), i, j, local(), itemsize))
                    cur[i] = cur[i][:prefix(i)]
                    cur[j] = cur[j] + freed
                    moved = True
                    break
            if moved:
                break
        if not moved:
            i = pending[0]
            freed = cur[i][prefix(i):]
            steps.append(Step("all_gather", tuple(freed), i, -1, local(), itemsize))
            cur[i] = cur[i][:prefix(i)]

    # 3. splits the destination adds: local slices
    for dim in range(len(shape)):
        extra = target[dim][len(cur[dim]):]
        if extra:
            steps.append(Step("slice", tuple(extra), dim, -1, local(), itemsize))
            cur[dim] = cur[dim] + extra
    return steps


def comm_bytes(steps: Sequence[Step]) -> int:
    return sum(st.nbytes for st in steps)


def apply(x: Any, rank: int, steps: Sequence[Step], dev_matrix: tuple) -> Any:
    """Run `steps` (from `plan`, on the common device matrix `dev_matrix`) on this rank's
    local tensor `x` with the collective primitives."""
    from ..communication.comm_ops import all_gather_p, all_reduce_p, all_to_all_p, reduce_scatter_p
    from ..ops import functional as F
    probe = TensorLayout(tuple(dev_matrix), ())
    for st in steps:
        group = probe.group(rank, st.axes)
        if st.kind == "all_reduce":
            x = all_reduce_p(x, op="sum", group=group)
        elif st.kind == "reduce_scatter":
            x = reduce_scatter_p(x, op="sum", group=group, axis=st.dim)
        elif st.kind == "all_gather":
            x = all_gather_p(x, group=group, axis=st.dim)
        elif st.kind == "all_to_all":
            x = all_to_all_p(x, split_dim=st.split_dim, concat_dim=st.dim, group=group)
        else:  # slice: this rank's block of the new split
            parts = len(group)
            idx = group.index(rank)
            size = x.shape[st.dim] // parts
            begin = [0] * x.ndim
            begin[st.dim] = idx * size
            sizes = list(x.shape)
            sizes[st.dim] = size
            x = F.slice(x, begin, sizes)
    return x


def dev_matrix_of(src: TensorLayout, dst: TensorLayout) -> tuple:
    return common(src, dst)[0].dev_matrix
