"""Configuration of the ResNet recipe: a JSON file per setup (``config/*.json``) merged with
``--key value`` command-line overrides (MindSpore's ``src/model_utils/config.py`` reads a yaml
file the same way; yaml is not a mindlite dependency, so the files are JSON in which whole-line
``//`` comments are allowed).

    cfg = load_config(["--config", "tiny", "--batch_size", "16", "--mode", "pynative"])
    cfg.batch_size  # 16

* ``--config`` is a name in ``config/`` (``imagenet``, ``cifar10``, ``tiny``) or a path. Without it
  the setup follows ``--dataset``: synthetic -> tiny, cifar10 -> cifar10, imagenet -> imagenet.
* Every key of the file can be overridden as ``--key value`` (or ``--key=value``). The value is
  converted to the type of the file's value: ``true/false/1/0/yes/no`` for booleans, JSON or a
  comma-separated list for lists, ``null``/``none`` for None; keys the file does not define
  are parsed as JSON when possible, else kept as strings.
* Aliases: ``--epochs`` = ``--epoch_size``, ``--lr`` = ``--lr_max``, ``--ckpt`` =
  ``--checkpoint_path``, ``--net`` = ``--net_name``; ``--key_with-dashes`` = ``--key_with_dashes``.
"""
from __future__ import annotations

import json
import os
from typing import Any

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "config")
DATASET_CONFIG = {"synthetic": "tiny", "tiny": "tiny", "cifar10": "cifar10", "imagenet": "imagenet",
                  "imagenet2012": "imagenet"}
ALIASES = {"epochs": "epoch_size", "lr": "lr_max", "ckpt": "checkpoint_path", "net": "net_name"}
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

__all__ = ["CONFIG_DIR", "Config", "available_configs", "config_path", "load_config", "load_file", "parse_overrides"]


class Config(dict):
    """A dict whose keys are also attributes (``cfg.batch_size``)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"config has no field {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __repr__(self) -> str:
        return "Config(" + ", ".join(f"{k}={v!r}" for k, v in self.items()) + ")"

    def dump(self) -> str:
        return json.dumps(self, indent=2, sort_keys=True, default=str)


def available_configs() -> list[str]:
    return sorted(f[:-5] for f in os.listdir(CONFIG_DIR) if f.endswith(".json"))


def config_path(name_or_path: str) -> str:
    """A config name (``tiny``) or a file path -> the file path."""
    if os.path.isfile(name_or_path):
        return name_or_path
    path = os.path.join(CONFIG_DIR, name_or_path if name_or_path.endswith(".json") else name_or_path + ".json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"config {name_or_path!r} not found: not a file, and not one of "
                                f"{available_configs()} in {CONFIG_DIR}")
    return path


def load_file(path: str) -> Config:
    """Read a JSON config file; whole lines starting with ``//`` are comments."""
    with open(path, encoding="utf-8") as f:
        text = "".join(line if not line.lstrip().startswith("//") else "\n" for line in f)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"config file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"config file {path} must hold a JSON object")
    return Config(data)


def _convert(key: str, text: str, default: Any) -> Any:
    low = text.strip().lower()
    if isinstance(default, bool):
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"--{key}: expected a boolean (true/false), got {text!r}")
    if low in ("none", "null"):
        return None
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            try:  # "1e3", "5.0"
                value = float(text)
            except ValueError:
                raise ValueError(f"--{key}: expected an integer, got {text!r}") from None
            if value != int(value):
                raise ValueError(f"--{key}: expected an integer, got {text!r}") from None
            return int(value)
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"--{key}: expected a number, got {text!r}") from None
    if isinstance(default, list):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = [v.strip() for v in text.split(",") if v.strip()]
            if default and all(isinstance(d, (int, float)) and not isinstance(d, bool) for d in default):
                value = [type(default[0])(float(v)) if isinstance(default[0], int) else float(v) for v in value]
        if not isinstance(value, list):
            value = [value]
        return value
    if isinstance(default, str):
        return text
    try:  # unknown key or None default: JSON when it parses (numbers, booleans, lists)
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_overrides(argv: list[str]) -> dict:
    """``["--a", "1", "--b=x", "--flag"]`` -> {"a": "1", "b": "x", "flag": "true"} (raw strings)."""
    out: dict = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("--") or len(arg) == 2:
            raise ValueError(f"unexpected argument {arg!r}: options are --key value")
        key = arg[2:]
        if "=" in key:
            key, value = key.split("=", 1)
            i += 1
        elif i + 1 < len(argv) and not (argv[i + 1].startswith("--") and len(argv[i + 1]) > 2):
            value = argv[i + 1]
            i += 2
        else:  # a bare flag
            value = "true"
            i += 1
        key = key.replace("-", "_")
        out[ALIASES.get(key, key)] = value
    return out


def load_config(argv: list[str] | None = None, defaults: dict | None = None, config: str | None = None) -> Config:
    """Merge, in order: `defaults` (the script's own keys), the config file, the overrides in
    `argv`. The file is ``--config`` from argv, else `config`, else chosen by ``--dataset``."""
    raw = parse_overrides(list(argv or []))
    name = raw.pop("config", None) or config
    if name is None:
        dataset = raw.get("dataset") or (defaults or {}).get("dataset") or "synthetic"
        name = DATASET_CONFIG.get(str(dataset).lower())
        if name is None:
            raise ValueError(f"unknown --dataset {dataset!r}; choose from {sorted(DATASET_CONFIG)} "
                             f"or pass --config")
    cfg = Config(defaults or {})
    path = config_path(name)
    cfg.update(load_file(path))
    cfg["config"] = path
    for key, text in raw.items():
        cfg[key] = _convert(key, text, cfg.get(key))
    return cfg
