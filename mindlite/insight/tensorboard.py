"""The TensorBoard option (extra `mindlite[tensorboard]`): scalars, histograms and images as
TensorBoard event files, and the lineage as an HParams session (start and end).

Uses `tensorboard`'s own `EventFileWriter` and protobufs (`tensorboard.compat.proto`,
`tensorboard.plugins.hparams`), which need no TensorFlow.
"""
from __future__ import annotations

import base64
import os
import time
from typing import Any

from .events import scalar_from_json


def _tb() -> tuple:
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as e:
        raise ImportError("the TensorBoard option needs the extra mindlite[tensorboard] "
                          "(pip install 'mindlite[tensorboard]')") from e
    return event_pb2, summary_pb2, api_pb2, metadata, plugin_data_pb2, EventFileWriter


class TensorBoardWriter:
    """Writes summary values (their JSON form, events.py) as TensorBoard events under `logdir`."""

    def __init__(self, logdir: str) -> None:
        (self._event_pb2, self._summary_pb2, self._api_pb2, self._metadata, self._plugin_data_pb2,
         writer_cls) = _tb()
        os.makedirs(logdir, exist_ok=True)
        self._writer = writer_cls(logdir)
        self._session_started = False

    def _emit(self, step: int, value: Any, wall_time: float | None = None) -> None:
        summary = self._summary_pb2.Summary(value=[value])
        self._writer.add_event(self._event_pb2.Event(wall_time=time.time() if wall_time is None else wall_time,
                                                     step=int(step), summary=summary))

    def write(self, step: int, plugin: str, tag: str, value: Any, data: Any, wall_time: float | None = None) -> None:
        """One summary value; `data` is its JSON form. Graphs, tensors and dataset graphs have
        no TensorBoard counterpart here and are skipped; lineage becomes an HParams session."""
        V = self._summary_pb2.Summary.Value
        if plugin == "scalar":
            self._emit(step, V(tag=tag, simple_value=scalar_from_json(data)), wall_time)
        elif plugin == "histogram":
            if not data["counts"]:
                return
            h = self._summary_pb2.HistogramProto(min=data["min"], max=data["max"], num=sum(data["counts"]),
                                                 sum=data["sum"], sum_squares=data.get("sum_squares", 0.0),
                                                 bucket_limit=data["edges"][1:], bucket=data["counts"])
            self._emit(step, V(tag=tag, histo=h), wall_time)
        elif plugin == "image":
            img = self._summary_pb2.Summary.Image(height=data["height"], width=data["width"],
                                                  colorspace=data["channels"],
                                                  encoded_image_string=base64.b64decode(data["data"]))
            self._emit(step, V(tag=tag, image=img), wall_time)
        elif plugin == "train_lineage":
            self.session(data.get("hyper_parameters", {}), step, wall_time)

    def session(self, hparams: dict, step: int = 0, wall_time: float | None = None) -> None:
        """An HParams session start (the hyper-parameters) followed by its end (success)."""
        md, pd = self._metadata, self._plugin_data_pb2
        start = pd.SessionStartInfo(start_time_secs=time.time() if wall_time is None else wall_time)
        for k, v in hparams.items():
            if isinstance(v, bool):
                start.hparams[k].bool_value = v
            elif isinstance(v, (int, float)):
                start.hparams[k].number_value = float(v)
            elif v is not None:
                start.hparams[k].string_value = str(v)
        V = self._summary_pb2.Summary.Value
        for tag, data in ((md.SESSION_START_INFO_TAG, pd.HParamsPluginData(session_start_info=start)),
                          (md.SESSION_END_INFO_TAG, pd.HParamsPluginData(session_end_info=pd.SessionEndInfo(
                              status=self._api_pb2.STATUS_SUCCESS, end_time_secs=time.time())))):
            self._emit(step, V(tag=tag, metadata=md.create_summary_metadata(data), tensor=md.NULL_TENSOR), wall_time)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()


def export_tensorboard(src: str, dst: str) -> list:
    """Convert every run under `src` (see runs.RunStore) to TensorBoard files under `dst/<run>`;
    returns the run names converted."""
    import json
    from .format import RecordReader
    from .runs import SUMMARY_FILE, RunStore
    if not os.path.isdir(src):
        raise FileNotFoundError(f"export_tensorboard: {src!r} is not a directory")
    store = RunStore(src)
    done = []
    for name, path in store.find_runs().items():
        out = TensorBoardWriter(os.path.join(dst, "root" if name == "." else name))
        try:
            for f in sorted(n for n in os.listdir(path) if SUMMARY_FILE.fullmatch(n)):
                for payload in RecordReader(os.path.join(path, f)).read():
                    e = json.loads(payload)
                    out.write(e["step"], e["plugin"], e["tag"], None, e["value"], e["wall_time"])
        finally:
            out.close()
        done.append(name)
    return done
