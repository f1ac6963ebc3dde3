"""Eager dispatch cost: microseconds per tiny elementwise op (16 float32 elements).

Compares mindlite PYNATIVE, raw numpy and PyTorch CPU eager in one run, and mindlite's cost
while a gradient is being recorded (inside `mindlite.grad`). Run:

    python benchmarks/dispatch.py [--ops 20000] [--repeat 7]
"""
from __future__ import annotations

import argparse
import json
import platform
import timeit

import numpy as np

import mindlite as ms


def per_op_us(stmt, ops_per_call: int, number: int, repeat: int) -> float:
    """Best-of-`repeat` microseconds per op, for a callable doing `ops_per_call` ops."""
    times = timeit.repeat(stmt, number=number, repeat=repeat)
    return min(times) / (number * ops_per_call) * 1e6


def chain(x, y, n: int):
    # 10 ops per call: enough to amortise the call itself
    for _ in range(n):
        x = x + y
        x = x * y
        x = x - y
        x = x + y
        x = x * y
        x = x - y
        x = x + y
        x = x * y
        x = x - y
        x = x + y
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ops", type=int, default=20000, help="ops per timing (multiple of 10)")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    inner = args.ops // 10
    results = {}
    a_np = np.ones(16, np.float32)
    b_np = np.full(16, 0.5, np.float32)
    results["numpy"] = per_op_us(lambda: chain(a_np, b_np, inner), 10 * inner, 1, args.repeat)
    a, b = ms.Tensor(a_np), ms.Tensor(b_np)
    results["mindlite"] = per_op_us(lambda: chain(a, b, inner), 10 * inner, 1, args.repeat)

    # recording: the same chain inside grad (forward ops recorded on the tape; backward excluded)
    def record_only(x):
        chain(x, b, inner)
        return ms.ops.sum(x)
    g = ms.grad(record_only)
    results["mindlite_recording"] = per_op_us(lambda: g(a), 10 * inner, 1, args.repeat)
    try:
        import torch
        torch.set_num_threads(1)
        ta, tb = torch.ones(16), torch.full((16,), 0.5)
        results["torch"] = per_op_us(lambda: chain(ta, tb, inner), 10 * inner, 1, args.repeat)
        tar = torch.ones(16, requires_grad=True)
        results["torch_recording"] = per_op_us(lambda: chain(tar, tb, inner), 10 * inner, 1, args.repeat)
        results["torch_version"] = torch.__version__
    except ImportError:
        results["torch"] = None
    results["machine"] = f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip()
    results["numpy_version"] = np.__version__
    print(json.dumps(results))
    if results.get("torch"):
        print(f"mindlite/torch: {results['mindlite'] / results['torch']:.2f}x   "
              f"recording mindlite/torch: {results['mindlite_recording'] / results['torch_recording']:.2f}x")


if __name__ == "__main__":
    main()
