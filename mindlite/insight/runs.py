"""Runs on disk: the summary files of a directory, read incrementally (tailing) and indexed
for the dashboard.

A run is the summary base directory itself (named ".") or one of its direct
sub-directories, when it holds files named `*.summary.*`. Each poll reads only what was
appended since the last one (format.RecordReader); a corrupt file stops at its bad record
and the other files and runs still load.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections import defaultdict
from typing import Any

import numpy as np

from .events import scalar_from_json
from .format import RecordReader

_log = logging.getLogger("mindlite.insight")

SUMMARY_FILE = re.compile(r".*\.summary\.\d+\..+")
MAX_POINTS = 1000
KEEP_SAMPLES = 200  # histogram/image/tensor samples kept per tag (the latest)


class _Series:
    """A scalar tag's points; arrays are built when asked and cached until new points arrive."""

    __slots__ = ("steps", "values", "times", "_arrays")

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: list[float] = []
        self.times: list[float] = []
        self._arrays: Any = None

    def add(self, step: int, value: float, wall: float) -> None:
        self.steps.append(step)
        self.values.append(value)
        self.times.append(wall)
        self._arrays = None

    def arrays(self) -> tuple:
        if self._arrays is None:
            self._arrays = (np.asarray(self.steps, np.int64), np.asarray(self.values, np.float64),
                            np.asarray(self.times, np.float64))
        return self._arrays


class Run:
    """Everything read so far from one run directory."""

    def __init__(self, name: str, path: str) -> None:
        self.name, self.path = name, path
        self.readers: dict[str, RecordReader] = {}
        self.scalars: dict[str, _Series] = defaultdict(_Series)
        self.samples: dict[str, dict[str, list]] = {"histogram": defaultdict(list), "image": defaultdict(list),
                                                    "tensor": defaultdict(list)}
        self.graphs: dict[str, dict] = {}
        self.dataset_graphs: dict[str, dict] = {}
        self.lineage: dict[str, Any] = {}
        self.hits: list[dict] = []
        self.bad_records = 0
        self.last_step = -1
        self.updated = 0.0

    def poll(self) -> int:
        """Read what was appended to the run's files; returns the number of new events."""
        try:
            names = sorted(n for n in os.listdir(self.path) if SUMMARY_FILE.fullmatch(n))
        except OSError:
            return 0
        new = 0
        for n in names:
            reader = self.readers.get(n)
            if reader is None:
                reader = self.readers[n] = RecordReader(os.path.join(self.path, n))
            for payload in reader.read():
                try:
                    self._add(json.loads(payload))
                    new += 1
                except (ValueError, KeyError, TypeError) as e:
                    self.bad_records += 1
                    _log.warning("insight: %s: a record that is not a summary event was skipped: %s", n, e)
        if new:
            self.updated = time.time()
        return new

    def _add(self, e: dict) -> None:
        plugin, tag, step, value = e["plugin"], e["tag"], int(e["step"]), e["value"]
        self.last_step = max(self.last_step, step)
        if plugin == "scalar":
            self.scalars[tag].add(step, scalar_from_json(value), float(e["wall_time"]))
        elif plugin in self.samples:
            kept = self.samples[plugin][tag]
            kept.append({"step": step, "wall_time": e["wall_time"], "value": value})
            if len(kept) > KEEP_SAMPLES:
                del kept[:len(kept) - KEEP_SAMPLES]
        elif plugin == "graph":
            self.graphs[tag] = value
        elif plugin == "dataset_graph":
            self.dataset_graphs[tag] = value
        elif plugin in ("train_lineage", "eval_lineage", "custom_lineage_data"):
            self.lineage[plugin] = value
        elif plugin == "watchpoint_hit":
            self.hits.append(value)
        else:
            raise ValueError(f"unknown plugin {plugin!r}")

    def tags(self) -> dict:
        return {"scalar": sorted(self.scalars), "histogram": sorted(self.samples["histogram"]),
                "image": sorted(self.samples["image"]), "tensor": sorted(self.samples["tensor"]),
                "graph": sorted(self.graphs), "dataset_graph": sorted(self.dataset_graphs)}

    def lineage_row(self) -> dict:
        """One row of the lineage table: hyper-parameters, dataset, model, metrics, custom data."""
        row: dict[str, Any] = {"run": self.name}
        train = self.lineage.get("train_lineage", {})
        row.update(train.get("hyper_parameters", {}))
        for group in ("dataset", "model"):
            for k, v in train.get(group, {}).items():
                row[f"{group}/{k}"] = v
        for k, v in train.get("metrics", {}).items():
            row[f"train/{k}"] = v
        ev = self.lineage.get("eval_lineage", {})
        for k, v in ev.get("metrics", {}).items():
            row[f"eval/{k}"] = v
        for k, v in self.lineage.get("custom_lineage_data", {}).items():
            row[f"custom/{k}"] = v
        return row


def downsample(steps: np.ndarray, values: np.ndarray, limit: int = MAX_POINTS) -> tuple:
    """At most `limit` points: each of limit/2 buckets keeps its minimum and its maximum (in step order)."""
    n = len(steps)
    if n <= limit:
        return steps, values
    buckets = limit // 2
    size = -(-n // buckets)
    pad = buckets * size - n
    v = np.concatenate([values, np.full(pad, np.nan)]).reshape(buckets, size)
    lo = np.where(np.isnan(v), np.inf, v).argmin(axis=1)
    hi = np.where(np.isnan(v), -np.inf, v).argmax(axis=1)
    base = np.arange(buckets) * size
    idx = np.unique(np.concatenate([base + lo, base + hi]))
    idx = idx[idx < n]
    return steps[idx], values[idx]


class RunStore:
    """The runs under `base_dir`, polled at most once a second."""

    def __init__(self, base_dir: str, min_interval: float = 1.0) -> None:
        self.base_dir = os.path.abspath(base_dir)
        self.runs: dict[str, Run] = {}
        self.min_interval = min_interval
        self._last_poll = 0.0
        self._lock = threading.Lock()

    def find_runs(self) -> dict[str, str]:
        out = {}
        try:
            entries = sorted(os.listdir(self.base_dir))
        except OSError:
            return out
        if any(SUMMARY_FILE.fullmatch(e) for e in entries):
            out["."] = self.base_dir
        for e in entries:
            p = os.path.join(self.base_dir, e)
            if os.path.isdir(p) and not os.path.islink(p):
                try:
                    if any(SUMMARY_FILE.fullmatch(n) for n in os.listdir(p)):
                        out[e] = p
                except OSError:
                    continue
        return out

    def poll(self, force: bool = False) -> None:
        with self._lock:
            now = time.monotonic()
            if not force and now - self._last_poll < self.min_interval:
                return
            self._last_poll = now
            for name, path in self.find_runs().items():
                if name not in self.runs:
                    self.runs[name] = Run(name, path)
            for run in self.runs.values():
                run.poll()

    def get(self, name: str) -> Run | None:
        self.poll()
        return self.runs.get(name)


def load_run(path: str) -> Run:
    """Everything in one run directory, read once."""
    run = Run(os.path.basename(os.path.abspath(path)), path)
    run.poll()
    return run
