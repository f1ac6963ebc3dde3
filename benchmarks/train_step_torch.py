"""PyTorch twins of the networks benchmarked by benchmarks/train_step.py.

Each network has the same layers, parameter shapes and arithmetic as the mindlite model
it is compared with (model_zoo/resnet/src/resnet.py, model_zoo/bert/src/bert_model.py,
the MLP built in train_step.py), so that the trainable-parameter counts are equal and
the FLOPs per step are the same. Initialisation follows the mindlite models in kind but
is not bit-identical (the benchmark compares speed, not loss curves).

Differences that do not change shapes or FLOPs:
* MindSpore/mindlite 'same' padding of a stride-2 convolution / max-pool puts the odd
  padding row at the bottom/right; torch's symmetric `padding=k//2` gives the same output
  size (checked: 224 -> 112 -> 56 -> 28 -> 14 -> 7, and 32 -> 16 -> 8 -> 4 -> 2 -> 1).
* MindSpore BN momentum 0.9 (weight of the old value) is torch momentum 0.1.
* The BERT masked-LM loss picks the label log-probability with `gather` instead of
  mindlite's one-hot product (same value, a (160, 30522) product fewer).
"""
from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn


# ---- MLP ---------------------------------------------------------------------------------------
def mlp(sizes: list[int]) -> nn.Module:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


# ---- ResNet-50 v1.5 ------------------------------------------------------------------------------
def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=1e-4, momentum=0.1)  # MindSpore eps 1e-4, momentum 0.9 (old-value weight)


def _conv(cin: int, cout: int, k: int, stride: int = 1) -> nn.Conv2d:
    conv = nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False)
    nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
    return conv


