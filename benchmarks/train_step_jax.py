"""JAX twin of the MLP benchmarked by benchmarks/train_step.py (plain JAX, `jax.jit` of the
whole step): 784-256-256-10, ReLU, softmax cross entropy (sparse labels, mean), SGD with
momentum 0.9 written out as MindSpore's Momentum (`v = 0.9 v + g; p -= lr v`), the same
parameter count (269,322) and the same inputs. Buffers are donated, so the update is in place.

Runs in its own interpreter (`python benchmarks/train_step.py --frameworks graph,jax
--jax-python PATH` starts it), since JAX need not live next to mindlite.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def build(case: dict, arrays: tuple) -> tuple:
    """(step, n_params, to_float): `step()` runs one jitted training step."""
    import jax
    import jax.numpy as jnp

    sizes = [784, 256, 256, 10]
    key = jax.random.PRNGKey(0)
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        key, k = jax.random.split(key)
        bound = 1 / np.sqrt(a)
        params.append((jax.random.uniform(k, (a, b), jnp.float32, -bound, bound), jnp.zeros((b,), jnp.float32)))
    moments = jax.tree_util.tree_map(jnp.zeros_like, params)
    x, y = jnp.asarray(arrays[0]), jnp.asarray(arrays[1])

    def loss_fn(ps: Any, xb: Any, yb: Any) -> Any:
        h = xb
        for i, (w, b) in enumerate(ps):
            h = h @ w + b
            if i < len(ps) - 1:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h)
        return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))

    def update(ps: Any, ms: Any, xb: Any, yb: Any) -> tuple:
        loss, g = jax.value_and_grad(loss_fn)(ps, xb, yb)
        ms = jax.tree_util.tree_map(lambda m, gi: 0.9 * m + gi, ms, g)
        ps = jax.tree_util.tree_map(lambda p, m: p - 0.01 * m, ps, ms)
        return ps, ms, loss

    train_step = jax.jit(update, donate_argnums=(0, 1))
    state = {"p": params, "m": moments}

    def step() -> Any:
        state["p"], state["m"], loss = train_step(state["p"], state["m"], x, y)
        return loss

    n_params = sum(int(w.size + b.size) for w, b in params)
    return step, n_params, lambda loss: float(loss)
