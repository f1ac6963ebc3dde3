"""BertLearningRate: linear warm-up then polynomial decay, composed as MindSpore's recipe does
(official/nlp/Bert/src/utils.py)::

    decay_lr  = PolynomialDecayLR(learning_rate, end_learning_rate, decay_steps, power)(step)
    warmup_lr = WarmUpLR(learning_rate, warmup_steps)(step)            # lr * step / warmup_steps
    is_warmup = float(warmup_steps > step)
    lr = (1 - is_warmup) * decay_lr + is_warmup * warmup_lr             # decay_lr alone if warmup_steps == 0

Note the decay runs over ``decay_steps`` counted from step 0, not from the end of the
warm-up (as in MindSpore and Google's BERT), and the first step (global_step 0) has lr 0.
The value is a 0-d float32 Tensor (MindSpore's is shape [1]).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from mindlite import Tensor, nn, ops
from mindlite.common import dtype as mstype


class BertLearningRate(nn.LearningRateSchedule):
    """Warmup-decay learning rate for the BERT network."""

    def __init__(self, learning_rate: float, end_learning_rate: float, warmup_steps: int, decay_steps: int,
                 power: float) -> None:
        super().__init__()
        self.warmup_flag = warmup_steps > 0
        if self.warmup_flag:
            self.warmup_lr = nn.WarmUpLR(learning_rate, warmup_steps)
        self.decay_lr = nn.PolynomialDecayLR(learning_rate, end_learning_rate, decay_steps, power)
        self.warmup_steps = Tensor(np.array(warmup_steps, np.float32))
        self.one = Tensor(np.array(1.0, np.float32))

    def construct(self, global_step: Any) -> Tensor:
        decay_lr = self.decay_lr(global_step)
        if self.warmup_flag:
            step = ops.reshape(ops.cast(global_step, mstype.float32), ())
            is_warmup = ops.cast(ops.greater(self.warmup_steps, step), mstype.float32)
            warmup_lr = self.warmup_lr(global_step)
            return (self.one - is_warmup) * decay_lr + is_warmup * warmup_lr
        return decay_lr


def bert_lr_values(learning_rate: float, end_learning_rate: float, warmup_steps: int, decay_steps: int,
                   power: float, steps: Any) -> np.ndarray:
    """The same schedule in numpy (for printing and tests)."""
    s = np.asarray(steps, np.float64)
    decay = (learning_rate - end_learning_rate) * (1 - np.minimum(s, decay_steps) / decay_steps) ** power \
        + end_learning_rate
    if warmup_steps <= 0:
        return decay.astype(np.float32)
    warm = learning_rate * np.minimum(s, warmup_steps) / warmup_steps
    return np.where(s < warmup_steps, warm, decay).astype(np.float32)


__all__ = ["BertLearningRate", "bert_lr_values"]
