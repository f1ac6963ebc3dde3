"""Insight benchmarks: SummaryCollector overhead on an MLP step, writer and reader speed, and
the /api/scalars answer time on a 100k-point tag.

    python benchmarks/insight_bench.py [--steps 300] [--mode pynative|graph]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.request

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import mindlite as ms  # noqa: E402
from mindlite import insight, nn  # noqa: E402
from mindlite.insight.server import serve_in_thread  # noqa: E402


class MLP(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc1, self.relu, self.fc2 = nn.Dense(64, 128), nn.ReLU(), nn.Dense(128, 10)

    def construct(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def _train_seconds(steps: int, freq: int | None, d: str) -> float:
    ms.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(steps * 32, 64)).astype(np.float32)
    y = rng.normal(size=(steps * 32, 10)).astype(np.float32)
    ds = ms.dataset.NumpySlicesDataset((x, y), ["x", "y"], shuffle=False).batch(32)
    net = MLP()
    model = ms.train.Model(net, nn.MSELoss(), nn.Momentum(net.trainable_params(), 0.01, 0.9))
    cbs = [ms.SummaryCollector(d, collect_freq=freq)] if freq else []
    model.train(1, ds.take(2), callbacks=None)  # compile / warm up
    start = time.perf_counter()
    model.train(1, ds, callbacks=cbs)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--mode", default="pynative", choices=["pynative", "graph"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ms.set_context(mode=ms.GRAPH_MODE if args.mode == "graph" else ms.PYNATIVE_MODE)
    with tempfile.TemporaryDirectory() as d:
        base = min(_train_seconds(args.steps, None, d) for _ in range(args.repeat))
        for freq in (10, 1):
            t = min(_train_seconds(args.steps, freq, os.path.join(d, f"f{freq}_{k}")) for k in range(args.repeat))
            print(f"collector overhead ({args.mode}, collect_freq={freq}): {100 * (t / base - 1):+.1f}% "
                  f"({1e3 * base / args.steps:.2f} -> {1e3 * t / args.steps:.2f} ms/step)")
        n = 100_000
        start = time.perf_counter()
        with ms.SummaryRecord(os.path.join(d, "big")) as rec:
            one = np.float32(0.0)
            for step in range(n):
                rec.add_value("scalar", "loss", one + step)
                rec.record(step)
        w = time.perf_counter() - start
        print(f"writer: {n / w:,.0f} scalar records/s (add_value + record per step)")
        start = time.perf_counter()
        run = insight.load_run(os.path.join(d, "big"))
        r = time.perf_counter() - start
        assert len(run.scalars["loss"].steps) == n
        print(f"reader: {n:,} scalar records parsed in {r:.2f} s")
        httpd, url = serve_in_thread(d)
        try:
            best = float("inf")
            for _ in range(5):
                start = time.perf_counter()
                with urllib.request.urlopen(url + "/api/scalars?run=big&tag=loss") as resp:
                    resp.read()
                best = min(best, time.perf_counter() - start)
            print(f"/api/scalars on a {n:,}-point tag: {1e3 * best:.0f} ms (best of 5)")
        finally:
            httpd.shutdown()


if __name__ == "__main__":
    main()
