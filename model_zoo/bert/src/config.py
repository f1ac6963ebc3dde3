"""Configuration of the BERT recipe: JSON files (model_zoo/bert/config/*.json) merged with
command-line overrides, in the role of MindSpore's yaml + argparse ``model_utils/config.py``
(yaml is not installed here, so the files are JSON).

    python model_zoo/bert/pretrain.py --train_steps 200 --optimizer AdamWeightDecay \\
        --AdamWeightDecay.learning_rate 1e-3 --tiny.hidden_size 128 --config_path my.json

Every leaf of the file can be overridden with ``--dotted.key value`` (or ``--key=value``); the
value is parsed as JSON when it can be (numbers, true/false, null, lists) and taken as a
string otherwise. Unknown keys are an error, so a typo does not silently do nothing.
"""
from __future__ import annotations

import json
import os
from typing import Any, Sequence

from mindlite.common import dtype as mstype

from .bert_model import BertConfig

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "config")
PRETRAIN_CONFIG = os.path.join(CONFIG_DIR, "pretrain_config.json")
FINETUNE_CONFIG = os.path.join(CONFIG_DIR, "finetune_config.json")


class Config(dict):
    """A dict whose keys are also attributes (nested dicts become Configs)."""

    def __init__(self, data: dict | None = None) -> None:
        super().__init__()
        for k, v in (data or {}).items():
            self[k] = Config(v) if isinstance(v, dict) else v

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def to_dict(self) -> dict:
        return {k: v.to_dict() if isinstance(v, Config) else v for k, v in self.items()}


def _parse_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _set(cfg: Config, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = cfg
    for k in keys[:-1]:
        if k not in node or not isinstance(node[k], Config):
            raise KeyError(f"unknown configuration key --{dotted} ({k!r} is not a section)")
        node = node[k]
    if keys[-1] not in node:
        known = ", ".join(sorted(node))
        raise KeyError(f"unknown configuration key --{dotted}; known here: {known}")
    node[keys[-1]] = Config(value) if isinstance(value, dict) else value


def parse_overrides(argv: Sequence[str]) -> tuple[str | None, list[tuple[str, Any]]]:
    """(--config_path value or None, [(dotted key, value)]) from `--key value` / `--key=value`."""
    path, pairs, i = None, [], 0
    argv = list(argv)
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("--"):
            raise ValueError(f"expected --key value, got {arg!r}")
        if "=" in arg:
            key, raw = arg[2:].split("=", 1)
            i += 1
        else:
            if i + 1 >= len(argv):
                raise ValueError(f"{arg} needs a value")
            key, raw = arg[2:], argv[i + 1]
            i += 2
        if key == "config_path":
            path = raw
        else:
            pairs.append((key, _parse_value(raw)))
    return path, pairs


def load_config(default_path: str, argv: Sequence[str] = (), overrides: dict | None = None) -> Config:
    """The JSON file (``--config_path`` in argv replaces `default_path`) with argv and then
    `overrides` ({dotted key: value}) applied."""
    path, pairs = parse_overrides(argv)
    with open(path or default_path, encoding="utf-8") as f:
        cfg = Config(json.load(f))
    for key, value in pairs + list((overrides or {}).items()):
        _set(cfg, key, value)
    return cfg


_DTYPES = {"float32": mstype.float32, "float16": mstype.float16, "bfloat16": getattr(mstype, "bfloat16", None)}


def bert_net_config(cfg: Config, vocab_size: int | None = None) -> BertConfig:
    """BertConfig of ``cfg[cfg.bert_network]``: the preset named by `bert_network` (tiny / base /
    large) with the section's fields; vocab_size null -> `vocab_size` (the vocab file's)."""
    name = cfg.bert_network
    if name not in ("tiny", "base", "large"):
        raise ValueError(f"bert_network must be tiny, base or large, got {name!r}")
    fields = dict(cfg.get(name, {}))
    if fields.get("vocab_size") is None:
        if vocab_size is None:
            raise ValueError("vocab_size is null in the configuration and no vocabulary size was given")
        fields["vocab_size"] = vocab_size
    for key in ("dtype", "compute_type"):
        if isinstance(fields.get(key), str):
            if _DTYPES.get(fields[key]) is None:
                raise ValueError(f"{name}.{key}: unknown dtype {fields[key]!r}")
            fields[key] = _DTYPES[fields[key]]
    return getattr(BertConfig, name)(**fields)


def bert_param_shapes(config: BertConfig, pretraining_heads: bool = False) -> dict[str, tuple]:
    """{parameter name: shape} of BertModel(config) (names relative to BertModel; with
    `pretraining_heads` also BertPreTraining's cls1/cls2 with a ``bert.`` prefix on the
    encoder names), from the config alone: no parameter is allocated, so BERT-base/large
    shapes can be checked cheaply. Sums to bert_param_count(config, pretraining_heads)."""
    h, f, v = config.hidden_size, config.intermediate_size, config.vocab_size
    shapes: dict[str, tuple] = {
        "bert_embedding_lookup.embedding_table": (v, h),
        "bert_embedding_postprocessor.token_type_embedding.embedding_table": (config.type_vocab_size, h),
        "bert_embedding_postprocessor.full_position_embedding.embedding_table": (config.max_position_embeddings, h),
        "bert_embedding_postprocessor.layernorm.gamma": (h,),
        "bert_embedding_postprocessor.layernorm.beta": (h,),
    }
    for i in range(config.num_hidden_layers):
        p = f"bert_encoder.layers.{i}."
        for q in ("query", "key", "value"):
            shapes[f"{p}attention.attention.{q}_layer.weight"] = (h, h)
            shapes[f"{p}attention.attention.{q}_layer.bias"] = (h,)
        shapes.update({f"{p}attention.output.dense.weight": (h, h), f"{p}attention.output.dense.bias": (h,),
                       f"{p}attention.output.layernorm.gamma": (h,), f"{p}attention.output.layernorm.beta": (h,),
                       f"{p}intermediate.weight": (f, h), f"{p}intermediate.bias": (f,),
                       f"{p}output.dense.weight": (h, f), f"{p}output.dense.bias": (h,),
                       f"{p}output.layernorm.gamma": (h,), f"{p}output.layernorm.beta": (h,)})
    shapes.update({"dense.weight": (h, h), "dense.bias": (h,)})
    if not pretraining_heads:
        return shapes
    out = {f"bert.{k}": s for k, s in shapes.items()}
    out.update({"cls1.output_bias": (v,), "cls1.dense.weight": (h, h), "cls1.dense.bias": (h,),
                "cls1.layernorm.gamma": (h,), "cls1.layernorm.beta": (h,), "cls2.dense.weight": (2, h),
                "cls2.dense.bias": (2,)})
    return out


__all__ = ["CONFIG_DIR", "Config", "FINETUNE_CONFIG", "PRETRAIN_CONFIG", "bert_net_config", "bert_param_shapes",
           "load_config", "parse_overrides"]
