"""mindlite.te benchmark: the DSL sigmoid against hand-written numpy and the built-in op,
kernel counts and times of a chain of six te ops in graph mode (unfused vs fused), and
node counts of gradients before and after `te.simplify`.

    python benchmarks/te_bench.py [--n 1000000] [--repeat 30]

Times are the best of `--repeat` runs (the machines are shared; the minimum is the least
disturbed figure), in milliseconds. With cupy and a GPU, the GPU times are added.
"""
from __future__ import annotations

import argparse
import platform
import time
from typing import Any, Callable

import numpy as np

import mindlite as ms
from mindlite import te
from mindlite.passes import pipeline
from mindlite.te.lang import cce
from mindlite.te.op import TE_OPS


def best_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm up (compiles, first allocations)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)


def sigmoid(x: Any) -> Any:
    return cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0))


def bench_sigmoid(n: int, repeat: int) -> list[tuple[str, float]]:
    rng = np.random.default_rng(0)
    a = rng.standard_normal(n).astype(np.float32)
    h = rng.standard_normal(n).astype(np.float32)
    x = te.placeholder((te.var("n"),), "float32", "x")
    s = sigmoid(x)
    prim = te.build(s, [x], "bench_sigmoid")
    fwd = TE_OPS[prim].lowered.fn
    grad_prim, sources = TE_OPS[prim].grad_ops()[0]
    bwd = TE_OPS[grad_prim].lowered.fn
    assert [k for k, _ in sources] == ["in", "out", "dout"]
    dout = te.placeholder(s.shape, "float32", "dout")
    over = {s: ([x], lambda t, d, hd: [te.compute(x.shape, lambda i: hd[i] * t[i] * (1 - t[i]), "dsig")])}
    [dx_over] = te.differentiate(s, [x], dout, override=over)
    out_ph = te.placeholder(s.shape, "float32", "out")
    from mindlite.te.visit import replace_tensors
    bwd_over = te.lower(replace_tensors(te.simplify(dx_over, keep=[s]), {s: out_ph}), "numpy", [out_ph, dout]).fn

    def hand_fwd() -> Any:
        return 1 / (1 + np.exp(-a))

    def hand_fwd_bwd() -> Any:
        y = 1 / (1 + np.exp(-a))
        return h * y * (1 - y)

    def dsl_fwd_bwd() -> Any:
        y = fwd(np, a)
        return bwd(np, a, y, h)

    def dsl_over_fwd_bwd() -> Any:
        return bwd_over(np, fwd(np, a), h)

    ta, th = ms.Tensor(a), ms.Tensor(h)

    def prim_fwd_bwd() -> Any:
        return ms.grad(lambda t: (prim(t) * th).sum())(ta)

    def builtin_fwd_bwd() -> Any:
        return ms.grad(lambda t: (ms.ops.sigmoid(t) * th).sum())(ta)

    ref = hand_fwd_bwd()
    for got in (dsl_fwd_bwd(), dsl_over_fwd_bwd(), prim_fwd_bwd().asnumpy(), builtin_fwd_bwd().asnumpy()):
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    return [
        ("forward: hand-written `1/(1+np.exp(-x))`", best_ms(hand_fwd, repeat)),
        ("forward: te sigmoid, generated numpy function", best_ms(lambda: fwd(np, a), repeat)),
        ("forward: te primitive, PYNATIVE", best_ms(lambda: prim(ta), repeat)),
        ("forward: built-in `ops.sigmoid`, PYNATIVE", best_ms(lambda: ms.ops.sigmoid(ta), repeat)),
        ("fwd+bwd: hand-written (`dout*s*(1-s)`)", best_ms(hand_fwd_bwd, repeat)),
        ("fwd+bwd: te, generated functions (auto gradient, reuses out)", best_ms(dsl_fwd_bwd, repeat)),
        ("fwd+bwd: te, generated functions (override `head*s*(1-s)`)", best_ms(dsl_over_fwd_bwd, repeat)),
        ("fwd+bwd: te primitive under `ms.grad` (sum(out*dout)), PYNATIVE", best_ms(prim_fwd_bwd, repeat)),
        ("fwd+bwd: built-in `ops.sigmoid` under `ms.grad`, PYNATIVE", best_ms(builtin_fwd_bwd, repeat)),
    ]


