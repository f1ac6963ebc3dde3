"""Checkpoints: `save_checkpoint`, `load_checkpoint`, `load_param_into_net` (MindSpore 2.x API).

Files use MindSpore's `.ckpt` protobuf layout (see `_ckpt_proto`), so checkpoints move
between MindSpore and mindlite in both directions:

* one `Value{tag, TensorProto{dims, tensor_type, tensor_content}}` per parameter, tensors split
  into 512 MiB chunks with the same tag as MindSpore does; content is little-endian C order;
* `tensor_type` is MindSpore's dtype name ("Float32", "Int64", "Bool", "BFloat16", ...);
* `append_dict` values: str -> dims [0], type "str", UTF-32-LE bytes (numpy's `U` layout);
  int/float/bool -> a 0-d Tensor as `Tensor(value)` gives (Int64 / Float32 / Bool);
* every file mindlite writes starts with a marker field that MindSpore's parser skips
  (`_ckpt_proto.MARK`) and ends with MindSpore's crc32 trailer
  `b"crc_num" + crc32.to_bytes(10, "big")`, whatever `crc_check` says.

Loading verifies the trailer whenever it is present, so a flipped bit is an error, not a
wrong number. A file without a trailer loads only if it lacks the marker too (MindSpore
writes no trailer unless `crc_check=True`); `load_checkpoint(crc_check=True)` requires the
trailer. A mindlite file cut anywhere, even at a parameter boundary, raises CheckpointError:
never a partial dict. (A MindSpore file without a trailer cut at a parameter boundary is a
valid shorter file and cannot be told apart.)

Unlike MindSpore (which deletes the old file before writing), a save writes a temporary file
`.<name>.ckpt.XXXXXXXX.tmp` in the same directory, fsyncs it and `os.replace`s the target, so
a crash at any moment leaves the previous or the new complete checkpoint. Temporary files of
that pattern older than the running process (left by a killed save) are removed by the first
save into their directory; an OSError while writing (a full disk) names the file.

Loading never executes anything from the file (no pickle): a corrupt, truncated, malicious or
inconsistent file raises `CheckpointError` (a ValueError) naming the file and the parameter.
Not supported: encryption (`enc_key`/`dec_key`), MapParameter entries, `format="safetensors"`.
Complex64/Complex128 tensors are saved with those type names, which MindSpore cannot read.
Zero-size tensors are saved as a Value with empty content (MindSpore's writer drops them; its
reader takes dims [0] for a scalar, so a shape-(0,) tensor does not load back into MindSpore).
"""
from __future__ import annotations

import contextlib
import difflib
import logging
import math
import os
import re
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from ..core import dtype as mstype
from ..core.tensor import Parameter, Tensor
from . import _ckpt_proto as proto

__all__ = ["save_checkpoint", "load_checkpoint", "load_param_into_net", "CheckpointError",
           "ParameterMismatchError", "wait_async_save", "async_ckpt_thread_status"]

logger = logging.getLogger("mindlite")

_CHUNK = 512 * 1024 * 1024          # MindSpore's per-Value content limit (1024 * SLICE_SIZE KB)
_TYPES = {t.name: t for t in mstype.all_types}
_save_lock = threading.RLock()      # one writer at a time, as MindSpore's _ckpt_mutex
_async_lock = threading.Lock()      # serialises starting background saves
_failed_lock = threading.Lock()     # guards _async["failed"] (taken by the background thread)
_async: dict = {"job": None, "failed": []}  # the latest background save; failures not yet raised
# tempfile.mkstemp(prefix=".<name>.ckpt.", suffix=".tmp") names: 8 characters from this set
_TEMP_NAME = re.compile(r"^\..+\.ckpt\.[a-z0-9_]{8}\.tmp$")
_swept_dirs: set = set()            # directories already cleaned of stale temporary files


