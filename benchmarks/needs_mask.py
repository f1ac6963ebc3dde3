#!/usr/bin/env python
"""Run: python benchmarks/needs_mask.py

Weight gradient of ResNet-50's first layer (7x7/2, 3->64, b8 224x224) with and without the
needs mask (the mask skips the data gradient, a full col2im, that nobody uses)."""
import time, numpy as np, mindlite as ms
from mindlite import nn, ops, Tensor
from mindlite.ops import conv as C
ms.set_seed(0)
conv = nn.Conv2d(3, 64, 7, stride=2, pad_mode="pad", padding=3)
x = Tensor(np.random.default_rng(0).standard_normal((8, 3, 224, 224)).astype(np.float32))
g = ms.grad(lambda t: ops.sum(conv(t)), grad_position=None, weights=conv.trainable_params())
orig = C.conv2d_p.bprop
def forced(x, w, *, out, dout, needs, **geo):
    return orig(x, w, out=out, dout=dout, needs=(True, True), **geo)
def best(fn, n=5):
    fn(); ts = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return min(ts)
for _ in range(2):
    a = best(lambda: g(x))
    C.conv2d_p.bprop = forced
    b = best(lambda: g(x))
    C.conv2d_p.bprop = orig
    print(f"weight grad of conv1: needs mask {a*1e3:.1f} ms, every input's gradient {b*1e3:.1f} ms ({b/a:.2f}x)")
