"""Shared te test helpers: evaluate te tensors on numpy, central finite differences."""
from __future__ import annotations

import numpy as np

from mindlite import te


def run(out, inputs, *arrays):
    return te.lower(out, "numpy", inputs)(*arrays)


def fd_check(out, inputs, arrays, rtol=1e-6, seed=0, simplified=True):
    """te.differentiate of <out, W> against (extrapolated) central differences along random directions
    (float64), for each input; also checks the simplified adjoints give the same numbers."""
    rng = np.random.default_rng(seed)
    w_arr = rng.standard_normal(np.shape(run(out, inputs, *arrays)))
    head = te.placeholder(out.shape, out.dtype, "head")
    grads = te.differentiate(out, inputs, head)
    for k, x in enumerate(inputs):
        d = rng.standard_normal(arrays[k].shape)
        eps = 1e-3

        def loss(v):
            args = list(arrays)
            args[k] = v
            return float(np.sum(run(out, inputs, *args) * w_arr))
        def central(h):
            return (loss(arrays[k] + h * d) - loss(arrays[k] - h * d)) / (2 * h)
        # Richardson extrapolation of two central differences: error O(eps^4), so a large
        # eps keeps rounding error far below rtol
        numeric = (4 * central(eps / 2) - central(eps)) / 3
        forms = [grads[k]] + ([te.simplify(grads[k])] if simplified else [])
        for g in forms:
            got = run(g, list(inputs) + [head], *arrays, w_arr)
            assert got.shape == arrays[k].shape
            analytic = float(np.sum(got * d))
            assert np.isclose(analytic, numeric, rtol=rtol, atol=1e-9 * max(1.0, abs(numeric))), \
                (x.name, analytic, numeric)
    return grads
