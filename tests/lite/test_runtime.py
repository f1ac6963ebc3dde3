"""lite.Converter (O0 / O2 passes) and lite.Model: numbers, node counts, golden op lists."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import lite, nn, ops
from mindlite.lite import mindir
from mindlite.lite.optimize import fold_batch_norm, fold_constants_dce, freeze_weights, remove_identities

from .nets import CNN, MLP, randomize_bn


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _ops(g):
    return [n.prim.name for n in g.nodes]


@pytest.fixture
def cnn_file(tmp_file):
    net = randomize_bn(CNN())
    return net, ms.export(net, ms.Tensor(_x(2, 1, 8, 8)), file_name=tmp_file("cnn"))


def _model(path):
    m = lite.Model()
    m.build_from_file(path)
    return m


def test_o2_equals_o0_and_the_network(cnn_file, tmp_file):
    net, path = cnn_file
    conv = lite.Converter()
    conv.convert(path, tmp_file("cnn_o0"), optimize="O0")
    o0 = _model(conv.output_file)
    conv.convert(path, tmp_file("cnn_o2"), optimize="O2")
    assert conv.output_file == tmp_file("cnn_o2.ms")
    o2 = _model(conv.output_file)
    net.set_train(False)
    for batch in (2, 1, 9):
        x = _x(batch, 1, 8, 8, seed=batch)
        ref = net(ms.Tensor(x)).asnumpy()
        y0 = o0.predict([x])[0].get_data_to_numpy()
        y2 = o2.predict([ms.Tensor(x)])[0].get_data_to_numpy()
        np.testing.assert_array_equal(y0, ref)
        np.testing.assert_allclose(y2, y0, rtol=1e-5, atol=1e-5)


def test_o2_report_and_golden_op_lists(cnn_file, tmp_file):
    _, path = cnn_file
    report = lite.Converter().convert(path, tmp_file("cnn"), optimize="O2")
    by_name = {r["pass"]: r for r in report}
    assert list(by_name) == ["freeze_weights", "fold_constants_dce", "remove_identities", "fold_batch_norm",
                             "fuse_bias_act", "plan_buffers"]
    for a, b in zip(report, report[1:]):
        assert b["nodes_before"] == a["nodes_after"]
    # 2 BNs folded: each conv -> add(bias) -> batch_norm becomes conv -> add, one node less per BN
    bn = by_name["fold_batch_norm"]
    assert bn["batch_norms_folded"] == 2 and bn["nodes_before"] - bn["nodes_after"] == 2
    # constant folding: the conv biases' reshapes and the dense weight's transpose are gone
    fold = by_name["fold_constants_dce"]
    assert fold["nodes_before"] - fold["nodes_after"] == 3
    plan = by_name["plan_buffers"]
    assert 0 < plan["planned_bytes"] <= plan["naive_bytes"] and plan["out_nodes"] > 0
    g = mindir.load(tmp_file("cnn.ms")).specialize(4).graph
    assert _ops(g) == ["lite_conv2d", "lite_conv2d", "max_pool2d", "reshape", "lite_dense"]
    assert [n.params["act"] for n in g.nodes if n.prim.name.startswith("lite_")] == ["relu", "relu", "none"]


def test_constant_folding_expected_nodes(cnn_file):
    _, path = cnn_file
    spec = ms.load(path).specialize(2)
    assert _ops(spec.graph) == ["conv2d", "reshape", "add", "batch_norm", "relu", "conv2d", "reshape", "add",
                                "batch_norm", "relu", "max_pool2d", "reshape", "transpose", "matmul", "add"]
    graph = ms.load(path)
    g, _ = freeze_weights(spec.graph, spec.sources, graph.weights)
    folded = fold_constants_dce(g)
    assert _ops(folded) == ["conv2d", "add", "batch_norm", "relu", "conv2d", "add", "batch_norm", "relu",
                            "max_pool2d", "reshape", "matmul", "add"]
    w = graph.weights["fc.weight"]
    matmul = folded.nodes[10]
    np.testing.assert_array_equal(matmul.inputs[1].value, w.T)  # transpose(weight) is now a constant


class Chains(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc = nn.Dense(64, 10)

    def construct(self, x):
        n = x.shape[0]
        x = ops.reshape(x, (n, 8, 8))
        x = ops.reshape(x, (n, 64, 1))
        x = ops.reshape(ops.stop_gradient(x), (n, 64))
        x = ops.transpose(ops.transpose(x, (1, 0)), (1, 0))
        return self.fc(x)


def test_identity_and_reshape_chain_removal():
    net = Chains()
    graph = mindir.from_network(net, (ms.Tensor(_x(3, 1, 64)),))
    spec = graph.specialize(3)
    g, _ = freeze_weights(spec.graph, spec.sources, graph.weights)
    g = remove_identities(fold_constants_dce(g))
    assert _ops(g) == ["reshape", "matmul", "add"]
    model = lite.Model().build_from_graph(lite.optimize_graph(graph)[0])
    x = _x(5, 1, 64)
    np.testing.assert_allclose(model.predict([x])[0].get_data_to_numpy(), net(ms.Tensor(x)).asnumpy(),
                               rtol=1e-5, atol=1e-6)


def _bn_closed_form(w, b, bn, conv):
    g, beta = bn.gamma.asnumpy().astype(np.float64), bn.beta.asnumpy().astype(np.float64)
    mu, var = bn.moving_mean.asnumpy().astype(np.float64), bn.moving_variance.asnumpy().astype(np.float64)
    s = g / np.sqrt(var + bn.eps)
    w2 = w.astype(np.float64) * (s[:, None, None, None] if conv else s[:, None])  # (out, ...) layout
    return w2, (b.astype(np.float64) - mu) * s + beta


def test_conv_bn_folding_matches_closed_form(cnn_file):
    net, path = cnn_file
    graph = ms.load(path)
    spec = graph.specialize(2)
    g, _ = freeze_weights(spec.graph, spec.sources, graph.weights)
    g = fold_batch_norm(fold_constants_dce(g))
    assert "batch_norm" not in _ops(g)
    convs = [n for n in g.nodes if n.prim.name == "conv2d"]
    for conv_node, cell, bn in zip(convs, (net.conv1, net.conv2), (net.bn1, net.bn2)):
        add = next(n for n in g.nodes if n.prim.name == "add" and n.inputs[0] is conv_node.outs[0])
        w2, b2 = _bn_closed_form(cell.weight.asnumpy(), cell.bias.asnumpy(), bn, conv=True)
        np.testing.assert_allclose(conv_node.inputs[1].value, w2, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(add.inputs[1].value.reshape(-1), b2, rtol=1e-6, atol=1e-6)


def test_dense_bn_folding_matches_closed_form(tmp_file):
    net = randomize_bn(MLP())
    net.set_train(False)
    graph = mindir.from_network(net, (ms.Tensor(_x(2, 64)),))
    spec = graph.specialize(2)
    g, _ = freeze_weights(spec.graph, spec.sources, graph.weights)
    g = fold_batch_norm(fold_constants_dce(g))
    assert _ops(g) == ["matmul", "add", "relu", "matmul", "add"]
    w2, b2 = _bn_closed_form(net.fc1.weight.asnumpy(), net.fc1.bias.asnumpy(), net.bn, conv=False)
    np.testing.assert_allclose(g.nodes[0].inputs[1].value, w2.T, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(g.nodes[1].inputs[1].value, b2, rtol=1e-6, atol=1e-6)
    optimised, report = lite.optimize_graph(graph)
    assert _ops(optimised.specialize(3).graph) == ["lite_dense", "lite_dense"]
    x = _x(6, 64)
    folded = lite.Model().build_from_graph(optimised).predict([x])[0].get_data_to_numpy()
    np.testing.assert_allclose(folded, net(ms.Tensor(x)).asnumpy(), rtol=1e-5, atol=1e-5)


def test_bn_in_training_mode_is_not_folded():
    net = randomize_bn(CNN())
    graph = mindir.from_network(net, (ms.Tensor(_x(2, 1, 8, 8)),))
    spec = graph.specialize(2)
    g, _ = freeze_weights(spec.graph, spec.sources, graph.weights)
    g = fold_constants_dce(g)
    trained = [type(n)(n.prim, n.inputs, dict(n.params, training=True) if n.prim.name == "batch_norm" else n.params,
                       n.outs, n.loc) for n in g.nodes]
    from mindlite.ir.graph import Graph
    out = fold_batch_norm(Graph(g.name, g.inputs, trained, g.outputs))
    assert _ops(out).count("batch_norm") == 2


def test_model_errors(cnn_file, tmp_file):
    _, path = cnn_file
    m = lite.Model()
    with pytest.raises(RuntimeError, match="build_from_file"):
        m.predict([_x(2, 1, 8, 8)])
    m.build_from_file(path)
    assert [t.shape for t in m.get_inputs()] == [[2, 1, 8, 8]]
    with pytest.raises(ValueError, match="input 0 expected dtype float32, got float64"):
        m.predict([np.zeros((2, 1, 8, 8))])
    with pytest.raises(ValueError, match=r"takes 1 input\(s\), got 0"):
        m.predict([])
    with pytest.raises(ValueError, match="optimize must be one of"):
        lite.Converter().convert(path, tmp_file("x"), optimize="O3")
