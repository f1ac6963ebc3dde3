"""Graph autodiff (IR -> IR) and the differentiation rules of the subgraph primitives.

`vjp_graph(g, wrt, n_ct)` returns a new graph that takes g's inputs plus one cotangent per
each of g's first `n_ct` outputs and returns g's outputs followed by the gradients of
<outputs, cotangents> with respect to the inputs listed in `wrt`. It replays g's nodes under
a graph trace and runs the one backward walk (core/ad.py) over them, so the backward is
emitted as ordinary nodes; applying vjp_graph to a vjp graph gives higher orders.

Everything differentiable is a primitive application:
  * `call` - a compiled function or Cell used inside an outer gradient (eager `grad` of a
    `jit` function or of a GRAPH_MODE Cell). Its bprop is another `call` of the vjp graph,
    so the result is differentiable again, to any order;
  * `custom_vjp` - a Cell with a user `bprop`, honoured by both modes;
  * `cond` / `while` - control flow; the backward of an `if` is an `if` of the branches'
    backward graphs, the backward of a loop walks the stored iterations in reverse.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..ir.graph import Graph, Lit, Node, Var
from .ad import backward
from .dims import bind_sizes, instantiate
from .graph_trace import GraphTrace, current_graph_trace, run_traced
from .prim import STATE, Aval, Primitive, aval_of, bind
from .tensor import Tensor
from .trace import wrap


# ---- graph autodiff --------------------------------------------------------------------------------
def _float(v: Any) -> bool:
    return isinstance(v, Var) and v.dtype.kind in "fcV"


def active_values(g: Graph, wrt: Sequence[int]) -> set[int]:
    """ids of the Vars of g that depend on a differentiated input through differentiable ops."""
    active = {id(g.inputs[i]) for i in wrt}
    for n in g.nodes:
        if n.prim.bprop is not None and any(isinstance(a, Var) and id(a) in active for a in n.inputs):
            active.update(id(o) for o in n.outs if _float(o))
    return active


def vjp_graph(g: Graph, wrt: list[int], n_ct: int | None = None) -> Graph:
    n_ct = len(g.outputs) if n_ct is None else n_ct
    t = GraphTrace(f"vjp_{g.name}")
    env: dict[int, Any] = {}
    for v in g.inputs:
        env[id(v)] = wrap(t.new_input(v.shape, v.dtype, v.hint))
    cts_in = []
    for a in g.outputs[:n_ct]:
        shape, dtype = (a.shape, a.dtype) if isinstance(a, Var) else _lit_aval(a)
        cts_in.append(t.symbolic(shape, dtype, "ct"))
    active = active_values(g, wrt)
    residuals: dict[int, tuple] = {}  # node -> (prim, params, extra outputs) it was replayed as

    def view(n: Node) -> tuple:
        in_keys = [id(a) if _float(a) and id(a) in active else None for a in n.inputs]
        ins, outs, keys = [_operand(a, env) for a in n.inputs], [env[id(o)] for o in n.outs], [id(o) for o in n.outs]
        if id(n) in residuals:
            prim, params, extra = residuals[id(n)]
            return prim, params, ins, in_keys, outs + list(extra), keys + [("res", id(n), k) for k in range(len(extra))]
        return n.prim, n.params, ins, in_keys, outs, keys

    def body() -> list:
        _replay(g, env, active, residuals)
        ct: dict[int, Any] = {}
        for a, c in zip(g.outputs[:n_ct], cts_in):
            if _float(a) and id(a) in active:
                ct[id(a)] = c if id(a) not in ct else ct[id(a)] + c
        backward(reversed(g.nodes), ct, view)
        outs = [_value(a, env) for a in g.outputs]
        return outs + [ct[id(g.inputs[i])] if id(g.inputs[i]) in ct else _zeros(g.inputs[i]) for i in wrt]
    outs = run_traced(t, body, ())
    return t.graph(outs)


def grads_only(g: Graph, n_fwd: int) -> Graph:
    """A vjp graph without its forward outputs, pruned to what the gradients need. It runs after
    the forward has: the forward's effects (prints, summaries), in if/while bodies too, are not
    repeated."""
    return prune(Graph(g.name, g.inputs, g.nodes, g.outputs[n_fwd:]), keep_effects=False)


def prune(g: Graph, keep_effects: bool = True) -> Graph:
    """Drop nodes whose results are unused: nodes without effects, or every such node (and
    recursively in subgraphs) with `keep_effects=False`."""
    live = {id(a) for a in g.outputs if isinstance(a, Var)}
    kept = []
    for n in reversed(g.nodes):
        if any(id(o) in live for o in n.outs) or (keep_effects and n.has_effects):
            if not keep_effects and n.has_effects and any(True for _ in n.subgraphs()):
                n = _with_subgraphs(n, lambda sg: prune(sg, keep_effects=False))
            kept.append(n)
            live.update(id(a) for a in n.inputs if isinstance(a, Var))
    return Graph(g.name, g.inputs, kept[::-1], g.outputs)


def _with_subgraphs(n: Node, fn: Callable[[Graph], Graph]) -> Node:
    def sub(v: Any) -> Any:
        if isinstance(v, Graph):
            return fn(v)
        if isinstance(v, tuple) and any(isinstance(x, Graph) for x in v):
            return tuple(fn(x) if isinstance(x, Graph) else x for x in v)
        return v
    return Node(n.prim, n.inputs, {k: sub(v) for k, v in n.params.items()}, n.outs, n.loc)


def _lit_aval(a: Lit) -> tuple:
    arr = np.asarray(a.value)
    return arr.shape, arr.dtype


def _value(a: Any, env: dict) -> Any:
    if isinstance(a, Var):
        return env[id(a)]
    if a.is_array:
        return wrap(a.value)
    return Tensor(a.value) if isinstance(a.value, (bool, int, float)) else a.value


def _operand(a: Any, env: dict) -> Any:
    if isinstance(a, Var):
        return env[id(a)]
    return wrap(a.value) if a.is_array else a.value


def _replay(g: Graph, env: dict, active: set | None = None, residuals: dict | None = None) -> None:
    """Re-emit g's nodes. A differentiated node whose primitive has a residual form (a loop)
    runs in that form, which also returns what its backward needs: the forward runs once."""
    for n in g.nodes:
        ins = [_operand(a, env) for a in n.inputs]
        if (active is not None and n.prim.residual_form is not None
                and any(isinstance(a, Var) and id(a) in active for a in n.inputs)):
            prim, params = n.prim.residual_form(n.params)
            res = bind(prim, *ins, **params)
            residuals[id(n)] = (prim, params, res[len(n.outs):])
            res = res[:len(n.outs)]
        else:
            res = bind(n.prim, *ins, **n.params)
        outs = res if n.prim.multiple_results else (res,)
        for o, r in zip(n.outs, outs):
            env[id(o)] = r


def _zeros(v: Var) -> Any:
    from ..ops import functional as F
    from . import dtype as mstype
    return F.fill(mstype.from_numpy_dtype(v.dtype), v.shape, 0)


def inline(g: Graph, args: list) -> list:
    """Emit g's nodes into the current trace with `args` (Tensors) as its inputs; returns
    its outputs as Tensors."""
    env: dict[int, Any] = {id(v): a for v, a in zip(g.inputs, args)}
    _replay(g, env)
    return [_value(a, env) for a in g.outputs]


def _graph_out_avals(g: Graph, avals: tuple | None = None) -> tuple:
    """The avals of g's outputs; applied to `avals`, with g's run-time sizes (core/dims.py)
    replaced by the sizes of what it is applied to."""
    env = bind_sizes([v.shape for v in g.inputs], [getattr(a, "shape", ()) for a in avals]) if avals else {}
    out = []
    for a in g.outputs:
        av = aval_of(a.value) if isinstance(a, Lit) else Aval(instantiate(a.shape, env), a.dtype)
        out.append(av if isinstance(av, Aval) else Aval((), np.asarray(av).dtype))
    return tuple(out)


def _cached_vjp(g: Graph, wrt: tuple, n_ct: int) -> Graph:
    key = ("vjp", wrt, n_ct)
    vg = g._cache.get(key)
    if vg is None:
        vg = g._cache[key] = grads_only(vjp_graph(g, list(wrt), n_ct), len(g.outputs))
    return vg


# ---- call: a compiled function inside an outer gradient ------------------------------------------------
def _call_impl(ctx: Any, *args: Any, graph: Graph) -> tuple:
    return tuple(ctx.optimized(graph)(*args))


call_p = Primitive("call", _call_impl, lambda *avals, graph: _graph_out_avals(graph, avals), multiple_results=True,
                   needs_context=True)


@call_p.def_bprop
def _call_bprop(*args: Any, out: Any, dout: Any, graph: Graph, needs: tuple) -> tuple:
    wrt = tuple(i for i, n in enumerate(needs) if n)
    vg = _cached_vjp(graph, wrt, len(graph.outputs))
    res = call_p(*args, *dout, graph=vg)
    grads: list = [None] * len(args)
    for i, r in zip(wrt, res):
        grads[i] = r
    return tuple(grads)


def call_graph(graph: Graph, inputs: Sequence[Tensor]) -> tuple:
    """Apply a captured graph to tensors as one differentiable `call` primitive."""
    return call_p(*inputs, graph=graph)


# ---- custom_vjp: a Cell's user bprop ------------------------------------------------------------------
def _split(args: tuple) -> tuple[list, tuple]:
    tensors = [a for a in args if isinstance(a, Tensor)]
    spec = tuple((True, None) if isinstance(a, Tensor) else (False, a) for a in args)
    return tensors, spec


def _join(spec: tuple, tensors: Sequence[Any]) -> list:
    it = iter(tensors)
    return [next(it) if is_t else c for is_t, c in spec]


def _custom_impl(ctx: Any, *xs: Any, fn: Any, bprop: Any, spec: tuple, name: str, n_args: int,
                 single: bool) -> tuple:
    if isinstance(fn, Graph):
        return tuple(ctx.run(fn, xs))
    level = STATE.level
    STATE.level = 0  # the forward of a custom-bprop cell is not differentiated
    try:
        out = fn(*_join(spec, [wrap(x) for x in xs[:n_args]]))
    finally:
        STATE.level = level
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    return tuple(o._data for o in outs)


def _custom_infer(*avals: Any, fn: Any, bprop: Any, spec: tuple, name: str, n_args: int, single: bool) -> tuple:
    if isinstance(fn, Graph):
        return _graph_out_avals(fn, avals)
    raise TypeError(f"custom_vjp {name}: the shape rule needs the traced forward graph")


custom_vjp_p = Primitive("custom_vjp", _custom_impl, _custom_infer, multiple_results=True, needs_context=True)


@custom_vjp_p.def_bprop
def _custom_bprop(*xs: Any, out: Any, dout: Any, fn: Any, bprop: Any, spec: tuple, name: str, n_args: int,
                  single: bool) -> tuple:
    args = _join(spec, xs[:n_args])
    grads = bprop(*args, out[0] if single else out, dout[0] if single else dout)
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    if len(grads) != len(args):
        raise ValueError(f"{name}.bprop must return {len(args)} gradients (one per input), got {len(grads)}")
    tensor_grads = [g for (is_t, _), g in zip(spec, grads) if is_t]
    return tuple(tensor_grads) + (None,) * (len(xs) - n_args)  # captured values (weights) get none


def custom_vjp(fwd: Callable[..., Any], bprop: Callable[..., Any], args: tuple, name: str) -> Any:
    """`fwd(*args)` whose gradient is `bprop(*args, out, dout)`: one `custom_vjp` application.

    Under a graph trace the forward is traced into a subgraph (values it reads from the
    enclosing graph, Parameters included, become extra inputs that get no gradient, as in
    MindSpore); eagerly it runs as is."""
    tensors, spec = _split(tuple(args))
    gt = current_graph_trace()
    if gt is not None and STATE.trace is not None:
        from .graph_control import trace_subgraph
        g, captured, (single, n_out) = trace_subgraph(gt, lambda *ts: fwd(*_join(spec, ts)), tensors, f"{name}_fwd")
        ins = tuple(gt.atom(t) for t in tensors) + tuple(gt.atom(wrap(c)) for c in captured)
        params = dict(fn=g, bprop=bprop, spec=spec, name=name, n_args=len(tensors), single=single)
        outs = tuple(wrap(o) for o in gt.emit(custom_vjp_p, ins, params))
        return outs[0] if single else outs
    single = [True]

    def fn(*a: Any) -> Any:
        out = fwd(*a)
        single[0] = isinstance(out, Tensor)
        return out
    # `single` is only known after the forward ran; the bprop reads it through the params
    params = dict(fn=fn, bprop=bprop, spec=spec, name=name, n_args=len(tensors), single=True)
    outs = _bind_custom(tensors, params, single)
    return outs[0] if single[0] else outs


def _bind_custom(tensors: list, params: dict, single: list) -> tuple:
    from .trace import _record
    st = STATE
    xs = [t._data for t in tensors]
    out = _custom_impl(None, *xs, **params)
    params["single"] = bool(single[0])
    res = tuple(wrap(o) for o in out)
    if st.level:
        _record(custom_vjp_p, tuple(tensors), params, out, res)
    return res


# ---- grad while a graph is being captured -------------------------------------------------------------
def _root_mutated_in(sub: GraphTrace) -> list:
    return [p for p, _ in sub.root.mutated.values() if isinstance(p._data, Var) and id(p._data) in sub.owned]


def graph_vjp_call(gt: GraphTrace, fn: Callable, args: Sequence[Any], positions: Sequence[int],
                   weights: Sequence[Tensor], has_aux: bool, sens: Any) -> tuple:
    """`grad` inside a compiled function: trace `fn` into a subgraph, differentiate it as a
    graph and inline forward+backward into the enclosing graph. Parameters the function
    changes (BatchNorm statistics) leave the subgraph as extra outputs."""
    from ..ops import functional as F
    from .autograd import _flatten_outputs, _main_output
    from .pytree import flatten, unflatten
    sub = GraphTrace(f"grad_{getattr(fn, '__name__', type(fn).__name__)}", parent=gt)
    sym = list(args)
    arg_vars = {}
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            sym[i] = sub.symbolic(a.shape, a._data.dtype, f"arg{i}")
            arg_vars[i] = sym[i]._data
    saved = [(w, w._data) for w in weights]
    w_vars = []
    try:
        for w in weights:
            v = sub.new_input(w.shape, w._data.dtype, getattr(w, "name", ""))
            w._data = v
            w_vars.append(v)
        from ..parser import convert  # tensor if/while in the differentiated function become graph nodes
        out = run_traced(sub, convert(fn), tuple(sym))
        roots = _flatten_outputs(_main_output(out, has_aux))
        leaves: list = []
        struct = flatten(out, leaves)
        mutated = _root_mutated_in(sub)
        g = sub.graph(roots + leaves + [wrap(p._data) for p in mutated])
    finally:
        for w, d in saved:
            w._data = d
    index = {id(v): k for k, v in enumerate(g.inputs)}
    wrt = [index[id(arg_vars[p % len(args)])] for p in positions] + [index[id(v)] for v in w_vars]
    vg = vjp_graph(g, wrt, n_ct=len(roots))
    from . import context
    if context.get_context("save_graphs"):  # the differentiated function before and after autodiff
        from .graph_trace import save_graph
        save_graph(g, "1_grad_forward")
        save_graph(vg, "2_autodiff")
    feeds = [_feed(v, args, arg_vars, weights, w_vars, sub) for v in g.inputs]
    cts = []
    for k, r in enumerate(roots):
        s = sens if not isinstance(sens, (tuple, list)) else sens[k]
        if isinstance(s, Tensor):
            cts.append(s)
        elif hasattr(s, "value") and isinstance(s.value, Tensor):  # a scalar scale to broadcast
            cts.append(F.broadcast_to(F.cast(s.value, r.dtype), r.shape))
        else:
            cts.append(F.fill(r.dtype, r.shape, 1.0 if s is None else s))
    res = inline(vg, feeds + cts)
    n_r, n_l = len(roots), len(leaves)
    for k, p in enumerate(mutated):
        p._data = res[n_r + n_l + k]._data
    grads = res[len(g.outputs):]
    result = unflatten(struct, res[n_r:n_r + n_l])
    return result, list(grads[:len(positions)]), list(grads[len(positions):])


def _feed(v: Var, args: Sequence[Any], arg_vars: dict, weights: Sequence[Tensor], w_vars: list,
          sub: GraphTrace) -> Any:
    for i, av in arg_vars.items():
        if av is v:
            return args[i]
    for w, wv in zip(weights, w_vars):
        if wv is v:
            return w
    for outer, inner in sub.captures:
        if inner is v:
            return wrap(outer)
    raise RuntimeError(f"graph grad: no value for subgraph input {v}")


# ---- control flow ------------------------------------------------------------------------------------
def _float_inputs(g: Graph) -> list:
    return [i for i, v in enumerate(g.inputs) if v.dtype.kind in "fcV"]


def _cond_bprop(pred: Any, *args: Any, out: Any, dout: Any, branches: tuple, needs: tuple) -> tuple:
    """The backward of an `if` is an `if` of the branches' backward graphs."""
    from ..ops.control import cond_p
    gt, gf = branches
    n_out = len(gt.outputs)
    idx = [i for i in _float_inputs(gt) if needs[i + 1]]
    vt = _cached_vjp(gt, tuple(idx), n_out)
    vf = _cached_vjp(gf, tuple(idx), n_out)
    res = cond_p(pred, *args, *dout, branches=(vt, vf))
    grads: list = [None] * len(args)
    for k, i in enumerate(idx):
        grads[i] = res[k]
    return (None, *grads)


