"""ONNX export (opset 17) checked with onnxruntime; skipped without the mindlite[onnx] extra."""
import sys

import numpy as np
import pytest

from mindlite.core.prim import UnsupportedError

import mindlite as ms
from mindlite import lite, nn, ops
from mindlite.lite import onnx_export

from .nets import CNN, MLP, accuracy, randomize_bn


class Fn(nn.Cell):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def construct(self, *xs):
        return self.fn(*xs)


def _r(*shape, seed=0, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


X, Y = _r(3, 4, 5), _r(3, 4, 5, seed=1)
POS = _r(3, 4, 5, seed=2, low=0.2, high=3.0)
IMG = _r(2, 3, 8, 8, seed=3)

# name -> (network, example inputs); together they cover every op of onnx_export._MAPPERS
CASES = {
    "add": (lambda x, y: x + y, (X, Y)), "sub": (lambda x, y: x - y * 2.0, (X, Y)),
    "mul": (lambda x, y: x * y, (X, Y)), "div": (lambda x, y: x / y, (X, POS)),
    "pow": (lambda x, y: ops.pow(x, y), (POS, Y)), "maximum": (ops.maximum, (X, Y)), "minimum": (ops.minimum, (X, Y)),
    "compare": (lambda x, y: ops.cast(ops.logical_or(ops.logical_and(x < y, x <= 0.5), ops.logical_not(
        ops.logical_or(x > y, ops.logical_or(x >= 1.0, ops.logical_or(ops.equal(x, y), ops.not_equal(y, 0.0)))))),
        ms.float32), (X, Y)),
    "unary": (lambda x: ops.neg(ops.abs(x)) + ops.exp(x) + ops.square(x) + ops.sign(x) + ops.floor(x) + ops.ceil(x)
              + ops.round(x * 3.0) + ops.sin(x) + ops.cos(x) + ops.erf(x), (X,)),
    "positive": (lambda p: ops.log(p) + ops.sqrt(p) + ops.rsqrt(p) + ops.reciprocal(p), (POS,)),
    "activations": (lambda x: ops.relu(x) + ops.sigmoid(x) + ops.tanh(x) + ops.gelu(x)
                    + ops.gelu(x, approximate="tanh"), (X,)),
    "softmax": (lambda x: ops.softmax(x, -1) + ops.log_softmax(x, 1), (X,)),
    "matmul": (lambda x, y: ops.matmul(x, ops.transpose(y, (0, 2, 1))), (X, Y)),
    "shape": (lambda x, y: ops.concat((ops.reshape(x, (3, 20)), ops.reshape(y, (3, 20))), 1), (X, Y)),
    "reduce": (lambda x: ops.sum(x, 2) + ops.amax(x, 2) + ops.amin(x, 2) + ops.mean(x, 2), (X,)),
    "mean_keepdims": (lambda x: ops.mean(x, (1, 2), keep_dims=True), (X,)),
    "where": (lambda x, y: ops.where(x > y, x, y * 3.0), (X, Y)),
    "pools": (lambda x: ops.max_pool2d(x, 2, 2) + ops.avg_pool2d(x, 2, 2) + ops.adaptive_avg_pool2d(x, (4, 4)),
              (IMG,)),
    "global_pool": (lambda x: ops.adaptive_avg_pool2d(x, (1, 1)), (IMG,)),
    "pad": (lambda x: ops.pad(x, (1, 2, 0, 3), value=0.5) + ops.pad(x, (1, 2, 0, 3), mode="reflect"), (IMG,)),
    "conv_no_bias": (nn.Conv2d(3, 4, 3, pad_mode="pad", padding=1, stride=2), (IMG,)),
    "conv_bias_relu": (nn.SequentialCell(nn.Conv2d(3, 4, 3, has_bias=True, pad_mode="same"), nn.ReLU()), (IMG,)),
    "batch_norm": (nn.SequentialCell(nn.Conv2d(3, 4, 1), randomize_bn(nn.BatchNorm2d(4))), (IMG,)),
    "layer_norm": (nn.LayerNorm((5,)), (X,)),
    "dense": (nn.Dense(5, 7), (X[0],)),
    "mlp": (MLP(d_in=5), (X[0],)),
}


@pytest.fixture(scope="module")
def ort():
    pytest.importorskip("onnx", reason="needs the mindlite[onnx] extra")
    return pytest.importorskip("onnxruntime", reason="needs the mindlite[onnx] extra")


def _run_ort(ort, path, arrays):
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, {f"input{k}": a for k, a in enumerate(arrays)})


