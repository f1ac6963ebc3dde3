"""Small models for the parallel tests, each built from explicit numpy weights so every
(simulated or MPI) rank starts from the same values as the single-process reference."""
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from mindlite import Tensor, nn  # noqa: E402


def set_weights(net, weights):
    for p, w in zip(net.trainable_params(), weights):
        p.set_data(Tensor(w.copy()))
    return net


def draw_weights(net, seed=0):
    """Fresh weights of net's shapes (scaled normal), as numpy arrays."""
    rng = np.random.default_rng(seed)
    out = []
    for p in net.trainable_params():
        fan = p.shape[-1] if len(p.shape) > 1 else 4
        out.append((rng.normal(size=p.shape) / np.sqrt(fan)).astype(np.float32))
    return out


def mlp(sizes=(4, 8, 3)):
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Dense(a, b, activation="relu" if i < len(sizes) - 2 else None))
    return nn.SequentialCell(layers)


class BertTiny(nn.Cell):
    """BERT-tiny encoder (model_zoo) + a classifier on the pooled output; no dropout."""

    def __init__(self, seq=8, classes=3):
        super().__init__()
        from model_zoo.bert.src.bert_model import BertConfig, BertModel
        cfg = BertConfig.tiny(seq_length=seq, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                              num_hidden_layers=1, vocab_size=40)
        self.bert = BertModel(cfg, is_training=False)
        self.head = nn.Dense(cfg.hidden_size, classes)

    def construct(self, ids, types, mask):
        _, pooled, _ = self.bert(ids, types, mask)
        return self.head(pooled)


class BertTinyWithLoss(nn.Cell):
    def __init__(self, net):
        super().__init__()
        self.net = net
        self.loss = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")

    def construct(self, ids, types, mask, label):
        return self.loss(self.net(ids, types, mask), label)


def bert_batch(batch, seq=8, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 40, (batch, seq)).astype(np.int32)
    types = rng.integers(0, 2, (batch, seq)).astype(np.int32)
    mask = np.ones((batch, seq), np.int32)
    mask[:, seq - 2:] = rng.integers(0, 2, (batch, 2))
    label = rng.integers(0, 3, batch).astype(np.int32)
    return ids, types, mask, label


def resnet_tiny(classes=4):
    from model_zoo.resnet.src.resnet import ResidualBlockBase, ResNet
    return ResNet(ResidualBlockBase, [1, 1, 1, 1], [64, 8, 8, 8], [8, 8, 8, 8], [1, 2, 1, 1], classes)


def resnet_batch(batch, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, 3, 16, 16)).astype(np.float32), rng.integers(0, 4, batch).astype(np.int32)
