"""Model-zoo network definitions: ResNet v1.5 (model_zoo/resnet/src/resnet.py) and BERT
(model_zoo/bert/src/bert_model.py) - parameter counts and names, MindSpore-style init,
training steps equal in PYNATIVE and GRAPH_MODE, float16 compute type, head outputs."""
import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mindlite as ms  # noqa: E402
from mindlite import Tensor, nn  # noqa: E402
from model_zoo.bert.src.bert_model import (BertConfig, BertForSequenceClassification,  # noqa: E402
                                           BertForTokenClassification, BertModel, BertNetworkWithLoss,
                                           BertPreTraining, bert_param_count)
from model_zoo.resnet.src.resnet import (ResidualBlock, ResNet, count_trainable_params, init_weight,  # noqa: E402
                                         resnet18, resnet34, resnet50)


def _in_mode(mode, fn, *args):
    """Run fn(*args) in `mode`, always restoring PYNATIVE_MODE."""
    ms.set_context(mode=mode)
    try:
        return fn(*args)
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def _train(net, inputs, steps, lr=0.01):
    """`steps` Momentum steps of a loss-returning Cell; (losses, {name: value})."""
    step = nn.TrainOneStepCell(net, nn.Momentum(net.trainable_params(), lr, 0.9))
    step.set_train()
    losses = [float(step(*inputs).asnumpy()) for _ in range(steps)]
    return losses, {p.name: p.asnumpy().copy() for p in net.get_parameters()}


def _assert_same_training(a, b):
    np.testing.assert_allclose(a[0], b[0], rtol=1e-5)
    assert a[1].keys() == b[1].keys()
    for name in a[1]:
        np.testing.assert_allclose(a[1][name], b[1][name], rtol=1e-5, atol=1e-6, err_msg=name)


# ---- ResNet ----------------------------------------------------------------------------------
def test_resnet50_parameter_count_and_names():
    net = resnet50(class_num=1000)
    assert count_trainable_params(net) == 25_557_032
    names = [p.name for p in net.trainable_params()]
    assert names[:3] == ["conv1.weight", "bn1.gamma", "bn1.beta"]
    assert names[-2:] == ["end_point.weight", "end_point.bias"]
    assert "layer1.0.down_sample_layer.0.weight" in names and "layer4.2.bn3.gamma" in names
    assert "bn1.moving_mean" in [p.name for p in net.untrainable_params()]
    assert net.layer2[0].conv2.stride == (2, 2) and net.layer2[0].conv1.stride == (1, 1)  # v1.5: stride on 3x3
    assert net.layer2[0].bn1.eps == 1e-4 and net.layer2[0].bn1.momentum == 0.9


def test_basic_block_resnets_parameter_counts():
    assert count_trainable_params(resnet18(1000)) == 11_689_512
    assert count_trainable_params(resnet34(1000)) == 21_797_672
    assert "layer2.0.bn1d.gamma" in [p.name for p in resnet18(10).trainable_params()]


def _resnet_step(factory):
    ms.set_seed(1)
    np.random.seed(1)
    net = factory(10)
    loss_net = nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"))
    # 4 images: layer4's BatchNorm normalises over batch x 1 x 1 values, and over only 2 values the
    # statistics amplify float32 rounding (the order of a sum) far beyond the tolerance
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3, 32, 32)).astype(np.float32))
    y = Tensor(np.array([1, 7, 3, 0], np.int32))
    return _train(loss_net, (x, y), steps=2)


@pytest.mark.parametrize("factory", [resnet50, resnet18], ids=["resnet50", "resnet18"])
def test_resnet_training_step_equal_in_both_modes(factory):
    eager = _in_mode(ms.PYNATIVE_MODE, _resnet_step, factory)
    graph = _in_mode(ms.GRAPH_MODE, _resnet_step, factory)
    _assert_same_training(eager, graph)
    assert all(math.isfinite(v) for v in eager[0]) and eager[0][0] != eager[0][1]
    assert np.abs(eager[1]["bn1.moving_mean"]).max() > 0  # BN statistics were updated


def test_zero_init_residual_sets_last_bn_gammas_to_zero():
    small = dict(block=ResidualBlock, layer_nums=[1, 2, 1, 1], in_channels=[64, 256, 512, 1024],
                 out_channels=[256, 512, 1024, 2048], strides=[1, 2, 2, 2], num_classes=10)
    zero = ResNet(**small, zero_init_residual=True)
    for name, p in zero.parameters_and_names():
        if name.endswith("gamma"):
            expected = 0.0 if name.endswith("bn3.gamma") else 1.0
            np.testing.assert_array_equal(p.asnumpy(), expected, err_msg=name)
    assert all(np.all(p.asnumpy() == 1) for n, p in ResNet(**small).parameters_and_names() if n.endswith("gamma"))
    basic = resnet18(10, zero_init_residual=True)
    assert not basic.layer1[0].bn2d.gamma.asnumpy().any() and basic.layer1[0].bn1d.gamma.asnumpy().all()
    basic.set_train(False)
    assert basic(Tensor(np.ones((1, 3, 32, 32), np.float32))).shape == (1, 10)


