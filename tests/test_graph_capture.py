"""Capture of tensor-dependent Python control flow in GRAPH_MODE (source transformation):
every form gives eager's numbers, becomes structured nodes (not unrolled), and differentiates."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import Tensor, nn, ops
from mindlite.parser import convert


def f_if_elif(x):
    s = ops.sum(x)
    if s > 10:
        y = x * 3
    elif s > 0:
        y = x * 2
    else:
        y = -x
    return y


def f_while_break_continue(x):
    i = 0
    acc = x * 0
    while i < 20:
        i = i + 1
        if ops.sum(acc) > 50:
            break
        if i % 2 == 0:
            continue
        acc = acc + x
    return acc


def f_for_range_return(x, n):
    steps = n
    for k in range(n):
        x = x * 1.5
        if ops.sum(x) > 30:
            steps = k
            break
    return x, steps


def f_early_return(x):
    if ops.sum(x) > 0:
        return x * 2
    y = x - 1
    return y


def f_nested(x):
    total = x * 0
    i = 0
    while ops.sum(total) < 40:
        if ops.sum(x) > 0:
            total = total + x
        else:
            total = total - x
        i = i + 1
    return total, i


def loss_if(x, w):
    if ops.sum(x * w) > 0:
        y = ops.sin(x) * w
    else:
        y = x * x * w
    return ops.sum(y)


def loss_while(x):
    y = x
    while ops.sum(y) < 20:
        y = y * 1.3 + 0.5
    return ops.sum(y * y)


def _np(out):
    if isinstance(out, (tuple, list)):
        return [np.asarray(o.asnumpy() if isinstance(o, Tensor) else o) for o in out]
    return [out.asnumpy()]


CASES = [
    (f_if_elif, [[1.0, 2.0]]), (f_if_elif, [[5.0, 6.0]]), (f_if_elif, [[-1.0, -2.0]]),
    (f_while_break_continue, [[1.0, 2.0]]), (f_while_break_continue, [[10.0, 20.0]]),
    (f_nested, [[1.0, 2.0]]), (f_nested, [[-3.0, -1.0]]),
    (f_early_return, [[1.0, 2.0]]), (f_early_return, [[-1.0, -2.0]]),
]


@pytest.mark.parametrize("fn,values", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_captured_control_flow_matches_eager(fn, values):
    args = [Tensor(np.array(v)) for v in values]
    graph = ms.jit(convert(fn))
    for got, want in zip(_np(graph(*args)), _np(fn(*args))):
        np.testing.assert_allclose(got, want)


def test_tensor_trip_count_for_range_with_return():
    graph = ms.jit(convert(f_for_range_return))
    for x0, n in (([1.0, 2.0], 10), ([0.1, 0.1], 3)):
        x = Tensor(np.array(x0))
        nt = Tensor(np.array(n, np.int64))
        got, want = graph(x, nt), f_for_range_return(x, n)
        np.testing.assert_allclose(got[0].asnumpy(), want[0].asnumpy())
        assert int(got[1].asnumpy()) == int(want[1])
    assert len(graph.cache) == 1  # one graph for every trip count


def test_loops_stay_loops():
    g = ms.jit(convert(f_nested)).executable((Tensor(np.array([1.0, 2.0])),)).graph
    assert [n.prim.name for n in g.nodes].count("while") == 1
    body = next(n for n in g.nodes if n.prim.name == "while").params["body"]
    assert any(n.prim.name == "cond" for n in body.nodes)  # the if inside the loop is a node too


@pytest.mark.parametrize("xv", [[1.0, 2.0], [-1.0, -2.0]])
def test_gradient_through_captured_if(xv):
    x, w = Tensor(np.array(xv)), Tensor(np.array(0.7))
    got = ms.jit(lambda a, b: ms.grad(convert(loss_if), (0, 1))(a, b))(x, w)
    want = ms.grad(loss_if, (0, 1))(x, w)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g.asnumpy(), e.asnumpy())


def test_gradient_through_captured_while_against_finite_differences():
    x = np.array([0.3, 0.6])
    g = ms.jit(lambda a: ms.grad(convert(loss_while))(a))(Tensor(x)).asnumpy()
    eps = 1e-6
    num = [(float(loss_while(Tensor(x + eps * e)).asnumpy()) - float(loss_while(Tensor(x - eps * e)).asnumpy()))
           / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(g, num, rtol=1e-6)


class Gated(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc = nn.Dense(3, 3)

    def construct(self, x):
        for _ in range(4):
            if ops.sum(x) > 6:
                break
            x = ops.relu(self.fc(x)) + 1
        return x


def test_cell_construct_with_data_dependent_control_flow_in_graph_mode():
    ms.set_seed(0)
    net = Gated()
    x = Tensor(np.array([[0.5, 0.2, 0.1]], np.float32))
    eager = net(x).asnumpy()
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        got = net(x).asnumpy()
        big = net(Tensor(np.full((1, 3), 5.0, np.float32))).asnumpy()
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    np.testing.assert_allclose(got, eager, rtol=1e-6)
    np.testing.assert_allclose(big, np.full((1, 3), 5.0))  # breaks at once
    assert len(net._jit_fn.cache) == 1


def bad_try(x):
    if ops.sum(x) > 0:
        try:
            x = x * 2
        except ValueError:
            pass
    return x


def test_unsupported_construct_names_file_and_line():
    from mindlite.parser import GraphSyntaxError
    with pytest.raises(GraphSyntaxError, match=r"test_graph_capture.py\", line \d+: a `try`"):
        ms.jit(convert(bad_try))(Tensor(np.array([1.0])))
    np.testing.assert_allclose(convert(bad_try)(Tensor(np.array([1.0]))).asnumpy(), [2.0])  # eager is fine