def _fill_zeros(shape: tuple, dtype: Any) -> Any:
    from ..ops import functional as F
    from . import dtype as mstype
    return F.fill(mstype.from_numpy_dtype(dtype), shape, 0)


def _scan_backward_body(body: Graph, n_carry: int, n_x: int, y_present: tuple) -> tuple[Graph, list]:
    """The body of the reverse scan that differentiates a scan of `body`.

    Its carry is (cotangent of each carry, accumulated gradient of each float const); it
    walks the saved carries, the xs and the present y cotangents; it yields each x's
    gradient. Built from body's vjp graph, so it is differentiable again."""
    key = ("scan_bwd", n_carry, n_x, y_present)
    hit = body._cache.get(key)
    if hit is not None:
        return hit
    ins = body.inputs
    n_y = len(body.outputs) - n_carry
    consts = ins[n_carry + n_x:]
    idx = _float_inputs(body)
    vf = _cached_vjp(body, tuple(idx), n_carry + n_y)
    fconst = [j for j, v in enumerate(consts) if v.dtype.kind in "fcV"]
    out_avals = _graph_out_avals(body)
    t = GraphTrace(f"scan_bwd_{body.name}")
    ct = [t.symbolic(a.shape, a.dtype, "ct") for a in out_avals[:n_carry]]
    acc = [t.symbolic(consts[j].shape, consts[j].dtype, "acc") for j in fconst]
    c_k = [t.symbolic(v.shape, v.dtype, "carry") for v in ins[:n_carry]]
    x_k = [t.symbolic(v.shape, v.dtype, "x") for v in ins[n_carry:n_carry + n_x]]
    y_avals = out_avals[n_carry:]
    cty = [t.symbolic(a.shape, a.dtype, "ct_y") for a, p in zip(y_avals, y_present) if p]
    cs = [t.symbolic(v.shape, v.dtype, "const") for v in consts]

    def step() -> list:
        it = iter(cty)
        ys = [next(it) if p else _fill_zeros(a.shape, a.dtype) for a, p in zip(y_avals, y_present)]
        grads = dict(zip(idx, inline(vf, c_k + x_k + cs + ct + ys)))
        new_ct = [grads[i] if i in grads else _fill_zeros(v.shape, v.dtype) for i, v in enumerate(ins[:n_carry])]
        new_acc = [a + grads[n_carry + n_x + j] for a, j in zip(acc, fconst)]
        dxs = [grads.get(n_carry + i) for i in range(n_x)]
        dxs = [d if d is not None else _fill_zeros(v.shape, v.dtype) for d, v in zip(dxs, ins[n_carry:n_carry + n_x])]
        return new_ct + new_acc + dxs
    outs = run_traced(t, step, ())
    hit = body._cache[key] = (t.graph(outs), fconst)
    return hit


