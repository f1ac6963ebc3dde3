"""Import a Hugging-Face-format BERT checkpoint directory into the recipe's BertModel.

A directory holds ``config.json`` (BertConfig fields), ``vocab.txt`` and the weights, either
``model.safetensors`` or a directory of ``.npy`` files named after the tensors
(``embeddings.word_embeddings.weight.npy``, ...; e.g. written by ``export_npy``). PyTorch's
pickled ``pytorch_model.bin`` is not read (convert it to safetensors or .npy first).

safetensors is read by a small reader of its documented format (the ``safetensors`` package
is not needed): 8-byte little-endian header length N, N bytes of JSON header
``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}``,
then the raw little-endian data, offsets relative to its start.

Name mapping (Hugging Face -> mindlite/MindSpore; an optional ``bert.`` prefix on the left is
dropped; ``L`` = layer index)::

    embeddings.word_embeddings.weight           bert_embedding_lookup.embedding_table
    embeddings.position_embeddings.weight       bert_embedding_postprocessor.full_position_embedding.embedding_table
    embeddings.token_type_embeddings.weight     bert_embedding_postprocessor.token_type_embedding.embedding_table
    embeddings.LayerNorm.{weight,bias}          bert_embedding_postprocessor.layernorm.{gamma,beta}
    encoder.layer.L.attention.self.{query,key,value}.{weight,bias}
                                                bert_encoder.layers.L.attention.attention.{query,key,value}_layer.{weight,bias}
    encoder.layer.L.attention.output.dense.*    bert_encoder.layers.L.attention.output.dense.*
    encoder.layer.L.attention.output.LayerNorm.{weight,bias}
                                                bert_encoder.layers.L.attention.output.layernorm.{gamma,beta}
    encoder.layer.L.intermediate.dense.*        bert_encoder.layers.L.intermediate.*
    encoder.layer.L.output.dense.*              bert_encoder.layers.L.output.dense.*
    encoder.layer.L.output.LayerNorm.{weight,bias}
                                                bert_encoder.layers.L.output.layernorm.{gamma,beta}
    pooler.dense.*                              dense.*
    pre-training heads (BertForPreTraining checkpoints), relative to BertPreTraining:
    cls.predictions.transform.dense.*           cls1.dense.*
    cls.predictions.transform.LayerNorm.*       cls1.layernorm.{gamma,beta}
    cls.predictions.bias                        cls1.output_bias
    cls.seq_relationship.*                      cls2.dense.*
    cls.predictions.decoder.weight              (tied to the word embeddings: skipped)
    embeddings.position_ids                     (an int64 buffer, not a weight: skipped)

Dense weights have the same [out, in] layout in both (torch.nn.Linear and nn.Dense), so no
transposition is needed. The model must be built with the checkpoint's LayerNorm epsilon
(``layer_norm_eps``, 1e-12 in BERT checkpoints) and activation (HF "gelu" is the exact erf
GELU, which is this recipe's "gelu"): ``bert_config_from_hf`` does that.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

import numpy as np

from mindlite import Tensor, nn

from .bert_model import BertConfig, BertModel

_ST_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
              "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_, "U16": np.uint16,
              "U32": np.uint32, "U64": np.uint64}
_ACTIVATIONS = {"gelu": "gelu", "gelu_new": "gelu_tanh", "gelu_pytorch_tanh": "gelu_tanh", "gelu_fast": "gelu_tanh",
                "relu": "relu", "tanh": "tanh"}
_BUFFERS = ("embeddings.position_ids", "cls.predictions.decoder.weight", "cls.predictions.decoder.bias")


# ---- reading ------------------------------------------------------------------------------------
def read_safetensors(path: str) -> tuple[dict[str, np.ndarray], dict]:
    """({name: array}, metadata) of a .safetensors file (arrays are copies in native byte order)."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ValueError(f"{path}: not a safetensors file (shorter than 8 bytes)")
        n = int.from_bytes(head, "little")
        size = os.path.getsize(path)
        if n <= 0 or 8 + n > size:
            raise ValueError(f"{path}: bad safetensors header length {n} (file has {size} bytes)")
        header = json.loads(f.read(n).decode("utf-8"))
    base = 8 + n
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=base, shape=(size - base,)) if size > base else \
        np.zeros(0, np.uint8)
    metadata = header.pop("__metadata__", {}) or {}
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        dtype, shape = info["dtype"], tuple(int(d) for d in info["shape"])
        begin, end = (int(x) for x in info["data_offsets"])
        raw = np.asarray(data[begin:end])
        if dtype == "BF16":
            arr = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
        elif dtype in _ST_DTYPES:
            arr = raw.view(np.dtype(_ST_DTYPES[dtype]).newbyteorder("<")).astype(_ST_DTYPES[dtype])
        else:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {dtype}")
        count = int(np.prod(shape)) if shape else 1
        if arr.size != count:
            raise ValueError(f"{path}: tensor {name!r}: {arr.size} values for shape {list(shape)}")
        tensors[name] = arr.reshape(shape).copy()
    del data
    return tensors, metadata


