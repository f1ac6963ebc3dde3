"""Each rank's share of a parallel plan: the captured graph replayed on local shards.

`LocalProgram(plan, rank)` binds every node's primitive on this rank's blocks, with the
redistributions of the plan in front of the inputs that need them and the local
attributes (a reshape's local shape) the rules give. It binds primitives, so it runs
eagerly, inside a compiled graph (GRAPH_MODE) and under `grad` alike; the collectives'
bprops make the backward parallel too. Two more primitives complete the SPMD picture:
  * `mirror` (MindSpore's MirrorOperator): identity forward; backward all-reduces a
    parameter's gradient over the ranks holding the same shard;
  * `parallel_output`: identity forward; backward divides the cotangent by the number of
    ranks holding the (replicated) output, since every rank seeds the same loss.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..communication.comm_ops import all_reduce_p
from ..core.prim import Primitive
from ..ir.graph import Lit, Var
from ..ops import functional as F
from ..ops.registry import same_as_first
from . import redistribution as R
from .layout import TensorLayout
from .planner import ParallelPlan, _replica_axes

mirror_p = Primitive("mirror", lambda xp, x, group: x, same_as_first)
mirror_p.def_bprop(lambda x, *, out, dout, group: (all_reduce_p(dout, op="sum", group=group),))

parallel_output_p = Primitive("parallel_output", lambda xp, x, replicas: x, same_as_first)
parallel_output_p.def_bprop(lambda x, *, out, dout, replicas: (dout * (1.0 / replicas),))


class LocalProgram:
    """The plan as seen by world rank `rank`."""

    def __init__(self, plan: ParallelPlan, rank: int) -> None:
        self.plan, self.rank = plan, rank
        prob = plan.problem
        g = plan.graph
        self.local_params: list = []
        self.local_lits: list = []
        for v, node in enumerate(g.nodes):
            spec = prob.specs[v]
            lits = {}
            in_shapes = []
            for i, a in enumerate(node.inputs):
                lay = plan.in_layouts[v][i]
                if isinstance(a, Var):
                    in_shapes.append(lay.local_shape(a.shape) if lay is not None else a.shape)
                elif isinstance(a, Lit) and a.is_array and lay is not None and not lay.is_replicated():
                    lits[i] = Lit(np.ascontiguousarray(np.asarray(a.value)[lay.block(rank, a.value.shape)]))
                    in_shapes.append(lits[i].value.shape)
                else:
                    in_shapes.append(getattr(getattr(a, "value", None), "shape", ()))
            out_shapes = [lay.local_shape(o.shape) for o, lay in zip(node.outs, plan.out_layouts[v])]
            params = spec.local_params(node.params, in_shapes, out_shapes) if spec.local_params else node.params
            self.local_params.append(params)
            self.local_lits.append(lits)
        self.sync_groups: dict = {}
        for v in prob.active:
            axes = tuple(a for lb in prob.specs[v].sync for a in plan.strategies[v].axes(lb))
            if axes:
                grp = TensorLayout(plan.dm, ()).group(rank, axes)
                self.sync_groups[v] = (grp, len(grp))
        self.mirror_groups: dict = {}
        for gi, lay in plan.param_layout.items():
            p = prob.cap.params[gi]
            axes = _replica_axes(lay)
            if getattr(p, "requires_grad", False) and axes:
                self.mirror_groups[gi] = lay.group(rank, axes)

    def _move(self, x: Any, t: Any, cache: dict) -> Any:
        if t is None or not t.steps:
            return x
        key = (id(t.var), t.dst)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = R.apply(x, self.rank, t.steps, t.dm)
        return hit

    def __call__(self, inputs: Sequence[Any]) -> tuple:
        """(network outputs, new values of the parameters it changes) on this rank."""
        from ..core.prim import bind
        plan, prob = self.plan, self.plan.problem
        g = plan.graph
        env: dict = {}
        for k, gi in enumerate(prob.cap.data_inputs):
            env[id(g.inputs[gi])] = inputs[k]
        for gi, p in prob.cap.params.items():
            x = p
            if gi in self.mirror_groups:
                x = mirror_p(p, group=self.mirror_groups[gi])
            env[id(g.inputs[gi])] = x
        moved: dict = {}
        for v, node in enumerate(g.nodes):
            args = []
            for i, a in enumerate(node.inputs):
                if isinstance(a, Var):
                    args.append(self._move(env[id(a)], plan.node_inputs[v][i], moved))
                elif i in self.local_lits[v]:
                    args.append(_lit_tensor(self.local_lits[v][i].value))
                else:
                    args.append(_lit_tensor(a.value) if a.is_array else a.value)
            if v in self.sync_groups:
                res = sync_batch_norm(*args[:3], eps=node.params["eps"], group=self.sync_groups[v][0],
                                      replicas=self.sync_groups[v][1])
            else:
                res = bind(node.prim, *args, **self.local_params[v])
            outs = res if node.prim.multiple_results else (res,)
            for o, r in zip(node.outs, outs):
                env[id(o)] = r
        results = []
        for j, o in enumerate(g.outputs):
            if not isinstance(o, Var):
                results.append(o.value)
                continue
            x = self._move(env[id(o)], plan.output_transfers[j], moved)
            if j < prob.cap.n_out and x._data.dtype.kind in "fcV":
                x = parallel_output_p(x, replicas=plan.device_num)
            results.append(x)
        return tuple(results[:prob.cap.n_out]), tuple(results[prob.cap.n_out:])


def sync_batch_norm(x: Any, gamma: Any, beta: Any, eps: float, group: tuple, replicas: int) -> tuple:
    """Training batch norm of a batch split over `group`: per-channel statistics of the whole
    batch from all-reduced sums (two passes, as the single-device kernel); returns what
    batch_norm_p does: (y, mean, 1/sqrt(var + eps))."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    count = float((x.size // x.shape[1]) * replicas)
    mean = all_reduce_p(F.sum(x, axes), op="sum", group=group) / count
    xc = x - F.reshape(mean, shape)
    var = all_reduce_p(F.sum(xc * xc, axes), op="sum", group=group) / count
    invstd = F.rsqrt(var + eps)
    y = xc * F.reshape(invstd * gamma, shape) + F.reshape(beta, shape)
    return y, F.cast(mean, gamma.dtype), F.cast(invstd, gamma.dtype)


