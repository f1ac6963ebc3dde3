"""ROC metric (`nn.ROC`), the trapezoidal `nn.auc`, and the `nn.rearrange_inputs` decorator with
which a Metric's `update` honours `set_indexes`."""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from .metrics import Metric


def rearrange_inputs(func: Callable) -> Callable:
    """Decorator for `Metric.update`: when the metric was given `set_indexes([i, j, ...])`, update
    receives inputs[i], inputs[j], ... instead of all inputs in order."""
    @functools.wraps(func)
    def wrapper(self: Any, *inputs: Any) -> Any:
        indexes = getattr(self, "indexes", None)
        if indexes is None:
            indexes = getattr(self, "_indexes", None)
        if indexes is None:
            return func(self, *inputs)
        if any(not 0 <= i < len(inputs) for i in indexes):
            raise ValueError(f"{type(self).__name__}: indexes {list(indexes)} out of range for {len(inputs)} inputs")
        return func(self, *[inputs[i] for i in indexes])
    return wrapper


def _np(x: Any) -> np.ndarray:
    return np.asarray(x.asnumpy() if hasattr(x, "asnumpy") else x)


def _binary_curve(scores: np.ndarray, truth: np.ndarray) -> tuple:
    """(fpr, tpr, thresholds) for scores of the positive class and 0/1 truth, thresholds
    decreasing, starting from max score + 1 (the point (0, 0))."""
    order = np.argsort(-scores, kind="mergesort")
    s, t = scores[order], truth[order].astype(np.float64)
    distinct = np.where(np.diff(s))[0]
    last = np.r_[distinct, s.size - 1]
    tps = np.cumsum(t)[last]
    fps = 1 + last - tps
    tps, fps = np.r_[0.0, tps], np.r_[0.0, fps]
    thresholds = np.r_[s[last][0] + 1, s[last]]
    with np.errstate(invalid="ignore", divide="ignore"):
        fpr = fps / fps[-1] if fps[-1] > 0 else np.full_like(fps, np.nan)
        tpr = tps / tps[-1] if tps[-1] > 0 else np.full_like(tps, np.nan)
    return fpr, tpr, thresholds


class ROC(Metric):
    """`nn.ROC(class_num=None, pos_label=None)`: receiver operating characteristic. Binary
    (class_num None): scores (N,) or (N, 1) of the positive class and labels; multi-class:
    scores (N, C) and labels (N,), one curve per class (one-vs-rest). eval() -> (fpr, tpr,
    thresholds), lists per class for multi-class."""

    def __init__(self, class_num: Any = None, pos_label: Any = None) -> None:
        if class_num is not None and (not isinstance(class_num, int) or isinstance(class_num, bool) or class_num < 1):
            raise ValueError(f"For 'ROC', 'class_num' must be a positive int or None, got {class_num!r}")
        self.class_num = class_num
        self.pos_label = 1 if pos_label is None else pos_label
        super().__init__()

    def clear(self) -> None:
        self._scores: list = []
        self._labels: list = []

    @rearrange_inputs
    def update(self, *inputs: Any) -> None:
        if len(inputs) != 2:
            raise ValueError(f"ROC.update needs (y_pred, y), got {len(inputs)} inputs")
        y_pred, y = _np(inputs[0]).astype(np.float64), _np(inputs[1])
        if self.class_num is None:
            y_pred = y_pred.reshape(-1)
            if y.reshape(-1).shape != y_pred.shape:
                raise ValueError(f"ROC: binary y_pred {list(y_pred.shape)} and y {list(y.shape)} differ in size")
        elif y_pred.ndim != 2 or y_pred.shape[1] != self.class_num:
            raise ValueError(f"ROC: y_pred must be (N, {self.class_num}), got {list(y_pred.shape)}")
        self._scores.append(y_pred)
        self._labels.append(y.reshape(-1))

    def eval(self) -> tuple:
        self._empty(len(self._scores))
        scores, labels = np.concatenate(self._scores), np.concatenate(self._labels)
        if self.class_num is None:
            return _binary_curve(scores, labels == self.pos_label)
        curves = [_binary_curve(scores[:, c], labels == c) for c in range(self.class_num)]
        return [c[0] for c in curves], [c[1] for c in curves], [c[2] for c in curves]


def auc(x: Any, y: Any, reorder: bool = False) -> float:
    """Area under the curve y(x) by the trapezoidal rule; x must be monotonic unless `reorder`."""
    x, y = _np(x).astype(np.float64).reshape(-1), _np(y).astype(np.float64).reshape(-1)
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"auc: x and y must have one shape and at least 2 points, got {x.size} and {y.size}")
    direction = 1.0
    if reorder:
        order = np.lexsort((y, x))
        x, y = x[order], y[order]
    else:
        dx = np.diff(x)
        if np.any(dx < 0):
            if np.all(dx <= 0):
                direction = -1.0
            else:
                raise ValueError("auc: x is neither increasing nor decreasing; pass reorder=True")
    return float(direction * np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))
