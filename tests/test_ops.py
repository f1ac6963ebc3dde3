"""Op tests driven by the table in tests/op_db.py (STYLE R13).

For every entry: (1) forward against the numpy reference in float64 (tight) and float32;
(2) float64 gradient against central differences; (3) second order where `gradgrad`;
(4) every primitive application the op makes agrees with its `infer` rule; (5) property
checks for random ops. Skips come from the table, with their reasons. Bad-input tests follow.
"""
from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest

import mindlite as ms
from mindlite import ops
from mindlite.core import trace as _trace
from mindlite.ops.registry import Aval, aval_of

from op_db import NOT_DIFFERENTIABLE, OP_DB, REQUIRED, OpSpec
from util import numeric_grad_check, second_order_check

F64_RTOL = 1e-9


def _params(test: str, select: Any = lambda s: True, variants: tuple = (None,)) -> list:
    """pytest params for the entries `select` accepts; table skips become skip marks.

    With `variants`, one param per (entry, variant); `skips` may name "test" or "test[variant]"."""
    out = []
    for s in OP_DB:
        if not select(s):
            continue
        for v in variants:
            reason = s.skip_reason or s.skips.get(test) or (s.skips.get(f"{test}[{v}]") if v else None)
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            args = (s,) if v is None else (s, v)
            out.append(pytest.param(*args, id=s.name if v is None else f"{s.name}-{v}", marks=marks))
    return out


def _rng(spec: OpSpec) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(spec.name.encode()))


def _samples(spec: OpSpec) -> list:
    # numpy scalars (0-d arithmetic results) become 0-d arrays, so they turn into Tensors
    samples = [tuple(np.asarray(a) if isinstance(a, np.generic) else a for a in s)
               for s in spec.sample_inputs(_rng(spec))]
    assert samples, f"{spec.name}: no sample inputs"
    return samples


def _as_dtype(sample: tuple, dtype: Any) -> tuple:
    return tuple(a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in sample)


def _to_ms(sample: tuple) -> tuple:
    return tuple(ms.Tensor(a) if isinstance(a, np.ndarray) else a for a in sample)


def _has_float(sample: tuple) -> bool:
    return any(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in sample)


def _flat(out: Any) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _kind(dt: np.dtype) -> str:
    return {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}[np.dtype(dt).kind]


def _compare(spec: OpSpec, out: Any, ref: Any, rtol: float, float_dtype: Any, where: str) -> None:
    outs, refs = _flat(out), _flat(ref)
    assert len(outs) == len(refs), f"{where}: {len(outs)} outputs, reference has {len(refs)}"
    for k, (o, r) in enumerate(zip(outs, refs)):
        assert isinstance(o, ms.Tensor), f"{where} output {k}: expected a Tensor, got {type(o).__name__}"
        got, r = o.asnumpy(), np.asarray(r)
        msg = f"{where} output {k}"
        assert got.shape == r.shape, f"{msg}: shape {got.shape} != reference {r.shape}"
        if spec.exact_dtype:
            assert got.dtype == r.dtype, f"{msg}: dtype {got.dtype} != reference {r.dtype}"
        else:
            assert _kind(got.dtype) == _kind(r.dtype), f"{msg}: dtype {got.dtype}, reference {r.dtype}"
            if float_dtype is not None and spec.dtype_follows and got.dtype.kind == "f":
                assert got.dtype == float_dtype, f"{msg}: {float_dtype} inputs gave {got.dtype}"
        if r.dtype.kind == "f":
            finite = np.abs(r[np.isfinite(r)])
            atol = rtol * max(1.0, float(finite.max()) if finite.size else 1.0)
            np.testing.assert_allclose(got.astype(np.float64), r, rtol=rtol, atol=atol, err_msg=msg)
        else:
            np.testing.assert_array_equal(got, r, err_msg=msg)


# ---- (1) forward ---------------------------------------------------------------------------------
@pytest.mark.parametrize("spec,dtype", _params("forward", lambda s: s.ref is not None, ("float64", "float32")))
def test_forward(spec: OpSpec, dtype: str) -> None:
    rtol = F64_RTOL if dtype == "float64" else spec.tol
    for i, sample in enumerate(_samples(spec)):
        x = _as_dtype(sample, np.dtype(dtype))
        ref = spec.ref(*_as_dtype(x, np.float64))
        out = spec.fn(*_to_ms(x))
        _compare(spec, out, ref, rtol, np.dtype(dtype) if _has_float(x) else None, f"{spec.name} sample {i}")


# ---- (5) property checks (random ops, dropout) ---------------------------------------------------------
@pytest.mark.parametrize("spec", _params("check", lambda s: s.check is not None))
def test_property(spec: OpSpec) -> None:
    spec.check(_rng(spec))


# ---- (2) gradient ----------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", _params("grad", lambda s: s.grad))
def test_grad(spec: OpSpec) -> None:
    checked = 0
    for i, sample in enumerate(_samples(spec)):
        if not _has_float(sample):
            continue
        try:
            numeric_grad_check(spec.fn, sample, diff_args=spec.diff_args, eps=spec.grad_eps, rtol=spec.grad_tol)
        except AssertionError as e:
            raise AssertionError(f"{spec.name} sample {i}: {e}") from None
        checked += 1
    assert checked, f"{spec.name}: no sample has a float input to differentiate"


