"""`mindlite.insight`: training summaries, a crash-safe summary file format, a local dashboard
(scalars, histograms, images, the computational and data graphs, lineage across runs) and a
debugger with watchpoints on bad tensors.

    >>> from mindlite import insight
    >>> model.train(2, ds, callbacks=[insight.SummaryCollector("./summary/run1")])
    $ python -m mindlite.insight start --summary-base-dir ./summary --port 8080

See docs/insight.md for the file format and the TensorBoard option.
"""
from .summary_record import SummaryRecord  # noqa: F401
from .collect import SummaryCollector, capture_graph, network_graph  # noqa: F401
from .debugger import Debugger, Watchpoint, WatchpointHit  # noqa: F401
from .format import RecordReader, encode_record, read_records  # noqa: F401
from .events import decode_event  # noqa: F401
from .runs import RunStore, load_run  # noqa: F401


def export_tensorboard(src: str, dst: str) -> list:
    """Write the scalars, histograms and images of the summary files under `src` (a run
    directory or a directory of runs) as TensorBoard event files under `dst` (one directory
    per run), with an HParams session from the lineage. Needs the extra `mindlite[tensorboard]`."""
    from .tensorboard import export_tensorboard as _export
    return _export(src, dst)


__all__ = ["SummaryRecord", "SummaryCollector", "Watchpoint", "WatchpointHit", "Debugger", "export_tensorboard",
           "RecordReader", "read_records", "encode_record", "decode_event", "RunStore", "load_run", "capture_graph",
           "network_graph"]
