"""`mindlite.dataset.text`: vocabularies, BERT tokenization and text transforms (numpy only).

MindSpore 2.x names and defaults. `PadEnd` lives in `dataset.transforms` (2.x) and
is re-exported here for 1.x scripts that imported it from `text`.
"""
from ..transforms.transforms import PadEnd
from .tokenizers import BasicTokenizer, BertTokenizer, UnicodeCharTokenizer, WhitespaceTokenizer, WordpieceTokenizer
from .transforms import CaseFold, Lookup, Ngram, NormalizeUTF8, PythonTokenizer, SlidingWindow, ToNumber, Truncate
from .utils import NormalizeForm, Vocab, to_bytes, to_str

__all__ = [
                         "BasicTokenizer",
                         "BertTokenizer",
                         "CaseFold",
                         "Lookup",
                         "Ngram",
                         "NormalizeForm",
                         "NormalizeUTF8",
                         "PadEnd",
                         "PythonTokenizer",
                         "SlidingWindow",
                         "ToNumber",
                         "Truncate",
                         "UnicodeCharTokenizer",
                         "Vocab",
                         "WhitespaceTokenizer",
                         "WordpieceTokenizer",
                         "to_bytes",
                         "to_str",
]


def __getattr__(name: str):  # noqa: ANN202 - a MindSpore name mindlite lacks gets an error saying so
    from ..._api_names import missing_attribute
    raise missing_attribute(__name__, name, "dataset.text")
