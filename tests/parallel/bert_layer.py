"""A BERT encoder layer written with sharding-friendly op instances (as MindSpore's
parallel BERT), for planning tests: `shard` the QKV and fc1 matmuls and the planner
should rediscover Megatron's layout for the rest."""
import numpy as np

from mindlite import Parameter, Tensor, nn, ops


def _param(shape, name, rng, lazy):
    if lazy:  # planning only: no memory for the values
        return Parameter(Tensor(np.broadcast_to(np.zeros((), np.float32), shape)), name)
    return Parameter(Tensor((rng.normal(size=shape) / np.sqrt(shape[0])).astype(np.float32)), name)


class BertLayer(nn.Cell):
    def __init__(self, hidden=64, heads=8, ffn=256, seq=16, seed=0, lazy=False):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.h, self.heads, self.seq = hidden, heads, seq
        self.wq, self.wk, self.wv = (_param((hidden, hidden), n, rng, lazy) for n in ("wq", "wk", "wv"))
        self.wo = _param((hidden, hidden), "wo", rng, lazy)
        self.w1 = _param((hidden, ffn), "w1", rng, lazy)
        self.w2 = _param((ffn, hidden), "w2", rng, lazy)
        self.b1 = Parameter(Tensor(np.zeros(ffn, np.float32)), "b1")
        self.bo = Parameter(Tensor(np.zeros(hidden, np.float32)), "bo")
        self.b2 = Parameter(Tensor(np.zeros(hidden, np.float32)), "b2")
        self.g1 = Parameter(Tensor(np.ones(hidden, np.float32)), "g1")
        self.be1 = Parameter(Tensor(np.zeros(hidden, np.float32)), "be1")
        self.g2 = Parameter(Tensor(np.ones(hidden, np.float32)), "g2")
        self.be2 = Parameter(Tensor(np.zeros(hidden, np.float32)), "be2")
        self.q, self.k, self.v = ops.MatMul(), ops.MatMul(), ops.MatMul()
        self.o, self.fc1, self.fc2 = ops.MatMul(), ops.MatMul(), ops.MatMul()
        self.scores, self.context = ops.BatchMatMul(transpose_b=True), ops.BatchMatMul()
        self.softmax = ops.Softmax(-1)
        self.gelu = ops.GeLU()
        self.ln1 = ops.LayerNorm(-1, -1)
        self.ln2 = ops.LayerNorm(-1, -1)

    def _heads(self, x):
        x = ops.reshape(x, (-1, self.seq, self.heads, self.h // self.heads))
        return ops.transpose(x, (0, 2, 1, 3))

    def construct(self, x):
        b = x.shape[0] // self.seq
        q = self._heads(self.q(x, self.wq))
        k = self._heads(self.k(x, self.wk))
        v = self._heads(self.v(x, self.wv))
        p = self.softmax(self.scores(q, k) * float(1.0 / np.sqrt(self.h // self.heads)))
        c = ops.transpose(self.context(p, v), (0, 2, 1, 3))
        c = ops.reshape(c, (b * self.seq, self.h))
        a = self.ln1(x + self.o(c, self.wo) + self.bo, self.g1, self.be1)[0]
        f = self.fc2(self.gelu(self.fc1(a, self.w1) + self.b1), self.w2) + self.b2
        return self.ln2(a + f, self.g2, self.be2)[0]


class Encoder(nn.Cell):
    def __init__(self, layers=2, **kw):
        super().__init__()
        self.layers = nn.CellList([BertLayer(seed=i, **kw) for i in range(layers)])

    def construct(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class EncoderLoss(nn.Cell):
    def __init__(self, enc):
        super().__init__()
        self.enc = enc

    def construct(self, x, y):
        d = self.enc(x) - y
        return ops.mean(d * d)


def megatron(enc, mp, dp=1):
    """The two shard calls per layer: column-split QKV and fc1 by mp (batch by dp)."""
    for layer in enc.layers:
        for mm in (layer.q, layer.k, layer.v):
            mm.shard(((dp, 1), (1, mp)))
        layer.fc1.shard(((dp, 1), (1, mp)))
    return enc
