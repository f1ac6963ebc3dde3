"""Append-only summary file writer: buffered, flushed every 100 records or 2 s, at close and
at exit, rolling over to a new file at `max_file_size`.

File names follow MindSpore: `<prefix>.summary.<unix seconds>.<host><suffix>`; a rollover
takes the next free second so names stay unique and sort by time.
"""
from __future__ import annotations

import logging

import atexit
import os
import socket
import threading
import time
import weakref

from .format import encode_record

FLUSH_RECORDS = 100
FLUSH_SECONDS = 2.0

_OPEN: "weakref.WeakSet[EventFileWriter]" = weakref.WeakSet()
_FLUSHER: list = [None]
_FLUSHER_LOCK = threading.Lock()


def _hostname() -> str:
    name = socket.gethostname() or "localhost"
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


def summary_file_name(prefix: str, stamp: int, suffix: str) -> str:
    return f"{prefix}.summary.{stamp}.{_hostname()}{suffix}"


class EventFileWriter:
    """Writes framed records to `log_dir/<prefix>.summary.<ts>.<host><suffix>`.

    Args:
        log_dir: the directory (created if missing).
        prefix, suffix: the file name's prefix and suffix.
        max_file_size: bytes per file before a new file is started (None: no limit).
    """

    def __init__(self, log_dir: str, prefix: str, suffix: str, max_file_size: int | None = None,
                 stamp: int | None = None) -> None:
        self.log_dir = log_dir
        self.prefix, self.suffix = prefix, suffix
        self.max_file_size = max_file_size
        self._lock = threading.Lock()
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._last_flush = time.monotonic()
        self._file = None
        self._size = 0
        self.closed = False
        self.paths: list[str] = []
        os.makedirs(log_dir, exist_ok=True)
        self._open_new(int(time.time()) if stamp is None else stamp)
        _OPEN.add(self)
        _start_flusher()

    @property
    def path(self) -> str:
        return self.paths[-1]

    def _open_new(self, stamp: int) -> None:
        while True:  # a rollover within the same second takes the next free stamp
            path = os.path.join(self.log_dir, summary_file_name(self.prefix, stamp, self.suffix))
            if not os.path.exists(path):
                break
            stamp += 1
        self._stamp = stamp
        self._file = open(path, "ab")
        self._size = 0
        self.paths.append(path)

    def write(self, payload: bytes) -> None:
        """Queue one record; flushed when 100 are queued, 2 s have passed, or at close/exit."""
        rec = encode_record(payload)
        with self._lock:
            if self.closed:
                raise ValueError(f"write to a closed summary file {self.path}")
            if (self.max_file_size is not None and self._size + self._pending_bytes > 0
                    and self._size + self._pending_bytes + len(rec) > self.max_file_size):
                self._flush_locked()
                self._file.close()
                self._open_new(max(int(time.time()), self._stamp + 1))
            self._pending.append(rec)
            self._pending_bytes += len(rec)
            if len(self._pending) >= FLUSH_RECORDS or time.monotonic() - self._last_flush >= FLUSH_SECONDS:
                self._flush_locked()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._last_flush = time.monotonic()
        if not self._pending or self._file is None:
            return
        data = b"".join(self._pending)
        self._file.write(data)
        self._file.flush()  # into the OS: a killed process loses nothing flushed
        self._size += len(data)
        self._pending.clear()
        self._pending_bytes = 0

    def flush_if_due(self) -> None:
        with self._lock:
            if self._pending and time.monotonic() - self._last_flush >= FLUSH_SECONDS:
                self._flush_locked()

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self._flush_locked()
            self._file.close()
            self.closed = True
        _OPEN.discard(self)


def _flush_loop() -> None:
    while True:
        time.sleep(FLUSH_SECONDS / 4)
        for w in list(_OPEN):
            try:
                w.flush_if_due()
            except (OSError, ValueError):
                pass  # a writer closed meanwhile; its own close flushed it


def _start_flusher() -> None:
    with _FLUSHER_LOCK:
        if _FLUSHER[0] is None or not _FLUSHER[0].is_alive():
            t = threading.Thread(target=_flush_loop, name="mindlite-summary-flush", daemon=True)
            t.start()
            _FLUSHER[0] = t


@atexit.register
def _close_all() -> None:
    for w in list(_OPEN):
        try:
            w.close()
        except OSError as e:  # at interpreter exit: say so, and still close the other writers
            logging.getLogger("mindlite").warning("summary file %s could not be closed at exit: %s",
                                                  getattr(w, "path", w), e)