def _export(net, arrays, path, **kw):
    net.set_train(False)
    return ms.export(net, *[ms.Tensor(a) for a in arrays], file_name=path, file_format="ONNX", **kw)


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_onnxruntime(name, ort, tmp_file):
    fn, arrays = CASES[name]
    net = fn if isinstance(fn, nn.Cell) else Fn(fn)
    path = _export(net, arrays, tmp_file(name))
    got = _run_ort(ort, path, arrays)[0]
    ref = net(*[ms.Tensor(a) for a in arrays]).asnumpy()
    assert got.dtype == ref.dtype and got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_cases_cover_every_mapped_op(tmp_file):
    seen = set()
    for fn, arrays in CASES.values():
        net = fn if isinstance(fn, nn.Cell) else Fn(fn)
        net.set_train(False)
        graph = lite.from_network(net, tuple(ms.Tensor(a) for a in arrays))
        g, _ = onnx_export._prepare(graph, graph.doc["reference_batch"])
        seen |= {n.prim.name for n in g.nodes}
    int8 = {"qconv2d", "qdense"}  # covered by the QDQ test below
    assert set(onnx_export.SUPPORTED_OPS) - int8 - {"identity"} <= seen, \
        set(onnx_export.SUPPORTED_OPS) - int8 - {"identity"} - seen


def test_cnn_with_dynamic_batch(ort, tmp_file):
    import onnx
    net = randomize_bn(CNN())
    path = _export(net, (_r(2, 1, 8, 8),), tmp_file("cnn"))
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    assert [n.op_type for n in model.graph.node].count("Gemm") == 1
    for batch in (2, 5):
        x = _r(batch, 1, 8, 8, seed=batch)
        np.testing.assert_allclose(_run_ort(ort, path, [x])[0], net(ms.Tensor(x)).asnumpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_int8_qdq_export_agrees_within_quantization_error(ort, trained_cnn, digits, tmp_file):
    net, _ = trained_cnn
    xtr, _, xte, yte = digits
    graph, _ = lite.optimize_graph(lite.from_network(net, (ms.Tensor(xte[:2]),)))
    q = lite.quantize(graph, [xtr[:200]], method="MAX_MIN")
    path = onnx_export.save_onnx(q, tmp_file("int8.onnx"))
    ours = lite.Model().build_from_graph(q).predict([xte])[0].get_data_to_numpy()
    theirs = _run_ort(ort, path, [xte])[0]
    last = [n for n in q.specialize(2).graph.nodes if n.prim.name == "qdense"][-1]
    # one int8 step of the last layer's input, spread by its weights, bounds a rounding flip upstream
    step = last.params["x_scale"] * np.abs(last.inputs[1].value * last.inputs[2].value[None, :]).sum(0).max()
    assert np.abs(ours - theirs).max() <= step
    assert accuracy(theirs, yte) == pytest.approx(accuracy(ours, yte), abs=0.01)


def test_unmapped_op_names_op_scope_and_list(ort, tmp_file):
    net = Fn(lambda x: ops.cumsum(x, 1))
    with pytest.raises(UnsupportedError, match=r"op 'cumsum' \(scope root.*supported ops: .*conv2d"):
        _export(net, (X,), tmp_file("cumsum"))


def test_missing_onnx_says_how_to_install(monkeypatch, tmp_file):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError
    with pytest.raises(ImportError, match=r"pip install mindlite\[onnx\]"):
        _export(MLP(), (_r(2, 64),), tmp_file("mlp"))