def write_safetensors(path: str, tensors: dict[str, np.ndarray], metadata: dict | None = None) -> None:
    """Write {name: array} in the safetensors format (used by the tests; float32/16, ints, bool)."""
    names = {np.dtype(v).name: k for k, v in _ST_DTYPES.items()}
    header: dict[str, Any] = {"__metadata__": metadata or {}}
    blobs, offset = [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        blob = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": names[arr.dtype.name], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    head = json.dumps(header).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(len(head).to_bytes(8, "little"))
        f.write(head)
        for blob in blobs:
            f.write(blob)


def read_npy_dir(path: str) -> dict[str, np.ndarray]:
    """{name: array} from a directory of <name>.npy files."""
    out = {}
    for fname in sorted(os.listdir(path)):
        if fname.endswith(".npy"):
            out[fname[:-4]] = np.load(os.path.join(path, fname), allow_pickle=False)
    if not out:
        raise FileNotFoundError(f"{path}: no .npy files")
    return out


def load_hf_state_dict(model_dir: str) -> dict[str, np.ndarray]:
    """The tensors of a Hugging-Face model directory: model.safetensors (or the only
    *.safetensors file), else a directory of .npy files (`model_dir` itself or model_dir/npy)."""
    st = os.path.join(model_dir, "model.safetensors")
    if not os.path.exists(st):
        found = sorted(f for f in os.listdir(model_dir) if f.endswith(".safetensors"))
        st = os.path.join(model_dir, found[0]) if len(found) == 1 else ""
        if len(found) > 1:
            raise ValueError(f"{model_dir}: several .safetensors files {found} (sharded checkpoints are not read)")
    if st:
        return read_safetensors(st)[0]
    for d in (model_dir, os.path.join(model_dir, "npy")):
        if os.path.isdir(d) and any(f.endswith(".npy") for f in os.listdir(d)):
            return read_npy_dir(d)
    if os.path.exists(os.path.join(model_dir, "pytorch_model.bin")):
        raise ValueError(f"{model_dir}: only pytorch_model.bin found; convert it to model.safetensors or .npy files")
    raise FileNotFoundError(f"{model_dir}: no model.safetensors and no .npy files")


def export_npy(tensors: dict[str, np.ndarray], out_dir: str) -> None:
    """Write {name: array} as out_dir/<name>.npy (the .npy-directory form read above)."""
    os.makedirs(out_dir, exist_ok=True)
    for name, arr in tensors.items():
        np.save(os.path.join(out_dir, f"{name}.npy"), arr)


# ---- config and names ---------------------------------------------------------------------------
def bert_config_from_hf(config: str | dict, seq_length: int = 128, **overrides: Any) -> BertConfig:
    """BertConfig of a Hugging-Face config.json (path, directory or dict)."""
    if isinstance(config, str):
        path = os.path.join(config, "config.json") if os.path.isdir(config) else config
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    if config.get("model_type", "bert") != "bert":
        raise ValueError(f"model_type {config.get('model_type')!r} is not 'bert'")
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError(f"position_embedding_type {config['position_embedding_type']!r} is not supported")
    act = config.get("hidden_act", "gelu")
    if act not in _ACTIVATIONS:
        raise ValueError(f"hidden_act {act!r} is not supported (known: {sorted(_ACTIVATIONS)})")
    max_pos = int(config.get("max_position_embeddings", 512))
    fields = dict(seq_length=min(seq_length, max_pos), vocab_size=int(config["vocab_size"]),
                  hidden_size=int(config["hidden_size"]), num_hidden_layers=int(config["num_hidden_layers"]),
                  num_attention_heads=int(config["num_attention_heads"]),
                  intermediate_size=int(config["intermediate_size"]), hidden_act=_ACTIVATIONS[act],
                  hidden_dropout_prob=float(config.get("hidden_dropout_prob", 0.1)),
                  attention_probs_dropout_prob=float(config.get("attention_probs_dropout_prob", 0.1)),
                  max_position_embeddings=max_pos, type_vocab_size=int(config.get("type_vocab_size", 2)),
                  initializer_range=float(config.get("initializer_range", 0.02)),
                  layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)))
    fields.update(overrides)
    return BertConfig(**fields)