def test_resnet_initialisation_follows_mindspore():
    net = resnet18(10)
    w = net.layer3[0].conv1.weight.asnumpy()  # kaiming normal, fan_out, relu
    assert abs(w.std() - math.sqrt(2.0 / (w.shape[0] * 9))) < 0.1 * w.std()
    fc = net.end_point.weight.asnumpy()  # kaiming uniform, a = sqrt(5): bound 1/sqrt(fan_in)
    assert np.abs(fc).max() <= 1 / math.sqrt(512) and not net.end_point.bias.asnumpy().any()
    init_weight(net)  # the recipe's util.init_weight: XavierUniform convs, TruncatedNormal(0.01) dense
    w = net.layer3[0].conv1.weight.asnumpy()
    assert np.abs(w).max() <= math.sqrt(6.0 / (w.shape[1] * 9 + w.shape[0] * 9))
    assert abs(net.end_point.weight.asnumpy().std() - 0.01) < 0.001


# ---- BERT ------------------------------------------------------------------------------------
def test_bert_param_count_formula():
    for cfg in (BertConfig.tiny(), BertConfig.tiny(vocab_size=57, num_hidden_layers=3, intermediate_size=48,
                                                   type_vocab_size=3, max_position_embeddings=20)):
        assert bert_param_count(cfg) == sum(p.size for p in BertModel(cfg, True).trainable_params())
        assert bert_param_count(cfg, True) == sum(p.size for p in BertNetworkWithLoss(cfg, True).trainable_params())
    assert bert_param_count(BertConfig.base()) == 109_482_240  # "BERT-base, 110M"
    assert bert_param_count(BertConfig.base(), pretraining_heads=True) == 110_106_428
    assert bert_param_count(BertConfig.large()) == 325_522_432  # zhwiki vocab 21128
    assert bert_param_count(BertConfig.large(vocab_size=30522)) == 335_141_888  # "BERT-large, 340M"


def test_bert_parameter_names_follow_mindspore_checkpoints():
    names = [p.name for p in BertPreTraining(BertConfig.tiny(), True).trainable_params()]
    for expected in ("bert.bert_embedding_lookup.embedding_table",
                     "bert.bert_embedding_postprocessor.full_position_embedding.embedding_table",
                     "bert.bert_encoder.layers.1.attention.attention.query_layer.weight",
                     "bert.bert_encoder.layers.0.attention.output.layernorm.gamma",
                     "bert.bert_encoder.layers.0.intermediate.weight", "bert.bert_encoder.layers.0.output.dense.bias",
                     "bert.dense.weight", "cls1.dense.weight", "cls1.layernorm.beta", "cls1.output_bias",
                     "cls2.dense.weight"):
        assert expected in names, expected
    assert not any("cls1" in n and "embedding" in n for n in names)  # the MLM projection is tied


