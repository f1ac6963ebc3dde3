"""Programs the `dist` tests launch with `mpiexec -n N python mpi_programs.py CASE`.

Each rank checks its results against numpy or against the single-process run of the same
model (computed in the same process before communication starts) and exits non-zero on a
mismatch; rank 0 prints "OK CASE" at the end.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import mindlite as ms  # noqa: E402
from mindlite import Tensor, nn  # noqa: E402
from mindlite.communication import (AllGather, AllReduce, AlltoAll, Broadcast, ReduceScatter, comm_log,  # noqa: E402
                                    get_group_size, get_rank, init)

import models  # noqa: E402


def collectives():
    init()
    r, n = get_rank(), get_group_size()
    assert ms.communication.GlobalComm.BACKEND == "mccl" and comm_log().calls == 0

    def data(k):
        return (np.arange(8 * n * 3).reshape(8 * n, 3) * (k + 1) + k).astype(np.float32)
    xs = [data(k) for k in range(n)]
    x = Tensor(xs[r])
    np.testing.assert_allclose(AllReduce()(x).asnumpy(), sum(xs), rtol=1e-6)
    np.testing.assert_array_equal(AllReduce("max")(x).asnumpy(), np.max(xs, 0))
    np.testing.assert_array_equal(AllGather()(x).asnumpy(), np.concatenate(xs))
    np.testing.assert_allclose(ReduceScatter()(x).asnumpy(), np.split(sum(xs), n)[r], rtol=1e-6)
    np.testing.assert_array_equal(AlltoAll(n, 0, 1)(x).asnumpy(), np.concatenate([np.split(v, n)[r] for v in xs], 1))
    np.testing.assert_array_equal(Broadcast(n - 1)((x,))[0].asnumpy(), xs[n - 1])
    half = np.float16(r + 1) * np.ones(4, np.float16)
    np.testing.assert_array_equal(AllReduce()(Tensor(half)).asnumpy(), np.full(4, n * (n + 1) / 2, np.float16))
    g = ms.grad(lambda v: (AllGather()(v) * 2.0).sum())(x).asnumpy()
    np.testing.assert_allclose(g, np.full_like(xs[r], 2.0 * n))
    assert comm_log().by_op()["all_reduce"][0] == 3


def _bert(mode_name):
    weights = models.draw_weights(models.BertTiny(), seed=3)
    batch = models.bert_batch(8, seed=0)

    def train(b):
        net = models.set_weights(models.BertTiny(), weights)
        step = nn.TrainOneStepCell(models.BertTinyWithLoss(net), nn.Adam(net.trainable_params(), 1e-2))
        return [float(step(*[Tensor(a) for a in b]).asnumpy()) for _ in range(3)]
    ref = train(batch)
    ms.set_auto_parallel_context(parallel_mode=mode_name, gradients_mean=True)
    init()
    r, n = get_rank(), get_group_size()
    b = 8 // n
    losses = train([a[r * b:(r + 1) * b] for a in batch])
    return ref, losses


def _resnet(mode_name):
    weights = models.draw_weights(models.resnet_tiny(), seed=4)
    x, y = models.resnet_batch(8, seed=0)
    loss_fn = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")

    def train(x, y, steps=3):
        net = models.set_weights(models.resnet_tiny(), weights).set_train()
        step = nn.TrainOneStepCell(nn.WithLossCell(net, loss_fn), nn.Momentum(net.trainable_params(), 0.05, 0.9))
        return [float(step(Tensor(x), Tensor(y)).asnumpy()) for _ in range(steps)]
    if mode_name == "data_parallel":
        # BatchNorm normalises each rank's batch: the reference averages per-rank micro-batch gradients
        ref = _resnet_micro_batch_reference(weights, x, y, loss_fn)
    else:
        ref = train(x, y)
    ms.set_auto_parallel_context(parallel_mode=mode_name, gradients_mean=True)
    init()
    r, n = get_rank(), get_group_size()
    b = 8 // n
    return ref, train(x[r * b:(r + 1) * b], y[r * b:(r + 1) * b])


def _resnet_micro_batch_reference(weights, x, y, loss_fn):
    n = int(os.environ.get("PMI_SIZE", os.environ.get("OMPI_COMM_WORLD_SIZE", "2")))
    net = models.set_weights(models.resnet_tiny(), weights).set_train()
    opt = nn.Momentum(net.trainable_params(), 0.05, 0.9)
    vg = ms.value_and_grad(nn.WithLossCell(net, loss_fn), None, opt.parameters)
    b = 8 // n
    ref = []
    for _ in range(3):
        outs = [vg(Tensor(x[k * b:(k + 1) * b]), Tensor(y[k * b:(k + 1) * b])) for k in range(n)]
        ref.append(np.mean([float(o[0].asnumpy()) for o in outs]))
        opt(tuple(sum(gs) / n for gs in zip(*[o[1] for o in outs])))
    return ref


def semi_matmul():
    from mindlite import Parameter, ops
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(size=(4, 6)).astype(np.float32), rng.normal(size=(6, 3)).astype(np.float32)
    x, y = rng.normal(size=(8, 4)).astype(np.float32), rng.normal(size=(8, 3)).astype(np.float32)

    class Net(nn.Cell):
        def __init__(self, shard):
            super().__init__()
            self.w1, self.w2 = Parameter(Tensor(w1), "w1"), Parameter(Tensor(w2), "w2")
            self.mm1, self.mm2, self.relu = ops.MatMul(), ops.MatMul(), ops.ReLU()
            if shard:
                n = get_group_size()
                self.mm1.shard(((1, n), (n, 1)))
                self.mm2.shard(((n, 1), (1, 1)))

        def construct(self, v):
            return self.mm2(self.relu(self.mm1(v, self.w1)), self.w2)

    def train(shard):
        net = Net(shard)
        step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.Momentum(net.trainable_params(), 0.1, 0.9))
        losses = [float(step(Tensor(x), Tensor(y)).asnumpy()) for _ in range(3)]
        return losses, step
    ref, _ = train(False)
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.SEMI_AUTO_PARALLEL, full_batch=True)
    init()
    losses, step = train(True)
    assert comm_log().bytes == 3 * step.network._parallel_plan.predicted_bytes(get_rank()), "bytes"
    return ref, losses


CASES = {
    "collectives": collectives,
    "dp_bert": lambda: _bert("data_parallel"), "auto_bert": lambda: _bert("auto_parallel"),
    "dp_resnet": lambda: _resnet("data_parallel"), "auto_resnet": lambda: _resnet("auto_parallel"),
    "semi_matmul": semi_matmul,
}


def main():
    case = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "graph":
        ms.set_context(mode=ms.GRAPH_MODE)
    out = CASES[case]()
    if out is not None:
        ref, losses = out
        if case.startswith("dp_"):  # each rank's loss is its own batch's: compare the mean over ranks
            losses = AllReduce()(Tensor(np.array(losses, np.float64))).asnumpy() / get_group_size()
        np.testing.assert_allclose(losses, ref, rtol=1e-5)
    if get_rank() == 0:
        print(f"OK {case}", flush=True)


if __name__ == "__main__":
    main()
