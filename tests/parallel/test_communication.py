"""Collectives on the sim backend against numpy, their gradients, logs and errors."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import Tensor, ops
from mindlite.communication import (AllGather, AllReduce, AlltoAll, Broadcast, ReduceOp, ReduceScatter, comm_log,
                                    create_group, get_group_size, get_rank, init, sim)
from mindlite.communication import comm_func


def _data(rank, shape=(4, 6), dtype=np.float32):
    return (np.arange(np.prod(shape)).reshape(shape) * (rank + 1) + rank).astype(dtype)


@pytest.mark.parametrize("n", [2, 4, 8])
def test_collectives_match_numpy(n, mode):
    def body():
        init()
        r = get_rank()
        x = Tensor(_data(r, (8, 6)))

        @ms.jit
        def run(x):
            return (AllReduce()(x), AllReduce(ReduceOp.MAX)(x), AllReduce(ReduceOp.MIN)(x), AllGather()(x),
                    ReduceScatter()(x), AlltoAll(n, 0, 1)(x), Broadcast(n - 1)((x,))[0])
        outs = run(x) if mode == "graph" else run.__wrapped__(x)
        return [o.asnumpy() for o in outs], comm_log().by_op()
    res = sim.spawn(body, n)
    xs = [_data(r, (8, 6)) for r in range(n)]
    total = sum(xs)
    for r, (outs, log) in enumerate(res):
        np.testing.assert_allclose(outs[0], total, rtol=1e-6)
        np.testing.assert_array_equal(outs[1], np.max(xs, 0))
        np.testing.assert_array_equal(outs[2], np.min(xs, 0))
        np.testing.assert_array_equal(outs[3], np.concatenate(xs, 0))
        np.testing.assert_allclose(outs[4], np.split(total, n, 0)[r], rtol=1e-6)
        np.testing.assert_array_equal(outs[5], np.concatenate([np.split(x, n, 0)[r] for x in xs], 1))
        np.testing.assert_array_equal(outs[6], xs[n - 1])
        nbytes = 8 * 6 * 4
        assert log == {"all_reduce": (3, 3 * nbytes), "all_gather": (1, nbytes), "reduce_scatter": (1, nbytes),
                       "all_to_all": (1, nbytes), "broadcast": (1, nbytes)}


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.float16, np.bool_])
def test_dtypes(dtype):
    def body():
        init()
        x = np.full((3,), get_rank() + 1).astype(dtype)
        return comm_func.all_reduce(Tensor(x)).asnumpy(), comm_func.all_gather_into_tensor(Tensor(x)).asnumpy()
    res = sim.spawn(body, 2)
    want = (np.ones(3) + np.full(3, 2)).astype(dtype) if dtype != np.bool_ else np.ones(3, bool)
    np.testing.assert_array_equal(res[0][0], want)
    assert res[1][1].dtype == np.dtype(dtype) and res[1][1].shape == (6,)


def _spmd_grad(n, fn, make):
    """Per-rank gradient of fn under SPMD, and the numpy reference of d(sum over ranks of
    sum(fn outputs * weights))/dx_r computed from an explicit formula by the caller."""
    def body():
        init()
        x = Tensor(make(get_rank()))
        return ms.grad(fn)(x).asnumpy()
    return sim.spawn(body, n)


@pytest.mark.parametrize("n", [2, 4])
def test_gradients_are_the_adjoint_collectives(n, mode):
    w = np.random.default_rng(1).normal(size=(8, 3)).astype(np.float32)

    def make(r):
        return np.random.default_rng(10 + r).normal(size=(8, 3)).astype(np.float32)
    xs = [make(r) for r in range(n)]
    # all_reduce: L = sum_r sum(w * allreduce(x)) -> dL/dx_r = n * w
    g = _spmd_grad(n, lambda x: (AllReduce()(x) * Tensor(w)).sum(), make)
    for r in range(n):
        np.testing.assert_allclose(g[r], n * w, rtol=1e-6)
    # all_gather along 0: L = sum_r sum(W * gather(x)) with W (8n, 3) -> dL/dx_r = n * W[block r]
    big = np.random.default_rng(2).normal(size=(8 * n, 3)).astype(np.float32)
    g = _spmd_grad(n, lambda x: (AllGather()(x) * Tensor(big)).sum(), make)
    for r in range(n):
        np.testing.assert_allclose(g[r], n * big[8 * r // 1:8 * (r + 1)], rtol=1e-6)
    # reduce_scatter: out_r = sum_k x_k[block r]; L = sum_r sum(wr * out_r) with wr = w[:8//n] * (r+1)
    from mindlite.communication.management import current

    def rs(x):
        r = current().world_rank
        return (ReduceScatter()(x) * Tensor(w[:8 // n] * (r + 1))).sum()
    g = _spmd_grad(n, rs, make)
    want = np.concatenate([w[:8 // n] * (k + 1) for k in range(n)], 0)
    for r in range(n):
        np.testing.assert_allclose(g[r], want, rtol=1e-6)
    # all_to_all(split 0, concat 1): finite differences of the global objective
    wt = np.random.default_rng(3).normal(size=(8 // n, 3 * n)).astype(np.float32)
    g = _spmd_grad(n, lambda x: (AlltoAll(n, 0, 1)(x) * Tensor(wt)).sum(), make)

    def global_loss(xs):
        return sum((np.concatenate([np.split(x, n, 0)[r] for x in xs], 1) * wt).sum() for r in range(n))
    for r in range(n):
        num = np.zeros_like(xs[r])
        for idx in np.ndindex(xs[r].shape):
            e = [x.astype(np.float64) for x in xs]
            e[r][idx] += 1.0
            num[idx] = global_loss(e) - global_loss([x.astype(np.float64) for x in xs])
        np.testing.assert_allclose(g[r], num, rtol=1e-4, atol=1e-4)
    # broadcast from rank 0: only the root's input gets the gradient (sum over ranks)
    g = _spmd_grad(n, lambda x: (Broadcast(0)(x)[0] * Tensor(w)).sum(), make)
    np.testing.assert_allclose(g[0], n * w, rtol=1e-6)
    for r in range(1, n):
        np.testing.assert_array_equal(g[r], 0)


def test_groups_and_ranks():
    def body():
        init()
        r = get_rank()
        evens = r % 2 == 0
        create_group("evens" if evens else "odds", [0, 2] if evens else [1, 3])
        name = "evens" if evens else "odds"
        s = AllReduce(group=name)(Tensor(np.array([float(r)], np.float32))).asnumpy()
        from mindlite.communication import get_world_rank_from_group_rank, get_group_rank_from_world_rank
        return (get_rank(name), get_group_size(name), s[0], get_world_rank_from_group_rank(name, 1),
                get_group_rank_from_world_rank(r, name))
    res = sim.spawn(body, 4)
    assert res == [(0, 2, 2.0, 2, 0), (0, 2, 4.0, 3, 0), (1, 2, 2.0, 2, 1), (1, 2, 4.0, 3, 1)]


def test_errors():
    with pytest.raises(RuntimeError, match="not initialized"):
        get_rank()
    with pytest.raises(ValueError, match="HCCL"):
        init("hccl")
    with pytest.raises(ValueError, match="unknown backend"):
        init("gloo")

    def mismatch():
        init()
        x = Tensor(np.ones(4, np.float32))
        return AllReduce()(x) if get_rank() == 0 else AllGather()(x)
    with pytest.raises(RuntimeError, match="called all_reduce.*called all_gather|called all_gather.*called all_reduce"):
        sim.spawn(mismatch, 2, timeout=20)

    def shapes():
        init()
        return AllReduce()(Tensor(np.ones(4 + get_rank(), np.float32)))
    with pytest.raises(RuntimeError, match=r"float32\[4\].*float32\[5\]|float32\[5\].*float32\[4\]"):
        sim.spawn(shapes, 2, timeout=20)

    def bad_group():
        init()
        create_group("g", [0, 5])
    with pytest.raises(RuntimeError, match="rank 5 is not a rank of a world of size 2"):
        sim.spawn(bad_group, 2)

    def not_member():
        init()
        AllReduce(group=(1,))(Tensor(np.ones(2, np.float32)))
    with pytest.raises(RuntimeError, match="not a member"):
        sim.spawn(not_member, 2)

    def bad_scatter():
        init()
        ReduceScatter()(Tensor(np.ones(3, np.float32)))
    with pytest.raises(RuntimeError, match="not divisible by the group size 2"):
        sim.spawn(bad_scatter, 2)
    with pytest.raises(ValueError, match="op must be one of"):
        AllReduce("avg")
    with pytest.raises(RuntimeError, match="split_count 3 must equal the group size 2"):
        sim.spawn(lambda: (init(), AlltoAll(3, 0, 0)(Tensor(np.ones(6, np.float32)))), 2)


def test_device_num_must_match_world():
    ms.set_auto_parallel_context(device_num=8, parallel_mode=ms.ParallelMode.DATA_PARALLEL)
    with pytest.raises(RuntimeError, match="device_num=8 .* communication world has 2 rank"):
        sim.spawn(init, 2)
    ms.reset_auto_parallel_context()

    def later():
        init()
        ms.set_auto_parallel_context(device_num=4)
    with pytest.raises(RuntimeError, match="device_num=4 .* 2 rank"):
        sim.spawn(later, 2)


def test_device_num_without_init_is_an_error():
    from mindlite import nn
    net = nn.Dense(2, 2)
    ms.set_auto_parallel_context(device_num=8)
    with pytest.raises(RuntimeError, match="device_num=8 .*train on one device"):
        nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params()))
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL)
    with pytest.raises(RuntimeError, match="needs communication"):
        nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params()))


def test_ops_classes_exported():
    assert ops.AllReduce is AllReduce and ops.ReduceOp.SUM == "sum"
    assert ms.communication.GlobalComm.WORLD_COMM_GROUP.endswith("world_group")
