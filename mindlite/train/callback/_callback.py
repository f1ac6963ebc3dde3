"""Callback protocol (MindSpore 2.x): hooks, RunContext and the parameters they see."""
from __future__ import annotations

from typing import Any, Iterable


class Callback:
    """Base class. Override any of the hooks; each receives a RunContext.

    Train hooks: on_train_begin, on_train_epoch_begin, on_train_step_begin, on_train_step_end,
    on_train_epoch_end, on_train_end; eval hooks: on_eval_begin, on_eval_epoch_begin,
    on_eval_step_begin, on_eval_step_end, on_eval_epoch_end, on_eval_end. The 1.x names
    (begin, epoch_begin, step_begin, step_end, epoch_end, end) are called by the default
    train hooks, so old callbacks keep working.
    """

    def __enter__(self) -> "Callback":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    # 1.x names
    def begin(self, run_context: "RunContext") -> None: ...
    def epoch_begin(self, run_context: "RunContext") -> None: ...
    def epoch_end(self, run_context: "RunContext") -> None: ...
    def step_begin(self, run_context: "RunContext") -> None: ...
    def step_end(self, run_context: "RunContext") -> None: ...
    def end(self, run_context: "RunContext") -> None: ...

    # 2.x train hooks default to the 1.x names
    def on_train_begin(self, run_context: "RunContext") -> None:
        self.begin(run_context)

    def on_train_epoch_begin(self, run_context: "RunContext") -> None:
        self.epoch_begin(run_context)

    def on_train_epoch_end(self, run_context: "RunContext") -> None:
        self.epoch_end(run_context)

    def on_train_step_begin(self, run_context: "RunContext") -> None:
        self.step_begin(run_context)

    def on_train_step_end(self, run_context: "RunContext") -> None:
        self.step_end(run_context)

    def on_train_end(self, run_context: "RunContext") -> None:
        self.end(run_context)

    def on_eval_begin(self, run_context: "RunContext") -> None: ...
    def on_eval_epoch_begin(self, run_context: "RunContext") -> None: ...
    def on_eval_epoch_end(self, run_context: "RunContext") -> None: ...
    def on_eval_step_begin(self, run_context: "RunContext") -> None: ...
    def on_eval_step_end(self, run_context: "RunContext") -> None: ...
    def on_eval_end(self, run_context: "RunContext") -> None: ...


class CallbackParam(dict):
    """The `cb_params` object: a dict whose keys are also attributes (cb_params.cur_step_num)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value


class RunContext:
    """What a callback sees: `original_args()` (the cb_params) and `request_stop()`."""

    def __init__(self, original_args: CallbackParam) -> None:
        self._original_args = original_args
        self._stop_requested = False

    def original_args(self) -> CallbackParam:
        return self._original_args

    def request_stop(self) -> None:
        self._stop_requested = True

    def get_stop_requested(self) -> bool:
        return self._stop_requested


class CallbackList(Callback):
    """Calls each callback's hook in order."""

    def __init__(self, callbacks: Iterable[Callback] | Callback | None) -> None:
        if callbacks is None:
            items: list = []
        elif isinstance(callbacks, Callback):
            items = [callbacks]
        else:
            items = list(callbacks)
        for c in items:
            if not isinstance(c, Callback):
                raise TypeError(f"callbacks must be Callback instances, got {type(c).__name__}")
        self.callbacks = items

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_"):
            def call(run_context: RunContext) -> None:
                for c in object.__getattribute__(self, "callbacks"):
                    getattr(c, name)(run_context)
            return call
        return object.__getattribute__(self, name)
