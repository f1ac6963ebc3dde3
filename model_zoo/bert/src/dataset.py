"""Data for the BERT recipe: vocabulary, pre-training examples, record files and datasets.

Pre-training examples follow Google's ``create_pretraining_data.py`` (which MindSpore's recipe
consumes as TFRecord/MindRecord), re-implemented on ``mindlite.dataset.text.BertTokenizer``:

* input: text files, one sentence per line, documents separated by blank lines;
* each document is cut into chunks of about ``seq_length - 3`` tokens (a shorter target with
  probability ``short_seq_prob``); a chunk is split at a random sentence boundary into A and B;
  with probability ``random_next_prob`` (0.5) B is replaced by text from a random other
  document (``next_sentence_labels`` = 1, Google's convention; 0 = B really follows A) and
  the unused sentences are put back; the pair is truncated to fit, randomly from the front
  or the back of the longer side;
* ``[CLS] A [SEP] B [SEP]`` with segment ids 0 for ``[CLS] A [SEP]`` and 1 for ``B [SEP]``;
* masking: ``num = min(max_predictions_per_seq, max(1, round(len(tokens) * masked_lm_prob)))``
  positions drawn among the non-special tokens (whole words with ``whole_word_mask``); each
  is replaced by ``[MASK]`` with probability 0.8, kept with 0.1, replaced by a random
  vocabulary token with 0.1; labels are the original ids, positions sorted;
* padding with 0 to ``seq_length`` (``input_mask`` 0 there) and to ``max_predictions_per_seq``
  (``masked_lm_weights`` 0 there); ``dupe_factor`` passes over the data with different masks.

Deliberate differences from Google's script, each to keep small corpora well behaved:
a chunk made of a single sentence takes the document's next sentence too (or, at the end of
the document, the previous one), so that "random next" is a fair coin (Google forces it for
single-sentence chunks, which gave 56% "random next" on the built-in corpus); the
random replacement token is drawn from the non-special vocabulary (Google draws from the
whole vocabulary, [PAD]/[CLS]/... included); special tokens ([PAD] [UNK] [CLS] [SEP] [MASK])
are never selected for prediction (Google skips only [CLS] and [SEP]).

Columns and types written (MindSpore's names): input_ids, input_mask, segment_ids int32
[seq_length]; next_sentence_labels int32 [1]; masked_lm_positions, masked_lm_ids int32
[max_predictions_per_seq]; masked_lm_weights float32 [max_predictions_per_seq].
"""
from __future__ import annotations

import collections
import csv
import hashlib
import json
import os
import random
from typing import Iterable, Sequence

import numpy as np

import mindlite.dataset as ds
from mindlite.dataset import text
from mindlite.dataset import transforms as T
from mindlite.mindrecord import FileWriter

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
BUILTIN_CORPUS = os.path.join(DATA_DIR, "corpus.txt")
BUILTIN_VOCAB = os.path.join(DATA_DIR, "vocab.txt")
BUILTIN_TRAIN_TSV = os.path.join(DATA_DIR, "sentiment_train.tsv")
BUILTIN_DEV_TSV = os.path.join(DATA_DIR, "sentiment_dev.tsv")

BUILDER_VERSION = 2  # part of the cache key of prepare_pretraining_data: bump when the examples change
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
PRETRAIN_COLUMNS = ["input_ids", "input_mask", "segment_ids", "next_sentence_labels", "masked_lm_positions",
                    "masked_lm_ids", "masked_lm_weights"]
CLASSIFIER_COLUMNS = ["input_ids", "input_mask", "segment_ids", "label_ids"]
# word endings turned into "##" pieces by build_vocab (when they occur), so that rare
# inflected words split into stem + suffix instead of single characters
_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "er", "ers", "est", "ness", "ment", "ful", "less", "able", "ion",
             "tion", "ity", "ous", "ive", "al", "y", "en", "ish", "ward", "wards")


# ---- vocabulary and tokenizer -------------------------------------------------------------------
def _text_lines(path: str) -> Iterable[str]:
    """Lines of a text file; for .tsv files the first column of every row (header skipped)."""
    if path.endswith(".tsv"):
        for sentence, _ in read_tsv(path):
            yield sentence
        return
    with open(path, encoding="utf-8") as f:
        yield from f


