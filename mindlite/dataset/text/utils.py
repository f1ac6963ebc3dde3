"""Text enums, string-array helpers and the Vocab class (MindSpore 2.x `mindspore.dataset.text`)."""
from __future__ import annotations

from collections import Counter
from enum import Enum

import numpy as np

__all__ = ["NormalizeForm", "Vocab", "as_text", "as_text_list", "to_bytes", "to_str"]


class NormalizeForm(str, Enum):
    """Unicode normalization forms for NormalizeUTF8 / BasicTokenizer."""
    NONE = "NONE"
    NFC = "NFC"
    NFKC = "NFKC"
    NFD = "NFD"
    NFKD = "NFKD"


def to_str(array, encoding="utf8"):
    """numpy array of bytes -> numpy array of str."""
    array = np.asarray(array)
    if array.dtype.kind != "S":
        raise TypeError(f"to_str: expected a bytes array, got dtype {array.dtype}")
    return np.char.decode(array, encoding)


def to_bytes(array, encoding="utf8"):
    """numpy array of str -> numpy array of bytes."""
    array = np.asarray(array)
    if array.dtype.kind != "U":
        raise TypeError(f"to_bytes: expected a str array, got dtype {array.dtype}")
    return np.char.encode(array, encoding)


def as_text(x, who: str) -> str:
    """One string from a str, bytes, numpy scalar or 0-d/1-element array."""
    if isinstance(x, str):
        return str(x)  # np.str_ -> plain str, so vocab keys and tokens print cleanly
    if isinstance(x, (bytes, np.bytes_)):
        return bytes(x).decode("utf-8")
    if hasattr(x, "asnumpy"):
        x = x.asnumpy()
    if isinstance(x, np.ndarray) and x.size == 1 and x.dtype.kind in "US":
        return as_text(x.reshape(()).item(), who)
    raise TypeError(f"{who}: expected a string, got {type(x).__name__} {getattr(x, 'shape', '')}")


def as_text_list(x, who: str) -> list:
    """A list of strings from a str or a 1-D (or 0-d) array/list of strings."""
    if isinstance(x, (str, bytes, np.bytes_, np.str_)):
        return [as_text(x, who)]
    if hasattr(x, "asnumpy"):
        x = x.asnumpy()
    arr = np.asarray(x)
    if arr.dtype.kind not in "US" and arr.size:
        raise TypeError(f"{who}: expected strings, got dtype {arr.dtype}")
    return [as_text(v, who) for v in arr.reshape(-1)]


class Vocab:
    """Token <-> id mapping. Build with `from_list`, `from_file`, `from_dict` or `from_dataset`."""

    def __init__(self, word_to_id=None):
        self._w2i = dict(word_to_id or {})
        self._i2w = {i: w for w, i in self._w2i.items()}

    @classmethod
    def _build(cls, words, special_tokens, special_first, who):
        specials = list(special_tokens or [])
        ordered = specials + list(words) if special_first else list(words) + specials
        w2i = {}
        for word in ordered:
            if word in w2i:
                raise ValueError(f"{who}: duplicate word {word!r}")
            w2i[word] = len(w2i)
        return cls(w2i)

    @classmethod
    def from_list(cls, word_list, special_tokens=None, special_first=True):
        """Ids follow list order; `special_tokens` go first (ids 0..k-1) or last."""
        return cls._build(word_list, special_tokens, special_first, "Vocab.from_list")

    @classmethod
    def from_file(cls, file_path, delimiter="", vocab_size=None, special_tokens=None, special_first=True):
        """One word per line (the part before `delimiter` if given); the first `vocab_size` lines."""
        words = []
        with open(file_path, encoding="utf-8") as f:
            for line in f:
                word = line.rstrip("\r\n")
                if delimiter:
                    word = word.split(delimiter)[0]
                if not word:
                    continue
                words.append(word)
                if vocab_size is not None and len(words) >= vocab_size:
                    break
        return cls._build(words, special_tokens, special_first, f"Vocab.from_file({file_path})")

    @classmethod
    def from_dict(cls, word_dict):
        """Use the given {word: id} mapping (ids must be non-negative ints)."""
        for w, i in word_dict.items():
            if not isinstance(i, (int, np.integer)) or i < 0:
                raise ValueError(f"Vocab.from_dict: id of {w!r} must be a non-negative int, got {i!r}")
        return cls({str(w): int(i) for w, i in word_dict.items()})

    @classmethod
    def from_dataset(cls, dataset, columns=None, freq_range=None, top_k=None, special_tokens=None,
                     special_first=True):
        """Words of `columns` ordered by frequency (ties alphabetically), filtered by `freq_range`/`top_k`."""
        counts = Counter()
        names = [columns] if isinstance(columns, str) else columns
        for row in dataset.create_dict_iterator(num_epochs=1, output_numpy=True):
            for name in (names or list(row)):
                counts.update(as_text_list(row[name], "Vocab.from_dataset"))
        lo, hi = freq_range or (None, None)
        words = [w for w, c in sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
                 if (lo is None or c >= lo) and (hi is None or c <= hi)]
        if top_k is not None:
            words = words[:top_k]
        return cls._build(words, special_tokens, special_first, "Vocab.from_dataset")

    def vocab(self) -> dict:
        """A copy of the {word: id} mapping."""
        return dict(self._w2i)

    def __len__(self):
        return len(self._w2i)

    def __contains__(self, word):
        return word in self._w2i

    def get(self, word, default=None):
        return self._w2i.get(word, default)

    def tokens_to_ids(self, tokens):
        """A word -> its id (-1 if absent); a list/array of words -> a list of ids."""
        if isinstance(tokens, (str, np.str_)):
            return self._w2i.get(str(tokens), -1)
        return [self._w2i.get(str(t), -1) for t in np.asarray(tokens).reshape(-1)]

    def ids_to_tokens(self, ids):
        """An id -> its word ("" if absent); a list/array of ids -> a list of words."""
        if isinstance(ids, (int, np.integer)):
            return self._i2w.get(int(ids), "")
        return [self._i2w.get(int(i), "") for i in np.asarray(ids).reshape(-1)]

    def __repr__(self):
        return f"Vocab(size={len(self)})"
