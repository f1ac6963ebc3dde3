"""`DatasetHelper` and `connect_network_with_dataset` for hand-written training loops:

    helper = ms.DatasetHelper(dataset, dataset_sink_mode=False)
    net = ms.connect_network_with_dataset(net, helper)
    for inputs in helper:
        loss = net(*inputs)

MindSpore sinks data to the device and the connected network reads it there; mindlite has no
device queue, so the helper yields each step's inputs in both modes and the connected network
is the network itself. `sink_size` and `epoch_num` keep MindSpore's meaning: with sinking, one
pass of the helper is `sink_size` steps (the whole dataset when -1).
"""
from __future__ import annotations

from typing import Any

__all__ = ["DatasetHelper", "connect_network_with_dataset"]


class DatasetHelper:
    """`ms.DatasetHelper(dataset, dataset_sink_mode=True, sink_size=-1, epoch_num=1)`."""

    def __init__(self, dataset: Any, dataset_sink_mode: bool = True, sink_size: int = -1, epoch_num: int = 1) -> None:
        if not hasattr(dataset, "create_tuple_iterator"):
            raise TypeError(f"DatasetHelper: dataset must be a mindlite.dataset Dataset, got {type(dataset).__name__}")
        for name, v in (("dataset_sink_mode", dataset_sink_mode),):
            if not isinstance(v, bool):
                raise TypeError(f"DatasetHelper: {name} must be a bool, got {type(v).__name__}")
        if not isinstance(sink_size, int) or isinstance(sink_size, bool) or (sink_size <= 0 and sink_size != -1):
            raise ValueError(f"DatasetHelper: sink_size must be -1 or a positive int, got {sink_size!r}")
        if not isinstance(epoch_num, int) or isinstance(epoch_num, bool) or epoch_num <= 0:
            raise ValueError(f"DatasetHelper: epoch_num must be a positive int, got {epoch_num!r}")
        self.dataset, self.dataset_sink_mode = dataset, dataset_sink_mode
        self._sink_size, self.epoch_num = sink_size, epoch_num
        self._iterator = None          # the dataset iterator, over epoch_num epochs
        self._epoch_rows = None        # the rows of the epoch being read
        self._epochs_started = 0
        self._stopped = False

    def sink_size(self) -> int:
        """Steps per pass: sink_size when sinking with a positive sink_size, else the dataset size."""
        if self.dataset_sink_mode and self._sink_size > 0:
            return self._sink_size
        return self.dataset.get_dataset_size()

    def __len__(self) -> int:
        return self.sink_size()

    def _next_row(self):
        """The next step's inputs; a sink pass may cross an epoch boundary. None when all epochs are read."""
        if self._iterator is None:
            self._iterator = self.dataset.create_tuple_iterator(num_epochs=self.epoch_num)
        while True:
            if self._epoch_rows is None:
                if self._epochs_started >= self.epoch_num:
                    return None
                self._epoch_rows = iter(self._iterator)
                self._epochs_started += 1
            try:
                return tuple(next(self._epoch_rows))
            except StopIteration:
                self._epoch_rows = None

    def __iter__(self):
        for _ in range(self.sink_size()):
            if self._stopped:
                return
            row = self._next_row()
            if row is None:
                return
            yield row

    def types_shapes(self) -> tuple:
        """(types, shapes) of the dataset's columns."""
        return self.dataset.output_types(), self.dataset.output_shapes()

    def get_data_info(self) -> tuple:
        return self.types_shapes()

    def stop_send(self) -> None:
        self._stopped = True

    def continue_send(self) -> None:
        self._stopped = False

    def release(self) -> None:
        self._iterator, self._epoch_rows, self._epochs_started = None, None, 0

    def get_sink_size(self) -> int:
        return self.sink_size()


def connect_network_with_dataset(network: Any, dataset_helper: DatasetHelper) -> Any:
    """The network to call with the helper's inputs (here the network itself: inputs are never
    held on a device queue)."""
    if not isinstance(dataset_helper, DatasetHelper):
        raise TypeError(f"connect_network_with_dataset: dataset_helper must be a DatasetHelper, got "
                        f"{type(dataset_helper).__name__}")
    if not callable(network):
        raise TypeError(f"connect_network_with_dataset: network must be a Cell, got {type(network).__name__}")
    return network
