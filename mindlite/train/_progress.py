"""tqdm progress bar for Model.train / eval: epochs, steps, loss and samples/s.

Shown on a terminal only; MINDLITE_PROGRESS=0 turns it off, =1 forces it on."""
from __future__ import annotations

import sys
from typing import Any

from ..core import context as _context


def _enabled() -> bool:
    flag = _context.PROGRESS
    if flag == "0":
        return False
    if flag == "1":
        return True
    return sys.stderr.isatty()


class Progress:
    def __init__(self, epochs: int, steps: int, what: str) -> None:
        self.bar: Any = None
        self.epochs, self.steps, self.what = epochs, steps, what
        if _enabled():
            from tqdm import tqdm
            self.bar = tqdm(total=steps, desc=f"{what} epoch 1/{epochs}", unit="step", dynamic_ncols=True,
                            leave=False)
        self._epoch = 1

    def update(self, epoch: int, step: int, loss: float | None, samples: int, seconds: float) -> None:
        if self.bar is None:
            return
        if epoch != self._epoch:
            self._epoch = epoch
            self.bar.reset(total=self.steps)
            self.bar.set_description(f"{self.what} epoch {epoch}/{self.epochs}")
        self.bar.n = step
        post = {}
        if loss is not None:
            post["loss"] = f"{loss:.4f}"
        if seconds > 0:
            post["samples/s"] = f"{samples / seconds:.1f}"
        self.bar.set_postfix(post, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