def build_vocab(files: Sequence[str], out_path: str | None = None, min_count: int = 2,
                lower_case: bool = True) -> list[str]:
    """A WordPiece vocabulary from text files, written one token a line to `out_path`.

    Order: the special tokens, the words seen at least `min_count` times (most frequent first,
    ties alphabetically), "##" suffix pieces that end some rare word, then every single
    character of the corpus and its "##" continuation form, so that any word made of seen
    characters has a wordpiece split (rare words become stem + suffix or characters; words
    with unseen characters become [UNK]).
    """
    basic = text.BasicTokenizer(lower_case=lower_case)
    counts: collections.Counter = collections.Counter()
    for path in files:
        for line in _text_lines(path):
            if line.strip():
                counts.update(str(w) for w in basic(line))
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    known = set(words)
    rare = [w for w in counts if w not in known]
    suffixes = sorted({s for w in rare for s in _SUFFIXES if len(w) > len(s) + 2 and w.endswith(s)})
    chars = sorted({c for w in counts for c in w})
    letters = [c for c in chars if c.isalnum()]  # punctuation is always split off: no "##" form
    vocab = list(SPECIAL_TOKENS) + words
    seen = set(vocab)
    for piece in [f"##{s}" for s in suffixes] + chars + [f"##{c}" for c in letters]:
        if piece not in seen:
            vocab.append(piece)
            seen.add(piece)
    if out_path:
        with open(out_path, "w", encoding="utf-8") as f:
            f.write("\n".join(vocab) + "\n")
    return vocab


def load_vocab(vocab_file: str = BUILTIN_VOCAB) -> text.Vocab:
    """`text.Vocab` from a one-token-a-line file (BERT's vocab.txt format)."""
    return text.Vocab.from_file(vocab_file)


def make_tokenizer(vocab: text.Vocab, lower_case: bool = True) -> text.BertTokenizer:
    """mindlite's BertTokenizer as the recipe uses it (unknown words -> [UNK])."""
    return text.BertTokenizer(vocab, lower_case=lower_case, unknown_token="[UNK]")


def tokenize(tokenizer: text.BertTokenizer, sentence: str) -> list[str]:
    return [str(t) for t in tokenizer(sentence)] if sentence.strip() else []


# ---- pre-training examples ----------------------------------------------------------------------
def read_documents(files: Sequence[str], tokenizer: text.BertTokenizer) -> list[list[list[str]]]:
    """Documents (lists of tokenized sentences) from text files; blank lines end documents."""
    documents: list[list[list[str]]] = [[]]
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    documents.append([])
                    continue
                tokens = tokenize(tokenizer, line.strip())
                if tokens:
                    documents[-1].append(tokens)
        documents.append([])
    return [d for d in documents if d]


def truncate_seq_pair(tokens_a: list, tokens_b: list, max_num_tokens: int, rng: random.Random) -> None:
    """Shorten the longer of the two lists, one token at a time from a random end."""
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        trunc = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if rng.random() < 0.5:
            del trunc[0]
        else:
            trunc.pop()


MaskedLm = collections.namedtuple("MaskedLm", ["index", "label"])


def create_masked_lm_predictions(tokens: list[str], masked_lm_prob: float, max_predictions_per_seq: int,
                                 vocab_words: list[str], rng: random.Random,
                                 whole_word_mask: bool = False) -> tuple[list[str], list[int], list[str]]:
    """(tokens with the 80/10/10 replacements, sorted positions, original tokens there)."""
    cand_indexes: list[list[int]] = []
    for i, token in enumerate(tokens):
        if token in SPECIAL_TOKENS:
            continue
        if whole_word_mask and cand_indexes and token.startswith("##"):
            cand_indexes[-1].append(i)
        else:
            cand_indexes.append([i])
    rng.shuffle(cand_indexes)
    output = list(tokens)
    num_to_predict = min(max_predictions_per_seq, max(1, int(round(len(tokens) * masked_lm_prob))))
    masked: list[MaskedLm] = []
    for index_set in cand_indexes:
        if len(masked) >= num_to_predict:
            break
        if len(masked) + len(index_set) > num_to_predict:
            continue
        for index in index_set:
            if rng.random() < 0.8:
                replacement = "[MASK]"
            elif rng.random() < 0.5:
                replacement = tokens[index]
            else:
                replacement = vocab_words[rng.randint(0, len(vocab_words) - 1)]
            output[index] = replacement
            masked.append(MaskedLm(index, tokens[index]))
    masked.sort(key=lambda m: m.index)
    return output, [m.index for m in masked], [m.label for m in masked]


