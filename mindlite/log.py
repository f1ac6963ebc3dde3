"""`mindlite.log` (MindSpore's `mindspore.log`): the framework logger model scripts write to
(`from mindlite import log as logger; logger.info(...)`), configured by MindSpore's environment
variables, read when the logger is first used:

  GLOG_v                 level: 0 DEBUG, 1 INFO, 2 WARNING (default), 3 ERROR, 4 CRITICAL
  GLOG_logtostderr       1 (default): log to stderr; 0: log to a rotating file in GLOG_log_dir
  GLOG_log_dir           directory of the log file (required when GLOG_logtostderr=0)
  GLOG_stderrthreshold   with file logging, records at this level and above also go to stderr (default 2)
  logger_maxBytes        size at which the file rotates (default 52428800)
  logger_backupCount     rotated files kept (default 30)
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from logging.handlers import RotatingFileHandler
from typing import Any

__all__ = ["get_level", "get_log_config", "debug", "info", "warning", "error", "critical", "exception",
           "get_logger"]

_LEVELS = {"0": logging.DEBUG, "1": logging.INFO, "2": logging.WARNING, "3": logging.ERROR, "4": logging.CRITICAL}
_NAMES = {logging.DEBUG: "DEBUG", logging.INFO: "INFO", logging.WARNING: "WARNING", logging.ERROR: "ERROR",
          logging.CRITICAL: "CRITICAL"}
_DEFAULTS = {"GLOG_v": "2", "GLOG_logtostderr": "1", "GLOG_stderrthreshold": "2", "logger_maxBytes": "52428800",
             "logger_backupCount": "30"}
_FORMAT = "[%(levelname)s] ML(%(process)d:%(thread)d,%(processName)s):%(asctime)s [%(pathname)s:%(lineno)d] %(message)s"

_lock = threading.Lock()
_logger: logging.Logger | None = None


def _env(name: str) -> str:
    return os.environ.get(name, _DEFAULTS.get(name, ""))


def _check(name: str, allowed: tuple) -> str:
    value = _env(name).strip()
    if value not in allowed:
        raise ValueError(f"mindlite.log: environment variable {name}={value!r} must be one of {list(allowed)}")
    return value


def _positive_int(name: str) -> int:
    value = _env(name).strip()
    if not value.isdigit() or int(value) <= 0:
        raise ValueError(f"mindlite.log: environment variable {name}={value!r} must be a positive integer")
    return int(value)


def _setup() -> logging.Logger:
    level = _LEVELS[_check("GLOG_v", tuple(_LEVELS))]
    to_stderr = _check("GLOG_logtostderr", ("0", "1")) == "1"
    logger = logging.getLogger("mindlite.log")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(level)
    fmt = logging.Formatter(_FORMAT)
    if to_stderr:
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(fmt)
        logger.addHandler(handler)
        return logger
    log_dir = _env("GLOG_log_dir")
    if not log_dir:
        raise ValueError("mindlite.log: GLOG_logtostderr=0 needs GLOG_log_dir, the directory to write logs to")
    os.makedirs(os.path.realpath(log_dir), exist_ok=True)
    path = os.path.join(os.path.realpath(log_dir), f"mindlite.{os.getpid()}.log")
    file_handler = RotatingFileHandler(path, maxBytes=_positive_int("logger_maxBytes"),
                                       backupCount=_positive_int("logger_backupCount"), encoding="utf-8")
    file_handler.setFormatter(fmt)
    logger.addHandler(file_handler)
    err = logging.StreamHandler(sys.stderr)
    err.setLevel(_LEVELS[_check("GLOG_stderrthreshold", tuple(_LEVELS))])
    err.setFormatter(fmt)
    logger.addHandler(err)
    return logger


def get_logger() -> logging.Logger:
    """The configured `logging.Logger` (set up from the environment on first use)."""
    global _logger
    if _logger is None:
        with _lock:
            if _logger is None:
                _logger = _setup()
    return _logger


def _reset() -> None:
    """Forget the configuration so the next call reads the environment again (for tests)."""
    global _logger
    with _lock:
        _logger = None


def get_level() -> str:
    """The log level as MindSpore reports it: '0' DEBUG ... '4' CRITICAL."""
    level = get_logger().getEffectiveLevel()
    return next(k for k, v in _LEVELS.items() if v == level)


def get_log_config() -> dict:
    """The logging configuration: GLOG_v and GLOG_logtostderr, plus the file settings when
    logging to a file."""
    get_logger()
    config = {"GLOG_v": _env("GLOG_v"), "GLOG_logtostderr": _env("GLOG_logtostderr")}
    if config["GLOG_logtostderr"] == "0":
        for name in ("GLOG_log_dir", "logger_maxBytes", "logger_backupCount", "GLOG_stderrthreshold"):
            config[name] = _env(name)
    return config


def debug(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().debug(msg, *args, stacklevel=2, **kwargs)


def info(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().info(msg, *args, stacklevel=2, **kwargs)


def warning(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().warning(msg, *args, stacklevel=2, **kwargs)


def error(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().error(msg, *args, stacklevel=2, **kwargs)


def critical(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().critical(msg, *args, stacklevel=2, **kwargs)


def exception(msg: Any, *args: Any, **kwargs: Any) -> None:
    """An ERROR record with the current exception's traceback."""
    get_logger().exception(msg, *args, stacklevel=2, **kwargs)


warn = warning
