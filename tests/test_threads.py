"""mindlite's CPU thread pool (core/threads.py) and the kernels that split work over it
(ops/cpu_kernels.py, ops/conv_cl.py, fused elementwise blocks).

Determinism: every split kernel chooses its chunks from the shapes alone, so results are
bitwise equal for 1, 2 and 3 threads (GEMMs, convolutions, filter-gradient partial sums,
elementwise blocks). Not covered by that promise: an unsplit GEMM handed to a BLAS that
uses several threads of its own (mindlite pins BLAS to one thread; with threadpoolctl
missing BLAS keeps its threads and its results depend on their number).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import mindlite as ms
from mindlite import Tensor, nn, ops
from mindlite.core import threads
from mindlite.ops import conv_cl, cpu_kernels

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def pool_size():
    """Set runtime_num_threads for the test; restore the automatic size afterwards."""
    def set_size(n):
        ms.set_context(runtime_num_threads=n)
    yield set_size
    ms.set_context(runtime_num_threads=0)


def test_context_key(pool_size):
    assert ms.get_context("runtime_num_threads") == 0
    assert threads.num_threads() == threads.available_cpus() == len(os.sched_getaffinity(0))
    pool_size(3)
    assert ms.get_context("runtime_num_threads") == 3 and threads.num_threads() == 3
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="runtime_num_threads must be a non-negative int"):
            ms.set_context(runtime_num_threads=bad)


@pytest.mark.parametrize("size", [1, 2, 4])
def test_parallel_for_runs_every_chunk_once(pool_size, size):
    pool_size(size)
    for n in (0, 1, 5, 64):
        seen = [0] * n
        lock = threading.Lock()

        def body(i):
            with lock:
                seen[i] += 1
        threads.parallel_for(n, body)
        assert seen == [1] * n


def test_parallel_for_uses_the_workers(pool_size):
    """With 2 threads, two chunks that each wait for the other can only finish concurrently."""
    pool_size(2)
    arrived = threading.Barrier(2, timeout=20)
    names = set()

    def body(i):
        names.add(threading.current_thread().name)
        arrived.wait()
    threads.parallel_for(2, body)
    assert len(names) == 2


def test_errors_propagate_and_the_pool_survives(pool_size):
    pool_size(2)

    def body(i):
        if i == 3:
            raise KeyError("chunk 3")
    with pytest.raises(KeyError, match="chunk 3"):
        threads.parallel_for(8, body)
    out = np.zeros(8)
    threads.parallel_for(8, lambda i: out.__setitem__(i, i))
    np.testing.assert_array_equal(out, np.arange(8))


def test_nested_and_concurrent_regions(pool_size):
    """A region started inside a chunk, or from another thread while the pool is busy, runs inline."""
    pool_size(2)
    total = np.zeros((4, 4))

    def outer(i):
        threads.parallel_for(4, lambda j: total.__setitem__((i, j), i * 4 + j))
    threads.parallel_for(4, outer)
    np.testing.assert_array_equal(total, np.arange(16).reshape(4, 4))
    results = {}

    def user(k):
        acc = np.zeros(32)
        for _ in range(20):
            threads.parallel_for(32, lambda i: acc.__setitem__(i, acc[i] + k))
        results[k] = acc
    ts = [threading.Thread(target=user, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    for k in range(4):
        np.testing.assert_array_equal(results[k], np.full(32, 20.0 * k))


def test_chunks_depend_on_the_shape_only(pool_size):
    assert threads.chunks(10, 3) == [(0, 4), (4, 7), (7, 10)]
    assert threads.chunks(10, 100) == [(0, 10)]
    assert threads.chunks(0, 1) == []
    assert threads.chunks(1000, 1, max_chunks=4) == [(0, 250), (250, 500), (500, 750), (750, 1000)]
    pool_size(1)
    one = threads.chunks(777, 5)
    pool_size(3)
    assert threads.chunks(777, 5) == one


def test_blas_is_pinned_to_one_thread():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    threads.parallel_for(2, lambda i: None)
    assert threads.blas_pinned()
    blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    assert blas and all(p["num_threads"] == 1 for p in blas)
    threadpoolctl.threadpool_limits(2, user_api="blas")  # someone else changes it ...
    threads._blas_checked -= 1.0  # ... and the re-check interval has passed (no sleeping in tests)
    threads.parallel_for(2, lambda i: None)  # ... so the next parallel region puts it back
    assert threads._blas_libs and all(lib.get_num_threads() == 1 for lib in threads._blas_libs)


# ---- split kernels: the same bits for any thread count -----------------------------------------------
def _with_threads(pool_size, fn):
    got = []
    for n in (1, 2, 3):
        pool_size(n)
        got.append(fn())
    return got


def _same_bits(results):
    for r in results[1:]:
        for a, b in zip(results[0], r):
            assert a.shape == b.shape and a.dtype == b.dtype
            assert np.array_equal(np.ascontiguousarray(a).view(np.uint8), np.ascontiguousarray(b).view(np.uint8))


@pytest.mark.parametrize("shapes", [((300, 200), (200, 150)),       # rows
                                    ((64, 300), (300, 400)),        # few rows: columns
                                    ((6, 70, 80), (80, 90)),        # batch, weight broadcast
                                    ((1, 5, 64, 90), (3, 1, 90, 70))])  # broadcast batch axes
def test_matmul_split(pool_size, shapes):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype(np.float32) for s in shapes)
    old = cpu_kernels.GEMM_CHUNK_FLOPS
    cpu_kernels.GEMM_CHUNK_FLOPS = 1e5  # small enough that these sizes split
    try:
        runs = _with_threads(pool_size, lambda: [cpu_kernels.matmul(np, a, b)])
    finally:
        cpu_kernels.GEMM_CHUNK_FLOPS = old
    _same_bits(runs)
    np.testing.assert_allclose(runs[0][0], np.matmul(a.astype(np.float64), b.astype(np.float64)), rtol=1e-4,
                               atol=1e-3)


def test_convolution_kernels_same_bits(pool_size):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 8, 40, 40)).astype(np.float32)
    w = rng.standard_normal((16, 8, 3, 3)).astype(np.float32)
    dy = rng.standard_normal((4, 16, 40, 40)).astype(np.float32)
    geo = ((1, 1), (1, 1, 1, 1), (1, 1))

    def run():
        return [conv_cl.conv2d(x, w, *geo, (40, 40)), conv_cl.conv2d_input(dy, w, x.shape, *geo),
                conv_cl.conv2d_filter(dy, x, w.shape, *geo),  # partial sums over chunks of rows
                conv_cl.conv2d_filter(dy[:, :, :8, :8], x[:, :, :8, :8], w.shape, *geo),  # split by columns
                conv_cl.max_pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), (20, 20), -np.inf)]
    _same_bits(_with_threads(pool_size, run))


def test_fused_elementwise_blocks(pool_size, monkeypatch):
    """A large fused chain runs in blocks over the pool: the same bits for any thread count,
    numpy's numbers, and a channels-last result for channels-last inputs."""
    from mindlite.passes import fuse
    rng = np.random.default_rng(0)
    a = conv_cl.as_nchw(rng.standard_normal((4, 64, 64, 64)).astype(np.float32))
    b = rng.standard_normal((1, 64, 1, 1)).astype(np.float32)
    f = ms.jit(lambda x, y: ops.relu(x * y + 1.0) * 0.5 - x)
    split = []
    monkeypatch.setattr(fuse, "elementwise_blocks", lambda out: split.append(1) or cpu_kernels.elementwise_blocks(out))
    runs = _with_threads(pool_size, lambda: [f(Tensor(a), Tensor(b)).asnumpy()])
    assert len(split) == 3
    _same_bits(runs)
    np.testing.assert_allclose(runs[0][0], np.maximum(a * b + 1, 0) * 0.5 - a, rtol=1e-6, atol=1e-6)
    assert conv_cl.is_channels_last(runs[0][0])


