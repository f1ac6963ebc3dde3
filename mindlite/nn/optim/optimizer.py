"""`nn.Optimizer`: the base class of the optimizers (MindSpore 2.x semantics).

An optimizer is a Cell. `construct(gradients)` takes a tuple aligned with `optimizer.parameters`
and updates the parameters and its own state in place (state = Parameters named as in
MindSpore, e.g. `moments.<param name>`, so checkpoints interoperate). All update math is
written with mindlite ops, and every write goes through `_assign`, so a graph trace can
capture a whole step.

Pipeline of a typical `construct` (the helpers keep MindSpore's names, for user optimizers):

    gradients = self.decay_weight(gradients)              # g + wd * loss_scale * p  (L2, coupled)
    gradients = self.gradients_centralization(gradients)  # per-group flag
    gradients = self.scale_grad(gradients)                # g / loss_scale
    lr = self.get_lr()                                    # lr of this step; global_step += 1
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...core import dtype as mstype
from ...core.tensor import Parameter, ParameterTuple, Tensor
from ...ops import functional as F
from ..cell import Cell, CellList
from ..learning_rate_schedule import LearningRateSchedule


def _assign(param: Parameter, value: Any) -> Parameter:
    """Write `value` into the state Parameter `param` (cast to its dtype, reshaped to its shape).

    The one place optimizer state is written; a graph-aware assign will be routed here.
    Arrays are never mutated: `assign_value` rebinds the Parameter's data.
    """
    v = value if isinstance(value, Tensor) else Tensor(value, param.dtype)
    if v.dtype != param.dtype:
        v = F.cast(v, param.dtype)
    if v.shape != param.shape:
        v = F.reshape(v, param.shape)
    return param.assign_value(v)


# ---- argument checks -------------------------------------------------------------------------
def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check_float(value: Any, name: str, where: str, *, low: float | None = None, low_inclusive: bool = True,
                 high: float | None = None, high_inclusive: bool = True) -> float:
    """A real number (ints accepted, bools rejected) within the given bounds, as a float."""
    if not _is_real(value):
        raise TypeError(f"For '{where}', '{name}' must be a float, got {type(value).__name__} {value!r}")
    value = float(value)
    ok = not math.isnan(value)
    if low is not None:
        ok = ok and (value >= low if low_inclusive else value > low)
    if high is not None:
        ok = ok and (value <= high if high_inclusive else value < high)
    if not ok:
        parts = []
        if low is not None:
            parts.append(f"{'>=' if low_inclusive else '>'} {low}")
        if high is not None:
            parts.append(f"{'<=' if high_inclusive else '<'} {high}")
        raise ValueError(f"For '{where}', '{name}' must be {' and '.join(parts)}, got {value}")
    return value


def _check_bool(value: Any, name: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"For '{where}', '{name}' must be a bool, got {type(value).__name__}")
    return value


class Optimizer(Cell):
    """`nn.Optimizer(learning_rate, parameters, weight_decay=0.0, loss_scale=1.0)`: base of all optimizers.

    Args:
        learning_rate: float/int (>= 0); 0-d Tensor; 1-d Tensor, list or other iterable (value
            `i` at step `i`; the last value is reused after the end, where MindSpore would read
            out of range); or a `LearningRateSchedule` Cell called with `global_step`.
        parameters: a list of Parameters, or a list of group dicts with keys `'params'`
            (required), `'lr'`, `'weight_decay'`, `'grad_centralization'`, plus optionally one
            `{'order_params': [...]}` fixing the final parameter order.
        weight_decay: float/int (>= 0) or a Cell called with `global_step`. Ungrouped, it is
            applied to every parameter whose name contains neither 'beta' nor 'gamma'; grouped,
            to every parameter of a group whose value is > 0 (or a Cell).
        loss_scale: float > 0; gradients are multiplied by `1 / loss_scale` (`scale_grad`).

    Attributes: `parameters` (ParameterTuple, optimizer order), `learning_rate` (Parameter
    "learning_rate", a schedule Cell, or per-parameter tuple/CellList with groups),
    `global_step` (int32 Parameter of shape [1], +1 at every `get_lr()`), `weight_decay`,
    `decay_flags`, `loss_scale`, `is_group`, `is_group_lr`, `dynamic_lr`.

    Differences from MindSpore: `global_step` advances on every step, not only when the
    lr or weight decay is dynamic (it is what Lamb's bias correction reads); duplicate or
    foreign parameters raise ValueError/TypeError naming the argument.
    """

    def __init__(self, learning_rate: Any, parameters: Any, weight_decay: Any = 0.0, loss_scale: float = 1.0) -> None:
        super().__init__(auto_prefix=False)
        parameters = self._parameters_base_check(parameters, "parameters")
        if not all(isinstance(x, Parameter) for x in parameters) and not all(isinstance(x, dict) for x in parameters):
            bad = next((x for x in parameters if not isinstance(x, (Parameter, dict))), None)
            raise TypeError(f"For '{self.cls_name}', every element of 'parameters' must be a Parameter, or every "
                            f"element a group dict; got {type(bad).__name__}" if bad is not None else
                            f"For '{self.cls_name}', 'parameters' mixes Parameters and group dicts")
        self.loss_scale = _check_float(loss_scale, "loss_scale", self.cls_name, low=0.0, low_inclusive=False)
        self.dynamic_lr = False
        self.dynamic_weight_decay = False
        self.grad_centralization = False
        self.is_group = False
        self.is_group_lr = False
        self.is_group_params_ordered = False
        self.global_step = Parameter(Tensor(np.zeros([1], np.int32)), name="global_step")
        learning_rate = self._preprocess_single_lr(learning_rate)
        if isinstance(parameters[0], dict):
            self.is_group = True
            self.group_params: list = []
            self.group_lr: list = []
            self.group_weight_decay: list = []
            self.group_weight_decay_raw: list = []  # before the loss-scale factor (SGD applies it unscaled)
            self.group_grad_centralization: list = []
            self._init_group_params(parameters, learning_rate, weight_decay)
        self._init_opt_attrs(learning_rate, parameters, weight_decay)

    # ---- construction ------------------------------------------------------------------------
    def _init_opt_attrs(self, learning_rate: Any, parameters: list, weight_decay: Any) -> None:
        weight_decay = self._preprocess_weight_decay(weight_decay)
        if self.is_group_lr:
            if self.dynamic_lr:
                self.learning_rate = CellList(self.group_lr)
            else:
                self.learning_rate = tuple(self.group_lr)  # one (shared) Parameter per parameter
                self._register(self.group_lr)
        else:
            self.learning_rate = self._build_single_lr(learning_rate, "learning_rate")

        if self.is_group:
            self.parameters = self._param_tuple(self.group_params, "params")
            flags = tuple(isinstance(x, Cell) or x > 0 for x in self.group_weight_decay)
            self.dynamic_decay_flags = tuple(isinstance(x, Cell) for x in self.group_weight_decay)
            self.decay_flags = flags
            self.weight_decay = tuple(x if isinstance(x, Cell) else Tensor(x, mstype.float32)
                                      for x in self.group_weight_decay)
            self.dynamic_weight_decay = any(self.dynamic_decay_flags)
            seen: set = set()
            for x in self.group_weight_decay:
                if isinstance(x, Cell) and id(x) not in seen:
                    seen.add(id(x))
                    self.insert_child_to_cell(f"weight_decay_{len(seen) - 1}", x)
            self.exec_weight_decay = any(flags)
            self.grad_centralization_flags = tuple(self.group_grad_centralization)
        else:
            self.parameters = self._param_tuple(parameters, "parameters")
            self.decay_flags = tuple("beta" not in p.name and "gamma" not in p.name for p in self.parameters)
            self.dynamic_decay_flags = isinstance(weight_decay, Cell)
            self.exec_weight_decay = isinstance(weight_decay, Cell) or weight_decay > 0
            self.weight_decay = weight_decay if isinstance(weight_decay, Cell) else Tensor(weight_decay, mstype.float32)
        self._parameters = self.parameters
        self._register(self.parameters)
        self.reciprocal_scale = Tensor(1.0 / self.loss_scale, mstype.float32)
        self.need_scale = self.loss_scale != 1.0
        self.param_length = len(self.parameters)

    def _register(self, params: Iterable[Parameter]) -> None:
        """Register Parameters held in a tuple (Cell registers only direct Parameter attributes)."""
        for p in params:
            key = p.name
            if any(q is p for q in self._params.values()):
                continue
            while key in self._params:
                key = key + "_"
            self.insert_param_to_cell(key, p, check_name_contain_dot=False)

    def _clone_state(self, prefix: str, init: Any = "zeros") -> ParameterTuple:
        """`parameters.clone(prefix, init)`, registered on this Cell (state named `<prefix>.<param name>`)."""
        state = self.parameters.clone(prefix=prefix, init=init)
        self._register(state)
        return state

    def _param_tuple(self, params: list, arg: str) -> ParameterTuple:
        seen: dict[int, int] = {}
        names: dict[str, int] = {}
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(f"For '{self.cls_name}', '{arg}' must hold Parameters only, got "
                                f"{type(p).__name__} at index {i}")
            if id(p) in seen:
                raise ValueError(f"For '{self.cls_name}', parameter '{p.name}' appears twice in '{arg}' "
                                 f"(indices {seen[id(p)]} and {i})")
            if p.name in names:
                raise ValueError(f"For '{self.cls_name}', two different parameters in '{arg}' are both named "
                                 f"'{p.name}' (indices {names[p.name]} and {i}); optimizer state is keyed by name")
            seen[id(p)] = i
            names[p.name] = i
        return ParameterTuple(params)

    @staticmethod
    def _parameters_base_check(parameters: Any, param_info: str) -> list:
        if parameters is None:
            raise ValueError(f"For 'Optimizer', the argument '{param_info}' can not be None")
        if isinstance(parameters, (Parameter, dict)) or not isinstance(parameters, Iterable):
            raise TypeError(f"For 'Optimizer', the argument '{param_info}' must be a list of Parameters or of "
                            f"group dicts, got {type(parameters).__name__}")
        parameters = list(parameters)
        if not parameters:
            raise ValueError(f"For 'Optimizer', the argument '{param_info}' must not be empty")
        return parameters

    def _preprocess_weight_decay(self, weight_decay: Any) -> Any:
        """float >= 0 -> float * loss_scale (it is added to still-scaled gradients); Cell -> wrapped Cell."""
        if isinstance(weight_decay, Cell):
            self.dynamic_weight_decay = True
            return _WrappedWeightDecay(weight_decay, self.loss_scale)
        if not _is_real(weight_decay):
            raise TypeError(f"For '{self.cls_name}', 'weight_decay' must be a float, int or Cell, got "
                            f"{type(weight_decay).__name__}")
        return _check_float(weight_decay, "weight_decay", self.cls_name, low=0.0) * self.loss_scale

    def _preprocess_single_lr(self, learning_rate: Any, name: str = "learning_rate") -> Any:
        """float/int -> float; 0-d Tensor -> float32 Tensor; 1-d / iterable -> float32 1-d Tensor; schedule."""
        where = self.cls_name
        if isinstance(learning_rate, bool):
            raise TypeError(f"For '{where}', '{name}' must be a float, Tensor, list or LearningRateSchedule, got bool")
        if _is_real(learning_rate) or (isinstance(learning_rate, np.ndarray) and learning_rate.ndim == 0):
            return _check_float(float(learning_rate), name, where, low=0.0)
        if isinstance(learning_rate, Tensor) and learning_rate.ndim == 0:
            _check_float(float(learning_rate.asnumpy()), name, where, low=0.0)
            return Tensor(learning_rate.asnumpy(), mstype.float32)
        if isinstance(learning_rate, LearningRateSchedule):
            self.dynamic_lr = True
            return learning_rate
        if isinstance(learning_rate, Cell):
            raise TypeError(f"For '{where}', a Cell '{name}' must subclass nn.LearningRateSchedule, got "
                            f"{type(learning_rate).__name__}")
        if isinstance(learning_rate, Tensor):
            arr = learning_rate.asnumpy()
        elif isinstance(learning_rate, (str, bytes, dict)) or not isinstance(learning_rate, Iterable):
            raise TypeError(f"For '{where}', '{name}' must be a float, int, Tensor, list or LearningRateSchedule, "
                            f"got {type(learning_rate).__name__}")
        else:
            items = list(learning_rate)
            for i, v in enumerate(items):
                if not (_is_real(v) or (isinstance(v, (Tensor, np.ndarray)) and np.size(v) == 1)):
                    raise TypeError(f"For '{where}', '{name}[{i}]' must be a number, got {type(v).__name__}")
            arr = np.array([float(np.asarray(v).reshape(())) for v in items])
        if arr.ndim != 1:
            raise ValueError(f"For '{where}', a Tensor '{name}' must be 0-d or 1-d, got {arr.ndim}-d")
        if arr.size == 0:
            raise ValueError(f"For '{where}', '{name}' must not be empty")
        if np.any(arr < 0) or np.any(np.isnan(arr)):
            raise ValueError(f"For '{where}', every value of '{name}' must be >= 0, got {arr[(arr < 0) | np.isnan(arr)][0]}")
        self.dynamic_lr = True
        return Tensor(arr.astype(np.float32))

    def _build_single_lr(self, learning_rate: Any, name: str) -> Any:
        """Preprocessed lr -> Parameter `name`, `_IteratorLearningRate` (1-d) or the schedule itself."""
        if isinstance(learning_rate, float) or (isinstance(learning_rate, Tensor) and learning_rate.ndim == 0):
            lr = Parameter(Tensor(learning_rate, mstype.float32), name)
            return _ConvertToCell(lr) if self.is_group_lr and self.dynamic_lr else lr
        if isinstance(learning_rate, Tensor):
            return _IteratorLearningRate(learning_rate, name)
        return learning_rate

    def _init_group_params(self, parameters: list, learning_rate: Any, weight_decay: Any) -> None:
        parse_keys = ("params", "lr", "weight_decay", "grad_centralization", "order_params")
        ordered: Any = None
        lr_len = learning_rate.size if isinstance(learning_rate, Tensor) and learning_rate.ndim == 1 else 0
        prepared = []
        for gi, group in enumerate(parameters):
            bad = [k for k in group if k not in parse_keys]
            if bad:
                raise ValueError(f"For '{self.cls_name}', group {gi} of 'params' has unknown key(s) {bad}; "
                                 f"allowed keys are {list(parse_keys)}")
            if "order_params" in group:
                if len(group) > 1:
                    raise ValueError(f"For '{self.cls_name}', the 'order_params' dict must hold only that key, "
                                     f"got {sorted(group)}")
                if ordered is not None:
                    raise ValueError(f"For '{self.cls_name}', 'order_params' given twice")
                if isinstance(group["order_params"], (Parameter, dict, str)) or \
                        not isinstance(group["order_params"], Iterable):
                    raise TypeError(f"For '{self.cls_name}', 'order_params' must be a list of Parameters, got "
                                    f"{type(group['order_params']).__name__}")
                ordered = list(group["order_params"])
                self.is_group_params_ordered = True
                continue
            if "params" not in group:
                raise ValueError(f"For '{self.cls_name}', group {gi} of 'params' has no 'params' key")
            params = self._parameters_base_check(group["params"], f"params[{gi}]['params']")
            for i, p in enumerate(params):
                if not isinstance(p, Parameter):
                    raise TypeError(f"For '{self.cls_name}', group {gi} 'params' must hold Parameters only, got "
                                    f"{type(p).__name__} at index {i}")
            lr = None
            if "lr" in group:
                self.is_group_lr = True
                lr = self._preprocess_single_lr(group["lr"], f"params[{gi}]['lr']")
                if isinstance(lr, Tensor) and lr.ndim == 1:
                    if lr_len and lr.size != lr_len:
                        raise ValueError(f"For '{self.cls_name}', the lr lists of all groups (and 'learning_rate') "
                                         f"must have the same length, got {lr.size} and {lr_len}")
                    lr_len = lr.size
            prepared.append((gi, group, params, lr))

        default_lr = self._build_single_lr(learning_rate, "learning_rate")
        for gi, group, params, lr in prepared:
            lr_obj = self._build_single_lr(lr, f"learning_rate_group_{gi}") if lr is not None else default_lr
            raw_wd = group.get("weight_decay", weight_decay)
            wd = self._preprocess_weight_decay(raw_wd)
            gc = _check_bool(group.get("grad_centralization", False), "grad_centralization", self.cls_name)
            self.grad_centralization = self.grad_centralization or gc
            for p in params:
                self.group_params.append(p)
                self.group_lr.append(lr_obj)
                self.group_weight_decay.append(wd)
                self.group_weight_decay_raw.append(raw_wd)
                self.group_grad_centralization.append(gc)
        if ordered is not None:
            self._order_group_params(ordered)

    def _order_group_params(self, ordered: list) -> None:
        for i, p in enumerate(ordered):
            if not isinstance(p, Parameter):
                raise TypeError(f"For '{self.cls_name}', 'order_params' must hold Parameters only, got "
                                f"{type(p).__name__} at index {i}")
        if len(ordered) != len(self.group_params):
            raise ValueError(f"For '{self.cls_name}', 'order_params' has {len(ordered)} parameters but the groups "
                             f"hold {len(self.group_params)}")
        where = {id(p): i for i, p in enumerate(self.group_params)}
        perm = []
        for p in ordered:
            if id(p) not in where:
                raise ValueError(f"For '{self.cls_name}', parameter '{p.name}' of 'order_params' is in no group")
            perm.append(where[id(p)])
        if len(set(perm)) != len(perm):
            raise ValueError(f"For '{self.cls_name}', 'order_params' lists a parameter twice")
        self.group_params = [self.group_params[i] for i in perm]
        self.group_lr = [self.group_lr[i] for i in perm]
        self.group_weight_decay = [self.group_weight_decay[i] for i in perm]
        self.group_weight_decay_raw = [self.group_weight_decay_raw[i] for i in perm]
        self.group_grad_centralization = [self.group_grad_centralization[i] for i in perm]

    # ---- per-step helpers --------------------------------------------------------------------
    def _check_gradients(self, gradients: Any) -> tuple:
        if isinstance(gradients, Tensor) or not isinstance(gradients, (tuple, list)):
            raise TypeError(f"For '{self.cls_name}', 'gradients' must be a tuple of Tensors aligned with "
                            f"optimizer.parameters, got {type(gradients).__name__}")
        if len(gradients) != self.param_length:
            raise ValueError(f"For '{self.cls_name}', got {len(gradients)} gradients for {self.param_length} "
                             f"parameters")
        return tuple(gradients)

    def _per_param(self, value: Any) -> tuple:
        """A per-parameter tuple of `value` (already one when it comes from groups)."""
        if isinstance(value, tuple):
            return value
        return (value,) * self.param_length

    def get_weight_decay(self) -> Any:
        """The weight decay of this step (multiplied by loss_scale): a Tensor, or a tuple with groups."""
        if self.dynamic_weight_decay:
            if self.is_group:
                cache: dict = {}
                out = []
                for wd, flag in zip(self.weight_decay, self.dynamic_decay_flags):
                    if flag:
                        if id(wd) not in cache:
                            cache[id(wd)] = wd(self.global_step)
                        wd = cache[id(wd)]
                    out.append(wd)
                return tuple(out)
            return self.weight_decay(self.global_step)
        return self.weight_decay

    def get_lr(self) -> Any:
        """The learning rate of this step (a 0-d Tensor, or a per-parameter tuple with group lrs);
        then `global_step += 1`."""
        lr = self.learning_rate
        if self.dynamic_lr:
            if self.is_group_lr:
                cache: dict = {}
                out = []
                for cell in self.learning_rate:
                    if id(cell) not in cache:
                        cache[id(cell)] = F.reshape(cell(self.global_step), ())
                    out.append(cache[id(cell)])
                lr = tuple(out)
            else:
                lr = F.reshape(self.learning_rate(self.global_step), ())
        _assign(self.global_step, self.global_step + 1)
        return lr

    def get_lr_parameter(self, param: Any) -> Any:
        """The lr Parameter (or schedule Cell) of `param` (a Parameter or a list of them)."""
        def value(lr: Any) -> Any:
            return lr.learning_rate if isinstance(lr, (_ConvertToCell, _IteratorLearningRate)) else lr

        if isinstance(param, Parameter):
            plist = [param]
        elif isinstance(param, list):
            plist = param
        else:
            raise TypeError(f"For 'get_lr_parameter', 'param' must be a Parameter or a list of Parameters, got "
                            f"{type(param).__name__}")
        ids = [id(p) for p in self.parameters]
        out = []
        for p in plist:
            if not isinstance(p, Parameter):
                raise TypeError(f"For 'get_lr_parameter', 'param' must hold Parameters, got {type(p).__name__}")
            if id(p) not in ids:
                raise ValueError(f"For 'get_lr_parameter', parameter '{p.name}' is not in this optimizer")
            out.append(value(self.learning_rate[ids.index(id(p))] if self.is_group_lr else self.learning_rate))
        return out if isinstance(param, list) else out[0]

    def decay_weight(self, gradients: tuple) -> tuple:
        """L2 weight decay added to the gradients: `g + p * wd` where the decay flag is set."""
        if not self.exec_weight_decay:
            return gradients
        wd = self._per_param(self.get_weight_decay())
        return tuple(_apply_decay(w, flag, p, g) for w, flag, p, g in zip(wd, self.decay_flags, self.parameters,
                                                                          gradients))

    def gradients_centralization(self, gradients: tuple) -> tuple:
        """Subtract each gradient's mean over all axes but the first (groups with `grad_centralization`)."""
        if self.is_group and any(self.grad_centralization_flags):
            return tuple(_apply_grad_centralization(flag, g) for flag, g in zip(self.grad_centralization_flags,
                                                                                 gradients))
        return gradients

    def scale_grad(self, gradients: tuple) -> tuple:
        """Undo the loss scale: `g * (1 / loss_scale)`."""
        if not self.need_scale:
            return gradients
        return tuple(g * F.cast(self.reciprocal_scale, g.dtype) for g in gradients)

    def construct(self, *hyper_params: Any) -> Any:
        raise TypeError(f"{self.cls_name} must define construct(gradients)")


def _apply_decay(weight_decay: Any, if_apply: bool, weight: Tensor, gradient: Tensor) -> Tensor:
    if if_apply:
        return weight * F.cast(weight_decay, weight.dtype) + gradient
    return gradient


def _apply_grad_centralization(if_apply: bool, gradient: Tensor) -> Tensor:
    """MindSpore's rule: only for >= 2-d gradients whose dimension 1 is a multiple of 16 (an Ascend
    kernel constraint kept for identical results); others pass unchanged."""
    if if_apply and gradient.ndim >= 2 and gradient.shape[1] % 16 == 0:
        axes = tuple(range(1, gradient.ndim))
        return gradient - F.mean(gradient, axes, True)
    return gradient


class _ConvertToCell(LearningRateSchedule):
    """A fixed lr Parameter seen as a schedule (groups mixing fixed and dynamic lrs)."""

    def __init__(self, learning_rate: Parameter) -> None:
        super().__init__()
        if not isinstance(learning_rate, Parameter):
            raise TypeError(f"_ConvertToCell: learning_rate must be a Parameter, got {type(learning_rate).__name__}")
        self.learning_rate = learning_rate

    def construct(self, global_step: Any) -> Tensor:
        return self.learning_rate + 0.0


class _IteratorLearningRate(LearningRateSchedule):
    """A per-step lr list as a schedule: entry `min(global_step, len - 1)` of Parameter `name`."""

    def __init__(self, learning_rate: Tensor, name: str) -> None:
        super().__init__()
        if not isinstance(learning_rate, Tensor) or learning_rate.ndim != 1:
            raise ValueError(f"_IteratorLearningRate: learning_rate must be a 1-d Tensor, got {learning_rate!r}")
        self.learning_rate = Parameter(learning_rate, name)
        self._last = int(learning_rate.shape[0]) - 1

    def construct(self, global_step: Any) -> Tensor:
        step = global_step if isinstance(global_step, Tensor) else Tensor(global_step, mstype.int32)
        index = F.minimum(F.reshape(F.cast(step, mstype.int32), (1,)), self._last)
        return F.reshape(F.gather(self.learning_rate, index, 0), ())


class _WrappedWeightDecay(Cell):
    """A weight-decay schedule Cell times the loss scale."""

    def __init__(self, weight_decay: Cell, loss_scale: float = 1.0) -> None:
        super().__init__()
        self.weight_decay = weight_decay
        self.loss_scale = Tensor(loss_scale, mstype.float32)

    def construct(self, global_step: Any) -> Tensor:
        return self.weight_decay(global_step) * self.loss_scale


__all__ = ["Optimizer"]
