"""DATA_PARALLEL on the sim backend: every run is compared with the single-process run."""
import logging

import numpy as np
import pytest

import mindlite as ms
from mindlite import Tensor, nn, ops
from mindlite.communication import comm_log, get_group_size, get_rank, init, sim
from mindlite.nn.wrap.grad_reducer import plan_buckets

from . import models


def test_bucket_plan():
    mb = 2 ** 20
    sizes = [10 * mb, 30 * mb, 30 * mb, 40 * mb, 5 * mb]
    f32, f16 = np.float32, np.float16
    # auto: 64 MB buckets, filled from the last parameter
    assert plan_buckets(sizes, [f32] * 5) == [[4, 3], [2, 1], [0]]
    assert plan_buckets(sizes, [f32] * 5, comm_fusion={"allreduce": {"mode": "size", "config": 25}}) == \
        [[4], [3], [2], [1], [0]]
    assert plan_buckets(sizes, [f32] * 5, comm_fusion={"allreduce": {"mode": "size", "config": 1000}}) == \
        [[4, 3, 2, 1, 0]]
    # split indices (MindSpore's all_reduce_fusion_config [85, 160] style): groups [0,2) [2,4) [4,5)
    assert plan_buckets(sizes, [f32] * 5, fusion_config=[2, 4]) == [[4], [3, 2], [1, 0]]
    assert plan_buckets(sizes, [f32] * 5, comm_fusion={"allreduce": {"mode": "index", "config": [1]}}) == \
        [[4, 3, 2, 1], [0]]
    # one dtype per bucket
    assert plan_buckets([4, 4, 4], [f32, f16, f32]) == [[2, 0], [1]]
    with pytest.raises(ValueError, match="below the number of parameters"):
        plan_buckets(sizes, [f32] * 5, fusion_config=[5])


def _train(step_cell_args, batches, steps):
    net, loss_fn, opt_fn = step_cell_args
    step = nn.TrainOneStepCell(nn.WithLossCell(net, loss_fn), opt_fn(net.trainable_params()))
    losses = [float(step(*[Tensor(b) for b in batches[k]]).asnumpy()) for k in range(steps)]
    return losses, [p.asnumpy() for p in net.trainable_params()]


def _split(arrays, n, r):
    return [a[r * (len(a) // n):(r + 1) * (len(a) // n)] for a in arrays]


@pytest.mark.parametrize("n", [2, 4])
def test_mlp_matches_single_process(n, mode):
    weights = models.draw_weights(models.mlp((4, 8, 8, 3)))
    rng = np.random.default_rng(1)
    data = [(rng.normal(size=(16, 4)).astype(np.float32), rng.integers(0, 3, 16).astype(np.int32))
            for _ in range(3)]

    def setup():
        net = models.set_weights(models.mlp((4, 8, 8, 3)), weights)
        return net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"), \
            lambda p: nn.Momentum(p, 0.1, 0.9)
    ref_losses, ref_params = _train(setup(), data, 3)
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True)

    def rank():
        init()
        r, size = get_rank(), get_group_size()
        return _train(setup(), [_split(b, size, r) for b in data], 3) + (comm_log().by_op(),)
    res = sim.spawn(rank, n)
    np.testing.assert_allclose(np.mean([r[0] for r in res], 0), ref_losses, rtol=1e-5)
    total_bytes = sum(w.nbytes for w in weights)
    for _, params, log in res:
        for p, q in zip(params, ref_params):
            np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)
        assert log == {"all_reduce": (3, 3 * total_bytes)}  # one 64 MB bucket per step


def test_fusion_config_sets_the_buckets(mode):
    weights = models.draw_weights(models.mlp((4, 8, 8, 3)))
    x = np.random.default_rng(2).normal(size=(8, 4)).astype(np.float32)
    y = np.arange(8, dtype=np.int32) % 3
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, all_reduce_fusion_config=[2, 4])

    def rank():
        init()
        net = models.set_weights(models.mlp((4, 8, 8, 3)), weights)
        step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params(), 0.1))
        step(Tensor(x[get_rank()::2]), Tensor(np.eye(3, dtype=np.float32)[y[get_rank()::2]]))
        return [r.nbytes for r in comm_log().records], step.grad_reducer.buckets
    res = sim.spawn(rank, 2)
    sizes = [w.nbytes for w in weights]
    assert res[0][1] == [[5, 4], [3, 2], [1, 0]]
    assert res[0][0] == [sizes[5] + sizes[4], sizes[3] + sizes[2], sizes[1] + sizes[0]]


def test_bert_tiny_matches_single_process(mode):
    weights = models.draw_weights(models.BertTiny(), seed=3)
    batches = [models.bert_batch(8, seed=0)] * 3

    def setup():
        net = models.set_weights(models.BertTiny(), weights)
        return net

    def train(batches):
        net = setup()
        step = nn.TrainOneStepCell(models.BertTinyWithLoss(net), nn.Adam(net.trainable_params(), 1e-2))
        return [float(step(*[Tensor(a) for a in b]).asnumpy()) for b in batches]
    ref = train(batches)
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True)

    def rank():
        init()
        return train([_split(b, 2, get_rank()) for b in batches])
    res = sim.spawn(rank, 2)
    np.testing.assert_allclose(np.mean(res, 0), ref, rtol=1e-5)
    assert ref[-1] < ref[0]


