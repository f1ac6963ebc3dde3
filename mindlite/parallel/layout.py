"""Tensor layouts on a device matrix (MindSpore's device arrangement + tensor map).

A device matrix `(d0, d1, ...)` arranges the N = prod(d) ranks row-major (axis 0 outermost,
so the last axes hold neighbouring ranks, i.e. ranks of one node). A `TensorLayout` says,
for each tensor dimension, which device axes split it (major first), and over which axes
the value is a pending sum (`partial`: each rank holds an addend). Axes in neither are
replicated. `Layout` is MindSpore's user-facing form: a device matrix with axis names.

Layouts on different device matrices are compared and converted on their common
refinement (the ranks' strides of both matrices merged), which exists whenever the strides
form a divisibility chain (always for powers of two).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence


@dataclass(frozen=True)
class TensorLayout:
    dev_matrix: tuple            # sizes of the device axes, outermost first
    tensor_map: tuple            # per tensor dim: tuple of device axes splitting it, major first
    partial: frozenset = frozenset()

    def __post_init__(self) -> None:
        used = [a for axes in self.tensor_map for a in axes] + sorted(self.partial)
        if len(set(used)) != len(used):
            raise ValueError(f"layout {self}: a device axis is used twice")
        if any(not 0 <= a < len(self.dev_matrix) for a in used):
            raise ValueError(f"layout {self}: device axis out of range")

    @property
    def device_num(self) -> int:
        return math.prod(self.dev_matrix)

    @property
    def ndim(self) -> int:
        return len(self.tensor_map)

    def splits(self) -> tuple:
        return tuple(math.prod(self.dev_matrix[a] for a in axes) for axes in self.tensor_map)

    def local_shape(self, shape: Sequence[int]) -> tuple:
        return tuple(int(s) // k for s, k in zip(shape, self.splits()))

    def coords(self, rank: int) -> tuple:
        out = []
        for size in reversed(self.dev_matrix):
            out.append(rank % size)
            rank //= size
        return tuple(reversed(out))

    def block_index(self, rank: int, dim: int) -> int:
        """Which block (of `splits()[dim]`) of dimension `dim` rank `rank` holds."""
        c = self.coords(rank)
        idx = 0
        for a in self.tensor_map[dim]:
            idx = idx * self.dev_matrix[a] + c[a]
        return idx

    def block(self, rank: int, shape: Sequence[int]) -> tuple:
        """The slices of the global tensor that rank `rank` holds."""
        out = []
        for d, (s, k) in enumerate(zip(shape, self.splits())):
            b = int(s) // k
            i = self.block_index(rank, d)
            out.append(slice(i * b, (i + 1) * b))
        return tuple(out)

    def used_axes(self) -> frozenset:
        return frozenset(a for axes in self.tensor_map for a in axes) | self.partial

    def is_replicated(self) -> bool:
        return not self.used_axes()

    def group(self, rank: int, axes: Sequence[int]) -> tuple:
        """World ranks that differ from `rank` only on `axes`, ordered by those axes' coordinates
        (the first axis most significant)."""
        c = list(self.coords(rank))
        ranks = []
        for k in range(math.prod(self.dev_matrix[a] for a in axes)):
            rem = k
            for a in reversed(axes):
                c[a] = rem % self.dev_matrix[a]
                rem //= self.dev_matrix[a]
            ranks.append(_rank_of(c, self.dev_matrix))
        return tuple(ranks)

    def with_map(self, tensor_map: Sequence[Sequence[int]], partial: Any = None) -> "TensorLayout":
        return TensorLayout(self.dev_matrix, tuple(tuple(m) for m in tensor_map),
                            self.partial if partial is None else frozenset(partial))

    def __str__(self) -> str:
        dims = ", ".join("x".join(str(a) for a in axes) if axes else "-" for axes in self.tensor_map)
        part = f" partial{sorted(self.partial)}" if self.partial else ""
        return f"dev{list(self.dev_matrix)}[{dims}]{part}"


def _rank_of(coords: Sequence[int], dev_matrix: Sequence[int]) -> int:
    r = 0
    for c, s in zip(coords, dev_matrix):
        r = r * s + c
    return r


def replicated(ndim: int, dev_matrix: tuple) -> TensorLayout:
    return TensorLayout(dev_matrix, ((),) * ndim)


# ---- common refinement -------------------------------------------------------------------------------
def _strides(dev_matrix: Sequence[int]) -> list:
    """Rank strides of the axes' boundaries: for (2, 4) -> [1, 4, 8]."""
    out, s = [1], 1
    for size in reversed(dev_matrix):
        s *= size
        out.append(s)
    return out