class CheckpointError(ValueError):
    """A checkpoint file is unreadable or inconsistent; `file` and `param` name the culprit."""

    def __init__(self, msg: str, file: str | None = None, param: str | None = None) -> None:
        where = f"checkpoint file '{file}'" if file else "checkpoint"
        if param is not None:
            where += f", parameter '{param}'"
        super().__init__(f"Failed to load {where}: {msg}")
        self.file, self.param = file, param


class ParameterMismatchError(ValueError, RuntimeError):
    """A checkpoint value does not fit a net parameter. Also a RuntimeError, which is what
    MindSpore raises for a shape mismatch, so code written for either keeps working."""


# ---- save -------------------------------------------------------------------------------------
def save_checkpoint(save_obj: Any, ckpt_file_name: str, integrated_save: bool = True, async_save: Any = False,
                    append_dict: dict | None = None, enc_key: bytes | None = None, enc_mode: str = "AES-GCM",
                    choice_func: Callable[[str], bool] | None = None, crc_check: bool = False,
                    format: str = "ckpt", **kwargs: Any) -> None:  # noqa: A002 - MindSpore's name
    """Save parameters to a MindSpore-compatible `.ckpt` file (suffix added if missing).

    Args:
        save_obj: a Cell (every parameter, trainable or not, under its dotted path from
            `parameters_and_names()`), a list of Parameters or of `{"name": str, "data": Tensor}`
            dicts, or a dict name -> Tensor/Parameter/ndarray/str.
        append_dict: extra entries, values int, float, bool, str or Tensor.
        async_save: True (or "thread"/"process") writes in a background thread after
            snapshotting the data; `wait_async_save()` waits for it (and raises its error), and
            the next save or load waits for it too.
        choice_func: `choice_func(name) -> bool` keeps only the names it accepts.
        crc_check: accepted for MindSpore compatibility; the crc32 trailer is always written.
        enc_key: encryption is not supported: anything but None raises ValueError.

    Raises:
        OSError naming the file when it cannot be written (the previous file is kept). A
        failed asynchronous save is raised by the next `save_checkpoint` (before it saves
        anything) or by `wait_async_save()`.
    """
    _save_checkpoint(save_obj, ckpt_file_name, async_save, append_dict, enc_key, choice_func, format)


def _save_checkpoint(save_obj: Any, ckpt_file_name: Any, async_save: Any = False, append_dict: dict | None = None,
                     enc_key: bytes | None = None, choice_func: Callable | None = None,
                     format: str = "ckpt") -> "AsyncSave | None":  # noqa: A002
    """`save_checkpoint`; returns the handle of an asynchronous save (None for a synchronous one)."""
    if enc_key is not None:
        raise ValueError("save_checkpoint: checkpoint encryption (enc_key) is not supported by mindlite")
    if format != "ckpt":
        raise ValueError(f"save_checkpoint: only format='ckpt' is supported, got {format!r}")
    if async_save not in (False, True, "thread", "process"):
        raise ValueError(f"save_checkpoint: async_save must be a bool, 'thread' or 'process', got {async_save!r}")
    path = _save_path(ckpt_file_name)
    entries = _collect(save_obj, choice_func)
    for name, value in _check_append_dict(append_dict).items():
        _put(entries, name, _append_entry(name, value))
    # a pending background save must land before this newer one, and its failure surfaces here
    wait_async_save()
    if async_save:
        return _start_async(path, entries)
    with _save_lock:
        _atomic_write(path, entries)
    return None


def _save_path(name: Any) -> str:
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"save_checkpoint: ckpt_file_name must be a str, got {type(name).__name__}")
    path = os.path.abspath(os.fspath(name))
    if os.path.isdir(path):
        raise IsADirectoryError(f"save_checkpoint: '{path}' is a directory, not a file name")
    return path if path.endswith(".ckpt") else path + ".ckpt"