def scan_backward(body: Graph, n_carry: int, n_x: int, reverse: bool, consts: Sequence[Any], saved: Sequence[Any],
                  xs: Sequence[Any], ct_carry: Sequence[Any], ct_ys: Sequence[Any]) -> tuple:
    """Gradients (carry inits, xs, consts) of a scan of `body` from its saved carries and the
    cotangents of its outputs (None where there is none), as one reverse `scan`."""
    from ..ops.control import scan_p
    y_present = tuple(c is not None for c in ct_ys)
    bwd, fconst = _scan_backward_body(body, n_carry, n_x, y_present)
    out_avals = _graph_out_avals(body)
    init = [c if c is not None else _fill_zeros(a.shape, a.dtype) for c, a in zip(ct_carry, out_avals[:n_carry])]
    init += [_fill_zeros(tuple(consts[j].shape), consts[j]._data.dtype) for j in fconst]
    walk = list(saved) + list(xs) + [c for c in ct_ys if c is not None]
    res = scan_p(*init, *walk, *consts, body=bwd, n_carry=len(init), n_x=len(walk), reverse=not reverse, save=False)
    d_carry = res[:n_carry]
    d_const: list = [None] * len(consts)
    for k, j in enumerate(fconst):
        d_const[j] = res[n_carry + k]
    d_xs = res[n_carry + len(fconst):]
    return tuple(d_carry), tuple(d_xs), tuple(d_const)


