"""CheckpointConfig and ModelCheckpoint: periodic, rotated, atomic checkpoints with resume state."""
from __future__ import annotations

import json
import os
import re
import time
from typing import Any

from ._callback import Callback, RunContext


class CheckpointConfig:
    """When and what to save. `save_checkpoint_steps` / `save_checkpoint_seconds` (one of them),
    `keep_checkpoint_max` most recent files kept (or one per `keep_checkpoint_per_n_minutes`),
    `append_info`: a list of "epoch_num" / "step_num" and/or a dict of extra values.
    `crc_check` is accepted for MindSpore compatibility: every checkpoint mindlite writes
    carries a crc32 trailer, which loading verifies."""

    def __init__(self, save_checkpoint_steps: int = 1, save_checkpoint_seconds: int = 0, keep_checkpoint_max: int = 5,
                 keep_checkpoint_per_n_minutes: int = 0, integrated_save: bool = True, async_save: bool = False,
                 saved_network: Any = None, append_info: Any = None, enc_key: Any = None, enc_mode: str = "AES-GCM",
                 exception_save: bool = False, crc_check: bool = False, **kwargs: Any) -> None:
        for name, v in (("save_checkpoint_steps", save_checkpoint_steps), ("keep_checkpoint_max", keep_checkpoint_max),
                        ("save_checkpoint_seconds", save_checkpoint_seconds)):
            if v is not None and (not isinstance(v, int) or v < 0):
                raise ValueError(f"CheckpointConfig: {name} must be a non-negative int, got {v!r}")
        if not save_checkpoint_steps and not save_checkpoint_seconds:
            raise ValueError("CheckpointConfig: one of save_checkpoint_steps and save_checkpoint_seconds must be > 0")
        if enc_key is not None:
            raise ValueError("CheckpointConfig: encrypted checkpoints are not supported")
        self.save_checkpoint_steps = save_checkpoint_steps
        self.save_checkpoint_seconds = save_checkpoint_seconds if not save_checkpoint_steps else 0
        self.keep_checkpoint_max = keep_checkpoint_max
        self.keep_checkpoint_per_n_minutes = keep_checkpoint_per_n_minutes
        self.async_save, self.saved_network, self.crc_check = async_save, saved_network, crc_check
        self.exception_save = exception_save
        self.append_info = append_info


class ModelCheckpoint(Callback):
    """Save the training network (parameters and optimizer state) every N steps or seconds as
    `{prefix}-{epoch}_{step}.ckpt` in `directory`, keeping the newest `keep_checkpoint_max`.

    Each file also records epoch_num, step_num and mindlite's resume state (position in the
    epoch and the random-number state), which `Model.resume(file)` uses to continue a killed
    run on the same trajectory. Writes are atomic (see `save_checkpoint`).

    An old checkpoint is deleted only once a newer one is durable (written, fsynced and
    renamed into place). With `async_save` the background write is confirmed at the next
    save and at the end of training; a failed save raises there (an OSError naming the file),
    so a run never ends normally with its checkpoints lost."""

    def __init__(self, prefix: str = "CKP", directory: str | None = None, config: CheckpointConfig | None = None) -> None:
        if not isinstance(prefix, str) or not prefix or any(c in prefix for c in "/\\"):
            raise ValueError(f"ModelCheckpoint: prefix must be a file-name string, got {prefix!r}")
        self._prefix = prefix
        self._directory = os.path.abspath(directory or ".")
        os.makedirs(self._directory, exist_ok=True)
        self._config = config or CheckpointConfig()
        self._files: list[str] = []   # durable checkpoints of this run, oldest first
        self._pending: tuple | None = None  # (AsyncSave, path) of a background save not yet confirmed
        self._failed = False
        self._last_time = time.time()
        self._last_step = -1
        self.latest_ckpt_file_name: str | None = None

    def on_train_begin(self, run_context: RunContext) -> None:
        self._failed = False

    def on_train_step_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        cfg = self._config
        due = (cfg.save_checkpoint_steps and cb.cur_step_num % cfg.save_checkpoint_steps == 0) or \
              (cfg.save_checkpoint_seconds and time.time() - self._last_time >= cfg.save_checkpoint_seconds)
        if due:
            self.save(cb)

    def on_train_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        if self._failed:
            return  # training is ending with this callback's save error: no new save on a full disk
        if cb.cur_step_num != self._last_step:
            self.save(cb)
        self.wait()

    def save(self, cb: Any) -> str:
        from ..serialization import _save_checkpoint
        self.wait()  # the previous background save must have landed before anything is rotated
        step_in_epoch = (cb.cur_step_num - 1) % max(cb.batch_num, 1) + 1
        name = f"{self._prefix}-{cb.cur_epoch_num}_{step_in_epoch}.ckpt"
        path = os.path.join(self._directory, name)
        network = self._config.saved_network or cb.train_network
        try:
            job = _save_checkpoint(network, path, append_dict=self._append(cb), async_save=self._config.async_save)
        except BaseException:
            self._failed = True
            raise
        self._last_time, self._last_step = time.time(), cb.cur_step_num
        if job is None:
            self._durable(path)
        else:
            self._pending = (job, path)
        return path

    def wait(self) -> None:
        """Wait for this callback's background save; raise its error if it failed."""
        if self._pending is None:
            return
        (job, path), self._pending = self._pending, None
        try:
            job.wait()
        except BaseException:
            self._failed = True  # nothing is rotated: the older checkpoints stay
            raise
        self._durable(path)

    def _durable(self, path: str) -> None:
        self.latest_ckpt_file_name = path
        if path in self._files:
            self._files.remove(path)
        self._files.append(path)
        self._rotate()

    def _append(self, cb: Any) -> dict:
        from ...core import rng
        info = self._config.append_info
        extra: dict = {}
        if isinstance(info, dict):
            extra.update(info)
        elif isinstance(info, list):
            for item in info:
                if isinstance(item, dict):
                    extra.update(item)
        in_epoch = cb.cur_step_num % max(cb.batch_num, 1)  # 0: the epoch is complete
        completed = cb.cur_epoch_num if in_epoch == 0 else cb.cur_epoch_num - 1
        extra["epoch_num"] = completed
        extra["step_num"] = cb.cur_step_num
        extra["mindlite_resume"] = json.dumps({"epoch": completed, "step_in_epoch": in_epoch,
                                               "global_step": cb.cur_step_num, "rng": rng.get_state()})
        return extra

    def _rotate(self) -> None:
        keep = self._config.keep_checkpoint_max
        if not keep:
            return
        while len(self._files) > keep:
            old = self._files.pop(0)
            try:
                os.remove(old)
            except FileNotFoundError:
                pass

    @staticmethod
    def sort_files(directory: str, prefix: str) -> list[str]:
        """Checkpoint files of `prefix` in `directory`, oldest first by (epoch, step)."""
        pat = re.compile(rf"^{re.escape(prefix)}-(\d+)_(\d+)\.ckpt$")
        found = [(int(m.group(1)), int(m.group(2)), f) for f in os.listdir(directory) if (m := pat.match(f))]
        return [os.path.join(directory, f) for _, _, f in sorted(found)]
