"""mindlite.dataset.text: BERT tokenization (reference semantics), Vocab, Lookup and friends.

Expected tokenizations follow Google's reference BERT tokenizer (tokenization.py and
its tests): whitespace/control cleanup, CJK characters split, punctuation split,
lower-casing with accent stripping.
"""
import numpy as np
import pytest

from mindlite.dataset import text
from mindlite.dataset.text.tokenizers import _is_control, _is_punctuation, _is_whitespace

REF_VOCAB = ["[UNK]", "[CLS]", "[SEP]", "want", "##want", "##ed", "wa", "un", "runn", "##ing", ","]


def toks(op, s):
    return op(s).tolist()


def test_char_classes_match_reference():
    assert _is_whitespace(" ") and _is_whitespace("\t") and _is_whitespace("\r") and _is_whitespace("\u00A0")
    assert not _is_whitespace("A") and not _is_whitespace("-")
    assert _is_control("\u0005") and not _is_control("A") and not _is_control(" ") and not _is_control("\t")
    assert not _is_control("\r") and _is_control("\u200b")
    assert _is_punctuation("-") and _is_punctuation("$") and _is_punctuation("`") and _is_punctuation(".")
    assert not _is_punctuation("A") and not _is_punctuation(" ")


def test_basic_tokenizer_lower_and_cased():
    s = " \tHeLLo!how  \n Are yoU?  "
    assert toks(text.BasicTokenizer(lower_case=True), s) == ["hello", "!", "how", "are", "you", "?"]
    assert toks(text.BasicTokenizer(lower_case=True), "H\u00E9llo") == ["hello"]
    assert toks(text.BasicTokenizer(), s) == ["HeLLo", "!", "how", "Are", "yoU", "?"]


def test_basic_tokenizer_chinese_and_mixed_scripts():
    assert toks(text.BasicTokenizer(), "ah\u535A\u63A8zz") == ["ah", "\u535A", "\u63A8", "zz"]
    assert toks(text.BasicTokenizer(), "我爱北京天安门。") == ["我", "爱", "北", "京", "天", "安", "门", "。"]
    # hiragana is not a CJK ideograph in BERT's ranges: it stays one word
    assert toks(text.BasicTokenizer(), "こんにちは世界") == ["こんにちは", "世", "界"]


def test_basic_tokenizer_punctuation_and_cleanup():
    assert toks(text.BasicTokenizer(), "a.b,c-d") == ["a", ".", "b", ",", "c", "-", "d"]
    assert toks(text.BasicTokenizer(), "¿Qué tal?") == ["¿", "Qué", "tal", "?"]
    assert toks(text.BasicTokenizer(), "$5 ^_^") == ["$", "5", "^", "_", "^"]
    assert toks(text.BasicTokenizer(), "ab\u0000c\u200bd\ufffde f") == ["abcde", "f"]
    assert toks(text.BasicTokenizer(), "a\u3000b\u00a0c") == ["a", "b", "c"]
    assert toks(text.BasicTokenizer(), "   ") == []


def test_basic_tokenizer_accents():
    assert toks(text.BasicTokenizer(), "naïve Café") == ["naïve", "Café"]
    assert toks(text.BasicTokenizer(lower_case=True), "naïve Café ÀÉÎÕÜ") == ["naive", "cafe", "aeiou"]
    decomposed = "Cafe\u0301"
    assert toks(text.BasicTokenizer(lower_case=True), decomposed) == ["cafe"]
    assert toks(text.BasicTokenizer(normalization_form=text.NormalizeForm.NFC), decomposed) == ["Café"]
    assert toks(text.BasicTokenizer(lower_case=True), "ΟΔΟΣ") == ["οδος"]  # final sigma, then accent-free