def test_elementwise_blocks_cover_the_array_once():
    for shape, layout in (((8, 64, 56, 56), "cl"), ((1024, 3072), "c"), ((3, 5, 100000), "c"), ((600000,), "c")):
        out = np.zeros(shape, np.int8)
        if layout == "cl":
            out = conv_cl.as_nchw(np.zeros((shape[0], shape[2], shape[3], shape[1]), np.int8))
        blocks = cpu_kernels.elementwise_blocks(out)
        assert blocks is not None and len(blocks) > 1
        for idx in blocks:
            out[idx] += 1
        assert (out == 1).all()
    assert cpu_kernels.elementwise_blocks(np.zeros(1000)) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32, np.bool_])
def test_select_is_where(dtype):
    rng = np.random.default_rng(0)
    c = rng.random((8, 3, 20, 20)) > 0.5
    x = (rng.standard_normal(c.shape) * 5).astype(dtype)
    y = (rng.standard_normal(c.shape) * 5).astype(dtype)
    cases = [(x, y), (x, y[:1]), (x, dtype(0)), (dtype(0), y)]
    if np.dtype(dtype).kind == "f":
        cases += [(x, -0.0), (x, 0), (x, np.inf)]
    for a, b in cases:
        want = np.where(c, a, b)
        got = cpu_kernels.select(c, a, b)
        assert got is not None and got.dtype == want.dtype
        assert np.array_equal(np.ascontiguousarray(got).view(np.uint8), want.view(np.uint8))
    for target in ("x", "y"):  # in place, as a memory plan's chain writes it
        out = (x if target == "x" else y).copy()
        args = (out, y) if target == "x" else (x, out)
        cpu_kernels.select(c, *args, out=out)
        assert np.array_equal(out, np.where(c, x, y))
    assert cpu_kernels.select(c, x, np.nan if np.dtype(dtype).kind == "f" else 1.5) is None  # np.where's job


