"""Quick start: train a small MLP classifier on built-in generated data with mindlite's core API.

    python examples/quick_start.py [--steps 300]

The data are three interleaved spirals (no download). The model is a SequentialCell of
Dense layers trained with MindSpore's classic loop: WithLossCell + Momentum +
TrainOneStepCell, with an Accuracy metric.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

import mindlite as ms
from mindlite import Tensor, nn


def spirals(n_per_class: int = 200, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.1, 1.0, n_per_class)
        t = np.linspace(c * 2 * math.pi / classes, c * 2 * math.pi / classes + 3.5, n_per_class)
        t = t + rng.normal(0, 0.15, n_per_class)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        ys.append(np.full(n_per_class, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int32)


def build_mlp(sizes: list[int]) -> nn.Cell:
    layers: list[nn.Cell] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Dense(a, b, activation="relu" if i < len(sizes) - 2 else None))
    return nn.SequentialCell(layers)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=0.1)
    args = ap.parse_args()
    ms.set_seed(0)
    x_np, y_np = spirals()
    x, y = Tensor(x_np), Tensor(y_np)
    net = build_mlp([2, 64, 64, 3])
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.Momentum(net.trainable_params(), learning_rate=args.lr, momentum=0.9)
    train_step = nn.TrainOneStepCell(nn.WithLossCell(net, loss_fn), optimizer)
    train_step.set_train()
    accuracy = nn.Accuracy()
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        loss = train_step(x, y)
        if step == 1 or step % 50 == 0:
            accuracy.clear()
            accuracy.update(net(x), y)
            print(f"step {step:4d}  loss {float(loss.asnumpy()):.4f}  train accuracy {accuracy.eval():.3f}")
    elapsed = time.perf_counter() - start
    accuracy.clear()
    accuracy.update(net(x), y)
    print(f"final accuracy {accuracy.eval():.3f} after {args.steps} steps ({elapsed:.1f} s, "
          f"{args.steps * len(x_np) / elapsed:.0f} samples/s)")


if __name__ == "__main__":
    main()