def create_instances_from_document(all_documents: list, document_index: int, max_seq_length: int,
                                   short_seq_prob: float, masked_lm_prob: float, max_predictions_per_seq: int,
                                   vocab_words: list[str], rng: random.Random, random_next_prob: float = 0.5,
                                   whole_word_mask: bool = False) -> list[dict]:
    """Google's create_instances_from_document (see the module docstring for the differences)."""
    document = all_documents[document_index]
    max_num_tokens = max_seq_length - 3
    target_seq_length = max_num_tokens
    if rng.random() < short_seq_prob:
        target_seq_length = rng.randint(2, max_num_tokens)
    instances = []
    chunk: list[list[str]] = []
    length = 0
    i = 0
    while i < len(document):
        chunk.append(document[i])
        length += len(document[i])
        if i == len(document) - 1 or length >= target_seq_length:
            if len(chunk) == 1 and len(document) > 1:  # a lone sentence: pair it with a neighbour
                if i + 1 < len(document):
                    i += 1
                    chunk.append(document[i])
                else:
                    chunk.insert(0, document[i - 1])
            a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
            tokens_a = [t for seg in chunk[:a_end] for t in seg]
            tokens_b: list[str] = []
            if len(chunk) == 1 or rng.random() < random_next_prob:
                is_random_next = True
                target_b_length = target_seq_length - len(tokens_a)
                random_index = document_index
                for _ in range(10):
                    random_index = rng.randint(0, len(all_documents) - 1)
                    if random_index != document_index:
                        break
                random_document = all_documents[random_index]
                for seg in random_document[rng.randint(0, len(random_document) - 1):]:
                    tokens_b.extend(seg)
                    if len(tokens_b) >= target_b_length:
                        break
                i -= len(chunk) - a_end  # the unused sentences go back to the pool
            else:
                is_random_next = False
                tokens_b = [t for seg in chunk[a_end:] for t in seg]
            truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
            if tokens_a and tokens_b:
                tokens = ["[CLS]"] + tokens_a + ["[SEP]"] + tokens_b + ["[SEP]"]
                segment_ids = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
                tokens, positions, labels = create_masked_lm_predictions(
                    tokens, masked_lm_prob, max_predictions_per_seq, vocab_words, rng, whole_word_mask)
                instances.append({"tokens": tokens, "segment_ids": segment_ids, "is_random_next": is_random_next,
                                  "masked_lm_positions": positions, "masked_lm_labels": labels})
            chunk, length = [], 0
        i += 1
    return instances


def instance_to_example(instance: dict, vocab: text.Vocab, max_seq_length: int,
                        max_predictions_per_seq: int) -> dict:
    """Padded numpy columns of one instance."""
    ids = vocab.tokens_to_ids(instance["tokens"])
    n = len(ids)
    input_ids = np.zeros(max_seq_length, np.int32)
    input_ids[:n] = ids
    input_mask = np.zeros(max_seq_length, np.int32)
    input_mask[:n] = 1
    segment_ids = np.zeros(max_seq_length, np.int32)
    segment_ids[:n] = instance["segment_ids"]
    k = len(instance["masked_lm_positions"])
    positions = np.zeros(max_predictions_per_seq, np.int32)
    positions[:k] = instance["masked_lm_positions"]
    lm_ids = np.zeros(max_predictions_per_seq, np.int32)
    lm_ids[:k] = vocab.tokens_to_ids(instance["masked_lm_labels"])
    weights = np.zeros(max_predictions_per_seq, np.float32)
    weights[:k] = 1.0
    return {"input_ids": input_ids, "input_mask": input_mask, "segment_ids": segment_ids,
            "next_sentence_labels": np.array([int(instance["is_random_next"])], np.int32),
            "masked_lm_positions": positions, "masked_lm_ids": lm_ids, "masked_lm_weights": weights}


def create_pretraining_examples(input_files: Sequence[str], vocab_file: str = BUILTIN_VOCAB, seq_length: int = 128,
                                max_predictions_per_seq: int = 20, masked_lm_prob: float = 0.15,
                                short_seq_prob: float = 0.1, dupe_factor: int = 5, random_next_prob: float = 0.5,
                                do_lower_case: bool = True, whole_word_mask: bool = False,
                                seed: int = 12345) -> list[dict]:
    """All pre-training examples of `input_files` (dicts of padded numpy columns), shuffled."""
    if seq_length < 8:
        raise ValueError(f"seq_length must be at least 8, got {seq_length}")
    vocab = load_vocab(vocab_file)
    missing = [t for t in SPECIAL_TOKENS if t not in vocab]
    if missing:
        raise ValueError(f"{vocab_file}: the vocabulary lacks the special tokens {missing}")
    tokenizer = make_tokenizer(vocab, do_lower_case)
    documents = read_documents(input_files, tokenizer)
    if len(documents) < 2:
        raise ValueError(f"need at least two documents (separated by blank lines) in {list(input_files)}")
    rng = random.Random(seed)
    vocab_words = [w for w, _ in sorted(vocab.vocab().items(), key=lambda wi: wi[1]) if w not in SPECIAL_TOKENS]
    instances = []
    for _ in range(dupe_factor):
        for index in range(len(documents)):
            instances.extend(create_instances_from_document(
                documents, index, seq_length, short_seq_prob, masked_lm_prob, max_predictions_per_seq,
                vocab_words, rng, random_next_prob, whole_word_mask))
    rng.shuffle(instances)
    return [instance_to_example(inst, vocab, seq_length, max_predictions_per_seq) for inst in instances]