def test_relu_gradient_with_non_finite_dout():
    """The ReLU gradient is where(out > 0, dout, 0): masked-out infinities give 0, not NaN."""
    x = Tensor(np.where(np.arange(8192) % 2 == 0, 1.0, -1.0).astype(np.float32))
    dout = Tensor(np.full(8192, np.inf, np.float32))
    g = ms.grad(lambda t: ops.sum(ops.relu(t) * dout))(x).asnumpy()
    np.testing.assert_array_equal(g, np.where(x.asnumpy() > 0, np.inf, 0.0).astype(np.float32))


def test_training_same_bits_for_any_thread_count(pool_size):
    """A conv net's GRAPH_MODE training steps give bitwise the same losses for 1, 2 and 3 threads."""
    def losses():
        ms.set_context(mode=ms.GRAPH_MODE)
        try:
            ms.set_seed(0)
            net = nn.SequentialCell([nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 16, 3),
                                     nn.ReLU(), nn.Flatten(), nn.Dense(16 * 24 * 24, 4)])
            step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True,
                                                                                           reduction="mean")),
                                       nn.Momentum(net.trainable_params(), 0.05, 0.9))
            step.set_train()
            rng = np.random.default_rng(0)
            x = Tensor(rng.standard_normal((8, 3, 24, 24)).astype(np.float32))
            y = Tensor(rng.integers(0, 4, 8).astype(np.int32))
            return [np.array([step(x, y).asnumpy() for _ in range(3)])]
        finally:
            ms.set_context(mode=ms.PYNATIVE_MODE)
    _same_bits(_with_threads(pool_size, losses))


# ---- process life: exit and fork ------------------------------------------------------------------
def _run_python(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": ROOT})


@pytest.mark.timeout(150)
def test_clean_exit_with_a_running_pool():
    r = _run_python("""
        import numpy as np, mindlite as ms
        from mindlite.core import threads
        ms.set_context(runtime_num_threads=3)
        threads.parallel_for(16, lambda i: np.ones(1000).sum())
        print("done")
    """)
    assert r.returncode == 0 and r.stdout.strip() == "done", r.stderr


@pytest.mark.timeout(150)
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_pool_after_fork():
    """A forked child starts its own pool (the parent's threads do not exist there)."""
    r = _run_python("""
        import os, numpy as np, mindlite as ms
        from mindlite.core import threads
        ms.set_context(runtime_num_threads=2)
        out = np.zeros(8)
        threads.parallel_for(8, lambda i: out.__setitem__(i, i))
        pid = os.fork()
        if pid == 0:
            res = np.zeros(8)
            names = set()
            import threading
            def body(i):
                names.add(threading.current_thread().name)
                res[i] = 2 * i
            threads.parallel_for(8, body)
            ok = (res == 2 * np.arange(8)).all()
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        threads.parallel_for(8, lambda i: out.__setitem__(i, out[i] + 1))
        print(os.waitstatus_to_exitcode(status), int(out.sum()))
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0", str(sum(range(8)) + 8)]