class Bottleneck(nn.Module):
    """1x1 -> BN -> ReLU -> 3x3 (stride s, v1.5) -> BN -> ReLU -> 1x1 -> BN, + shortcut, ReLU."""
    expansion = 4

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        c = cout // self.expansion
        self.conv1, self.bn1 = _conv(cin, c, 1), _bn(c)
        self.conv2, self.bn2 = _conv(c, c, 3, stride), _bn(c)
        self.conv3, self.bn3 = _conv(c, cout, 1), _bn(cout)
        self.relu = nn.ReLU(inplace=True)
        self.down_sample_layer = None
        if stride != 1 or cin != cout:
            self.down_sample_layer = nn.Sequential(_conv(cin, cout, 1, stride), _bn(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.down_sample_layer is not None:
            identity = self.down_sample_layer(identity)
        return self.relu(out + identity)


class ResNet50(nn.Module):
    """Stem 7x7/2 -> BN -> ReLU -> maxpool 3x3/2; stages [3, 4, 6, 3] with strides [1, 2, 2, 2];
    mean over (H, W) -> flatten -> Linear(2048, num_classes)."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1, self.bn1 = _conv(3, 64, 7, 2), _bn(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, padding=1)
        cins, couts, strides, nums = [64, 256, 512, 1024], [256, 512, 1024, 2048], [1, 2, 2, 2], [3, 4, 6, 3]
        for i in range(4):
            blocks = [Bottleneck(cins[i], couts[i], strides[i])]
            blocks += [Bottleneck(couts[i], couts[i]) for _ in range(1, nums[i])]
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.end_point = nn.Linear(2048, num_classes)
        nn.init.zeros_(self.end_point.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.end_point(torch.flatten(x.mean((2, 3), keepdim=True), 1))


# ---- BERT pre-training -------------------------------------------------------------------------
def _dense(cin: int, cout: int, std: float = 0.02) -> nn.Linear:
    lin = nn.Linear(cin, cout)
    nn.init.trunc_normal_(lin.weight, std=std, a=-2 * std, b=2 * std)
    nn.init.zeros_(lin.bias)
    return lin


LN_EPS = 1e-7  # mindlite nn.LayerNorm default (MindSpore's)


class BertLayer(nn.Module):
    def __init__(self, h: int, heads: int, ffn: int, p: float) -> None:
        super().__init__()
        self.heads, self.d = heads, h // heads
        self.query_layer, self.key_layer, self.value_layer = _dense(h, h), _dense(h, h), _dense(h, h)
        self.attn_dropout = nn.Dropout(p)
        self.attn_out, self.attn_out_dropout, self.attn_ln = _dense(h, h), nn.Dropout(p), nn.LayerNorm(h, LN_EPS)
        self.intermediate = _dense(h, ffn)
        self.out, self.out_dropout, self.out_ln = _dense(ffn, h), nn.Dropout(p), nn.LayerNorm(h, LN_EPS)

    def _heads(self, x: torch.Tensor, seq: int) -> torch.Tensor:
        return x.reshape(-1, seq, self.heads, self.d).permute(0, 2, 1, 3)

    def forward(self, x: torch.Tensor, adder: torch.Tensor, seq: int) -> torch.Tensor:
        # x: (batch*seq, h) as in mindlite's BertTransformer
        q, k, v = (self._heads(layer(x), seq) for layer in (self.query_layer, self.key_layer, self.value_layer))
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.d))
        probs = self.attn_dropout(torch.softmax(scores + adder, -1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(-1, self.heads * self.d)
        a = self.attn_ln(x + self.attn_out_dropout(self.attn_out(ctx)))
        return self.out_ln(a + self.out_dropout(self.out(F.gelu(self.intermediate(a)))))


class BertPreTrainingLoss(nn.Module):
    """BertModel + MLM head (tied decoder + output_bias) + NSP head + the pre-training loss:
    forward(input_ids, input_mask, token_type_id, next_sentence_labels, masked_lm_positions,
    masked_lm_ids, masked_lm_weights) -> scalar loss (mindlite's BertNetworkWithLoss)."""

    def __init__(self, vocab: int = 30522, h: int = 768, layers: int = 12, heads: int = 12, ffn: int = 3072,
                 max_pos: int = 512, type_vocab: int = 2, p: float = 0.1) -> None:
        super().__init__()
        self.h = h
        self.word = nn.Embedding(vocab, h)
        nn.init.trunc_normal_(self.word.weight, std=0.02, a=-0.04, b=0.04)
        self.token_type = nn.Embedding(type_vocab, h)
        self.position = nn.Embedding(max_pos, h)
        for e in (self.token_type, self.position):
            nn.init.normal_(e.weight, std=0.01)
        self.emb_ln, self.emb_dropout = nn.LayerNorm(h, LN_EPS), nn.Dropout(p)
        self.layers = nn.ModuleList([BertLayer(h, heads, ffn, p) for _ in range(layers)])
        self.pooler = _dense(h, h)
        self.mlm_dense, self.mlm_ln = _dense(h, h), nn.LayerNorm(h, LN_EPS)
        self.output_bias = nn.Parameter(torch.zeros(vocab))
        self.nsp = _dense(h, 2)

    def forward(self, input_ids, input_mask, token_type_id, next_sentence_labels, masked_lm_positions,
                masked_lm_ids, masked_lm_weights) -> torch.Tensor:
        batch, seq = input_ids.shape
        x = self.word(input_ids) + self.token_type(token_type_id) + self.position.weight[:seq].unsqueeze(0)
        x = self.emb_dropout(self.emb_ln(x)).reshape(-1, self.h)
        adder = (1.0 - input_mask.to(torch.float32).reshape(batch, 1, 1, seq)) * -10000.0
        for layer in self.layers:
            x = layer(x, adder, seq)
        seq_out = x.reshape(batch, seq, self.h)
        pooled = torch.tanh(self.pooler(seq_out[:, 0, :]))
        # masked LM on the gathered positions, decoder tied to the word embeddings
        flat = (masked_lm_positions + torch.arange(batch).reshape(-1, 1) * seq).reshape(-1)
        hidden = self.mlm_ln(F.gelu(self.mlm_dense(x.index_select(0, flat))))
        log_probs = torch.log_softmax(torch.matmul(hidden, self.word.weight.t()) + self.output_bias, -1)
        per_example = -log_probs.gather(1, masked_lm_ids.reshape(-1, 1)).reshape(-1)
        w = masked_lm_weights.reshape(-1)
        mlm = torch.sum(w * per_example) / (torch.sum(w) + 1e-5)
        nsp_log_probs = torch.log_softmax(self.nsp(pooled), -1)
        nsp = -nsp_log_probs.gather(1, next_sentence_labels.reshape(-1, 1)).mean()
        return mlm + nsp


def count_params(model: nn.Module) -> int:
    """Trainable scalars, tied weights counted once (model.parameters() de-duplicates)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