_LAYER_RULES = [
    (r"attention\.self\.(query|key|value)\.(weight|bias)", r"attention.attention.\1_layer.\2"),
    (r"attention\.output\.dense\.(weight|bias)", r"attention.output.dense.\1"),
    (r"attention\.output\.LayerNorm\.(weight|bias)", "attention.output.layernorm.{ln}"),
    (r"intermediate\.dense\.(weight|bias)", r"intermediate.\1"),
    (r"output\.dense\.(weight|bias)", r"output.dense.\1"),
    (r"output\.LayerNorm\.(weight|bias)", "output.layernorm.{ln}"),
]
_FIXED = {
    "embeddings.word_embeddings.weight": "bert_embedding_lookup.embedding_table",
    "embeddings.position_embeddings.weight": "bert_embedding_postprocessor.full_position_embedding.embedding_table",
    "embeddings.token_type_embeddings.weight": "bert_embedding_postprocessor.token_type_embedding.embedding_table",
    "embeddings.LayerNorm.weight": "bert_embedding_postprocessor.layernorm.gamma",
    "embeddings.LayerNorm.bias": "bert_embedding_postprocessor.layernorm.beta",
    "pooler.dense.weight": "dense.weight",
    "pooler.dense.bias": "dense.bias",
}
_HEADS = {
    "cls.predictions.transform.dense.weight": "cls1.dense.weight",
    "cls.predictions.transform.dense.bias": "cls1.dense.bias",
    "cls.predictions.transform.LayerNorm.weight": "cls1.layernorm.gamma",
    "cls.predictions.transform.LayerNorm.bias": "cls1.layernorm.beta",
    "cls.predictions.bias": "cls1.output_bias",
    "cls.seq_relationship.weight": "cls2.dense.weight",
    "cls.seq_relationship.bias": "cls2.dense.bias",
}
_LN = {"weight": "gamma", "bias": "beta", "gamma": "gamma", "beta": "beta"}


def hf_to_mindlite_name(name: str) -> tuple[str, str] | None:
    """(part, mindlite name) of a Hugging-Face tensor name: part "bert" for BertModel names,
    "heads" for BertPreTraining's cls1/cls2; None for buffers, tied weights and unknown names."""
    if name.startswith("bert."):
        name = name[len("bert."):]
    if name in _BUFFERS or name.endswith("num_batches_tracked"):
        return None
    name = name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
    if name in _FIXED:
        return "bert", _FIXED[name]
    if name in _HEADS:
        return "heads", _HEADS[name]
    m = re.fullmatch(r"encoder\.layer\.(\d+)\.(.+)", name)
    if m:
        layer, rest = m.groups()
        for pattern, target in _LAYER_RULES:
            mm = re.fullmatch(pattern, rest)
            if mm:
                out = target.format(ln=_LN[mm.groups()[-1]]) if "{ln}" in target else mm.expand(target)
                return "bert", f"bert_encoder.layers.{layer}.{out}"
    return None


