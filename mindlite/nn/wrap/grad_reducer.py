"""`nn.DistributedGradReducer`: data-parallel gradient all-reduce, fused into buckets.

Gradients are packed into flat buckets and each bucket is all-reduced once, so a step makes
a few large transfers instead of one per parameter (fewer latency terms; a ring all-reduce
reaches full bandwidth only on large messages). Buckets are filled in reverse parameter
order, the order backward produces gradients. Bucket boundaries come from, in order:
`all_reduce_fusion_config` (parameter indices, MindSpore's `[85, 160]`), `comm_fusion`
`{"allreduce": {"mode": "size", "config": MB}}` or `{"mode": "index", "config": [...]}`,
and otherwise a 64 MB size limit ("auto"). A bucket holds one dtype; with
`gradient_fp32_sync` half-precision gradients are reduced in float32.
"""
from __future__ import annotations

import math
import threading
from typing import Any, Sequence

import numpy as np

from ... import ops
from ...communication.comm_ops import all_reduce_p
from ...communication.management import current
from ...core.tensor import Tensor
from ..cell import Cell

AUTO_BUCKET_MB = 64.0


def plan_buckets(sizes_bytes: Sequence[int], dtypes: Sequence[Any], fusion_config: Any = None,
                 comm_fusion: Any = None) -> list:
    """Buckets as lists of parameter indices, in the order they are reduced (last parameters
    first). `sizes_bytes[i]`/`dtypes[i]` describe parameter i."""
    n = len(sizes_bytes)
    split_points: list | None = None
    limit = AUTO_BUCKET_MB * 2 ** 20
    spec = (comm_fusion or {}).get("allreduce") if comm_fusion else None
    if fusion_config:
        split_points = list(fusion_config)
    elif spec is not None and spec["mode"] == "index":
        split_points = list(spec["config"])
    elif spec is not None and spec["mode"] == "size":
        limit = float(spec["config"]) * 2 ** 20
    if split_points is not None:
        if split_points and split_points[-1] >= n:
            raise ValueError(f"all-reduce fusion split indices {split_points} must be below the number of "
                             f"parameters ({n})")
        bounds = [0] + split_points + [n]
        groups = [list(range(a, b)) for a, b in zip(bounds, bounds[1:]) if b > a]
        buckets = []
        for grp in reversed(groups):  # one bucket per dtype inside each group
            by_dtype: dict = {}
            for i in reversed(grp):
                by_dtype.setdefault(np.dtype(dtypes[i]).str, []).append(i)
            buckets.extend(by_dtype.values())
        return buckets
    buckets = []
    open_by_dtype: dict = {}  # dtype -> (bucket, bytes)
    for i in reversed(range(n)):
        key = np.dtype(dtypes[i]).str
        bucket, used = open_by_dtype.get(key, (None, 0))
        if bucket is not None and used + sizes_bytes[i] > limit:
            bucket = None
        if bucket is None:
            bucket, used = [], 0
            buckets.append(bucket)
        bucket.append(i)
        open_by_dtype[key] = (bucket, used + sizes_bytes[i])
    return buckets


class DistributedGradReducer(Cell):
    """`nn.DistributedGradReducer(parameters, mean=None, degree=None, fusion_type=1, group=None)`.

    `construct(grads)` returns the gradients summed over the ranks of `group` (divided by
    `degree`, default the group size, when `mean`; `mean=None` reads `gradients_mean` from
    the auto-parallel context). `fusion_type` is accepted for MindSpore compatibility: the
    buckets come from the context (see the module notes).
    """

    def __init__(self, parameters: Any, mean: bool | None = None, degree: int | None = None, fusion_type: int = 1,
                 group: Any = None) -> None:
        super().__init__(auto_prefix=False)
        from ...parallel_context import get_auto_parallel_context
        params = list(parameters)
        if not params:
            raise ValueError("DistributedGradReducer: parameters is empty")
        comm = current()  # raises the "call init() first" error
        g = comm.group(None if group in ("hccl_world_group", "nccl_world_group", "mccl_world_group") else group)
        if mean is None:
            mean = get_auto_parallel_context("gradients_mean")
        if degree is None:
            degree = g.size
        if isinstance(degree, bool) or not isinstance(degree, int) or degree < 1:
            raise ValueError(f"DistributedGradReducer: degree must be a positive int, got {degree!r}")
        self.mean = bool(mean)
        self.degree = degree
        self.group = group
        self.fusion_type = fusion_type
        self.fp32_sync = bool(get_auto_parallel_context("gradient_fp32_sync"))
        self.shapes = [tuple(p.shape) for p in params]
        dtypes = [p._data.dtype for p in params]
        sizes = [math.prod(s) * np.dtype(d).itemsize for s, d in zip(self.shapes, dtypes)]
        self.buckets = plan_buckets(sizes, dtypes, get_auto_parallel_context("all_reduce_fusion_config"),
                                    get_auto_parallel_context("comm_fusion"))

    def construct(self, grads: Any) -> tuple:
        grads = tuple(grads)
        if len(grads) != len(self.shapes):
            raise ValueError(f"DistributedGradReducer: got {len(grads)} gradients for {len(self.shapes)} parameters")
        out: list = list(grads)
        for bucket in self.buckets:
            parts = [ops.reshape(grads[i], (-1,)) for i in bucket]
            flat = parts[0] if len(parts) == 1 else ops.concat(parts, 0)
            dtype = flat.dtype
            if self.fp32_sync and flat._data.dtype.itemsize < 4 and flat._data.dtype.kind in "fV":
                flat = ops.cast(flat, _float32())
            reduced = all_reduce_p(flat, op="sum", group=self.group)
            if self.mean:
                reduced = reduced / self.degree
            if reduced.dtype != dtype:
                reduced = ops.cast(reduced, dtype)
            sizes = [math.prod(self.shapes[i]) for i in bucket]
            pieces = ops.split(reduced, sizes, 0) if len(bucket) > 1 else (reduced,)
            for i, piece in zip(bucket, pieces):
                out[i] = ops.reshape(piece, self.shapes[i])
        return tuple(out)

    def extend_repr(self) -> str:
        return f"mean={self.mean}, degree={self.degree}, buckets={len(self.buckets)}"


def _float32() -> Any:
    from ...core import dtype as mstype
    return mstype.float32


def warn_shard_in_data_parallel(network: Cell) -> None:
    """MindSpore ignores `shard` strategies in DATA_PARALLEL; say so once per process."""
    from ...ops.primitive import PrimitiveOp
    with _WARN_LOCK:  # simulated ranks are threads: warn once per process
        if _WARNED[0]:
            return
        _warn_if_sharded(network, PrimitiveOp)


def _warn_if_sharded(network: Cell, PrimitiveOp: type) -> None:
    for name, cell in network.cells_and_names():
        sharded = getattr(cell, "in_strategy", None) is not None or any(
            isinstance(v, PrimitiveOp) and v.in_strategy is not None for v in vars(cell).values())
        if sharded:
            import logging
            logging.getLogger("mindlite").warning(
                "mindlite: shard() strategies (in cell %r) are ignored under parallel_mode='data_parallel': every "
                "rank runs the whole model; use SEMI_AUTO_PARALLEL or AUTO_PARALLEL to shard operators",
                name or type(cell).__name__)
            _WARNED[0] = True
            return


_WARNED = [False]
_WARN_LOCK = threading.Lock()


def broadcast_parameters(params: Sequence[Tensor], root: int = 0) -> None:
    """Give every rank rank `root`'s parameter values (`parameter_broadcast=True`)."""
    comm = current()
    for p in params:
        p._data = comm.broadcast(p._data, root)
