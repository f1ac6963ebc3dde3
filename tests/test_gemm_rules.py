"""The matmul bprop computes only the gradients asked for (a `needs` mask), and a weight
shared over a batch gets its gradient from one GEMM over all rows.

NOTE: operand transposes cost nothing (numpy hands transposed views to BLAS as GEMM flags).
A rule `transpose(a @ b) -> b^T @ a^T` (a weight gradient produced in its final layout) was
tried and dropped: the swapped GEMM rounds differently from the eager `(x^T g)^T`, which broke
the bitwise agreement of PYNATIVE and GRAPH_MODE training (Adam amplifies the noise of a
bias feeding BatchNorm into lr-sized steps)."""
from __future__ import annotations

import numpy as np

import mindlite as ms
from mindlite import Tensor, ops
from mindlite.ops import cpu_kernels

f32 = np.float32


def test_matmul_bprop_computes_only_what_is_needed(monkeypatch):
    calls = []
    real = cpu_kernels.matmul
    monkeypatch.setattr(cpu_kernels, "matmul", lambda xp, a, b, out=None: calls.append(1) or real(xp, a, b, out))
    rng = np.random.default_rng(0)
    x, w = Tensor(rng.standard_normal((6, 4)).astype(f32)), Tensor(rng.standard_normal((4, 3)).astype(f32))
    dw = ms.grad(lambda a, b: ops.sum(ops.matmul(a, b)), grad_position=1)(x, w)
    assert len(calls) == 2  # the forward product and the weight gradient; no input gradient
    np.testing.assert_allclose(dw.asnumpy(), x.asnumpy().T @ np.ones((6, 3)), rtol=1e-6)
    calls.clear()
    dx, dw = ms.grad(lambda a, b: ops.sum(ops.matmul(a, b)), grad_position=(0, 1))(x, w)
    assert len(calls) == 3
    np.testing.assert_allclose(dx.asnumpy(), np.ones((6, 3)) @ w.asnumpy().T, rtol=1e-6)


def test_shared_weight_gradient_is_one_gemm():
    """x (B, M, K) @ W (K, N): dW is one GEMM over all B*M rows, in both modes."""
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((3, 5, 4)).astype(f32))
    w = Tensor(rng.standard_normal((4, 2)).astype(f32))
    want = np.einsum("bmk,bmn->kn", x.asnumpy().astype(np.float64), np.ones((3, 5, 2)))
    fn = ms.grad(lambda a, b: ops.sum(ops.matmul(a, b)), grad_position=1)
    for mode in (ms.PYNATIVE_MODE, ms.GRAPH_MODE):
        ms.set_context(mode=mode)
        try:
            got = (ms.jit(fn) if mode == ms.GRAPH_MODE else fn)(x, w)
        finally:
            ms.set_context(mode=ms.PYNATIVE_MODE)
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5)