def test_preserve_unused_tokens():
    s = "[CLS] Hello[SEP]world [unused12] [MASK]"
    assert toks(text.BasicTokenizer(lower_case=True), s) == ["[CLS]", "hello", "[SEP]", "world", "[unused12]",
                                                             "[MASK]"]
    assert toks(text.BasicTokenizer(lower_case=True, preserve_unused_token=False), "[CLS] a") == \
        ["[", "cls", "]", "a"]


def test_keep_whitespace_and_offsets():
    tokens, start, limit = text.BasicTokenizer(keep_whitespace=True, with_offsets=True)("a  b")
    assert tokens.tolist() == ["a", "  ", "b"] and start.tolist() == [0, 1, 3] and limit.tolist() == [1, 3, 4]
    tokens, start, limit = text.BasicTokenizer(with_offsets=True)("你好 ab!")
    assert tokens.tolist() == ["你", "好", "ab", "!"]
    assert start.tolist() == [0, 3, 7, 9] and limit.tolist() == [3, 6, 9, 10]  # UTF-8 bytes
    assert start.dtype == np.uint32


def test_wordpiece_reference_cases():
    vocab = text.Vocab.from_list(REF_VOCAB)
    wp = text.WordpieceTokenizer(vocab)
    assert toks(wp, np.array(["unwanted", "running"])) == ["un", "##want", "##ed", "runn", "##ing"]
    assert toks(wp, np.array(["unwantedX", "running"])) == ["[UNK]", "runn", "##ing"]
    assert toks(wp, np.array([], dtype=str)) == []
    assert toks(text.WordpieceTokenizer(vocab, unknown_token=""), np.array(["xyz"])) == ["xyz"]
    assert toks(text.WordpieceTokenizer(vocab, max_bytes_per_token=4), np.array(["running"])) == ["[UNK]"]
    _, start, limit = text.WordpieceTokenizer(vocab, with_offsets=True)(np.array(["unwanted"]))
    assert start.tolist() == [0, 2, 6] and limit.tolist() == [2, 6, 8]


def test_bert_tokenizer_full_reference_case():
    vocab = text.Vocab.from_list(REF_VOCAB)
    bert = text.BertTokenizer(vocab, lower_case=True)
    assert toks(bert, "UNwant\u00E9d,running") == ["un", "##want", "##ed", ",", "runn", "##ing"]
    cased = text.BertTokenizer(vocab)
    assert toks(cased, "UNwant\u00E9d,running") == ["[UNK]", ",", "runn", "##ing"]


def test_bert_tokenizer_chinese_and_offsets():
    vocab = text.Vocab.from_list(["[UNK]", "[CLS]", "我", "爱", "hello", "##s", "!"])
    tokens, start, limit = text.BertTokenizer(vocab, lower_case=True, with_offsets=True)("[CLS]我爱Hellos! 你")
    assert tokens.tolist() == ["[CLS]", "我", "爱", "hello", "##s", "!", "[UNK]"]
    assert start.tolist() == [0, 5, 8, 11, 16, 17, 19]
    assert limit.tolist() == [5, 8, 11, 16, 17, 18, 22]


def test_vocab_builders(tmp_path):
    v = text.Vocab.from_list(["a", "b"], special_tokens=["<pad>", "<unk>"])
    assert v.vocab() == {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3}
    v = text.Vocab.from_list(["a", "b"], special_tokens=["<pad>"], special_first=False)
    assert v.tokens_to_ids(["b", "<pad>", "zz"]) == [1, 2, -1] and v.tokens_to_ids("a") == 0
    assert v.ids_to_tokens([2, 0]) == ["<pad>", "a"] and v.ids_to_tokens(9) == ""
    with pytest.raises(ValueError, match="duplicate"):
        text.Vocab.from_list(["a", "a"])
    path = tmp_path / "vocab.txt"
    path.write_text("hello,1\nworld,2\n\nextra,3\n", encoding="utf-8")
    v = text.Vocab.from_file(str(path), delimiter=",", vocab_size=2, special_tokens=["[UNK]"])
    assert v.vocab() == {"[UNK]": 0, "hello": 1, "world": 2}
    assert text.Vocab.from_dict({"x": 5, "y": 1}).tokens_to_ids(["x", "y"]) == [5, 1]