def _mask(grads: Sequence[Any], needs: tuple, args: Sequence[Any]) -> tuple:
    return tuple(g if n and a._data.dtype.kind in "fcV" else None for g, n, a in zip(grads, needs, args))


def _scan_bprop(*args: Any, out: Any, dout: Any, body: Any, n_carry: int, n_x: int, reverse: bool, save: bool,
                needs: tuple) -> tuple:
    if not save:
        raise TypeError("scan: differentiating needs the saved carries (the autodiff replays a scan with save=True)")
    n_y = len(body.outputs) - n_carry
    saved = out[n_carry + n_y:]
    ct_ys = tuple(dout[n_carry:n_carry + n_y])
    if any(d is not None for d in dout[n_carry + n_y:]):  # the saved carries are used too (higher orders)
        body, ct_ys = _carry_as_y(body, n_carry), ct_ys + tuple(dout[n_carry + n_y:])
    d_carry, d_xs, d_const = scan_backward(body, n_carry, n_x, reverse, args[n_carry + n_x:], saved,
                                           args[n_carry:n_carry + n_x], dout[:n_carry], ct_ys)
    return _mask(d_carry + d_xs + d_const, needs, args)


def _carry_as_y(body: Graph, n_carry: int) -> Graph:
    """`body` with the carry entering the iteration as extra y outputs (so a loop that stores
    its iterations is a scan whose ys are those iterations; a while body becomes a scan body
    with no xs)."""
    hit = body._cache.get("as_scan")
    if hit is None:
        t = GraphTrace(f"scan_{body.name}")
        ins = [t.symbolic(v.shape, v.dtype, v.hint) for v in body.inputs]
        outs = run_traced(t, lambda: inline(body, ins) + ins[:n_carry], ())
        hit = body._cache["as_scan"] = t.graph(outs)
    return hit


