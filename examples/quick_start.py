"""Quick start: train a small MLP classifier on built-in generated data with mindlite's core API.

    python examples/quick_start.py [--steps 300]

The data are three interleaved spirals (no download). The model is an `nn.Cell` with
Parameters; the step is the MindSpore 2.x idiom `value_and_grad(forward, None, weights,
has_aux=True)` followed by a plain SGD update.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

import mindlite as ms
from mindlite import Parameter, Tensor, nn, ops
from mindlite.common.initializer import HeUniform, Zero, initializer


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


class MLP(nn.Cell):
    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        self.n = len(sizes) - 1
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            setattr(self, f"w{i}", Parameter(initializer(HeUniform(negative_slope=math.sqrt(5)), (b, a)), f"w{i}"))
            setattr(self, f"b{i}", Parameter(initializer(Zero(), (b,)), f"b{i}"))

    def construct(self, x: Tensor) -> Tensor:
        for i in range(self.n):
            x = ops.dense(x, getattr(self, f"w{i}"), getattr(self, f"b{i}"))
            if i < self.n - 1:
                x = ops.relu(x)
        return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=0.5)
    args = ap.parse_args()
    ms.set_seed(0)
    x_np, y_np = spirals()
    x, y = Tensor(x_np), Tensor(y_np)
    net = MLP([2, 64, 64, 3])
    weights = net.trainable_params()

    def forward(data: Tensor, label: Tensor) -> tuple:
        logits = net(data)
        return ops.cross_entropy(logits, label), logits

    grad_fn = ms.value_and_grad(forward, None, weights, has_aux=True)
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        (loss, logits), grads = grad_fn(x, y)
        for p, g in zip(weights, grads):
            p.set_data(p - args.lr * g)
        if step == 1 or step % 50 == 0:
            acc = float((logits.argmax(1) == y).astype(ms.float32).mean().asnumpy())
            print(f"step {step:4d}  loss {float(loss.asnumpy()):.4f}  train accuracy {acc:.3f}")
    elapsed = time.perf_counter() - start
    acc = float((net(x).argmax(1) == y).astype(ms.float32).mean().asnumpy())
    print(f"final accuracy {acc:.3f} after {args.steps} steps ({elapsed:.1f} s, "
          f"{args.steps * len(x_np) / elapsed:.0f} samples/s)")


if __name__ == "__main__":
    main()