def refine(dev_matrices: Sequence[Sequence[int]]) -> tuple:
    """The coarsest device matrix that refines every one of `dev_matrices` (same device number)."""
    n = {math.prod(d) for d in dev_matrices}
    if len(n) != 1:
        raise ValueError(f"device matrices {[list(d) for d in dev_matrices]} cover different device numbers")
    bounds = sorted({s for d in dev_matrices for s in _strides(d)})
    for a, b in zip(bounds, bounds[1:]):
        if b % a:
            raise ValueError(f"device matrices {[list(d) for d in dev_matrices]} have no common refinement "
                             f"(rank strides {a} and {b} do not divide); choose strategies whose splits nest")
    return tuple(b // a for a, b in reversed(list(zip(bounds, bounds[1:]))))


def axis_map(coarse: Sequence[int], fine: Sequence[int]) -> list:
    """For each axis of `coarse`, the axes of `fine` (a refinement) it covers, outermost first."""
    fine_bounds = _strides(fine)  # fine axis i (from the end) spans (fine_bounds[k], fine_bounds[k+1]]
    out = []
    s = 1
    for size in reversed(coarse):
        lo, hi = s, s * size
        axes = [len(fine) - 1 - k for k in range(len(fine)) if fine_bounds[k] >= lo and fine_bounds[k + 1] <= hi]
        out.append(sorted(axes))
        s = hi
    return list(reversed(out))


def to_matrix(layout: TensorLayout, fine: tuple) -> TensorLayout:
    """The same layout expressed on the refinement `fine` of its device matrix."""
    if tuple(layout.dev_matrix) == tuple(fine):
        return layout
    amap = axis_map(layout.dev_matrix, fine)
    tmap = tuple(tuple(f for a in axes for f in amap[a]) for axes in layout.tensor_map)
    partial = frozenset(f for a in layout.partial for f in amap[a])
    return TensorLayout(tuple(fine), tmap, partial)


def canonical(layout: TensorLayout) -> TensorLayout:
    """Drop size-1 device axes' uses (they split nothing), so equal layouts compare equal."""
    dm = layout.dev_matrix
    tmap = tuple(tuple(a for a in axes if dm[a] > 1) for axes in layout.tensor_map)
    return TensorLayout(dm, tmap, frozenset(a for a in layout.partial if dm[a] > 1))


# ---- the user-facing Layout (MindSpore 2.3's `mindspore.Layout`) ---------------------------------------
class Layout:
    """`Layout(device_matrix, alias_name)`; calling it with one alias (or a tuple of aliases, or
    "None") per tensor dimension gives that tensor's layout, usable in `shard(in_strategy=...)`:

        layout = Layout((2, 4), ("dp", "mp"))
        matmul.shard((layout("dp", "None"), layout("None", "mp")))
    """

    def __init__(self, device_matrix: Sequence[int], alias_name: Sequence[str]) -> None:
        dm = tuple(device_matrix)
        if not dm or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in dm):
            raise ValueError(f"Layout: device_matrix must be a tuple of positive ints, got {device_matrix!r}")
        names = tuple(alias_name)
        if len(names) != len(dm) or len(set(names)) != len(names) or "None" in names or \
                not all(isinstance(n, str) for n in names):
            raise ValueError(f"Layout: alias_name must be {len(dm)} distinct str names other than 'None' (one per "
                             f"device axis), got {alias_name!r}")
        self.device_matrix = dm
        self.alias_name = names

    def __call__(self, *tensor_map: Any) -> "TensorLayoutSpec":
        out = []
        for item in tensor_map:
            items = item if isinstance(item, tuple) else (item,)
            axes = []
            for name in items:
                if name == "None":
                    continue
                if name not in self.alias_name:
                    raise ValueError(f"Layout: unknown axis name {name!r} (axes {list(self.alias_name)})")
                axes.append(self.alias_name.index(name))
            out.append(tuple(axes))
        return TensorLayoutSpec(TensorLayout(self.device_matrix, tuple(out)))

    def __repr__(self) -> str:
        return f"Layout({list(self.device_matrix)}, {list(self.alias_name)})"


@dataclass(frozen=True)
class TensorLayoutSpec:
    """One tensor's layout made by `Layout(...)(...)`."""
    layout: TensorLayout
