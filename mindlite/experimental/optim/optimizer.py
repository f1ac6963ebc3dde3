"""`experimental.optim.Optimizer(params, defaults)`: the base of MindSpore 2.x's torch-style optimizers.

`param_groups` is a list of dicts: each holds its `'params'` and every option of `defaults`
it does not override; its `'lr'` becomes a float32 Parameter (`learning_rate_group_<i>`) that
the lr schedulers rewrite, and its `'weight_decay'` a float. `parameters` is the tuple of all
groups' Parameters in order (what `value_and_grad(..., optimizer.parameters)` differentiates)
and `group_start_id[i]` is where group i starts in it. A subclass's `construct(gradients)`
takes gradients aligned with `parameters`; its state (moments, step counters) are Parameters,
so a compiled training step updates them as graph state.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from ... import _checkparam as validator
from ...core import dtype as mstype
from ...core.tensor import Parameter, ParameterTuple, Tensor
from ...nn.cell import Cell
from ...nn.optim.optimizer import _assign
from ...ops import functional as F

_log = logging.getLogger("mindlite.experimental.optim")


class Optimizer(Cell):
    """Base class of `experimental.optim` optimizers.

    Args:
        params: a list of Parameters, or of group dicts (`{'params': [...], 'lr': 0.1, ...}`).
        defaults: the default value of every option (used where a group does not set it).

    Example (a custom optimizer, as MindSpore's docs show)::

        class MySGD(optim.Optimizer):
            def __init__(self, params, lr):
                super().__init__(params, dict(lr=lr))

            def construct(self, gradients):
                for group_id, group in enumerate(self.param_groups):
                    start = self.group_start_id[group_id]
                    for i, param in enumerate(group["params"]):
                        ops.assign(param, param - gradients[start + i] * group["lr"])
    """

    def __init__(self, params: Any, defaults: dict) -> None:
        super().__init__(auto_prefix=False)
        if not isinstance(defaults, dict):
            raise TypeError(f"For '{self.cls_name}', 'defaults' must be a dict, got {type(defaults).__name__}")
        groups = self._parameters_base_check(params, "params")
        if not all(isinstance(g, dict) for g in groups):
            if any(isinstance(g, dict) for g in groups):
                raise TypeError(f"For '{self.cls_name}', 'params' mixes Parameters and group dicts")
            groups = [{"params": groups}]
        self.defaults = dict(defaults)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list = []
        self.group_start_id = [0]
        self._state_specs: list = []  # (attribute, prefix, init) of per-parameter state tuples
        self._all_params: list = []
        for group in groups:
            self._add_group(group)
        self.parameters = ParameterTuple(self._all_params)

    # ---- groups ------------------------------------------------------------------------------
    @staticmethod
    def _parameters_base_check(parameters: Any, param_info: str) -> list:
        if parameters is None:
            raise ValueError(f"For 'Optimizer', the argument '{param_info}' can not be None")
        if isinstance(parameters, (Parameter, dict, str)) or not isinstance(parameters, Iterable):
            raise TypeError(f"For 'Optimizer', the argument '{param_info}' must be a list of Parameters or of group "
                            f"dicts, got {type(parameters).__name__}")
        parameters = list(parameters)
        if not parameters:
            raise ValueError(f"For 'Optimizer', the argument '{param_info}' must not be empty")
        return parameters

    def add_param_group(self, *args: Any) -> None:
        """Add a parameter group: `add_param_group(param_group)` (MindSpore's internal spelling
        `add_param_group(group_id, param_group)` is accepted too). Options the group does not set
        come from `defaults`; per-parameter state is created for its Parameters."""
        if len(args) not in (1, 2):
            raise TypeError(f"add_param_group takes (param_group) or (group_id, param_group), got {len(args)} "
                            f"arguments")
        group = args[-1]
        first_new = len(self._all_params)
        self._add_group(group)
        self.parameters = ParameterTuple(self._all_params)
        for attr, prefix, init in self._state_specs:  # extend every state tuple to the new Parameters
            extra = ParameterTuple(self._all_params[first_new:]).clone(prefix=prefix, init=init)
            setattr(self, attr, ParameterTuple(tuple(getattr(self, attr)) + tuple(extra)))

    def _add_group(self, group: Any) -> None:
        where = self.cls_name
        if not isinstance(group, dict):
            raise TypeError(f"For '{where}', a parameter group must be a dict, got {type(group).__name__}")
        if "params" not in group:
            raise ValueError(f"For '{where}', a parameter group needs a 'params' key, got keys {sorted(group)}")
        params = group["params"]
        if isinstance(params, Parameter):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(f"For '{where}', 'params' must be an ordered collection (a list), not a set: its order "
                            f"would change between runs")
        else:
            params = self._parameters_base_check(params, "params")
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(f"For '{where}', 'params' must hold Parameters only, got {type(p).__name__} at "
                                f"index {i}")
        if len({id(p) for p in params}) != len(params):
            _log.warning("%s: a parameter group lists a parameter more than once", where)
        taken = {id(p) for p in self._all_params}
        if any(id(p) in taken for p in params):
            raise ValueError(f"For '{where}', some parameters appear in more than one parameter group")
        group = dict(group)
        group["params"] = list(params)
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        gid = len(self.param_groups)
        group["lr"] = self._build_lr(group.get("lr"), f"learning_rate_group_{gid}")
        group["weight_decay"] = validator.check_non_negative_float(group.get("weight_decay", 0.0), "weight_decay",
                                                                   where)
        self.insert_param_to_cell(group["lr"].name, group["lr"], check_name_contain_dot=False)
        self.param_groups.append(group)
        self._all_params.extend(params)
        self.group_start_id.append(len(self._all_params))

    def _build_lr(self, learning_rate: Any, name: str) -> Parameter:
        where = self.cls_name
        if isinstance(learning_rate, Parameter):
            learning_rate = Tensor(learning_rate.asnumpy())
        if isinstance(learning_rate, Tensor):
            if learning_rate.ndim != 0:
                raise ValueError(f"For '{where}', a Tensor learning rate must be 0-d, got shape "
                                 f"{list(learning_rate.shape)}")
            value = float(learning_rate.asnumpy())
        else:
            value = validator.check_is_float(learning_rate, "lr", where)
        if value < 0 or np.isnan(value):
            raise ValueError(f"For '{where}', 'lr' must be >= 0, got {value}")
        return Parameter(Tensor(np.float32(value)), name=name, requires_grad=False)

    def _add_state(self, attr: str, prefix: str, init: str = "zeros") -> ParameterTuple:
        """Per-parameter state `<prefix>.<param name>` as attribute `attr` (kept in step with groups)."""
        state = self.parameters.clone(prefix=prefix, init=init)
        setattr(self, attr, state)
        self._state_specs.append((attr, prefix, init))
        return state

    # ---- per-step helpers --------------------------------------------------------------------
    def _check_gradients(self, gradients: Any) -> tuple:
        if isinstance(gradients, Tensor) or not isinstance(gradients, (tuple, list)):
            raise TypeError(f"For '{self.cls_name}', 'gradients' must be a tuple of Tensors aligned with "
                            f"optimizer.parameters, got {type(gradients).__name__}")
        if len(gradients) != len(self.parameters):
            raise ValueError(f"For '{self.cls_name}', got {len(gradients)} gradients for {len(self.parameters)} "
                             f"parameters")
        return tuple(gradients)

    def _groups(self, gradients: tuple) -> Any:
        """(group, params, gradients) per group; gradients negated where the group maximizes."""
        for gid, group in enumerate(self.param_groups):
            start, end = self.group_start_id[gid], self.group_start_id[gid + 1]
            grads = gradients[start:end]
            if group.get("maximize", False):
                grads = tuple(-g for g in grads)
            yield gid, group, tuple(self.parameters[start:end]), grads

    @staticmethod
    def _decay_weight(weight_decay: float, params: tuple, gradients: tuple) -> tuple:
        """L2 decay added to the gradients: `g + weight_decay * p` (when weight_decay != 0)."""
        if weight_decay == 0.0:
            return gradients
        return tuple(p * F.cast(Tensor(np.float32(weight_decay)), p.dtype) + g for p, g in zip(params, gradients))

    def construct(self, *hyper_params: Any) -> Any:
        raise TypeError(f"{self.cls_name} must define construct(gradients)")

    def extend_repr(self) -> str:
        parts = []
        for i, group in enumerate(self.param_groups):
            opts = ", ".join(f"{k}={float(v.asnumpy()) if k == 'lr' else v}" for k, v in sorted(group.items())
                             if k not in ("params", "initial_lr"))
            parts.append(f"group {i}: {len(group['params'])} params, {opts}")
        return "; ".join(parts)


def _step_count(optimizer: Optimizer) -> Tensor:
    """`state_step += 1` and the new count as float32 (for bias corrections)."""
    _assign(optimizer.state_step, optimizer.state_step + 1)
    return F.cast(optimizer.state_step, mstype.float32)


def _check_betas(betas: Any, where: str) -> tuple:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"For '{where}', 'betas' must be a tuple of two floats, got {betas!r}")
    out = []
    for i, b in enumerate(betas):
        out.append(validator.check_float_range(b, 0.0, 1.0, validator.INC_LEFT, f"betas[{i}]", where))
    return tuple(out)


def _check_lr(lr: Any, where: str) -> Any:
    if isinstance(lr, Tensor):
        return lr
    value = validator.check_is_float(lr, "lr", where)
    if value < 0:
        raise ValueError(f"For '{where}', 'lr' must be >= 0, got {value}")
    return lr


__all__ = ["Optimizer"]