def _collect(save_obj: Any, choice_func: Callable | None) -> "OrderedDict[str, tuple]":
    """name -> (dims, tensor_type, ndarray) for everything `save_obj` holds, filtered."""
    if hasattr(save_obj, "parameters_and_names"):
        # MindSpore keys a Cell's entries by Parameter.name (wrappers such as TrainOneStepCell
        # do not prefix their children, so keys stay `conv1.weight`, `moments.conv1.weight`)
        pairs = [(p.name, p) for _, p in save_obj.parameters_and_names()]
    elif isinstance(save_obj, dict):
        pairs = list(save_obj.items())
    elif isinstance(save_obj, (list, tuple)):
        pairs = [_list_item(item) for item in save_obj]
    else:
        raise TypeError(f"save_checkpoint: save_obj must be a Cell, list or dict, got {type(save_obj).__name__}")
    entries: OrderedDict = OrderedDict()
    for name, data in pairs:
        if not isinstance(name, str):
            raise TypeError(f"save_checkpoint: parameter names must be str, got {type(name).__name__}")
        if choice_func is None or choice_func(name):
            _put(entries, name, _entry(name, data))
    return entries


def _list_item(item: Any) -> tuple:
    if isinstance(item, Parameter):
        return item.name, item
    if isinstance(item, dict) and "name" in item and "data" in item:
        return item["name"], item["data"]
    raise TypeError("save_checkpoint: a list save_obj must hold Parameters or {'name': str, 'data': Tensor} "
                    f"dicts, got {type(item).__name__}")


def _put(entries: OrderedDict, name: str, entry: tuple) -> None:
    # MindSpore keys its data by name, so a repeated name overwrites; say so
    if name in entries:
        logger.warning("save_checkpoint: name '%s' appears twice; the later value is saved", name)
    entries[name] = entry


def _entry(name: str, data: Any) -> tuple:
    """(dims, tensor_type, contiguous little-endian ndarray) of one value."""
    if isinstance(data, str):
        # MindSpore: dims [0], type "str", bytes of np.array(s) (UCS-4, little-endian)
        return [0], "str", np.array(data, dtype="<U")
    if isinstance(data, Tensor):
        arr = data._data if isinstance(data._data, np.ndarray) else data.asnumpy()
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
    elif isinstance(data, (bool, int, float)):
        arr = Tensor(data)._data
    else:
        raise TypeError(f"save_checkpoint: '{name}' must be a Tensor, Parameter, ndarray, number or str, "
                        f"got {type(data).__name__}")
    try:
        ttype = mstype.from_numpy_dtype(arr.dtype).name
    except TypeError as e:
        raise TypeError(f"save_checkpoint: '{name}': {e}") from None
    # (not np.ascontiguousarray: it turns 0-d arrays into shape (1,))
    arr = arr.astype(arr.dtype.newbyteorder("<"), order="C", copy=False)
    return list(arr.shape), ttype, arr


def _check_append_dict(append_dict: dict | None) -> dict:
    if append_dict is None:
        return {}
    if not isinstance(append_dict, dict):
        raise TypeError(f"save_checkpoint: append_dict must be a dict, got {type(append_dict).__name__}")
    for key, value in append_dict.items():
        if not isinstance(key, str) or not isinstance(value, (int, float, bool, str, Tensor)):
            raise TypeError("save_checkpoint: append_dict must map str to int, float, bool, str or Tensor, "
                            f"got {type(key).__name__}: {type(value).__name__}")
    return append_dict


def _append_entry(name: str, value: Any) -> tuple:
    # MindSpore stores `Tensor(value)`: int -> Int64, float -> Float32, bool -> Bool, all 0-d
    if isinstance(value, (bool, int, float)):
        try:
            value = Tensor(value)
        except (TypeError, OverflowError) as e:
            raise ValueError(f"save_checkpoint: append_dict['{name}'] = {value!r} cannot be saved: {e}") from None
    return _entry(name, value)


