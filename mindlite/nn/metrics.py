"""Evaluation metrics with MindSpore's `clear / update / eval` protocol (also `mindlite.train`)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import Tensor


def _np(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.asnumpy()
    if isinstance(x, (list, tuple)):
        return np.asarray(x)
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (int, float)):
        return np.asarray(x)
    raise TypeError(f"metric inputs must be Tensors, numpy arrays, lists or numbers, got {type(x).__name__}")


def _labels(y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Class indices from integer labels or one-hot/probability rows."""
    if y.ndim == y_pred.ndim and y.shape == y_pred.shape and y_pred.ndim > 1:
        return y.argmax(-1)
    return y.reshape(y_pred.shape[:-1]) if y_pred.ndim > 1 else y


class Metric:
    """Base class: `clear()` resets, `update(*inputs)` accumulates, `eval()` returns the value."""

    def __init__(self) -> None:
        self.indexes: list | None = None
        self.clear()

    def clear(self) -> None:
        raise TypeError(f"{type(self).__name__} must define clear()")

    def set_indexes(self, indexes: list) -> "Metric":
        self.indexes = list(indexes)
        return self

    def _empty(self, n: int) -> None:
        if n == 0:
            raise RuntimeError(f"{type(self).__name__}.eval() called before any update()")


class Accuracy(Metric):
    """Fraction of correct predictions ('classification': argmax; 'multilabel': rounded rows equal)."""

    def __init__(self, eval_type: str = "classification") -> None:
        if eval_type not in ("classification", "multilabel"):
            raise ValueError(f"Accuracy: eval_type must be 'classification' or 'multilabel', got {eval_type!r}")
        self.eval_type = eval_type
        super().__init__()

    def clear(self) -> None:
        self._correct, self._total = 0.0, 0

    def update(self, *inputs: Any) -> None:
        if len(inputs) != 2:
            raise ValueError(f"Accuracy.update needs (y_pred, y), got {len(inputs)} inputs")
        y_pred, y = _np(inputs[0]), _np(inputs[1])
        if self.eval_type == "multilabel":
            hits = np.all(np.round(y_pred) == y, axis=tuple(range(1, y.ndim)))
        else:
            hits = y_pred.argmax(-1) == _labels(y_pred, y)
        self._correct += float(hits.sum())
        self._total += hits.size

    def eval(self) -> float:
        self._empty(self._total)
        return self._correct / self._total


class TopKCategoricalAccuracy(Metric):
    def __init__(self, k: int) -> None:
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"TopKCategoricalAccuracy: k must be a positive int, got {k!r}")
        self.k = k
        super().__init__()

    def clear(self) -> None:
        self._correct, self._total = 0.0, 0

    def update(self, *inputs: Any) -> None:
        y_pred, y = _np(inputs[0]), _np(inputs[1])
        labels = _labels(y_pred, y)
        topk = np.argsort(-y_pred, axis=-1, kind="stable")[..., :self.k]
        self._correct += float((topk == labels[..., None]).any(-1).sum())
        self._total += labels.size

    def eval(self) -> float:
        self._empty(self._total)
        return self._correct / self._total


class Top1CategoricalAccuracy(TopKCategoricalAccuracy):
    def __init__(self) -> None:
        super().__init__(1)


class Top5CategoricalAccuracy(TopKCategoricalAccuracy):
    def __init__(self) -> None:
        super().__init__(5)


class Loss(Metric):
    """Average of the loss values passed to `update(loss)`."""

    def clear(self) -> None:
        self._sum, self._n = 0.0, 0

    def update(self, *inputs: Any) -> None:
        if len(inputs) != 1:
            raise ValueError(f"Loss.update needs one input, got {len(inputs)}")
        loss = _np(inputs[0])
        if loss.ndim > 1:
            raise ValueError(f"Loss.update: loss must be 0-d or 1-d, got shape {list(loss.shape)}")
        self._sum += float(loss.mean())
        self._n += 1

    def eval(self) -> float:
        self._empty(self._n)
        return self._sum / self._n