def _pretraining_batch(cfg, batch=2, predictions=4):
    rng = np.random.default_rng(0)
    seq = cfg.seq_length
    mask = np.ones((batch, seq), np.int32)
    mask[1, seq // 2:] = 0
    ints = lambda high, shape: Tensor(rng.integers(0, high, shape).astype(np.int32))  # noqa: E731
    weights = np.ones((batch, predictions), np.float32)
    weights[1, -1] = 0
    return (ints(cfg.vocab_size, (batch, seq)), Tensor(mask), ints(2, (batch, seq)), ints(2, (batch,)),
            ints(seq // 2, (batch, predictions)), ints(cfg.vocab_size, (batch, predictions)), Tensor(weights))


def _bert_step(compute_type):
    ms.set_seed(3)
    np.random.seed(3)
    cfg = BertConfig.tiny(compute_type=compute_type)
    return _train(BertNetworkWithLoss(cfg, True), _pretraining_batch(cfg), steps=3, lr=0.1)


def test_bert_pretraining_step_equal_in_both_modes():
    eager = _in_mode(ms.PYNATIVE_MODE, _bert_step, ms.float32)
    graph = _in_mode(ms.GRAPH_MODE, _bert_step, ms.float32)
    _assert_same_training(eager, graph)  # dropout is on: the same seed draws the same masks
    assert eager[0][-1] < eager[0][0]


def test_bert_float16_compute_type():
    cfg = BertConfig.tiny(compute_type=ms.float16)
    net = BertModel(cfg, False)
    x = Tensor(np.random.default_rng(1).standard_normal((4, cfg.hidden_size)).astype(np.float32))
    assert net.bert_encoder.layers[0].attention.attention.query_layer(x).dtype == ms.float16
    assert net.bert_encoder.layers[0].attention.output(x, x).dtype == ms.float32  # LayerNorm in float32
    eager = _in_mode(ms.PYNATIVE_MODE, _bert_step, ms.float16)
    graph = _in_mode(ms.GRAPH_MODE, _bert_step, ms.float16)
    assert all(math.isfinite(v) for v in eager[0] + graph[0])
    np.testing.assert_allclose(eager[0], graph[0], rtol=1e-3)
    np.testing.assert_allclose(eager[0][0], _in_mode(ms.PYNATIVE_MODE, _bert_step, ms.float32)[0][0], rtol=1e-2)


def _gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def _layer_norm(x, cell):
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-7) * cell.gamma.asnumpy() + cell.beta.asnumpy()


def test_bert_pretraining_heads_and_loss_by_hand():
    cfg = BertConfig.tiny()
    net = BertNetworkWithLoss(cfg, False)
    ids, mask, types, nsp, positions, lm_ids, lm_weights = _pretraining_batch(cfg)
    seq_out, pooled, table = net.bert.bert(ids, types, mask)
    scores, nsp_scores = net.bert(ids, mask, types, positions)
    cls1, pos = net.bert.cls1, positions.asnumpy()
    hidden = seq_out.asnumpy()[np.arange(2)[:, None], pos].reshape(-1, cfg.hidden_size)
    hidden = _gelu(hidden @ cls1.dense.weight.asnumpy().T + cls1.dense.bias.asnumpy())
    logits = _layer_norm(hidden, cls1.layernorm) @ table.asnumpy().T + cls1.output_bias.asnumpy()
    expected = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_allclose(scores.asnumpy(), expected, rtol=1e-4, atol=1e-5)
    assert nsp_scores.shape == (2, 2) and pooled.shape == (2, cfg.hidden_size)
    w = lm_weights.asnumpy().reshape(-1)
    mlm = -(expected[np.arange(8), lm_ids.asnumpy().reshape(-1)] * w).sum() / (w.sum() + 1e-5)
    nsp_loss = -nsp_scores.asnumpy()[np.arange(2), nsp.asnumpy()].mean()
    loss = net(ids, mask, types, nsp, positions, lm_ids, lm_weights)
    np.testing.assert_allclose(float(loss.asnumpy()), mlm + nsp_loss, rtol=1e-5)


def test_bert_attention_mask_hides_padding():
    cfg = BertConfig.tiny()
    net = BertModel(cfg, False)
    ids, mask, types = _pretraining_batch(cfg)[:3]
    changed = ids.asnumpy().copy()
    changed[1, cfg.seq_length // 2:] = (changed[1, cfg.seq_length // 2:] + 1) % cfg.vocab_size
    a = net(ids, types, mask)[0].asnumpy()
    b = net(Tensor(changed), types, mask)[0].asnumpy()
    np.testing.assert_allclose(a[:, :cfg.seq_length // 2], b[:, :cfg.seq_length // 2], atol=1e-5)
    assert np.abs(a[1, cfg.seq_length // 2:] - b[1, cfg.seq_length // 2:]).max() > 1e-3


def _classify(cfg, batch):
    ms.set_seed(5)
    seq_cls = BertForSequenceClassification(cfg, True, num_labels=3, dropout_prob=0.1)
    tok_cls = BertForTokenClassification(cfg, True, num_labels=5, dropout_prob=0.1)
    seq_cls.set_train()
    tok_cls.set_train()
    ids, mask, types = batch
    return seq_cls(ids, mask, types).asnumpy(), tok_cls(ids, mask, types).asnumpy()


def test_bert_classification_heads_shapes_in_both_modes():
    cfg = BertConfig.tiny()
    batch = _pretraining_batch(cfg)[:3]
    eager = _in_mode(ms.PYNATIVE_MODE, _classify, cfg, batch)
    graph = _in_mode(ms.GRAPH_MODE, _classify, cfg, batch)
    assert eager[0].shape == (2, 3) and eager[1].shape == (2 * cfg.seq_length, 5)
    np.testing.assert_allclose(np.exp(eager[0]).sum(-1), 1.0, rtol=1e-5)  # log-probabilities
    np.testing.assert_allclose(eager[0], graph[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(eager[1], graph[1], rtol=1e-5, atol=1e-6)
