"""Checkpoints: `save_checkpoint`, `load_checkpoint`, `load_param_into_net` (MindSpore 2.x API).

Files use MindSpore's `.ckpt` layout byte for byte (see `_ckpt_proto`), so checkpoints move
between MindSpore and mindlite in both directions:

* one `Value{tag, TensorProto{dims, tensor_type, tensor_content}}` per parameter, tensors split
  into 512 MiB chunks with the same tag as MindSpore does; content is little-endian C order;
* `tensor_type` is MindSpore's dtype name ("Float32", "Int64", "Bool", "BFloat16", ...);
* `append_dict` values: str -> dims [0], type "str", UTF-32-LE bytes (numpy's `U` layout);
  int/float/bool -> a 0-d Tensor as `Tensor(value)` gives (Int64 / Float32 / Bool);
* `crc_check=True` appends MindSpore's trailer `b"crc_num" + crc32.to_bytes(10, "big")`.

Unlike MindSpore (which deletes the old file before writing), a save writes a temporary file
in the same directory, fsyncs it and `os.replace`s the target, so a crash at any moment leaves
the previous or the new complete checkpoint. A killed process may leave a stray
`.<name>.ckpt.*.tmp` file behind; it is never mistaken for a checkpoint.

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
import tempfile
import threading
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
_async: dict = {"thread": None, "error": None}


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
        crc_check: append MindSpore's crc32 trailer, verified by `load_checkpoint(crc_check=True)`.
        enc_key: encryption is not supported: anything but None raises ValueError.
    """
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
    if async_save:
        _start_async(path, entries, bool(crc_check))
    else:
        _join_async()  # a pending background save must not land after this newer one
        with _save_lock:
            _atomic_write(path, entries, bool(crc_check))


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


def _atomic_write(path: str, entries: OrderedDict, crc_check: bool) -> None:
    """Write to a temp file beside `path`, fsync, then atomically replace `path`."""
    directory, base = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            _write_entries(f, entries, crc_check)
            f.flush()
            os.fsync(f.fileno())  # data on disk before the rename makes it visible
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)  # make the rename itself durable


def _write_entries(f: Any, entries: OrderedDict, crc_check: bool) -> None:
    """Stream every entry as MindSpore does: one Checkpoint message per <=512 MiB chunk."""
    crc = 0
    for name, (dims, ttype, arr) in entries.items():
        raw = memoryview(arr.reshape(-1).view(np.uint8))
        for start in range(0, max(len(raw), 1), _CHUNK):
            chunk = raw[start:start + _CHUNK]
            head = proto.value_prefix(name, dims, ttype, len(chunk))
            f.write(head)
            f.write(chunk)
            if crc_check:
                crc = zlib.crc32(chunk, zlib.crc32(head, crc))
    if crc_check:
        f.write(proto.crc_trailer(crc))


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
def _start_async(path: str, entries: OrderedDict, crc_check: bool) -> None:
    # snapshot now: the caller may change its arrays while the thread writes
    snapshot = OrderedDict((k, (d, t, a.copy())) for k, (d, t, a) in entries.items())
    with _async_lock:
        _join_async()  # one background save at a time, in call order
        _async["thread"] = threading.Thread(target=_async_work, args=(path, snapshot, crc_check),
                                            name="mindlite-async-ckpt")
        _async["thread"].start()


def _async_work(path: str, snapshot: OrderedDict, crc_check: bool) -> None:
    try:
        with _save_lock:
            _atomic_write(path, snapshot, crc_check)
    except BaseException as e:  # surfaced by wait_async_save()
        logger.error("save_checkpoint: asynchronous save of '%s' failed: %s", path, e)
        _async["error"] = e


def _join_async() -> None:
    thread = _async["thread"]
    if thread is not None and thread is not threading.current_thread():
        thread.join()


def wait_async_save() -> None:
    """Wait for a pending `save_checkpoint(..., async_save=True)`; re-raise its error, if any."""
    _join_async()
    error, _async["error"] = _async["error"], None
    if error is not None:
        raise error