class _ClassCounts(Metric):
    """True positives / predicted / actual counts per class (classification or multilabel)."""

    def __init__(self, eval_type: str = "classification") -> None:
        if eval_type not in ("classification", "multilabel"):
            raise ValueError(f"{type(self).__name__}: eval_type must be 'classification' or 'multilabel'")
        self.eval_type = eval_type
        super().__init__()

    def clear(self) -> None:
        self._tp = self._pred = self._actual = None

    def update(self, *inputs: Any) -> None:
        y_pred, y = _np(inputs[0]), _np(inputs[1])
        c = y_pred.shape[-1]
        if self.eval_type == "multilabel":
            pred, actual = np.round(y_pred).reshape(-1, c), y.reshape(-1, c)
        else:
            pred = np.eye(c)[y_pred.argmax(-1).reshape(-1)]
            actual = np.eye(c)[_labels(y_pred, y).reshape(-1).astype(int)]
        tp, p, a = (pred * actual).sum(0), pred.sum(0), actual.sum(0)
        if self._tp is None:
            self._tp, self._pred, self._actual = tp, p, a
        else:
            self._tp, self._pred, self._actual = self._tp + tp, self._pred + p, self._actual + a

    def _ratio(self, denom: np.ndarray, average: bool) -> Any:
        if self._tp is None:
            raise RuntimeError(f"{type(self).__name__}.eval() called before any update()")
        r = np.divide(self._tp, denom, out=np.zeros_like(self._tp, dtype=float), where=denom > 0)
        return float(r.mean()) if average else r


class Precision(_ClassCounts):
    def eval(self, average: bool = False) -> Any:
        return self._ratio(self._pred, average)


class Recall(_ClassCounts):
    def eval(self, average: bool = False) -> Any:
        return self._ratio(self._actual, average)


class Fbeta(_ClassCounts):
    def __init__(self, beta: float) -> None:
        if beta <= 0:
            raise ValueError(f"Fbeta: beta must be positive, got {beta}")
        self.beta = beta
        super().__init__()

    def eval(self, average: bool = False) -> Any:
        p = self._ratio(self._pred, False)
        r = self._ratio(self._actual, False)
        b2 = self.beta ** 2
        denom = b2 * p + r
        f = np.divide((1 + b2) * p * r, denom, out=np.zeros_like(p), where=denom > 0)
        return float(f.mean()) if average else f


class F1(Fbeta):
    def __init__(self) -> None:
        super().__init__(1.0)


class MAE(Metric):
    """Mean absolute error over every element seen."""

    def clear(self) -> None:
        self._sum, self._n = 0.0, 0

    def update(self, *inputs: Any) -> None:
        y_pred, y = _np(inputs[0]), _np(inputs[1])
        err = np.abs(y_pred.reshape(y.shape) - y)
        self._sum += float(err.sum())
        self._n += err.shape[0] if err.ndim else 1

    def eval(self) -> float:
        self._empty(self._n)
        return self._sum / self._n


class MSE(MAE):
    def update(self, *inputs: Any) -> None:
        y_pred, y = _np(inputs[0]), _np(inputs[1])
        err = np.square(y_pred.reshape(y.shape) - y)
        self._sum += float(err.sum())
        self._n += err.shape[0] if err.ndim else 1


_NAMES = {"accuracy": Accuracy, "acc": Accuracy, "top_1_accuracy": Top1CategoricalAccuracy,
          "top_5_accuracy": Top5CategoricalAccuracy, "loss": Loss, "precision": Precision, "recall": Recall,
          "f1": F1, "mae": MAE, "mse": MSE}


def get_metric_fn(name: str, *args: Any, **kwargs: Any) -> Metric:
    if name not in _NAMES:
        raise KeyError(f"unknown metric {name!r}; known: {sorted(_NAMES)}")
    return _NAMES[name](*args, **kwargs)


def names() -> list:
    return sorted(_NAMES)