def _atomic_write(path: str, entries: OrderedDict) -> None:
    """Write to a temp file beside `path`, fsync, then atomically replace `path`."""
    directory, base = os.path.split(path)
    _remove_stale_temps(directory)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as f:
            _write_entries(f, entries)
            f.flush()
            os.fsync(f.fileno())  # data on disk before the rename makes it visible
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):  # e.g. a full disk: say which file could not be written
            raise _named_os_error(exc, path) from exc
        raise
    _fsync_dir(directory)  # make the rename itself durable


def _named_os_error(exc: OSError, path: str) -> OSError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    msg = f"save_checkpoint: cannot write checkpoint file '{path}' (the previous file, if any, is kept): {reason}"
    # OSError(errno, msg) picks the subclass of the errno (PermissionError, ...), as the original
    return OSError(exc.errno, msg) if exc.errno is not None else OSError(msg)


def _write_entries(f: Any, entries: OrderedDict) -> None:
    """Stream every entry as MindSpore does (one Checkpoint message per <=512 MiB chunk),
    between mindlite's marker and the crc32 trailer."""
    f.write(proto.MARK)
    crc = zlib.crc32(proto.MARK)
    for name, (dims, ttype, arr) in entries.items():
        raw = memoryview(arr.reshape(-1).view(np.uint8))
        for start in range(0, max(len(raw), 1), _CHUNK):
            chunk = raw[start:start + _CHUNK]
            head = proto.value_prefix(name, dims, ttype, len(chunk))
            f.write(head)
            f.write(chunk)
            crc = zlib.crc32(chunk, zlib.crc32(head, crc))
    f.write(proto.crc_trailer(crc))