def _lit_tensor(value: Any) -> Any:
    from ..core.tensor import Tensor
    return Tensor(value)


def slice_parameters(plan: ParallelPlan, rank: int, optimizer: Any = None) -> list:
    """Replace each sharded parameter's data by this rank's block (MindSpore slices parameters
    at compile time too), and the optimizer states that shadow them; returns the sliced
    parameters. The layout stays on the parameter (`_parallel_layout`)."""
    sliced = []
    by_name = {}
    if optimizer is not None:
        for q in optimizer.get_parameters():
            by_name.setdefault(q.name, []).append(q)
    for gi, p in plan.problem.cap.params.items():
        lay = plan.param_layout[gi]
        shape = tuple(plan.graph.inputs[gi].shape)
        if lay.is_replicated():
            continue
        block = lay.block(rank, shape)
        p._data = p._data[block].copy()
        p._parallel_layout = (lay, shape)
        sliced.append(p)
        for name, qs in by_name.items():
            if name.endswith("." + p.name):
                for q in qs:
                    if tuple(q.shape) == shape:
                        q._data = q._data[block].copy()
                        q._parallel_layout = (lay, shape)
    return sliced


def gather_parameters(params: Sequence[Any]) -> None:
    """Undo `slice_parameters`: every rank gets the whole values back (collectives)."""
    from ..communication.management import current
    from ..core.tensor import Tensor
    rank = current().world_rank
    for p in params:
        info = getattr(p, "_parallel_layout", None)
        if info is None:
            continue
        lay, shape = info
        full = TensorLayout(lay.dev_matrix, ((),) * len(shape))
        steps = R.plan(shape, p._data.dtype, lay, full)
        p._data = R.apply(Tensor(p._data), rank, steps, R.dev_matrix_of(lay, full))._data
        del p._parallel_layout


def merged_parameters(network: Any) -> dict:
    """{parameter name: whole value as a numpy array} of a network trained sharded, on every
    rank (a collective: every rank must call it). For a checkpoint of the whole model:

        params = mindlite.parallel.merged_parameters(net)
        if get_rank() == 0:
            ms.save_checkpoint(params, "net.ckpt")
    """
    from ..communication.management import current
    from ..core.tensor import Tensor
    rank = current().world_rank
    out = {}
    for name, p in network.parameters_and_names():
        info = getattr(p, "_parallel_layout", None)
        data = p._data
        if info is not None:
            lay, shape = info
            full = TensorLayout(lay.dev_matrix, ((),) * len(shape))
            data = R.apply(Tensor(data), rank, R.plan(shape, data.dtype, lay, full), R.dev_matrix_of(lay, full))._data
        out[p.name] = np.asarray(data.get() if hasattr(data, "get") else data)
    return out


__all__ = ["LocalProgram", "slice_parameters", "gather_parameters", "merged_parameters", "mirror_p",
           "parallel_output_p", "sync_batch_norm"]
