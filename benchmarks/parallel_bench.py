"""Parallel engine benchmark (issue 17).

    python benchmarks/parallel_bench.py planner [--dp-devices 8,64] [--layers 24] [--models bert,resnet]
    python benchmarks/parallel_bench.py bytes
    python benchmarks/parallel_bench.py scaling [--ranks 1,2,4] [--steps 5]
    python benchmarks/parallel_bench.py fusion [--ranks 2]

planner: search time of sharding_propagation (two shard calls per layer, Megatron seeds) and
  of dynamic programming for BERT-large (24 layers, hidden 1024, 16 heads, FFN 4096, seq 512,
  batch 32) and ResNet-50 (batch 256) on 8/64/512 simulated devices (planning only, the
  parameters take no memory), and the predicted step time of the chosen plans against pure
  data parallel and Megatron.
bytes: the bytes each rank logged in 3 AUTO_PARALLEL training steps of BERT-tiny on the sim
  backend against the plan's prediction.
scaling: data-parallel step time of an MLP (4 Dense 2048x2048, batch 128 per rank,
  OMP_NUM_THREADS=1) on 1/2/4 MPI ranks, and the bytes each rank all-reduced per step.
fusion: reducing ResNet-50's gradients on 2 MPI ranks: one all-reduce per parameter vs
  25 MB vs 64 MB buckets.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


# ---- a BERT encoder with shardable op instances and parameters that take no memory --------------
def bert_encoder(layers: int, hidden: int, heads: int, ffn: int, seq: int, megatron: tuple | None = None):
    from mindlite import Parameter, Tensor, nn, ops

    def lazy(*shape):
        return Parameter(Tensor(np.broadcast_to(np.zeros((), np.float32), shape)))

    class Layer(nn.Cell):
        def __init__(self):
            super().__init__()
            self.wq, self.wk, self.wv, self.wo = (lazy(hidden, hidden) for _ in range(4))
            self.w1, self.w2 = lazy(hidden, ffn), lazy(ffn, hidden)
            self.b1, self.bo, self.b2 = lazy(ffn), lazy(hidden), lazy(hidden)
            self.g1, self.be1, self.g2, self.be2 = lazy(hidden), lazy(hidden), lazy(hidden), lazy(hidden)
            self.q, self.k, self.v, self.o, self.fc1, self.fc2 = (ops.MatMul() for _ in range(6))
            self.scores, self.context = ops.BatchMatMul(transpose_b=True), ops.BatchMatMul()
            self.softmax, self.gelu = ops.Softmax(-1), ops.GeLU()
            self.ln1, self.ln2 = ops.LayerNorm(-1, -1), ops.LayerNorm(-1, -1)
            if megatron:
                dp, mp = megatron
                for mm in (self.q, self.k, self.v, self.fc1):
                    mm.shard(((dp, 1), (1, mp)))

        def heads_(self, x):
            return ops.transpose(ops.reshape(x, (-1, seq, heads, hidden // heads)), (0, 2, 1, 3))

        def construct(self, x):
            rows = x.shape[0]
            q, k, v = self.heads_(self.q(x, self.wq)), self.heads_(self.k(x, self.wk)), self.heads_(self.v(x, self.wv))
            p = self.softmax(self.scores(q, k) * float(1.0 / np.sqrt(hidden // heads)))
            c = ops.reshape(ops.transpose(self.context(p, v), (0, 2, 1, 3)), (rows, hidden))
            a = self.ln1(x + self.o(c, self.wo) + self.bo, self.g1, self.be1)[0]
            f = self.fc2(self.gelu(self.fc1(a, self.w1) + self.b1), self.w2) + self.b2
            return self.ln2(a + f, self.g2, self.be2)[0]

    class Encoder(nn.Cell):
        def __init__(self):
            super().__init__()
            self.layers = nn.CellList([Layer() for _ in range(layers)])

        def construct(self, x, y):
            for layer in self.layers:
                x = layer(x)
            d = x - y
            return ops.mean(d * d)
    return Encoder()


def _capture_bert(layers: int, megatron: tuple | None, batch: int = 32, seq: int = 512):
    from mindlite.parallel import capture
    net = bert_encoder(layers, 1024, 16, 4096, seq, megatron)
    rows = batch * seq
    return capture(net, [((rows, 1024), np.float32), ((rows, 1024), np.float32)])


def _capture_resnet50(batch: int = 256):
    from mindlite import nn
    from mindlite.parallel import capture
    from model_zoo.resnet.src.resnet import resnet50
    net = resnet50(1001).set_train()
    for p in net.get_parameters():  # planning only: no memory for the values
        p._data = np.broadcast_to(np.zeros((), p._data.dtype), p._data.shape)
    loss = nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"))
    return capture(loss, [((batch, 3, 224, 224), np.float32), ((batch,), np.int32)])


def planner(args: argparse.Namespace) -> None:
    import mindlite as ms
    from mindlite.parallel import plan_graph
    from mindlite.parallel.layout import TensorLayout
    rows = []
    dp_devices = [int(d) for d in args.dp_devices.split(",") if d]
    for n in ((8, 64, 512) if "bert" in args.models else ()):
        mp = 8 if n >= 64 else 4
        dp = n // mp
        cap = _capture_bert(args.layers, (dp, mp))
        data = [TensorLayout((n,), ((),) * 2)] * 2
        t = time.perf_counter()
        meg = plan_graph(cap, n, mode=ms.ParallelMode.SEMI_AUTO_PARALLEL, data_layouts=data)
        t_prop = time.perf_counter() - t
        plain = _capture_bert(args.layers, None)
        split = [TensorLayout((n,), ((0,), ()))] * 2
        row = {"model": f"BERT-large x{args.layers}", "devices": n, "propagation_s": round(t_prop, 2),
               "megatron_ms": round(meg.time * 1e3, 2), "megatron_MiB": round(meg.memory / 2 ** 20)}
        if 32 % n == 0:  # pure data parallel needs the batch (32) to split n ways
            pure_dp = plan_graph(plain, n, mode=ms.ParallelMode.AUTO_PARALLEL, search_mode="sharding_propagation",
                                 data_layouts=split)
            row.update(pure_dp_ms=round(pure_dp.time * 1e3, 2), pure_dp_MiB=round(pure_dp.memory / 2 ** 20))
        if n in dp_devices:
            t = time.perf_counter()
            best = plan_graph(plain, n, mode=ms.ParallelMode.AUTO_PARALLEL, search_mode="dynamic_programming",
                              data_layouts=split)
            row.update(dp_s=round(time.perf_counter() - t, 1), dp_ms=round(best.time * 1e3, 2),
                       dp_MiB=round(best.memory / 2 ** 20), dp_plan=best.search)
        rows.append(row)
        print(json.dumps(row), flush=True)
    for n in ((8, 64, 512) if "resnet" in args.models else ()):
        cap = _capture_resnet50()
        b = min(n, 256)  # batch 256 splits at most 256 ways; the rest of 512 must split something else
        split = [TensorLayout((n // b, b), ((1,), (), (), ())), TensorLayout((n // b, b), ((1,),))]
        t = time.perf_counter()
        prop = plan_graph(cap, n, mode=ms.ParallelMode.AUTO_PARALLEL, search_mode="sharding_propagation",
                          data_layouts=split)
        row = {"model": "ResNet-50 b256", "devices": n, "propagation_s": round(time.perf_counter() - t, 2),
               "propagation_ms": round(prop.time * 1e3, 2), "nodes": len(cap.graph.nodes)}
        if n in dp_devices:
            t = time.perf_counter()
            best = plan_graph(cap, n, mode=ms.ParallelMode.AUTO_PARALLEL, search_mode="dynamic_programming",
                              data_layouts=split)
            row.update(dp_s=round(time.perf_counter() - t, 1), dp_ms=round(best.time * 1e3, 2), dp_plan=best.search)
        print(json.dumps(row), flush=True)


def bytes_check(args: argparse.Namespace) -> None:
    import mindlite as ms
    from mindlite import Tensor, nn
    from mindlite.communication import comm_log, get_rank, init, sim
    sys.path.insert(0, os.path.join(ROOT, "tests", "parallel"))
    import models
    weights = models.draw_weights(models.BertTiny(), seed=3)
    for n in (2, 4):
        batch = models.bert_batch(8, seed=0)
        ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.AUTO_PARALLEL)

        def rank():
            init()
            r = get_rank()
            net = models.set_weights(models.BertTiny(), weights)
            step = nn.TrainOneStepCell(models.BertTinyWithLoss(net), nn.Adam(net.trainable_params(), 1e-2))
            b = 8 // n
            for _ in range(3):
                step(*[Tensor(a[r * b:(r + 1) * b]) for a in batch])
            return comm_log().bytes, 3 * step.network._parallel_plan.predicted_bytes(r)
        res = sim.spawn(rank, n)
        ms.reset_auto_parallel_context()
        for r, (logged, predicted) in enumerate(res):
            print(json.dumps({"ranks": n, "rank": r, "logged": logged, "predicted": predicted,
                              "ratio": round(logged / predicted, 3)}))


def _mpiexec() -> str:
    local = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return local if os.path.exists(local) else "mpiexec"


def scaling(args: argparse.Namespace) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    base = None
    for n in [int(r) for r in args.ranks.split(",")]:
        out = subprocess.run([_mpiexec(), "-n", str(n), sys.executable, __file__, "_scaling_worker",
                              "--steps", str(args.steps)], capture_output=True, text=True, env=env, timeout=3000)
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        row = json.loads(out.stdout.strip().splitlines()[-1])
        base = base or row["step_s"]
        row["weak_scaling_efficiency"] = round(base / row["step_s"], 3)
        print(json.dumps(row), flush=True)


def _scaling_worker(args: argparse.Namespace) -> None:
    import mindlite as ms
    from mindlite import Tensor, nn
    from mindlite.communication import comm_log, get_group_size, get_rank, init
    init()
    n = get_group_size()
    if n > 1:
        ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True)
    ms.set_context(mode=ms.GRAPH_MODE)
    ms.set_seed(0)
    net = nn.SequentialCell([nn.Dense(2048, 2048, activation="relu") for _ in range(3)] + [nn.Dense(2048, 2048)])
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.Momentum(net.trainable_params(), 0.01, 0.9))
    rng = np.random.default_rng(get_rank())
    x = Tensor(rng.normal(size=(128, 2048)).astype(np.float32))
    y = Tensor(rng.normal(size=(128, 2048)).astype(np.float32))
    step(x, y)  # compile
    comm_log().clear()
    times = []
    for _ in range(args.steps):
        t = time.perf_counter()
        step(x, y).asnumpy()
        times.append(time.perf_counter() - t)
    if get_rank() == 0:
        print(json.dumps({"ranks": n, "step_s": round(float(np.median(times)), 4),
                          "best_step_s": round(min(times), 4),
                          "allreduce_bytes_per_step": comm_log().bytes // args.steps,
                          "allreduce_calls_per_step": comm_log().calls // args.steps}), flush=True)


def fusion(args: argparse.Namespace) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([_mpiexec(), "-n", args.ranks, sys.executable, __file__, "_fusion_worker"],
                         capture_output=True, text=True, env=env, timeout=3000)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    print(out.stdout.strip())


def _fusion_worker(args: argparse.Namespace) -> None:
    import mindlite as ms
    from mindlite import Tensor, nn
    from mindlite.communication import comm_log, get_rank, init
    from model_zoo.resnet.src.resnet import resnet50
    init()
    params = resnet50(1001).trainable_params()
    rng = np.random.default_rng(get_rank())
    grads = tuple(Tensor(rng.normal(size=p.shape).astype(np.float32)) for p in params)
    for label, cfg in (("unfused (one per parameter)", {"allreduce": {"mode": "index",
                                                                      "config": list(range(1, len(params)))}}),
                       ("25 MB buckets", {"allreduce": {"mode": "size", "config": 25}}),
                       ("64 MB buckets", {"allreduce": {"mode": "size", "config": 64}})):
        ms.set_auto_parallel_context(comm_fusion=cfg, gradients_mean=True)
        reducer = nn.DistributedGradReducer(params)
        reducer(grads)  # warm up
        comm_log().clear()
        times = []
        for _ in range(5):
            t = time.perf_counter()
            reducer(grads)
            times.append(time.perf_counter() - t)
        if get_rank() == 0:
            print(json.dumps({"fusion": label, "calls": comm_log().calls // 5,
                              "MB": round(comm_log().bytes / 5 / 2 ** 20, 1),
                              "median_s": round(float(np.median(times)), 4), "best_s": round(min(times), 4)}),
                  flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["planner", "bytes", "scaling", "fusion", "_scaling_worker", "_fusion_worker"])
    ap.add_argument("--dp-devices", default="8,64")
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--models", default="bert,resnet")
    ap.add_argument("--ranks", default="1,2,4")
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    {"planner": planner, "bytes": bytes_check, "scaling": scaling, "fusion": fusion,
     "_scaling_worker": _scaling_worker, "_fusion_worker": _fusion_worker}[args.what](args)


if __name__ == "__main__":
    main()
