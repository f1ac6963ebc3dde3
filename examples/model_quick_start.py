"""Model quick start: the high-level API on built-in data, in GRAPH_MODE by default.

    python examples/model_quick_start.py [--mode graph|pynative] [--epochs 8]

A dataset pipeline (NumpySlicesDataset -> shuffle -> batch) feeds `Model.train` with a
loss monitor and a checkpoint callback; `Model.eval` reports accuracy.
"""
from __future__ import annotations

import argparse
import math
import os
import tempfile

import numpy as np

import mindlite as ms
import mindlite.dataset as ds
from mindlite import nn


def spirals(n_per_class: int = 200, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    r = np.tile(np.linspace(0.1, 1.0, n_per_class), classes)
    c = np.repeat(np.arange(classes), n_per_class)
    t = c * 2 * math.pi / classes + np.tile(np.linspace(0, 3.5, n_per_class), classes) + rng.normal(0, 0.15, r.size)
    return np.stack([r * np.sin(t), r * np.cos(t)], 1).astype(np.float32), c.astype(np.int32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mode", choices=["graph", "pynative"], default="graph")
    ap.add_argument("--epochs", type=int, default=8)
    args = ap.parse_args()
    ms.set_context(mode=ms.GRAPH_MODE if args.mode == "graph" else ms.PYNATIVE_MODE)
    ms.set_seed(0)
    ds.config.set_seed(0)
    x, y = spirals()
    train = ds.NumpySlicesDataset({"x": x, "y": y}, shuffle=True).batch(32)
    net = nn.SequentialCell(nn.Dense(2, 64, activation="relu"), nn.Dense(64, 64, activation="relu"), nn.Dense(64, 3))
    model = ms.Model(net, nn.CrossEntropyLoss(), nn.Momentum(net.trainable_params(), 0.1, 0.9), metrics={"accuracy"})
    ckpt_dir = os.path.join(tempfile.gettempdir(), "mindlite_quick_start")
    callbacks = [ms.LossMonitor(per_print_times=19),
                 ms.ModelCheckpoint("spirals", ckpt_dir, ms.CheckpointConfig(save_checkpoint_steps=19))]
    model.train(args.epochs, train, callbacks=callbacks)
    result = model.eval(ds.NumpySlicesDataset({"x": x, "y": y}, shuffle=False).batch(100))
    print(f"accuracy {result['accuracy']:.3f}; checkpoints in {ckpt_dir}")


if __name__ == "__main__":
    main()