def bench_chain(n: int, repeat: int) -> list[tuple[str, Any]]:
    side = int(round(n ** 0.5))
    x = te.placeholder((side, side), "float32", "x")
    chain = [te.build(f(x), [x], f"bench_chain{k}") for k, f in enumerate([
        lambda t: cce.vmuls(t, -0.5), cce.vexp, lambda t: cce.vadds(t, 1.0), cce.vrec,
        lambda t: cce.vmuls(t, 3.0), cce.vtanh])]

    def fn(t: Any) -> Any:
        for p in chain:
            t = p(t)
        return t
    a = ms.Tensor(np.random.default_rng(1).standard_normal((side, side)).astype(np.float32))
    fused = ms.jit(fn)
    fused(a)
    saved = pipeline.DEFAULT_PASSES
    pipeline.DEFAULT_PASSES = tuple(p for p in saved if p.__name__ != "fuse_elementwise")
    try:
        unfused = ms.jit(fn)
        unfused(a)
    finally:
        pipeline.DEFAULT_PASSES = saved
    np.testing.assert_allclose(fused(a).asnumpy(), unfused(a).asnumpy(), rtol=1e-6)
    return [
        (f"{side}x{side} float32, kernels unfused", te.kernel_count(unfused.executable((a,)).graph)),
        (f"{side}x{side} float32, kernels fused", te.kernel_count(fused.executable((a,)).graph)),
        ("GRAPH step, unfused (ms)", best_ms(lambda: unfused(a), repeat)),
        ("GRAPH step, fused (ms)", best_ms(lambda: fused(a), repeat)),
    ]


def node_counts() -> list[tuple[str, int, int]]:
    x = te.placeholder((te.var("n"), 16), "float32", "x")
    cases = {"sigmoid": sigmoid(x), "tanh": cce.vtanh(x), "log-sum-exp": cce.vadd(
        cce.vlog(cce.sum(cce.vexp(cce.vsub(x, cce.broadcast(cce.reduce_max(x, 1, True), x.shape))), 1, True)),
        cce.reduce_max(x, 1, True))}
    rows = []
    for name, out in cases.items():
        dout = te.placeholder(out.shape, "float32", "dout")
        [dx] = te.differentiate(out, [x], dout)
        rows.append((name, te.count_nodes(dx), te.count_nodes(te.simplify(dx))))
    return rows


def gpu_rows(n: int, repeat: int) -> list[tuple[str, float]]:
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() == 0:
            return []
    except Exception:  # noqa: BLE001 - no cupy or no driver
        return []
    x = te.placeholder((te.var("n"),), "float32", "x")
    low = te.lower(sigmoid(x), "cuda", [x])
    a = cupy.asarray(np.random.default_rng(0).standard_normal(n).astype(np.float32))

    def sync(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            out = fn()
            cupy.cuda.Device().synchronize()
            return out
        return run
    return [("GPU forward: te kernel (ms)", best_ms(sync(lambda: low(a)), repeat)),
            ("GPU forward: cupy `1/(1+exp(-x))` (ms)", best_ms(sync(lambda: 1 / (1 + cupy.exp(-a))), repeat))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=30)
    args = p.parse_args()
    print(f"# te benchmark: n={args.n}, best of {args.repeat}; {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    rows = bench_sigmoid(args.n, args.repeat)
    base_f, base_fb = rows[0][1], rows[4][1]
    print("\n| sigmoid, 1e6 float32 | ms | vs hand-written |\n|---|---|---|")
    for k, (name, t) in enumerate(rows):
        print(f"| {name} | {t:.2f} | {t / (base_f if k < 4 else base_fb):.2f}x |")
    print("\n| six chained te ops | value |\n|---|---|")
    for name, v in bench_chain(args.n, args.repeat):
        print(f"| {name} | {v:.2f} |" if isinstance(v, float) else f"| {name} | {v} |")
    print("\n| gradient | nodes | after simplify |\n|---|---|---|")
    for name, before, after in node_counts():
        print(f"| {name} | {before} | {after} |")
    gpu = gpu_rows(args.n, args.repeat)
    print("\n" + ("\n".join(f"| {k} | {v:.3f} |" for k, v in gpu) if gpu else "GPU: none at hand (no cupy or no "
                                                                              "CUDA device)"))


if __name__ == "__main__":
    main()
