"""`mindlite.dataset.text`: vocabularies, BERT tokenization and text transforms (numpy only).

MindSpore 2.x names and defaults. `PadEnd` lives in `dataset.transforms` (2.x) and
is re-exported here for 1.x scripts that imported it from `text`.
"""
from ..transforms.transforms import PadEnd
from .tokenizers import (BasicTokenizer, BertTokenizer, UnicodeCharTokenizer, WhitespaceTokenizer,
                         WordpieceTokenizer)
from .transforms import CaseFold, Lookup, Ngram, NormalizeUTF8, PythonTokenizer, SlidingWindow, ToNumber, Truncate
from .utils import NormalizeForm, Vocab, to_bytes, to_str

__all__ = ["Vocab", "NormalizeForm", "BasicTokenizer", "WordpieceTokenizer", "BertTokenizer",
           "WhitespaceTokenizer", "UnicodeCharTokenizer", "Lookup", "Truncate", "PadEnd", "SlidingWindow",
           "ToNumber", "NormalizeUTF8", "CaseFold", "PythonTokenizer", "Ngram", "to_str", "to_bytes"]