# ---- (3) second order ----------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", _params("gradgrad", lambda s: s.gradgrad))
def test_gradgrad(spec: OpSpec) -> None:
    for i, sample in enumerate(_samples(spec)[:3]):
        pos = [k for k, a in enumerate(sample) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        if spec.diff_args is not None:
            pos = [k for k in pos if k in spec.diff_args]

        def fn(*floats: Any, sample: tuple = sample, pos: list = pos) -> Any:
            args = list(_to_ms(sample))
            for k, f in zip(pos, floats):
                args[k] = f
            out = spec.fn(*args)
            return out[0] if isinstance(out, (tuple, list)) else out
        try:
            second_order_check(fn, [sample[k] for k in pos])
        except AssertionError as e:
            raise AssertionError(f"{spec.name} sample {i}: {e}") from None


# ---- (4) infer == real output, for every primitive application ------------------------------------------
class _Recorder:
    """A trace that runs each bind eagerly and records (prim, args, params, result)."""

    def __init__(self) -> None:
        self.records: list = []

    def bind(self, prim: Any, args: tuple, params: dict) -> Any:
        _trace.STATE.trace = None
        try:
            res = _trace.bind(prim, *args, **params)
        finally:
            _trace.STATE.trace = self
        self.records.append((prim, args, params, res))
        return res


def _aval_eq(a: Any, t: Any) -> bool:
    return isinstance(a, Aval) and tuple(a.shape) == tuple(t.shape) and np.dtype(a.dtype) == t._data.dtype


@pytest.mark.parametrize("spec", _params("infer"))
def test_infer(spec: OpSpec) -> None:
    seen = 0
    for dtype in (np.float64, np.float32):
        for sample in _samples(spec):
            rec = _Recorder()
            _trace.STATE.trace = rec
            try:
                spec.fn(*_to_ms(_as_dtype(sample, dtype)))
            finally:
                _trace.STATE.trace = None
            for prim, args, params, res in rec.records:
                assert prim.infer is not None, f"primitive {prim.name} has no infer rule"
                expect = prim.infer(*[aval_of(a) for a in args], **params)
                got = res if prim.multiple_results else (res,)
                expect = tuple(expect) if prim.multiple_results else (expect,)
                assert len(expect) == len(got), f"{prim.name}: infer gives {len(expect)} results, impl {len(got)}"
                for e, g in zip(expect, got):
                    assert _aval_eq(e, g), (f"{spec.name}: {prim.name}({', '.join(str(aval_of(a)) for a in args)}, "
                                            f"{params}) infers {e}, impl gives {aval_of(g)}")
                seen += 1
    assert seen or spec.name in ("cast_float",), f"{spec.name}: no primitive was applied"


# ---- the table itself ------------------------------------------------------------------------------
def test_table_covers_required_ops() -> None:
    names = [s.name for s in OP_DB]
    assert len(names) == len(set(names)), "duplicate OpSpec names"
    missing = [n for n in REQUIRED if n not in names]
    assert not missing, f"ops without an OpSpec: {missing}"
    for s in OP_DB:
        assert s.ref is not None or s.check is not None or s.skip_reason, f"{s.name}: no reference and no check"
        if not s.grad:
            assert s.name in NOT_DIFFERENTIABLE, f"{s.name}: grad=False but it is not listed as non-differentiable"
    assert sum(s.gradgrad for s in OP_DB) >= 12


# ---- bad input -------------------------------------------------------------------------------------
def test_matmul_shape_mismatch_names_op_and_shapes() -> None:
    with pytest.raises(ValueError) as e:
        ops.matmul(ms.Tensor(np.ones((2, 3))), ms.Tensor(np.ones((4, 5))))
    msg = str(e.value)
    assert "matmul" in msg and "[2, 3]" in msg and "[4, 5]" in msg


def test_matmul_batch_mismatch() -> None:
    with pytest.raises(ValueError) as e:
        ops.matmul(ms.Tensor(np.ones((2, 2, 3))), ms.Tensor(np.ones((3, 3, 4))))
    assert "matmul" in str(e.value) and "[2, 2, 3]" in str(e.value) and "[3, 3, 4]" in str(e.value)


def test_broadcast_mismatch_names_op_and_shapes() -> None:
    with pytest.raises(ValueError) as e:
        ops.add(ms.Tensor(np.ones((2, 3))), ms.Tensor(np.ones((4,))))
    msg = str(e.value)
    assert "add" in msg and "[2, 3]" in msg and "[4]" in msg
    with pytest.raises(ValueError, match="mul"):
        ms.Tensor(np.ones((2, 3))) * ms.Tensor(np.ones((2,)))


def test_cast_bad_dtype_names_argument() -> None:
    with pytest.raises(TypeError, match="dtype"):
        ops.cast(ms.Tensor([1.0]), "notatype")


def test_tensor_bad_dtype_names_argument() -> None:
    with pytest.raises(TypeError, match="dtype"):
        ms.Tensor([1], dtype=123)


def test_index_out_of_range() -> None:
    x = ms.Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(IndexError):
        x[2]
    with pytest.raises(IndexError):
        x[0, -4]
    with pytest.raises(IndexError):
        x[ms.Tensor(np.array([0, 5]))]


def test_grad_of_int_input_names_input() -> None:
    with pytest.raises(TypeError, match="input 0"):
        ms.grad(lambda x: x * 2)(ms.Tensor(np.array([1, 2])))
    with pytest.raises(TypeError, match="input 1"):
        ms.grad(lambda x, y: x * y, grad_position=(0, 1))(ms.Tensor(1.0), ms.Tensor(2))
