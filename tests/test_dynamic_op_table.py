"""The op table with run-time sizes (core/dims.py): every entry of tests/op_db.py that runs in
graph mode, captured by `ms.jit` with axis 0 of its tensor arguments declared None, gives
the numbers eager mode gives on the same inputs, and one compiled graph serves the sample
and the sample with a different leading size. The entries in REFUSES may instead refuse to
compile - with DynamicDimError, ValueError or UnsupportedError naming the op - for the
reason given there; those in GUARDED may compile a second graph where the doubled size
answers a question about the size otherwise than the traced call did."""
from __future__ import annotations

import numpy as np
import pytest

import mindlite as ms
from mindlite.core.dims import DynamicDimError
from mindlite.core.prim import UnsupportedError

from op_db import OP_DB
from test_graph_parity import _closed, _eager_only, _flat, _np, _run
from test_ops import _samples

# entry -> (text the refusal names, why). A declared-None axis meets a fixed size:
REFUSES = {
    "where": ("where", "broadcasts a [3] tensor against [2, 3]: the None axis meets a fixed 2"),
    "matmul": ("matmul", "a 1-d operand's None axis is contracted against a fixed 4"),
    "dense": ("matmul", "the input's None axis is contracted against the weight's fixed in-size"),
    "broadcast_to": ("broadcast_to", "broadcasts a None axis to a fixed size"),
    "parameter_value": ("mul", "a None axis meets a parameter's fixed size"),
    "addbmm": ("add", "the None batch axis is summed into a fixed-size bias"),
    "matrix_inverse": ("MatrixInverse", "a square matrix with one None axis"),
    "diag_part": ("DiagPart", "the input's halves must have equal sizes, one of them None"),
    "cross": ("cross", "a sample takes the cross product along the None axis, which must be 3"),
    "squeeze": ("squeeze", "a sample squeezes the None axis, which must be 1"),
    "glu": ("glu", "halves the None axis, which must be even"),
    # ... or the answer depends on the size declared None:
    "diagonal": ("diagonal", "a diagonal of an [s, 4] plane has min(s, 4) elements"),
    "trace": ("diagonal", "the diagonal of an [s, 4] matrix has min(s, 4) elements"),
    "split": ("split", "pieces of a fixed size along the None axis: their number is unknown"),
    "chunk": ("chunk", "chunks of the None axis: their number and sizes are unknown"),
    "unstack": ("unstack", "one result per element of the None axis"),
    "cumprod": ("cumprod", "built from one piece per element of the None axis"),
    "repeat_interleave": ("repeat_interleave", "one repeat count per element of the None axis"),
}

# entries whose graph depends on an ordering of the size declared None (x[0:3:2] has min(3, s)
# elements; topk needs k <= s): the graph is compiled for the traced call's answer and guarded by
# it, so a call whose size answers otherwise compiles its own graph - at most 2 here
GUARDED = {
    "getitem": "x[0:3:2]: whether s >= 3",
    "slice": "a fixed begin/size: whether begin + size <= s",
    "strided_slice": "a fixed end: whether end <= s",
    "strided_slice_masks": "a fixed begin/end: whether end <= s",
    "diff": "n=2: whether s >= 2",
    "reshape": "into a fixed [6, 4]: whether 12*s == 24 (the traced size)",
    "sum_to": "to a fixed shape: whether the element counts match for the traced size",
    "topk": "whether k <= s",
    "top_k_unsorted": "whether k <= s",
}

# entries whose sample has size 1 on the axis declared None, which the op drops: the graph for
# any size assumes the size is not 1, so that call compiles its own graph (core/jit.py)
SIZE_ONE = {"squeeze"}

ALLOWED = (DynamicDimError, ValueError, UnsupportedError)


def _declare(arrs):
    """axis 0 None for every tensor argument with the first one's leading size."""
    lead = arrs[0].shape[0]
    return [ms.Tensor(shape=[None if (k == 0 and a.shape[0] == lead) else d for k, d in enumerate(a.shape)],
                      dtype=ms.Tensor(a).dtype) for a in arrs]


def _doubled(arrs):
    """The arrays concatenated with themselves along axis 0, when all share the leading size."""
    if any(a.ndim == 0 or a.shape[0] != arrs[0].shape[0] for a in arrs):
        return None
    return [np.concatenate([a, a], 0) for a in arrs]


def _same(spec, graph, eager, where):
    assert len(graph) == len(eager), f"{where}: {len(graph)} graph outputs, {len(eager)} eager"
    for k, (g, e) in enumerate(zip(graph, eager)):
        g, e = _np(g), _np(e)
        assert g.shape == e.shape and g.dtype == e.dtype, \
            f"{where} output {k}: graph {g.dtype}{list(g.shape)}, eager {e.dtype}{list(e.shape)}"
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=f"{where} output {k}")


def _cases():
    out = []
    for spec in OP_DB:
        if spec.skip_reason or spec.skips.get("graph"):
            continue
        out.append(pytest.param(spec, id=spec.name))
    return out


@pytest.mark.parametrize("spec", _cases())
def test_dynamic_leading_axis(spec):
    ran = refused = 0
    for sample in _samples(spec):
        if _eager_only(spec, sample):
            continue
        fn, pos = _closed(spec, sample)
        arrs = [sample[p] for p in pos]
        if not arrs or arrs[0].ndim == 0:
            continue
        jitted = ms.jit(fn, input_signature=_declare(arrs))
        inputs = [arrs]
        more = _doubled(arrs)
        if more is not None:
            try:
                _run(fn, [ms.Tensor(a) for a in more])
                inputs.append(more)
            except Exception:  # noqa: BLE001 - the sample does not allow another size
                pass
        for k, xs in enumerate(inputs):
            tensors = [ms.Tensor(a) for a in xs]
            eager = _flat(_run(fn, tensors))
            try:
                graph = _flat(_run(jitted, tensors))
            except ALLOWED as e:
                assert spec.name in REFUSES, f"{spec.name}: refused to compile with a None axis: {e}"
                assert REFUSES[spec.name][0] in str(e), f"{spec.name}: the refusal does not name the op: {e}"
                refused += 1
                break
            # a random entry seeds inside its function (op_db's `_seeded`): the graph replays the
            # set_seed on every call (core/rng.py), so every call draws what eager mode draws
            _same(spec, graph, eager, f"{spec.name} (leading size {xs[0].shape[0]})")
            ran += 1
        else:
            limit = 2 if spec.name in GUARDED or (spec.name in SIZE_ONE and arrs[0].shape[0] == 1) else 1
            assert len(jitted.cache) <= limit, f"{spec.name}: {len(jitted.cache)} graphs compiled for the sizes"
    if spec.name in REFUSES:
        assert refused, f"{spec.name} no longer refuses: remove it from REFUSES"