def _while_save_bprop(*args: Any, out: Any, dout: Any, cond: Any, body: Any, n_carry: int, needs: tuple) -> tuple:
    """Backward of a loop: a reverse scan over the stacked iterations through the body's vjp.
    The IR does not grow with the trip count, and the scan is differentiable again."""
    sbody = _carry_as_y(body, n_carry)
    d_carry, _, d_inv = scan_backward(sbody, n_carry, 0, False, args[n_carry:], out[n_carry:], (),
                                      dout[:n_carry], dout[n_carry:])
    return _mask(d_carry + d_inv, needs, args)


def _while_bprop(*args: Any, out: Any, dout: Any, cond: Any, body: Any, n_carry: int, needs: tuple) -> tuple:
    """A `while` differentiated outside the graph autodiff (which runs its residual form
    instead): run the loop again keeping its iterations."""
    from ..ops.control import while_save_p
    res = while_save_p(*args, cond=cond, body=body, n_carry=n_carry)
    return _while_save_bprop(*args, out=res, dout=tuple(dout) + (None,) * n_carry, cond=cond, body=body,
                             n_carry=n_carry, needs=needs)


def _install_control_flow_rules() -> None:
    from ..ops.control import cond_p, scan_p, while_p, while_save_p
    cond_p.def_bprop(_cond_bprop)
    while_p.def_bprop(_while_bprop)
    while_save_p.def_bprop(_while_save_bprop)
    scan_p.def_bprop(_scan_bprop)


_install_control_flow_rules()