def pretraining_schema(seq_length: int, max_predictions_per_seq: int) -> dict:
    return {"input_ids": {"type": "int32", "shape": [seq_length]},
            "input_mask": {"type": "int32", "shape": [seq_length]},
            "segment_ids": {"type": "int32", "shape": [seq_length]},
            "next_sentence_labels": {"type": "int32", "shape": [1]},
            "masked_lm_positions": {"type": "int32", "shape": [max_predictions_per_seq]},
            "masked_lm_ids": {"type": "int32", "shape": [max_predictions_per_seq]},
            "masked_lm_weights": {"type": "float32", "shape": [max_predictions_per_seq]}}


def write_pretraining_records(examples: list[dict], output_file: str, seq_length: int,
                              max_predictions_per_seq: int, shard_num: int = 1) -> list[str]:
    """Write examples with mindlite.mindrecord.FileWriter; returns the file names."""
    os.makedirs(os.path.dirname(os.path.abspath(output_file)), exist_ok=True)
    writer = FileWriter(output_file, shard_num=shard_num, overwrite=True)
    writer.add_schema(pretraining_schema(seq_length, max_predictions_per_seq), "bert pre-training examples")
    for start in range(0, len(examples), 1000):
        writer.write_raw_data(examples[start:start + 1000])
    writer.commit()
    return list(writer.paths)


def prepare_pretraining_data(input_files: Sequence[str] | None = None, vocab_file: str = BUILTIN_VOCAB,
                             output_dir: str = ".", seq_length: int = 128, max_predictions_per_seq: int = 20,
                             masked_lm_prob: float = 0.15, short_seq_prob: float = 0.1, dupe_factor: int = 5,
                             random_next_prob: float = 0.5, do_lower_case: bool = True,
                             whole_word_mask: bool = False, seed: int = 12345) -> str:
    """Build (once) the record file of the examples of `input_files` (default: the built-in
    corpus) in `output_dir`; the name carries a hash of the inputs and settings, so a change
    of either builds a new file. Returns its path."""
    files = [os.path.abspath(f) for f in (input_files or [BUILTIN_CORPUS])]
    settings = dict(seq_length=seq_length, max_predictions_per_seq=max_predictions_per_seq,
                    masked_lm_prob=masked_lm_prob, short_seq_prob=short_seq_prob, dupe_factor=dupe_factor,
                    random_next_prob=random_next_prob, do_lower_case=do_lower_case, whole_word_mask=whole_word_mask,
                    seed=seed)
    h = hashlib.sha1(json.dumps(dict(settings, builder=BUILDER_VERSION), sort_keys=True).encode())
    for f in files + [vocab_file]:
        st = os.stat(f)
        h.update(f"{f}:{st.st_size}:{st.st_mtime_ns}".encode())
    path = os.path.join(output_dir, f"pretrain_seq{seq_length}_{h.hexdigest()[:10]}.mindrecord")
    if not os.path.exists(path):
        examples = create_pretraining_examples(files, vocab_file, **settings)
        write_pretraining_records(examples, path, seq_length, max_predictions_per_seq)
    return path


