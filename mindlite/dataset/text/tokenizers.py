"""BERT tokenization: BasicTokenizer, WordpieceTokenizer, BertTokenizer (+ two trivial tokenizers).

The rules are those of Google's reference BERT tokenizer (tokenization.py):
  1. clean: drop NUL, U+FFFD and control characters; every whitespace becomes a space;
  2. every CJK ideograph becomes a token of its own;
  3. split on whitespace; with lower_case, lower-case each word, decompose it (NFD)
     and drop the combining marks (accents);
  4. split each word around every punctuation character (ASCII symbols count too);
  5. wordpiece: greedy longest-match-first against the vocab, continuation pieces
     prefixed with "##"; a word with no complete split, or longer than
     max_bytes_per_token, becomes the unknown token.
MindSpore additions kept here: `preserve_unused_token` ([CLS], [SEP], [UNK], [PAD],
[MASK], [unusedN] stay whole and un-lowered), `keep_whitespace`, `normalization_form`
(used when not lower-casing) and `with_offsets` (UTF-8 byte offsets into the input).

To report offsets every character carries the [start, end) range of input
characters it came from; normalization works on clusters of a base character and
its combining marks, so composed/decomposed forms keep correct ranges.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np

from ..transforms._base import TensorOperation
from .utils import NormalizeForm, Vocab, as_text, as_text_list

__all__ = [
    "BasicTokenizer",
    "BertTokenizer",
    "UnicodeCharTokenizer",
    "WhitespaceTokenizer",
    "WordpieceTokenizer",
    "basic_tokenize",
    "wordpiece_split",
]

_UNUSED_RE = re.compile(r"\[(?:CLS|SEP|UNK|PAD|MASK|unused\d+)\]")


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _raw_words(text, keep_whitespace, preserve_unused):
    """Steps 1-2: lists of (char, start, end) per word; the bool says 'atomic' (no further splitting).

    Atomic words are preserved special tokens and (with keep_whitespace) whitespace runs.
    """
    specials = {m.start(): m.end() for m in _UNUSED_RE.finditer(text)} if preserve_unused else {}
    words, cur, cur_ws, i = [], [], False, 0
    while i < len(text):
        if i in specials:
            if cur:
                words.append((cur, cur_ws))
            words.append(([(c, j, j + 1) for j, c in enumerate(text[i:specials[i]], start=i)], True))
            cur, cur_ws, i = [], False, specials[i]
            continue
        ch, cp = text[i], ord(text[i])
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            pass  # dropped; the characters around it join up, as in the reference
        elif _is_whitespace(ch) or _is_cjk(cp) or cur_ws:
            if cur and not (cur_ws and _is_whitespace(ch)):
                words.append((cur, cur_ws))
                cur, cur_ws = [], False
            if _is_cjk(cp):
                words.append(([(ch, i, i + 1)], False))
            elif _is_whitespace(ch):
                if keep_whitespace:
                    cur.append((ch, i, i + 1))
                    cur_ws = True
            else:
                cur.append((ch, i, i + 1))
        else:
            cur.append((ch, i, i + 1))
        i += 1
    if cur:
        words.append((cur, cur_ws))
    return words


def _clusters(chars):
    """Group each base character with the combining marks that follow it."""
    groups = []
    for item in chars:
        if groups and unicodedata.combining(item[0]):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _normalize_word(chars, lower_case, form):
    """Step 3 on one word, keeping each output character's input range."""
    if lower_case:
        lowered = "".join(c for c, _, _ in chars).lower()
        if len(lowered) == len(chars):  # whole-word lower() (handles final sigma) when it maps 1:1
            chars = [(lc, s, e) for lc, (_, s, e) in zip(lowered, chars)]
        else:
            chars = [(lc, s, e) for c, s, e in chars for lc in c.lower()]
        form = "NFD"
    elif form in (None, NormalizeForm.NONE, "NONE"):
        return chars
    form = NormalizeForm(form).value
    out = []
    for group in _clusters(chars):
        start, end = group[0][1], group[-1][2]
        for ch in unicodedata.normalize(form, "".join(c for c, _, _ in group)):
            if lower_case and unicodedata.category(ch) == "Mn":
                continue  # strip accents
            out.append((ch, start, end))
    return out


def _split_punct(chars):
    """Step 4: every punctuation character becomes its own token."""
    pieces, cur = [], []
    for item in chars:
        if _is_punctuation(item[0]):
            if cur:
                pieces.append(cur)
                cur = []
            pieces.append([item])
        else:
            cur.append(item)
    if cur:
        pieces.append(cur)
    return pieces


def _basic_pieces(text, lower_case, keep_whitespace, normalization_form, preserve_unused_token):
    """-> list of (token, [(char, start, end), ...]) with each character's input range."""
    out = []
    for chars, atomic in _raw_words(text, keep_whitespace, preserve_unused_token):
        pieces = [chars] if atomic else _split_punct(_normalize_word(chars, lower_case, normalization_form))
        out.extend(("".join(c for c, _, _ in piece), piece) for piece in pieces)
    return out


def basic_tokenize(text, lower_case=False, keep_whitespace=False, normalization_form=NormalizeForm.NONE,
                   preserve_unused_token=True):
    """-> list of (token, start_char, end_char) over `text` (character indices)."""
    return [(tok, min(s for _, s, _ in items), max(e for _, _, e in items))
            for tok, items in _basic_pieces(text, lower_case, keep_whitespace, normalization_form,
                                            preserve_unused_token)]