def _bert_prefix(cell: nn.Cell) -> str:
    """Parameter-name prefix of the BertModel inside `cell` ('' when cell is a BertModel)."""
    for name, _ in cell.parameters_and_names():
        if name.endswith("bert_embedding_lookup.embedding_table"):
            return name[: -len("bert_embedding_lookup.embedding_table")]
    raise ValueError(f"{type(cell).__name__} holds no BertModel (no bert_embedding_lookup.embedding_table)")


def import_hf_weights(cell: nn.Cell, source: str | dict, strict: bool = True) -> dict:
    """Copy the weights of a Hugging-Face directory (or a {name: array} dict) into `cell`
    (a BertModel or any cell holding one: BertPreTraining, BertNetworkWithLoss,
    BertForSequenceClassification, BertCLS...). Pre-training heads load too when `cell` has
    cls1/cls2 next to its BertModel.

    Returns {"loaded": [mindlite names], "skipped": [HF names not used],
    "missing": [parameters of `cell` that the checkpoint did not set]}. With `strict`, a
    BertModel parameter that the checkpoint lacks, or any shape mismatch, raises."""
    state = load_hf_state_dict(source) if isinstance(source, str) else source
    prefix = _bert_prefix(cell)
    head_prefix = prefix[: -len("bert.")] if prefix.endswith("bert.") else None
    params = dict(cell.parameters_and_names())
    loaded, skipped = [], []
    for hf_name, value in state.items():
        mapped = hf_to_mindlite_name(hf_name)
        if mapped is None:
            skipped.append(hf_name)
            continue
        part, name = mapped
        if part == "heads":
            if head_prefix is None or head_prefix + name not in params:
                skipped.append(hf_name)
                continue
            target = head_prefix + name
        else:
            target = prefix + name
        if target not in params:
            if strict:
                raise KeyError(f"{hf_name} -> {target}: no such parameter in {type(cell).__name__} "
                               f"(is the number of layers right?)")
            skipped.append(hf_name)
            continue
        p = params[target]
        value = np.asarray(value)
        if tuple(value.shape) != tuple(p.shape):
            raise ValueError(f"{hf_name} -> {target}: checkpoint shape {list(value.shape)} != parameter shape "
                             f"{list(p.shape)}")
        p.set_data(Tensor(value.astype(p.dtype.np)))
        loaded.append(target)
    done = set(loaded)
    missing = [n for n in params if n not in done]
    bert_missing = [n for n in missing if n.startswith(prefix + "bert_")]  # embeddings and encoder
    if strict and bert_missing:
        raise KeyError(f"the checkpoint does not set {bert_missing[:5]}{'...' if len(bert_missing) > 5 else ''}")
    return {"loaded": loaded, "skipped": skipped, "missing": missing}


def load_hf_bert(model_dir: str, seq_length: int = 128, is_training: bool = False) -> tuple[BertModel, BertConfig]:
    """(BertModel with the directory's weights, its BertConfig); the vocabulary is
    model_dir/vocab.txt (``model_zoo.bert.src.dataset.load_vocab``)."""
    config = bert_config_from_hf(model_dir, seq_length)
    model = BertModel(config, is_training)
    import_hf_weights(model, model_dir)
    return model, config


__all__ = ["bert_config_from_hf", "export_npy", "hf_to_mindlite_name", "import_hf_weights", "load_hf_bert",
           "load_hf_state_dict", "read_npy_dir", "read_safetensors", "write_safetensors"]