def async_ckpt_thread_status() -> bool:
    """True while an asynchronous checkpoint save is running (MindSpore 2.x API)."""
    thread = _async["thread"]
    return thread is not None and thread.is_alive()


# ---- load -------------------------------------------------------------------------------------
def load_checkpoint(ckpt_file_name: str, net: Any = None, strict_load: bool = False, filter_prefix: Any = None,
                    dec_key: bytes | None = None, dec_mode: str = "AES-GCM", specify_prefix: Any = None,
                    choice_func: Callable[[str], bool] | None = None, crc_check: bool = False,
                    remove_redundancy: bool = False, format: str = "ckpt") -> dict:  # noqa: A002
    """Read a `.ckpt` file into a dict name -> Parameter (str for string entries).

    `specify_prefix` keeps only names starting with one of its prefixes, `filter_prefix` drops
    them; `choice_func` applies only when neither is given (as in MindSpore). With `net`, the
    values are also loaded by `load_param_into_net(net, result, strict_load)`. With
    `crc_check=True` the file must carry a matching crc trailer (a missing one only warns, as
    in MindSpore). Raises CheckpointError (a ValueError) for a corrupt file.
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
    """The protobuf bytes without MindSpore's crc trailer, verified when `crc_check`."""
    payload, stored = proto.split_crc_trailer(raw)
    if crc_check and stored is None:
        logger.warning("load_checkpoint: '%s' has no crc32 trailer; it cannot be checked", path)
    if crc_check and stored is not None and zlib.crc32(payload) != stored:
        raise CheckpointError("crc32 check failed: the file is damaged", path)
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
    expected = math.prod(shape) * np_dtype.itemsize
    if expected != len(content):
        raise CheckpointError(f"shape {list(shape)} of {t.name} needs {expected} bytes but tensor_content "
                              f"has {len(content)}", path, tag)
    arr = np.frombuffer(content, dtype=np_dtype).reshape(shape)
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
    matches the checkpoint key equal to its dotted path (or, failing that, its `name`); if
    names are missing and `strict_load` is False, a common key prefix such as "network." is
    also tried, as MindSpore does. Values are cast to the parameter's dtype (float<->float and
    int<->int only when not `strict_load`, as MindSpore). All checks run before any parameter
    changes: a shape or dtype mismatch raises ParameterMismatchError (ValueError and
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
    if missing:
        logger.warning("load_param_into_net: %d net parameter(s) not loaded, not in the checkpoint: %s",
                       len(missing), _with_hints(missing, parameter_dict))
    if ckpt_not_load:
        net_names = [n for n, _ in net_params]
        logger.info("load_param_into_net: %d checkpoint entr(ies) not used by the net: %s",
                    len(ckpt_not_load), _with_hints(ckpt_not_load, net_names))
    return missing, ckpt_not_load


def _match(net_params: list, parameter_dict: dict, strict_load: bool) -> tuple[list, list]:
    """[(net name, param, checkpoint key)] and the net names that found no key."""
    matches, missing = [], []
    for name, param in net_params:
        key = name if name in parameter_dict else getattr(param, "name", None)
        if key in parameter_dict and not isinstance(parameter_dict[key], str):
            matches.append((name, param, key))
        else:
            missing.append(name)
    if missing and not strict_load:
        prefix = _common_prefix(missing, parameter_dict)
        if prefix:
            logger.warning("load_param_into_net: loading checkpoint names with the prefix '%s'", prefix)
            params = dict(net_params)
            found = [n for n in missing if prefix + n in parameter_dict]
            matches += [(n, params[n], prefix + n) for n in found]
            missing = [n for n in missing if n not in found]
    return matches, missing


def _common_prefix(missing: list, parameter_dict: dict) -> str:
    # a checkpoint of a wrapped net ("network.fc.weight") for the bare net ("fc.weight")
    for name in missing:
        for key in parameter_dict:
            if key.endswith("." + name):
                return key[:-len(name)]
    return ""


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
