"""Text transforms other than the BERT tokenizers (MindSpore 2.x names and defaults)."""
from __future__ import annotations

import unicodedata

import numpy as np

from ..transforms._base import TensorOperation, as_array, to_np_dtype
from .utils import NormalizeForm, Vocab, as_text, as_text_list

__all__ = [
    "CaseFold",
    "Lookup",
    "Ngram",
    "NormalizeUTF8",
    "PythonTokenizer",
    "SlidingWindow",
    "ToNumber",
    "Truncate",
]


class Lookup(TensorOperation):
    """Tokens -> ids; unknown tokens map to `unknown_token`'s id, or raise when it is None."""

    def __init__(self, vocab, unknown_token=None, data_type=np.int32):
        if not isinstance(vocab, Vocab):
            raise TypeError(f"Lookup: vocab must be a text.Vocab, got {type(vocab).__name__}")
        self.vocab = vocab
        self.unknown_token = unknown_token
        self.data_type = data_type
        self._dtype = to_np_dtype(data_type)
        self._unk_id = None
        if unknown_token is not None:
            self._unk_id = vocab.get(unknown_token)
            if self._unk_id is None:
                raise ValueError(f"Lookup: unknown_token {unknown_token!r} is not in the vocab")

    def _id(self, token):
        i = self.vocab.get(token, self._unk_id)
        if i is None:
            raise KeyError(f"Lookup: token {token!r} is not in the vocab and no unknown_token was given")
        return i

    def _execute(self, tokens):
        arr = tokens.asnumpy() if hasattr(tokens, "asnumpy") else np.asarray(tokens)
        words = as_text_list(arr, "Lookup")
        return np.array([self._id(w) for w in words], dtype=self._dtype).reshape(arr.shape)


class Truncate(TensorOperation):
    """Keep the first `max_seq_len` elements of a 1-D (or the last axis of a 2-D) input."""

    def __init__(self, max_seq_len):
        if int(max_seq_len) <= 0:
            raise ValueError(f"Truncate: max_seq_len must be positive, got {max_seq_len}")
        self.max_seq_len = int(max_seq_len)

    def _execute(self, x):
        x = as_array(x)
        if x.ndim not in (1, 2):
            raise ValueError(f"Truncate: input must be 1-D or 2-D, got shape {x.shape}")
        return x[..., :self.max_seq_len]


class SlidingWindow(TensorOperation):
    """Windows of `width` consecutive elements along `axis`: 1-D (n,) -> (n - width + 1, width)."""

    def __init__(self, width, axis=0):
        if int(width) <= 0:
            raise ValueError(f"SlidingWindow: width must be positive, got {width}")
        self.width, self.axis = int(width), int(axis)

    def _execute(self, x):
        x = as_array(x)
        axis = self.axis % x.ndim
        if x.shape[axis] < self.width:  # no complete window (MindSpore returns an empty tensor)
            shape = x.shape[:axis] + (0, self.width) + x.shape[axis + 1:]
            return np.empty(shape, dtype=x.dtype)
        win = np.lib.stride_tricks.sliding_window_view(x, self.width, axis=axis)
        # numpy puts the window last; MindSpore puts it right after the window index
        return np.ascontiguousarray(np.moveaxis(win, -1, axis + 1))


class ToNumber(TensorOperation):
    """Strings -> numbers of `data_type`; a string that is not a number raises."""

    def __init__(self, data_type):
        self.data_type = data_type
        self._dtype = to_np_dtype(data_type)
        if self._dtype.kind not in "iuf":
            raise TypeError(f"ToNumber: data_type must be numeric, got {data_type!r}")

    def _execute(self, x):
        arr = x.asnumpy() if hasattr(x, "asnumpy") else np.asarray(x)
        words = as_text_list(arr, "ToNumber")
        out = []
        for w in words:
            try:
                out.append(int(w) if self._dtype.kind in "iu" else float(w))
            except ValueError:
                raise ValueError(f"ToNumber: {w!r} is not a valid {self._dtype} number") from None
        if self._dtype.kind in "iu":
            info = np.iinfo(self._dtype)
            bad = [v for v in out if not info.min <= v <= info.max]
            if bad:
                raise ValueError(f"ToNumber: {bad[0]} is out of range for {self._dtype}")
        return np.array(out, dtype=self._dtype).reshape(arr.shape)


def _map_strings(x, fn, who):
    arr = x.asnumpy() if hasattr(x, "asnumpy") else np.asarray(x)
    out = [fn(w) for w in as_text_list(arr, who)]
    return np.array(out, dtype=str).reshape(arr.shape)


class NormalizeUTF8(TensorOperation):
    """Unicode-normalize strings (NFC, NFKC, NFD, NFKD; NONE leaves them)."""

    def __init__(self, normalize_form=NormalizeForm.NFKC):
        self.normalize_form = NormalizeForm(normalize_form)

    def _execute(self, x):
        if self.normalize_form == NormalizeForm.NONE:
            return _map_strings(x, lambda s: s, "NormalizeUTF8")
        return _map_strings(x, lambda s: unicodedata.normalize(self.normalize_form.value, s), "NormalizeUTF8")


class CaseFold(TensorOperation):
    """Unicode case folding (a stronger lower-case)."""

    def _execute(self, x):
        return _map_strings(x, str.casefold, "CaseFold")


class PythonTokenizer(TensorOperation):
    """Tokenize with a user function str -> list of str."""

    def __init__(self, tokenizer):
        if not callable(tokenizer):
            raise TypeError("PythonTokenizer: tokenizer must be callable")
        self.tokenizer = tokenizer

    def _execute(self, text):
        tokens = self.tokenizer(as_text(text, "PythonTokenizer"))
        return np.array(list(tokens), dtype=str)


class Ngram(TensorOperation):
    """n-grams of a 1-D string array joined by `separator`, with optional padding tokens."""

    def __init__(self, n, left_pad=("", 0), right_pad=("", 0), separator=" "):
        self.n = [n] if isinstance(n, int) else list(n)
        if not self.n or min(self.n) <= 0:
            raise ValueError(f"Ngram: n must be positive, got {n}")
        self.left_pad, self.right_pad, self.separator = tuple(left_pad), tuple(right_pad), separator

    def _execute(self, x):
        words = as_text_list(x, "Ngram")
        words = [self.left_pad[0]] * self.left_pad[1] + words + [self.right_pad[0]] * self.right_pad[1]
        grams = [self.separator.join(words[i:i + k]) for k in self.n for i in range(len(words) - k + 1)]
        return np.array(grams, dtype=str) if grams else np.array([], dtype="<U1")
