"""Run-time sizes: one graph for every batch size against one graph per size.

1. A GRAPH_MODE training step (MLP 784-256-10, SGD, softmax cross-entropy) called with a
   batch size that changes every call (sizes 17..80, as variable-length batches do) and with
   a fixed batch. Reports compiles, the total time of the varying run and the per-step time
   once warm, for the step declared with `set_inputs(Tensor(shape=[None, 784]),
   Tensor(shape=[None]))` against the undeclared step (which compiles each new size).
2. The BERT recipe's fine-tune step (tiny config, Adam) over 16 (batch, sequence) shapes,
   declared `[None, None]` against undeclared.

    python benchmarks/dynamic_sizes.py [--steps 64]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import mindlite as ms
from mindlite import nn, Tensor
from mindlite.core.jit import cell_function


def make_step(declare: bool) -> nn.Cell:
    ms.set_seed(0)
    net = nn.SequentialCell(nn.Dense(784, 256), nn.ReLU(), nn.Dense(256, 10))
    loss = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
    step = nn.TrainOneStepCell(nn.WithLossCell(net, loss), nn.SGD(net.trainable_params(), 0.01))
    if declare:
        step.set_inputs(Tensor(shape=[None, 784], dtype=ms.float32), Tensor(shape=[None], dtype=ms.int32))
    return step


def batches(sizes: list[int]) -> list[tuple]:
    rng = np.random.default_rng(0)
    return [(Tensor(rng.random((b, 784), dtype=np.float32)), Tensor(rng.integers(0, 10, b).astype(np.int32)))
            for b in sizes]


def run(step: nn.Cell, data: list) -> float:
    start = time.perf_counter()
    for x, y in data:
        step(x, y)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=64)
    args = ap.parse_args()
    ms.set_context(mode=ms.GRAPH_MODE)
    varying = batches([17 + k for k in range(args.steps)])
    fixed = batches([64] * args.steps)
    print(f"{'step':<22}{'compiles':>9}{'varying total s':>17}{'warm ms/step (b=64)':>21}")
    for declare in (True, False):
        step = make_step(declare)
        total = run(step, varying)
        compiles = sum(len(v) for v in cell_function(step).cache.values())
        run(step, fixed[:4])
        warm = min(run(step, fixed) for _ in range(3)) / len(fixed) * 1e3
        name = "declared None batch" if declare else "one graph per size"
        print(f"{name:<22}{compiles:>9}{total:>17.2f}{warm:>21.2f}")
    bert()


def bert() -> None:
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "model_zoo", "bert"))
    from src.bert_for_finetune import BertCLS
    from src.bert_model import BertConfig
    shapes = [(b, s) for b in (2, 3, 4, 6) for s in (12, 16, 24, 32)]
    rng = np.random.default_rng(0)
    cfg = BertConfig.tiny(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    data = [(Tensor(rng.integers(0, cfg.vocab_size, (b, s)).astype(np.int32)), Tensor(np.ones((b, s), np.int32)),
             Tensor(np.zeros((b, s), np.int32)), Tensor(rng.integers(0, 3, b).astype(np.int32))) for b, s in shapes]
    print(f"\nBERT tiny fine-tune step, {len(shapes)} (batch, sequence) shapes")
    print(f"{'step':<22}{'compiles':>9}{'total s':>17}{'warm ms/step':>21}")
    for declare in (True, False):
        ms.set_seed(0)
        net = BertCLS(cfg, is_training=True, num_labels=3)
        step = nn.TrainOneStepCell(net, nn.Adam(net.trainable_params(), 1e-3))
        if declare:
            ints = [Tensor(shape=[None, None], dtype=ms.int32) for _ in range(3)]
            step.set_inputs(*ints, Tensor(shape=[None], dtype=ms.int32))
        start = time.perf_counter()
        for d in data:
            step(*d)
        total = time.perf_counter() - start
        compiles = sum(len(v) for v in cell_function(step).cache.values())
        start = time.perf_counter()
        for _ in range(3):
            for d in data:
                step(*d)
        warm = (time.perf_counter() - start) / (3 * len(data)) * 1e3
        name = "declared [None, None]" if declare else "one graph per shape"
        print(f"{name:<22}{compiles:>9}{total:>17.2f}{warm:>21.2f}")


if __name__ == "__main__":
    main()