def create_bert_dataset(data_files: str | Sequence[str], batch_size: int = 32, do_shuffle: bool = True,
                        device_num: int = 1, rank: int = 0, num_samples: int | None = None) -> ds.Dataset:
    """MindSpore's create_bert_dataset on mindlite record files: MindDataset of the seven
    pre-training columns -> TypeCast(int32) on the integer columns -> batch(drop_remainder=True).

    `data_files` is a record file, a list of them, or a directory (every *.mindrecord in it)."""
    if isinstance(data_files, str) and os.path.isdir(data_files):
        data_files = sorted(os.path.join(data_files, f) for f in os.listdir(data_files)
                            if f.endswith(".mindrecord"))
        if not data_files:
            raise FileNotFoundError("create_bert_dataset: no .mindrecord files in the directory")
    shards = dict(num_shards=device_num, shard_id=rank) if device_num > 1 else {}
    data = ds.MindDataset(data_files, columns_list=PRETRAIN_COLUMNS, shuffle=do_shuffle, num_samples=num_samples,
                          **shards)
    to_int32 = T.TypeCast(np.int32)
    for column in PRETRAIN_COLUMNS[:-1]:
        data = data.map(to_int32, input_columns=column)
    return data.batch(batch_size, drop_remainder=True)


# ---- fine-tuning data ---------------------------------------------------------------------------
def read_tsv(path: str) -> list[tuple[str, str]]:
    """(sentence, label) rows of a TSV file; a first row 'sentence<TAB>label' is a header."""
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for k, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 2:
                raise ValueError(f"{path}:{k + 1}: expected sentence<TAB>label, got {row!r}")
            if k == 0 and row[0].strip().lower() in ("sentence", "text") and row[-1].strip().lower() == "label":
                continue
            rows.append((row[0], row[-1].strip()))
    return rows


def label_list_of(rows: Sequence[tuple[str, str]]) -> list[str]:
    """Sorted labels (numerically when they are all integers)."""
    labels = {label for _, label in rows}
    if all(label.lstrip("-").isdigit() for label in labels):
        return sorted(labels, key=int)
    return sorted(labels)


def create_classification_dataset(tsv_file: str, vocab_file: str = BUILTIN_VOCAB, seq_length: int = 64,
                                  batch_size: int = 32, label_list: Sequence[str] | None = None,
                                  do_shuffle: bool = True, drop_remainder: bool = True,
                                  do_lower_case: bool = True) -> tuple[ds.Dataset, list[str]]:
    """Sentence classification data from a TSV of sentence<TAB>label.

    Pipeline: rows -> BertTokenizer -> Lookup([UNK]) -> Truncate(seq_length - 2) -> [CLS] .. [SEP]
    with input_mask / segment_ids -> PadEnd(seq_length) -> batch. Columns (MindSpore's):
    input_ids, input_mask, segment_ids, label_ids. Returns (dataset, label_list)."""
    rows = read_tsv(tsv_file)
    if not rows:
        raise ValueError(f"{tsv_file}: no rows")
    labels = list(label_list) if label_list is not None else label_list_of(rows)
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted({label for _, label in rows if label not in index})
    if unknown:
        raise ValueError(f"{tsv_file}: labels {unknown} are not in the label list {labels}")
    vocab = load_vocab(vocab_file)
    cls_id, sep_id = vocab.get("[CLS]"), vocab.get("[SEP]")
    data = ds.NumpySlicesDataset({"text": np.array([s for s, _ in rows]),
                                  "label_ids": np.array([index[label] for _, label in rows], np.int32)},
                                 shuffle=do_shuffle)

    def wrap(ids: np.ndarray) -> tuple:
        ids = np.concatenate([[cls_id], ids, [sep_id]]).astype(np.int32)
        return ids, np.ones_like(ids), np.zeros_like(ids)

    data = data.map([make_tokenizer(vocab, do_lower_case), text.Lookup(vocab, "[UNK]", np.int32),
                     text.Truncate(seq_length - 2)], input_columns="text")
    data = data.map(wrap, input_columns="text", output_columns=CLASSIFIER_COLUMNS[:3])
    pad = T.PadEnd([seq_length], 0)
    for column in CLASSIFIER_COLUMNS[:3]:
        data = data.map(pad, input_columns=column)
    data = data.project(CLASSIFIER_COLUMNS)
    return data.batch(batch_size, drop_remainder=drop_remainder), labels


__all__ = ["BUILTIN_CORPUS", "BUILTIN_DEV_TSV", "BUILTIN_TRAIN_TSV", "BUILTIN_VOCAB", "CLASSIFIER_COLUMNS",
           "PRETRAIN_COLUMNS", "SPECIAL_TOKENS", "build_vocab", "create_bert_dataset",
           "create_classification_dataset", "create_instances_from_document", "create_masked_lm_predictions",
           "create_pretraining_examples", "instance_to_example", "label_list_of", "load_vocab", "make_tokenizer",
           "prepare_pretraining_data", "read_documents", "read_tsv", "tokenize", "truncate_seq_pair",
           "write_pretraining_records"]