def wordpiece_split(word, vocab, suffix_indicator="##", max_bytes_per_token=100, unknown_token="[UNK]"):
    """Greedy longest-match-first split -> list of (piece, start_char, end_char) within `word`."""
    if len(word.encode("utf-8")) > max_bytes_per_token:
        return [(unknown_token if unknown_token else word, 0, len(word))]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            sub = word[start:end] if start == 0 else suffix_indicator + word[start:end]
            if sub in vocab:
                break
            end -= 1
        if end == start:  # no piece matches: the whole word is unknown
            return [(unknown_token if unknown_token else word, 0, len(word))]
        pieces.append((sub, start, end))
        start = end
    return pieces


class _ByteOffsets:
    """Character index -> UTF-8 byte offset in the original text."""

    def __init__(self, text):
        self.cum = np.concatenate([[0], np.cumsum([len(c.encode("utf-8")) for c in text])]).astype(np.int64)

    def __call__(self, i):
        return int(self.cum[i])


def _output(tokens, offsets, with_offsets):
    arr = np.array(tokens, dtype=str) if tokens else np.array([], dtype="<U1")
    if not with_offsets:
        return arr
    starts = np.array([s for s, _ in offsets], dtype=np.uint32)
    limits = np.array([e for _, e in offsets], dtype=np.uint32)
    return arr, starts, limits


def _check_vocab(vocab, who):
    if not isinstance(vocab, Vocab):
        raise TypeError(f"{who}: vocab must be a text.Vocab, got {type(vocab).__name__}")
    return vocab


class BasicTokenizer(TensorOperation):
    """Steps 1-4 of BERT tokenization (see module doc) on one string."""

    def __init__(self, lower_case=False, keep_whitespace=False, normalization_form=NormalizeForm.NONE,
                 preserve_unused_token=True, with_offsets=False):
        self.lower_case = bool(lower_case)
        self.keep_whitespace = bool(keep_whitespace)
        self.normalization_form = NormalizeForm(normalization_form)
        self.preserve_unused_token = bool(preserve_unused_token)
        self.with_offsets = bool(with_offsets)

    def _tokens(self, text):
        return basic_tokenize(text, self.lower_case, self.keep_whitespace, self.normalization_form,
                              self.preserve_unused_token)

    def _execute(self, text):
        text = as_text(text, type(self).__name__)
        toks = self._tokens(text)
        pos = _ByteOffsets(text)
        return _output([t for t, _, _ in toks], [(pos(s), pos(e)) for _, s, e in toks], self.with_offsets)


class WordpieceTokenizer(TensorOperation):
    """Step 5 of BERT tokenization on a 1-D array of words; offsets are bytes within each word."""

    def __init__(self, vocab, suffix_indicator="##", max_bytes_per_token=100, unknown_token="[UNK]",
                 with_offsets=False):
        self.vocab = _check_vocab(vocab, "WordpieceTokenizer")
        self.suffix_indicator = suffix_indicator
        self.max_bytes_per_token = int(max_bytes_per_token)
        self.unknown_token = unknown_token
        self.with_offsets = bool(with_offsets)

    def _split(self, word):
        return wordpiece_split(word, self.vocab, self.suffix_indicator, self.max_bytes_per_token,
                               self.unknown_token)

    def _execute(self, words):
        tokens, offsets = [], []
        for word in as_text_list(words, "WordpieceTokenizer"):
            pos = _ByteOffsets(word)
            for piece, s, e in self._split(word):
                tokens.append(piece)
                offsets.append((pos(s), pos(e)))
        return _output(tokens, offsets, self.with_offsets)


class BertTokenizer(TensorOperation):
    """BasicTokenizer followed by WordpieceTokenizer; offsets are bytes into the input string."""

    def __init__(self, vocab, suffix_indicator="##", max_bytes_per_token=100, unknown_token="[UNK]",
                 lower_case=False, keep_whitespace=False, normalization_form=NormalizeForm.NONE,
                 preserve_unused_token=True, with_offsets=False):
        self.basic = BasicTokenizer(lower_case, keep_whitespace, normalization_form, preserve_unused_token)
        self.wordpiece = WordpieceTokenizer(vocab, suffix_indicator, max_bytes_per_token, unknown_token)
        self.with_offsets = bool(with_offsets)

    def _execute(self, text):
        text = as_text(text, "BertTokenizer")
        pos = _ByteOffsets(text)
        b = self.basic
        tokens, offsets = [], []
        for word, items in _basic_pieces(text, b.lower_case, b.keep_whitespace, b.normalization_form,
                                         b.preserve_unused_token):
            for piece, s, e in self.wordpiece._split(word):
                tokens.append(piece)
                # piece [s, e) indexes the normalized word; items map it back to input characters
                offsets.append((pos(min(it[1] for it in items[s:e])), pos(max(it[2] for it in items[s:e]))))
        return _output(tokens, offsets, self.with_offsets)


class WhitespaceTokenizer(TensorOperation):
    """Split on ICU whitespace (Python str.isspace)."""

    def __init__(self, with_offsets=False):
        self.with_offsets = bool(with_offsets)

    def _execute(self, text):
        text = as_text(text, "WhitespaceTokenizer")
        pos = _ByteOffsets(text)
        spans = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        return _output([t for t, _, _ in spans], [(pos(s), pos(e)) for _, s, e in spans], self.with_offsets)


class UnicodeCharTokenizer(TensorOperation):
    """One token per Unicode character."""

    def __init__(self, with_offsets=False):
        self.with_offsets = bool(with_offsets)

    def _execute(self, text):
        text = as_text(text, "UnicodeCharTokenizer")
        pos = _ByteOffsets(text)
        return _output(list(text), [(pos(i), pos(i + 1)) for i in range(len(text))], self.with_offsets)