def test_lookup():
    import mindlite as ms
    v = text.Vocab.from_list(["[UNK]", "a", "b"])
    out = text.Lookup(v, "[UNK]")(np.array(["b", "zz", "a"]))
    assert out.dtype == np.int32 and out.tolist() == [2, 0, 1]
    assert text.Lookup(v, data_type=ms.int64)(np.array(["a"])).dtype == np.int64
    assert text.Lookup(v)("b").tolist() == 2
    with pytest.raises(KeyError, match="zz"):
        text.Lookup(v)(np.array(["zz"]))
    with pytest.raises(ValueError):
        text.Lookup(v, "<nope>")


def test_truncate_padend_sliding_window_tonumber():
    x = np.arange(6)
    assert text.Truncate(4)(x).tolist() == [0, 1, 2, 3]
    assert text.PadEnd([4], "<pad>")(np.array(["a"])).tolist() == ["a", "<pad>", "<pad>", "<pad>"]
    assert text.SlidingWindow(3)(x).tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    assert text.SlidingWindow(2, axis=0)(np.arange(6).reshape(3, 2)).shape == (2, 2, 2)
    assert text.SlidingWindow(9)(x).shape == (0, 9)
    out = text.ToNumber(np.float32)(np.array(["1.5", "-2"]))
    assert out.dtype == np.float32 and out.tolist() == [1.5, -2.0]
    with pytest.raises(ValueError, match="not a valid"):
        text.ToNumber(np.int32)(np.array(["x"]))
    with pytest.raises(ValueError, match="out of range"):
        text.ToNumber(np.uint8)(np.array(["300"]))


def test_small_tokenizers_and_normalize():
    assert toks(text.WhitespaceTokenizer(), "a b\tc\n") == ["a", "b", "c"]
    assert toks(text.UnicodeCharTokenizer(), "a你") == ["a", "你"]
    assert toks(text.PythonTokenizer(lambda s: s.split("-")), "x-y") == ["x", "y"]
    assert toks(text.Ngram(2), np.array(["a", "b", "c"])) == ["a b", "b c"]
    assert text.NormalizeUTF8(text.NormalizeForm.NFKC)(np.array(["ﬁ"])).tolist() == ["fi"]
    assert text.CaseFold()(np.array(["Straße"])).tolist() == ["strasse"]
    assert text.to_str(np.array([b"ab"])).tolist() == ["ab"] and text.to_bytes(np.array(["ab"])).tolist() == [b"ab"]


def test_bert_tokenizer_in_pipeline():
    import mindlite.dataset as ds
    vocab = text.Vocab.from_list(REF_VOCAB)
    data = ds.NumpySlicesDataset({"text": np.array(["unwanted running", "want, wa"])}, shuffle=False)
    data = data.map([text.BertTokenizer(vocab, lower_case=True), text.Lookup(vocab, "[UNK]")], input_columns="text")
    rows = [r[0].tolist() for r in data.create_tuple_iterator(output_numpy=True, num_epochs=1)]
    assert rows == [[7, 4, 5, 8, 9], [3, 10, 6]]


def test_vocab_from_dataset():
    import mindlite.dataset as ds
    data = ds.NumpySlicesDataset({"text": np.array(["a b", "b c", "b"])}, shuffle=False)
    data = data.map(text.WhitespaceTokenizer(), input_columns="text")
    assert text.Vocab.from_dataset(data, "text", special_tokens=["<pad>"]).vocab() == \
        {"<pad>": 0, "b": 1, "a": 2, "c": 3}  # by frequency, ties alphabetical
    vocab = text.Vocab.from_dataset(data, ["text"], freq_range=(2, None), special_tokens=["<unk>"],
                                    special_first=False)
    assert vocab.vocab() == {"b": 0, "<unk>": 1}