def test_resnet_tiny_matches_gradient_averaging():
    """BatchNorm normalises each rank's own batch (as MindSpore's data parallel does), so the
    single-process reference averages the gradients of the per-rank micro-batches."""
    weights = models.draw_weights(models.resnet_tiny(), seed=4)
    batches = [models.resnet_batch(8, seed=s) for s in range(3)]
    loss_fn = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
    n = 2

    net = models.set_weights(models.resnet_tiny(), weights).set_train()
    opt = nn.Momentum(net.trainable_params(), 0.05, 0.9)
    vg = ms.value_and_grad(nn.WithLossCell(net, loss_fn), None, opt.parameters)
    ref = []
    for x, y in batches:
        outs = [vg(Tensor(a), Tensor(b)) for a, b in (_split((x, y), n, r) for r in range(n))]
        ref.append(np.mean([float(o[0].asnumpy()) for o in outs]))
        opt(tuple((g0 + g1) / n for g0, g1 in zip(outs[0][1], outs[1][1])))
    ref_params = [p.asnumpy() for p in net.trainable_params()]
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True)

    def rank():
        init()
        local = models.set_weights(models.resnet_tiny(), weights).set_train()
        step = nn.TrainOneStepCell(nn.WithLossCell(local, loss_fn), nn.Momentum(local.trainable_params(), 0.05, 0.9))
        losses = [float(step(*[Tensor(a) for a in _split(b, n, get_rank())]).asnumpy()) for b in batches]
        return losses, [p.asnumpy() for p in local.trainable_params()]
    res = sim.spawn(rank, n)
    np.testing.assert_allclose(np.mean([r[0] for r in res], 0), ref, rtol=1e-5)
    for p, q in zip(res[1][1], ref_params):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-5)


def test_model_with_distributed_sampler(mode):
    """`Model.train` on a dataset sharded by rank; the reference trains on the union of the
    ranks' batches."""
    import mindlite.dataset as ds
    weights = models.draw_weights(models.mlp((4, 8, 3)), seed=5)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(32, 4)).astype(np.float32)
    y = rng.integers(0, 3, 32).astype(np.int32)
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True)

    def rank():
        init()
        sampler = ds.DistributedSampler(get_group_size(), get_rank(), shuffle=False)
        data = ds.NumpySlicesDataset({"x": x, "y": y}, sampler=sampler).batch(4)
        seen = [(b["x"].asnumpy(), b["y"].asnumpy()) for b in data.create_dict_iterator(num_epochs=1)]
        net = models.set_weights(models.mlp((4, 8, 3)), weights)
        model = ms.Model(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"),
                         nn.Momentum(net.trainable_params(), 0.1, 0.9))
        model.train(1, data, dataset_sink_mode=False)
        return seen, [p.asnumpy() for p in net.trainable_params()]
    res = sim.spawn(rank, 2)
    ms.reset_auto_parallel_context()
    net = models.set_weights(models.mlp((4, 8, 3)), weights)
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")),
                               nn.Momentum(net.trainable_params(), 0.1, 0.9))
    for k in range(len(res[0][0])):
        step(Tensor(np.concatenate([r[0][k][0] for r in res])), Tensor(np.concatenate([r[0][k][1] for r in res])))
    assert sorted(np.concatenate([b[0][:, 0] for r in res for b in r[0]]).tolist()) == sorted(x[:, 0].tolist())
    for p, q in zip(res[0][1], net.trainable_params()):
        np.testing.assert_allclose(p, q.asnumpy(), rtol=1e-5, atol=1e-6)


def test_parameter_broadcast():
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, parameter_broadcast=True)

    def rank():
        init()
        net = models.set_weights(models.mlp((2, 3)), models.draw_weights(models.mlp((2, 3)), seed=get_rank()))
        nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params()))
        return [p.asnumpy() for p in net.trainable_params()]
    res = sim.spawn(rank, 3)
    want = models.draw_weights(models.mlp((2, 3)), seed=0)
    for r in res:
        for p, q in zip(r, want):
            np.testing.assert_array_equal(p, q)


def test_shard_warns_once_under_data_parallel(caplog):
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = ms.Parameter(Tensor(np.ones((2, 2), np.float32)), "w")
            self.matmul = ops.MatMul().shard(((2, 1), (1, 1)))

        def construct(self, x):
            return self.matmul(x, self.w)
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL)
    from mindlite.nn.wrap import grad_reducer
    grad_reducer._WARNED[0] = False

    def rank():
        init()
        net = Net()
        nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params()))
    with caplog.at_level(logging.WARNING, logger="mindlite"):
        sim.spawn(rank, 2)
    assert sum("ignored under parallel_mode='data_parallel'" in r.message for r in caplog.records) == 1


def test_reducer_errors():
    net = models.mlp((2, 2))
    with pytest.raises(RuntimeError, match="not initialized"):
        nn.DistributedGradReducer(net.trainable_params())

    def rank():
        init()
        with pytest.raises(ValueError, match="degree must be a positive int"):
            nn.DistributedGradReducer(net.trainable_params(), degree=0)
        with pytest.raises(ValueError, match="got 1 gradients for 2 parameters"):
            nn.DistributedGradReducer(net.trainable_params())((Tensor(np.ones((2, 2), np.float32)),))
    sim.spawn(rank, 2)
    with pytest.raises(ValueError, match="all_reduce_fusion_config must be a strictly increasing"):
        ms.set_auto_parallel_context(all_reduce_fusion_config=[3, 2])
    with pytest.raises(ValueError, match="mode 'size' needs config"):
        ms.set_auto_parallel_context(comm_fusion={"allreduce": {"mode": "size", "config": -1}})
