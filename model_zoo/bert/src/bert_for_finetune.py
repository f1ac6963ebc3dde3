"""Fine-tuning networks of the BERT recipe (MindSpore's src/bert_for_finetune.py).

``BertCLS`` = BertForSequenceClassification (MindSpore's BertCLSModel: pooled [CLS] -> dropout
-> Dense -> log_softmax) + CrossEntropyCalculation (mean of -log p(label)); its parameter
names (``bert.bert.*`` for the encoder) are those of BertNetworkWithLoss, so a pre-training
checkpoint loads into it directly, as in MindSpore's run_classifier.py. Training uses the
recipe's loss-scale cell (BertTrainOneStepWithLossScaleCell plays BertFinetuneCell's role).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from mindlite import Tensor, nn, ops

from .bert_model import BertConfig, BertForSequenceClassification


class CrossEntropyCalculation(nn.Cell):
    """Mean of -sum(one_hot(label) * log_probs) over the batch (training); the logits as
    they are when not training (MindSpore's behaviour)."""

    def __init__(self, is_training: bool = True) -> None:
        super().__init__()
        self.is_training = is_training

    def construct(self, logits: Tensor, label_ids: Tensor, num_labels: int) -> Tensor:
        if not self.is_training:
            return logits
        labels = ops.reshape(label_ids, (-1,))
        one_hot = ops.one_hot(labels, num_labels, 1.0, 0.0)
        return ops.mean(-ops.sum(logits * one_hot, -1))


class BertCLS(nn.Cell):
    """``construct(input_ids, input_mask, token_type_id, label_ids)`` -> loss (training)."""

    def __init__(self, config: BertConfig, is_training: bool, num_labels: int = 2, dropout_prob: float = 0.0,
                 use_one_hot_embeddings: bool = False, assessment_method: str = "") -> None:
        super().__init__()
        self.bert = BertForSequenceClassification(config, is_training, num_labels, dropout_prob,
                                                  use_one_hot_embeddings, assessment_method)
        self.loss = CrossEntropyCalculation(is_training)
        self.num_labels = num_labels

    def construct(self, input_ids: Tensor, input_mask: Tensor, token_type_id: Tensor, label_ids: Tensor) -> Tensor:
        logits = self.bert(input_ids, input_mask, token_type_id)
        return self.loss(logits, label_ids, self.num_labels)


def evaluate_accuracy(classifier: nn.Cell, dataset: Any) -> tuple[float, int]:
    """(accuracy, examples) of `classifier` (input_ids, input_mask, token_type_id -> scores)
    over `dataset` (columns input_ids, input_mask, segment_ids, label_ids); runs with
    set_train(False) (no dropout) and restores the training flag."""
    was_training = classifier.training
    classifier.set_train(False)
    correct = total = 0
    try:
        for row in dataset.create_dict_iterator(num_epochs=1, output_numpy=True):
            scores = classifier(Tensor(row["input_ids"]), Tensor(row["input_mask"]), Tensor(row["segment_ids"]))
            pred = np.argmax(scores.asnumpy(), -1)
            labels = row["label_ids"].reshape(-1)
            correct += int((pred == labels).sum())
            total += labels.size
    finally:
        classifier.set_train(was_training)
    return (correct / total if total else float("nan")), total


__all__ = ["BertCLS", "CrossEntropyCalculation", "evaluate_accuracy"]