def _process_start_time() -> float:
    """When this process started (Linux: from /proc), else when this module was imported."""
    try:
        with open("/proc/self/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])  # field 22: starttime
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
        # btime has one-second resolution: err towards "earlier", which removes less
        return min(boot + ticks / os.sysconf("SC_CLK_TCK") - 1.0, _IMPORT_TIME)
    except (OSError, ValueError, IndexError, StopIteration):
        return _IMPORT_TIME


_IMPORT_TIME = time.time()


def _remove_stale_temps(directory: str) -> None:
    """Delete our own temporary files that predate this process: leftovers of a killed save.
    A save in progress in another process keeps touching its file, so it is never older."""
    if directory in _swept_dirs:
        return
    _swept_dirs.add(directory)
    started = _process_start_time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if not _TEMP_NAME.match(entry.name):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < started:
                    os.unlink(entry.path)
                    logger.info("save_checkpoint: removed '%s', left by an interrupted save", entry.path)


def _file_mode(path: str) -> int:
    # keep the mode of the file being replaced; new files get the usual rw-r--r--
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o644


def _fsync_dir(directory: str) -> None:
    with contextlib.suppress(OSError):  # e.g. Windows cannot open a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---- asynchronous save ------------------------------------------------------------------------------
class AsyncSave:
    """One background save. `wait()` returns once the file is durable (written, fsynced and
    renamed into place) and raises the save's error otherwise."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.durable = False
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def wait(self) -> None:
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join()
        with _failed_lock:
            error = self.error
            if error is not None and self in _async["failed"]:
                _async["failed"].remove(self)  # raised here: not again by wait_async_save()
        if error is not None:
            raise error


def _start_async(path: str, entries: OrderedDict) -> AsyncSave:
    # snapshot now: the caller may change its arrays while the thread writes
    snapshot = OrderedDict((k, (d, t, a.copy())) for k, (d, t, a) in entries.items())
    job = AsyncSave(path)
    with _async_lock:
        _join_async()  # one background save at a time, in call order
        job.thread = threading.Thread(target=_async_work, args=(job, snapshot), name="mindlite-async-ckpt")
        _async["job"] = job
        job.thread.start()
    return job


def _async_work(job: AsyncSave, snapshot: OrderedDict) -> None:
    try:
        with _save_lock:
            _atomic_write(job.path, snapshot)
        job.durable = True
    except BaseException as e:  # surfaced by the next save, wait_async_save() or job.wait()
        logger.error("save_checkpoint: asynchronous save of '%s' failed: %s", job.path, e)
        with _failed_lock:
            job.error = e
            _async["failed"].append(job)


def _join_async() -> None:
    job = _async["job"]
    if job is not None and job.thread is not threading.current_thread():
        job.thread.join()


def wait_async_save() -> None:
    """Wait for a pending `save_checkpoint(..., async_save=True)`; raise the error of any
    background save that failed and was not raised yet (the first; later ones are noted)."""
    _join_async()
    with _failed_lock:
        failed, _async["failed"] = _async["failed"], []
    if failed:
        error = failed[0].error
        for other in failed[1:]:
            _add_note(error, f"the asynchronous save of '{other.path}' failed too: {other.error}")
        raise error


def _add_note(exc: BaseException, note: str) -> None:
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:  # Python 3.10
        exc.__dict__.setdefault("__notes__", []).append(note)


def async_ckpt_thread_status() -> bool:
    """True while an asynchronous checkpoint save is running (MindSpore 2.x API)."""
    job = _async["job"]
    return job is not None and job.thread.is_alive()


# ---- load -------------------------------------------------------------------------------------
def load_checkpoint(ckpt_file_name: str, net: Any = None, strict_load: bool = False, filter_prefix: Any = None,
                    dec_key: bytes | None = None, dec_mode: str = "AES-GCM", specify_prefix: Any = None,
                    choice_func: Callable[[str], bool] | None = None, crc_check: bool = False,
                    remove_redundancy: bool = False, format: str = "ckpt") -> dict:  # noqa: A002
    """Read a `.ckpt` file into a dict name -> Parameter (str for string entries).

    `specify_prefix` keeps only names starting with one of its prefixes, `filter_prefix` drops
    them; `choice_func` applies only when neither is given (as in MindSpore). With `net`, the
    values are also loaded by `load_param_into_net(net, result, strict_load)`. A crc32 trailer
    is verified whenever the file has one; `crc_check=True` also makes a missing trailer an
    error (MindSpore only warns). Raises CheckpointError (a ValueError) for a corrupt or
    truncated file, never returns part of one.
    """
    if dec_key is not None:
        raise ValueError("load_checkpoint: checkpoint decryption (dec_key) is not supported by mindlite")
    if format != "ckpt" or remove_redundancy:
        raise ValueError("load_checkpoint: only format='ckpt' without remove_redundancy is supported")
    path = _load_path(ckpt_file_name)
    keep = _selector(_check_prefix(specify_prefix, "specify_prefix"),
                     _check_prefix(filter_prefix, "filter_prefix"), choice_func)
    _join_async()  # a pending asynchronous save of this file must land first
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise CheckpointError(f"cannot read it: {e}", path) from None
    payload = _check_crc(raw, path, crc_check)
    try:
        values = proto.decode_checkpoint(payload)
    except proto.WireError as e:
        raise _file_error(e, path) from None
    if not values:
        raise CheckpointError("the file holds no parameters (it is empty or not a checkpoint)", path)
    params = _build(values, path, keep)
    if not params:
        raise ValueError(f"load_checkpoint: nothing was loaded from '{path}': 'specify_prefix', "
                         "'filter_prefix' or 'choice_func' rejected every name")
    if net is not None:
        load_param_into_net(net, params, strict_load)
    return params


def _load_path(name: Any) -> str:
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"load_checkpoint: ckpt_file_name must be a str, got {type(name).__name__}")
    path = os.path.abspath(os.fspath(name))
    if not os.path.isfile(path):
        raise ValueError(f"load_checkpoint: the checkpoint file '{path}' does not exist")
    return path


def _check_prefix(prefix: Any, arg: str) -> tuple | None:
    if prefix is None:
        return None
    prefixes = (prefix,) if isinstance(prefix, str) else prefix
    if not isinstance(prefixes, (list, tuple)) or not prefixes:
        raise TypeError(f"load_checkpoint: {arg} must be a str or a non-empty list/tuple of str, got {prefix!r}")
    for p in prefixes:
        if not isinstance(p, str) or not p:
            raise ValueError(f"load_checkpoint: {arg} must hold non-empty strings, got {p!r}")
    return tuple(prefixes)


def _selector(specify: tuple | None, filt: tuple | None, choice_func: Callable | None) -> Callable[[str], bool]:
    def keep(name: str) -> bool:
        if specify and not name.startswith(specify):
            return False
        if filt and name.startswith(filt):
            return False
        if specify is None and filt is None and choice_func is not None:
            return bool(choice_func(name))
        return True
    return keep


def _check_crc(raw: bytes, path: str, crc_check: bool) -> memoryview:
    """The protobuf bytes without the crc trailer, which is verified whenever present."""
    payload, stored = proto.split_crc_trailer(raw)
    if stored is None:
        if proto.has_mark(payload):
            raise CheckpointError("its crc32 trailer is missing: the file is truncated (an interrupted copy or a "
                                  "full disk?) or damaged", path)
        if crc_check:
            raise CheckpointError("crc_check=True but the file has no crc32 trailer, so it cannot be verified "
                                  "(MindSpore writes one only with save_checkpoint(..., crc_check=True))", path)
    elif zlib.crc32(payload) != stored:
        raise CheckpointError("crc32 check failed: the file is damaged (its bytes changed after it was written)", path)
    return payload


def _build(values: list, path: str, keep: Callable[[str], bool]) -> dict:
    """Turn each kept tensor (chunks joined) into a Parameter, or a str for string entries."""
    out: dict = {}
    for group in proto.group_chunks(values):
        tag = group[0].tag
        if tag == "random_op" and group[0].tensor_type == "random_op":
            logger.info("load_checkpoint: skipping MindSpore's 'random_op' RNG state in '%s'", path)
            continue
        if not keep(tag):
            continue  # before joining or copying anything
        if tag in out:
            logger.warning("load_checkpoint: '%s' appears twice in '%s'; the later value is used", tag, path)
        try:
            value = proto.merge_chunks(group)
            out[tag] = proto.decode_str(value) if value.tensor_type == "str" else _to_param(value, path)
        except proto.WireError as e:
            raise _file_error(e, path) from None
    return out


def _file_error(e: "proto.WireError", path: str) -> CheckpointError:
    at = f" at byte {e.offset}" if e.offset is not None else ""
    return CheckpointError(f"not a valid checkpoint ({e}{at}); the file may be truncated or corrupted", path, e.param)


def _to_param(value: "proto.RawValue", path: str) -> Parameter:
    t = _TYPES.get(value.tensor_type)
    if t is None:
        raise CheckpointError(f"unknown tensor_type {value.tensor_type!r}", path, value.tag)
    arr = _to_array(value.content, value.dims, t, path, value.tag)
    param = Parameter(arr, name=value.tag, requires_grad=True)
    param._ckpt_file = path  # lets load_param_into_net name the file in its errors
    return param


def _to_array(content: memoryview, dims: tuple, t: mstype.Type, path: str, tag: str) -> np.ndarray:
    """Validate sizes with Python ints first, then view the bytes (no allocation before)."""
    bf16_widen = t.np is None  # BFloat16 without ml_dtypes: widen the bits to float32
    np_dtype = np.dtype("<u2") if bf16_widen else t.np.newbyteorder("<")
    shape = tuple(dims)
    if shape == (0,) and len(content) == np_dtype.itemsize:
        shape = ()  # MindSpore reads dims [0] as a scalar
    # numpy's limit: the product of the non-zero dims, in bytes, must fit a signed 64-bit size
    if math.prod(d for d in shape if d) * np_dtype.itemsize > np.iinfo(np.intp).max:
        raise CheckpointError(f"shape {list(shape)} of {t.name} is too large for any array (corrupt dims?)",
                              path, tag)
    expected = math.prod(shape) * np_dtype.itemsize
    if expected != len(content):
        raise CheckpointError(f"shape {list(shape)} of {t.name} needs {expected} bytes but tensor_content "
                              f"has {len(content)}", path, tag)
    try:
        arr = np.frombuffer(content, dtype=np_dtype).reshape(shape)
    except ValueError as e:  # a numpy limit the checks above do not know of
        raise CheckpointError(f"shape {list(shape)} of {t.name} cannot be built: {e}", path, tag) from None
    if t.kind == "bool":
        arr = arr.view(np.uint8) != 0  # any byte value other than 0/1 would be an invalid numpy bool
    if bf16_widen:
        logger.warning("load_checkpoint: '%s' is BFloat16; loaded as float32 (install ml_dtypes for bfloat16)", tag)
        arr = (arr.astype(np.uint32) << 16).view(np.float32)
    return arr


# ---- load into a net ------------------------------------------------------------------------------
def load_param_into_net(net: Any, parameter_dict: dict, strict_load: bool = False) -> tuple[list, list]:
    """Copy checkpoint values into `net`'s parameters; returns `(param_not_load, ckpt_not_load)`.

    `net` is anything with `parameters_and_names()` (a Cell, an optimizer). A net parameter
    matches the checkpoint key equal to its dotted path (or, failing that, its `name`). When
    `strict_load` is False and NO net parameter matched that way, the checkpoint is taken to
    be of a wrapper and one common key prefix such as "network." is tried (as MindSpore does),
    but only if exactly one prefix fits best: a checkpoint with both "network.w" and
    "moments.w" is ambiguous and loads nothing by prefix. (MindSpore also guesses when only
    some names are missing, which loads an optimizer's "accum.weight" into "weight" when the
    name "weight" is damaged; mindlite does not.) Values are cast to the parameter's dtype
    (float<->float and int<->int only when not `strict_load`, as MindSpore). All checks run
    before any parameter changes: a shape or dtype mismatch raises ParameterMismatchError (ValueError and
    RuntimeError) naming the parameter, both shapes and the file; with `strict_load=True` a
    net parameter missing from the checkpoint raises ValueError. A non-strict load logs
    missing and unused names with the closest existing name as a hint.
    """
    if not hasattr(net, "parameters_and_names"):
        raise TypeError(f"load_param_into_net: net must be a Cell, got {type(net).__name__}")
    if not isinstance(parameter_dict, dict):
        raise TypeError(f"load_param_into_net: parameter_dict must be a dict, got {type(parameter_dict).__name__}")
    net_params = list(net.parameters_and_names())
    matches, missing = _match(net_params, parameter_dict, strict_load)
    if missing and strict_load:
        raise ValueError("load_param_into_net: strict_load=True but these net parameters are not in the "
                         f"checkpoint: {_with_hints(missing, parameter_dict)}")
    updates, errors = [], []
    for name, param, key in matches:  # check everything first: a failed load changes nothing
        try:
            updates.append((param, _checked_value(name, param, parameter_dict[key], strict_load)))
        except ParameterMismatchError as e:
            errors.append(str(e))
    if errors:
        msg = "load_param_into_net: the checkpoint does not fit the net:\n  " + "\n  ".join(errors)
        logger.error(msg)
        raise ParameterMismatchError(msg)
    for param, value in updates:
        param.set_data(value)
    used = {key for _, _, key in matches}
    ckpt_not_load = [k for k in parameter_dict if k not in used]
    # MindSpore reports a parameter by its full name (the checkpoint key it saves under), which
    # differs from the path below `net` when a wrapper prefixed it ("network.fc.weight")
    by_path = dict(net_params)
    param_not_load = [getattr(by_path[n], "name", None) or n for n in missing]
    if missing:
        logger.warning("load_param_into_net: %d net parameter(s) not loaded, not in the checkpoint: %s",
                       len(missing), _with_hints(param_not_load, parameter_dict))
    if ckpt_not_load:
        net_names = [n for n, _ in net_params]
        logger.info("load_param_into_net: %d checkpoint entr(ies) not used by the net: %s",
                    len(ckpt_not_load), _with_hints(ckpt_not_load, net_names))
    return param_not_load, ckpt_not_load


def _match(net_params: list, parameter_dict: dict, strict_load: bool) -> tuple[list, list]:
    """[(net name, param, checkpoint key)] and the net names that found no key."""
    matches, missing = [], []
    for name, param in net_params:
        key = name if name in parameter_dict else getattr(param, "name", None)
        if key in parameter_dict and not isinstance(parameter_dict[key], str):
            matches.append((name, param, key))
        else:
            missing.append(name)
    if missing and not matches and not strict_load:
        prefix = _wrapper_prefix(missing, parameter_dict)
        if prefix:
            logger.warning("load_param_into_net: loading checkpoint names with the prefix '%s'", prefix)
            params = dict(net_params)
            found = [n for n in missing if prefix + n in parameter_dict]
            matches += [(n, params[n], prefix + n) for n in found]
            missing = [n for n in missing if n not in found]
    return matches, missing


def _wrapper_prefix(missing: list, parameter_dict: dict) -> str:
    """The key prefix of a wrapped net's checkpoint ("network.fc.weight" for the bare net's
    "fc.weight"): the one prefix that explains the most names, or "" when none or a tie."""
    counts: dict = {}
    names = set(missing)
    for key, value in parameter_dict.items():
        if isinstance(value, str):
            continue
        parts = key.split(".")
        for i in range(1, len(parts)):  # every split "a." + "b.c", "a.b." + "c"
            if ".".join(parts[i:]) in names:
                prefix = ".".join(parts[:i]) + "."
                counts[prefix] = counts.get(prefix, 0) + 1
    if not counts:
        return ""
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        logger.warning("load_param_into_net: the checkpoint names fit the net under several prefixes (%s); "
                       "none is used", ", ".join(f"'{p}'" for p, c in ranked if c == ranked[0][1]))
        return ""
    return ranked[0][0]


def _checked_value(name: str, param: Any, value: Any, strict_load: bool) -> Tensor:
    source = getattr(value, "_ckpt_file", None)
    value = value if isinstance(value, Tensor) else Tensor(np.asarray(value))
    want, got = tuple(param.shape), tuple(value.shape)
    if want != got:
        if len(got) > len(want) and got[:len(want)] == want and all(d == 1 for d in got[len(want):]):
            value = value.reshape(want)  # MindSpore accepts trailing 1-dims, e.g. (12, 2048, 1, 1)
        else:
            raise ParameterMismatchError(f"parameter '{name}': shape {want} in the net, {got} in the checkpoint"
                                         + (f" (file '{source}')" if source else ""))
    if param.dtype != value.dtype:
        same_kind = {param.dtype, value.dtype} <= set(mstype.float_type) or \
            {param.dtype, value.dtype} <= set(mstype.int_type)
        if strict_load or not same_kind:
            raise ParameterMismatchError(
                f"parameter '{name}': dtype {param.dtype} in the net, {value.dtype} in the checkpoint"
                + (f" (file '{source}')" if source else "")
                + ("" if same_kind else "; only float<->float and int<->int are converted"))
        logger.warning("load_param_into_net: '%s' converted from %s to %s", name, value.dtype, param.dtype)
    return value


def _with_hints(names: list, candidates: Any, limit: int = 20) -> str:
    """'a' (closest: 'b'), ... for the first `limit` names (difflib is O(candidates) per name)."""
    pool = list(candidates)
    parts = []
    for n in names[:limit]:
        close = difflib.get_close_matches(n, pool, n=1)
        parts.append(f"'{n}'" + (f" (closest: '{close[0]}')" if close else ""))
    if len(names) > limit:
        parts.append(f"... and {len(names) - limit} more")
    return ", ".join(parts)
