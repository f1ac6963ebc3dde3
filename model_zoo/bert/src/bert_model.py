"""BERT for mindlite, structured as MindSpore's official recipe
(mindspore-ai/models official/nlp/Bert/src/{bert_model.py, bert_for_pre_training.py,
finetune_eval_model.py}).

Cells and parameter names (MindSpore checkpoint names; prefix ``bert.`` under BertPreTraining
and ``bert.bert.`` under BertNetworkWithLoss):

    bert_embedding_lookup.embedding_table                          word embeddings [vocab, H]
    bert_embedding_postprocessor.token_type_embedding.embedding_table      [type_vocab, H]
    bert_embedding_postprocessor.full_position_embedding.embedding_table   [max_pos, H]
    bert_embedding_postprocessor.layernorm.{gamma,beta}
    bert_encoder.layers.<i>.attention.attention.{query,key,value}_layer.{weight,bias}
    bert_encoder.layers.<i>.attention.output.dense.{weight,bias}, ...output.layernorm.{gamma,beta}
    bert_encoder.layers.<i>.intermediate.{weight,bias}
    bert_encoder.layers.<i>.output.dense.{weight,bias}, ...output.layernorm.{gamma,beta}
    dense.{weight,bias}                                           pooler (tanh) on [CLS]
    cls1.dense.*, cls1.layernorm.*, cls1.output_bias              masked-LM head (BertPreTraining)
    cls2.dense.*                                                  next-sentence head
    dense_1.*                                                     classifier (fine-tuning models)

MindSpore hyper-parameters and initialisation copied here: Dense weights and the word
embedding TruncatedNormal(initializer_range=0.02); token-type and position tables use
nn.Embedding's default Normal(0.01) (the recipe passes no initializer for them); LayerNorm
gamma 1, beta 0, epsilon 1e-7 (nn.LayerNorm's default); dropout p=hidden_dropout_prob on the
embeddings and after each output dense, p=attention_probs_dropout_prob on attention
probabilities; attention mask adder (1 - mask) * -10000; the masked-LM output projection is
tied to the word-embedding table (plus a zero-initialised ``output_bias``); MLM loss =
sum(-log p * weight) / (sum(weight) + 1e-5), NSP loss = mean CE, total = MLM + NSP.

Deliberate differences, each documented where it happens:
* Dense biases are zero-initialised (Google BERT and MindSpore <= 2.0; 2.1+'s nn.Dense would
  draw U(+-1/sqrt(fan_in)) because the recipe passes no bias_init).
* ``hidden_act="gelu"`` is the exact erf GELU of BERT. MindSpore's recipe passes the string
  "gelu" to nn.Dense, whose nn.GELU defaults to the tanh approximation; use
  ``hidden_act="gelu_tanh"`` (or "fast_gelu") to get those.
* ``compute_type=float16`` runs every Dense (via Cell.to_float) and the attention batch
  matmuls in float16, while the residual stream, LayerNorm, softmax, log-softmax and the
  losses stay float32 (explicit ops.cast). MindSpore's recipe also runs LayerNorm in
  float16 (``LayerNorm.to_float(compute_type)``) and casts the encoder input to float16.
* ``use_relative_positions=True`` (NEZHA) is not implemented and raises.
"""
from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from mindlite import Parameter, Tensor, nn, ops
from mindlite.common import dtype as mstype
from mindlite.common.initializer import TruncatedNormal, initializer

__all__ = ["BertConfig", "bert_param_count", "EmbeddingPostprocessor", "BertAttention", "BertOutput",
           "BertSelfAttention", "BertEncoderCell", "BertTransformer", "BertModel", "GetMaskedLMOutput",
           "GetNextSentenceOutput", "BertPreTraining", "BertForPreTraining", "BertPretrainingLoss",
           "BertPreTrainingLoss", "BertNetworkWithLoss", "BertForSequenceClassification", "BertCLSModel",
           "BertForTokenClassification", "BertNERModel"]


class BertConfig:
    """Configuration of BertModel, with MindSpore's field names and defaults.

    Presets (keyword arguments override any field): ``tiny()`` for tests; ``base()`` =
    BERT-base English (vocab 30522, 12 layers, hidden 768, 12 heads, FFN 3072); ``large()`` =
    the zhwiki BERT-Large of MindSpore's benchmark (vocab 21128, 24 layers, hidden 1024, 16
    heads, FFN 4096; MindSpore's NEZHA variant of it adds relative positions, not provided).
    Presets use type_vocab_size 2, max_position_embeddings 512, seq_length 128 and
    compute_type float32 (the recipe's yaml uses float16 on Ascend/GPU).

    ``layer_norm_eps`` (not a MindSpore field) is the epsilon of every LayerNorm: default 1e-7
    (nn.LayerNorm's default, what MindSpore's recipe gets); Hugging-Face checkpoints use 1e-12
    (model_zoo/bert/src/import_hf.py sets it from their config.json).
    """

    def __init__(self, seq_length: int = 128, vocab_size: int = 32000, hidden_size: int = 768,
                 num_hidden_layers: int = 12, num_attention_heads: int = 12, intermediate_size: int = 3072,
                 hidden_act: str = "gelu", hidden_dropout_prob: float = 0.1, attention_probs_dropout_prob: float = 0.1,
                 max_position_embeddings: int = 512, type_vocab_size: int = 16, initializer_range: float = 0.02,
                 use_relative_positions: bool = False, dtype: Any = mstype.float32,
                 compute_type: Any = mstype.float32, layer_norm_eps: float = 1e-7) -> None:
        if hidden_size % num_attention_heads:
            raise ValueError(f"BertConfig: hidden_size {hidden_size} is not a multiple of "
                             f"num_attention_heads {num_attention_heads}")
        if seq_length > max_position_embeddings:
            raise ValueError(f"BertConfig: seq_length {seq_length} > max_position_embeddings "
                             f"{max_position_embeddings}")
        self.seq_length, self.vocab_size, self.hidden_size = seq_length, vocab_size, hidden_size
        self.num_hidden_layers, self.num_attention_heads = num_hidden_layers, num_attention_heads
        self.intermediate_size, self.hidden_act = intermediate_size, hidden_act
        self.hidden_dropout_prob, self.attention_probs_dropout_prob = hidden_dropout_prob, attention_probs_dropout_prob
        self.max_position_embeddings, self.type_vocab_size = max_position_embeddings, type_vocab_size
        self.initializer_range, self.use_relative_positions = initializer_range, use_relative_positions
        self.dtype, self.compute_type = dtype, compute_type
        self.layer_norm_eps = layer_norm_eps

    @classmethod
    def tiny(cls, **overrides: Any) -> BertConfig:
        fields = dict(seq_length=16, vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=64, max_position_embeddings=32, type_vocab_size=2)
        return cls(**{**fields, **overrides})

    @classmethod
    def base(cls, **overrides: Any) -> BertConfig:
        fields = dict(seq_length=128, vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                      intermediate_size=3072, max_position_embeddings=512, type_vocab_size=2)
        return cls(**{**fields, **overrides})

    @classmethod
    def large(cls, **overrides: Any) -> BertConfig:
        fields = dict(seq_length=128, vocab_size=21128, hidden_size=1024, num_hidden_layers=24,
                      num_attention_heads=16, intermediate_size=4096, max_position_embeddings=512, type_vocab_size=2)
        return cls(**{**fields, **overrides})

    def __repr__(self) -> str:
        return f"BertConfig({', '.join(f'{k}={v}' for k, v in vars(self).items())})"


def bert_param_count(config: BertConfig, pretraining_heads: bool = False) -> int:
    """Trainable parameters of BertModel(config) (plus the cls1/cls2 heads of BertPreTraining
    when `pretraining_heads`), from the config alone.

    base (vocab 30522): 109,482,240 (110,106,428 with heads); large (vocab 21128):
    325,522,432 (326,597,258 with heads); large with vocab 30522: 335,141,888.
    """
    h, f, v = config.hidden_size, config.intermediate_size, config.vocab_size
    embeddings = (v + config.max_position_embeddings + config.type_vocab_size) * h + 2 * h
    attention = 4 * (h * h + h) + 2 * h          # q, k, v, output dense + LayerNorm
    feed_forward = (h * f + f) + (f * h + h) + 2 * h
    pooler = h * h + h
    total = embeddings + config.num_hidden_layers * (attention + feed_forward) + pooler
    if pretraining_heads:
        total += (h * h + h) + 2 * h + v + (2 * h + 2)  # cls1 dense, LayerNorm, output_bias; cls2 dense
    return total


def _activation(name: Any) -> Any:
    """'gelu' -> exact erf GELU (BERT); 'gelu_tanh' -> tanh approximation; other names as nn."""
    if name == "gelu":
        return nn.GELU(approximate=False)
    if name == "gelu_tanh":
        return nn.GELU(approximate=True)
    return nn.get_activation(name) if isinstance(name, str) else name


def _dense(in_channels: int, out_channels: int, config: BertConfig, activation: Any = None) -> nn.Dense:
    """Dense with TruncatedNormal(initializer_range) weight and zero bias, run in compute_type."""
    cell = nn.Dense(in_channels, out_channels, weight_init=TruncatedNormal(config.initializer_range),
                    bias_init="zeros", activation=_activation(activation))
    return cell.to_float(config.compute_type)


def _f32(x: Tensor) -> Tensor:
    return ops.cast(x, mstype.float32)


class EmbeddingPostprocessor(nn.Cell):
    """Adds token-type and absolute position embeddings, then LayerNorm and dropout."""

    def __init__(self, config: BertConfig, use_one_hot_embeddings: bool = False) -> None:
        super().__init__()
        h = config.hidden_size
        self.token_type_embedding = nn.Embedding(config.type_vocab_size, h, use_one_hot=use_one_hot_embeddings)
        self.full_position_embedding = nn.Embedding(config.max_position_embeddings, h)
        self.layernorm = nn.LayerNorm((h,), epsilon=config.layer_norm_eps)
        self.dropout = nn.Dropout(p=config.hidden_dropout_prob)
        self.position_ids = Tensor(np.arange(config.max_position_embeddings, dtype=np.int32).reshape(1, -1))

    def construct(self, token_type_ids: Tensor, word_embeddings: Tensor) -> Tensor:
        output = word_embeddings + self.token_type_embedding(token_type_ids)
        position_ids = self.position_ids[:, :word_embeddings.shape[1]]
        output = output + self.full_position_embedding(position_ids)
        return self.dropout(self.layernorm(output))


class BertAttention(nn.Cell):
    """Multi-head self-attention on a flattened (batch*seq, hidden) input.

    Scores are float32 (scaled by 1/sqrt(head size), mask adder (1 - mask) * -10000, softmax,
    dropout); the projections and both batch matmuls run in compute_type.
    """

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        h, self.num_attention_heads = config.hidden_size, config.num_attention_heads
        self.size_per_head = h // self.num_attention_heads
        self.scores_mul = 1.0 / math.sqrt(float(self.size_per_head))
        self.query_layer = _dense(h, h, config)
        self.key_layer = _dense(h, h, config)
        self.value_layer = _dense(h, h, config)
        self.softmax = nn.Softmax()
        self.dropout = nn.Dropout(p=config.attention_probs_dropout_prob)
        self.compute_type = config.compute_type
        self.shape_return = (-1, h)

    def _heads(self, x: Tensor, seq_length: int) -> Tensor:
        """(batch*seq, hidden) -> (batch, heads, seq, head size)."""
        x = ops.reshape(x, (-1, seq_length, self.num_attention_heads, self.size_per_head))
        return ops.transpose(x, (0, 2, 1, 3))

    def construct(self, from_tensor: Tensor, to_tensor: Tensor, attention_mask: Tensor) -> Tensor:
        seq_length = attention_mask.shape[2]
        query = self._heads(self.query_layer(from_tensor), seq_length)
        key = self._heads(self.key_layer(to_tensor), seq_length)
        value = self._heads(self.value_layer(to_tensor), seq_length)
        scores = _f32(ops.batch_matmul(query, key, transpose_b=True)) * self.scores_mul
        adder = (1.0 - ops.expand_dims(attention_mask, 1)) * -10000.0
        probs = self.dropout(self.softmax(scores + adder))
        context = ops.batch_matmul(ops.cast(probs, self.compute_type), value)
        context = ops.transpose(context, (0, 2, 1, 3))
        return ops.reshape(context, self.shape_return)


class BertOutput(nn.Cell):
    """dense (compute_type) -> dropout -> + residual -> LayerNorm, all after the dense in float32."""

    def __init__(self, in_channels: int, out_channels: int, config: BertConfig) -> None:
        super().__init__()
        self.dense = _dense(in_channels, out_channels, config)
        self.dropout = nn.Dropout(p=config.hidden_dropout_prob)
        self.layernorm = nn.LayerNorm((out_channels,), epsilon=config.layer_norm_eps)

    def construct(self, hidden_status: Tensor, input_tensor: Tensor) -> Tensor:
        output = self.dropout(_f32(self.dense(hidden_status)))
        return self.layernorm(_f32(input_tensor) + output)


class BertSelfAttention(nn.Cell):
    """BertAttention followed by its BertOutput (residual + LayerNorm)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(config)
        self.output = BertOutput(config.hidden_size, config.hidden_size, config)

    def construct(self, input_tensor: Tensor, attention_mask: Tensor) -> Tensor:
        return self.output(self.attention(input_tensor, input_tensor, attention_mask), input_tensor)


class BertEncoderCell(nn.Cell):
    """One transformer layer: self-attention block, intermediate dense + hidden_act, output block."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = BertSelfAttention(config)
        self.intermediate = _dense(config.hidden_size, config.intermediate_size, config, config.hidden_act)
        self.output = BertOutput(config.intermediate_size, config.hidden_size, config)

    def construct(self, hidden_states: Tensor, attention_mask: Tensor) -> Tensor:
        attention_output = self.attention(hidden_states, attention_mask)
        return self.output(self.intermediate(attention_output), attention_output)


class BertTransformer(nn.Cell):
    """num_hidden_layers BertEncoderCells; returns a tuple of the (batch, seq, hidden) outputs of
    every layer (`return_all_encoders`) or of the last one only."""

    def __init__(self, config: BertConfig, return_all_encoders: bool = False) -> None:
        super().__init__()
        self.return_all_encoders = return_all_encoders
        self.layers = nn.CellList([BertEncoderCell(config) for _ in range(config.num_hidden_layers)])
        self.shape = (-1, config.hidden_size)

    def construct(self, input_tensor: Tensor, attention_mask: Tensor) -> tuple:
        prev_output = ops.reshape(input_tensor, self.shape)
        all_encoder_layers = ()
        for layer_module in self.layers:
            prev_output = layer_module(prev_output, attention_mask)
            if self.return_all_encoders:
                all_encoder_layers += (ops.reshape(prev_output, input_tensor.shape),)
        if not self.return_all_encoders:
            all_encoder_layers += (ops.reshape(prev_output, input_tensor.shape),)
        return all_encoder_layers


class BertModel(nn.Cell):
    """Bidirectional Encoder Representations from Transformers.

    ``construct(input_ids, token_type_ids, input_mask)`` (int32 tensors of shape (batch, seq))
    returns ``(sequence_output (batch, seq, hidden), pooled_output (batch, hidden),
    embedding_table (vocab, hidden))``. ``is_training=False`` sets both dropout rates to 0.
    """

    def __init__(self, config: BertConfig, is_training: bool, use_one_hot_embeddings: bool = False) -> None:
        super().__init__()
        if config.use_relative_positions:
            raise ValueError("BertModel: use_relative_positions=True (NEZHA) is not supported by this recipe")
        config = copy.deepcopy(config)
        if not is_training:
            config.hidden_dropout_prob = 0.0
            config.attention_probs_dropout_prob = 0.0
        self.hidden_size, self.dtype = config.hidden_size, config.dtype
        self.last_idx = config.num_hidden_layers - 1
        self.bert_embedding_lookup = nn.Embedding(config.vocab_size, config.hidden_size,
                                                  use_one_hot=use_one_hot_embeddings,
                                                  embedding_table=TruncatedNormal(config.initializer_range))
        self.bert_embedding_postprocessor = EmbeddingPostprocessor(config, use_one_hot_embeddings)
        self.bert_encoder = BertTransformer(config, return_all_encoders=True)
        self.dense = _dense(config.hidden_size, config.hidden_size, config, "tanh")

    def construct(self, input_ids: Tensor, token_type_ids: Tensor, input_mask: Tensor) -> tuple:
        embedding_tables = self.bert_embedding_lookup.embedding_table
        word_embeddings = self.bert_embedding_lookup(input_ids)
        embedding_output = self.bert_embedding_postprocessor(token_type_ids, word_embeddings)
        attention_mask = _f32(ops.reshape(input_mask, (-1, 1, input_mask.shape[1])))
        encoder_output = self.bert_encoder(embedding_output, attention_mask)
        sequence_output = ops.cast(encoder_output[self.last_idx], self.dtype)
        first_token = sequence_output[:, 0, :]
        pooled_output = ops.cast(self.dense(first_token), self.dtype)
        return sequence_output, pooled_output, embedding_tables


class GetMaskedLMOutput(nn.Cell):
    """Masked-LM head at `positions` (batch, max_predictions): gather -> dense + hidden_act ->
    LayerNorm -> x @ embedding_table.T (tied) + output_bias -> log_softmax; returns
    (batch * max_predictions, vocab) float32 log-probabilities."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.width = config.hidden_size
        self.dense = _dense(config.hidden_size, config.hidden_size, config, config.hidden_act)
        self.layernorm = nn.LayerNorm((config.hidden_size,), epsilon=config.layer_norm_eps)
        self.output_bias = Parameter(initializer("zeros", config.vocab_size), name="output_bias")
        self.log_softmax = nn.LogSoftmax(axis=-1)
        self.compute_type, self.dtype = config.compute_type, config.dtype

    def construct(self, input_tensor: Tensor, output_weights: Tensor, positions: Tensor) -> Tensor:
        batch, seq = input_tensor.shape[0], input_tensor.shape[1]
        flat_offsets = Tensor((np.arange(batch) * seq).reshape(-1, 1).astype(np.int32))
        flat_position = ops.reshape(ops.cast(positions, mstype.int32) + flat_offsets, (-1,))
        flat_sequence = ops.reshape(input_tensor, (-1, self.width))
        hidden = self.dense(ops.gather(flat_sequence, flat_position, 0))
        hidden = self.layernorm(_f32(hidden))
        logits = ops.batch_matmul(ops.cast(hidden, self.compute_type), ops.cast(output_weights, self.compute_type),
                                  transpose_b=True)
        logits = ops.cast(logits, self.dtype) + self.output_bias
        return self.log_softmax(logits)


class GetNextSentenceOutput(nn.Cell):
    """Next-sentence head: Dense(hidden, 2) on the pooled output -> log_softmax (float32)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = _dense(config.hidden_size, 2, config)
        self.dtype = config.dtype

    def construct(self, input_tensor: Tensor) -> Tensor:
        return ops.log_softmax(ops.cast(self.dense(input_tensor), self.dtype), -1)


class BertPreTraining(nn.Cell):
    """BertModel + masked-LM head (cls1) + next-sentence head (cls2).

    ``construct(input_ids, input_mask, token_type_id, masked_lm_positions)`` returns
    ``(prediction_scores (batch*max_predictions, vocab), seq_relationship_score (batch, 2))``,
    both log-probabilities.
    """

    def __init__(self, config: BertConfig, is_training: bool, use_one_hot_embeddings: bool = False) -> None:
        super().__init__()
        self.bert = BertModel(config, is_training, use_one_hot_embeddings)
        self.cls1 = GetMaskedLMOutput(config)
        self.cls2 = GetNextSentenceOutput(config)

    def construct(self, input_ids: Tensor, input_mask: Tensor, token_type_id: Tensor,
                  masked_lm_positions: Tensor) -> tuple:
        sequence_output, pooled_output, embedding_table = self.bert(input_ids, token_type_id, input_mask)
        prediction_scores = self.cls1(sequence_output, embedding_table, masked_lm_positions)
        return prediction_scores, self.cls2(pooled_output)


class BertPretrainingLoss(nn.Cell):
    """MLM loss sum(-log p(label) * weight) / (sum(weight) + 1e-5) plus NSP mean cross-entropy."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.vocab_size = config.vocab_size

    def construct(self, prediction_scores: Tensor, seq_relationship_score: Tensor, masked_lm_ids: Tensor,
                  masked_lm_weights: Tensor, next_sentence_labels: Tensor) -> Tensor:
        label_ids = ops.reshape(masked_lm_ids, (-1,))
        label_weights = _f32(ops.reshape(masked_lm_weights, (-1,)))
        one_hot_labels = ops.one_hot(label_ids, self.vocab_size, 1.0, 0.0)
        per_example_loss = -ops.sum(prediction_scores * one_hot_labels, -1)
        masked_lm_loss = ops.sum(label_weights * per_example_loss) / (ops.sum(label_weights) + 1e-5)
        labels = ops.reshape(next_sentence_labels, (-1,))
        one_hot_labels = ops.one_hot(labels, 2, 1.0, 0.0)
        next_sentence_loss = ops.mean(-ops.sum(one_hot_labels * seq_relationship_score, -1))
        return masked_lm_loss + next_sentence_loss


class BertNetworkWithLoss(nn.Cell):
    """BertPreTraining + BertPretrainingLoss: ``construct(input_ids, input_mask, token_type_id,
    next_sentence_labels, masked_lm_positions, masked_lm_ids, masked_lm_weights)`` -> float32
    scalar loss (the signature MindSpore's pre-training dataset columns feed)."""

    def __init__(self, config: BertConfig, is_training: bool, use_one_hot_embeddings: bool = False) -> None:
        super().__init__()
        self.bert = BertPreTraining(config, is_training, use_one_hot_embeddings)
        self.loss = BertPretrainingLoss(config)

    def construct(self, input_ids: Tensor, input_mask: Tensor, token_type_id: Tensor, next_sentence_labels: Tensor,
                  masked_lm_positions: Tensor, masked_lm_ids: Tensor, masked_lm_weights: Tensor) -> Tensor:
        prediction_scores, seq_relationship_score = self.bert(input_ids, input_mask, token_type_id,
                                                              masked_lm_positions)
        total_loss = self.loss(prediction_scores, seq_relationship_score, masked_lm_ids, masked_lm_weights,
                               next_sentence_labels)
        return _f32(total_loss)


class BertForSequenceClassification(nn.Cell):
    """MindSpore's BertCLSModel: pooled [CLS] -> dropout(dropout_prob) -> Dense(hidden, num_labels)
    (``dense_1``) -> log_softmax (raw logits when assessment_method == "spearman_correlation").
    ``construct(input_ids, input_mask, token_type_id)`` -> (batch, num_labels)."""

    def __init__(self, config: BertConfig, is_training: bool, num_labels: int = 2, dropout_prob: float = 0.0,
                 use_one_hot_embeddings: bool = False, assessment_method: str = "") -> None:
        super().__init__()
        self.bert = BertModel(config, is_training, use_one_hot_embeddings)
        self.num_labels, self.dtype, self.assessment_method = num_labels, config.dtype, assessment_method
        self.dense_1 = _dense(config.hidden_size, num_labels, config)
        self.dropout = nn.Dropout(p=dropout_prob if is_training else 0.0)

    def construct(self, input_ids: Tensor, input_mask: Tensor, token_type_id: Tensor) -> Tensor:
        _, pooled_output, _ = self.bert(input_ids, token_type_id, input_mask)
        logits = ops.cast(self.dense_1(self.dropout(ops.cast(pooled_output, self.dtype))), self.dtype)
        if self.assessment_method != "spearman_correlation":
            logits = ops.log_softmax(logits, -1)
        return logits


class BertForTokenClassification(nn.Cell):
    """MindSpore's BertNERModel (without CRF/LSTM): sequence output -> dropout -> Dense(hidden,
    num_labels) (``dense_1``) -> log_softmax. ``construct(input_ids, input_mask, token_type_id)``
    -> (batch * seq, num_labels), flattened as MindSpore returns it."""

    def __init__(self, config: BertConfig, is_training: bool, num_labels: int = 11, dropout_prob: float = 0.0,
                 use_one_hot_embeddings: bool = False) -> None:
        super().__init__()
        self.bert = BertModel(config, is_training, use_one_hot_embeddings)
        self.num_labels, self.dtype, self.shape = num_labels, config.dtype, (-1, config.hidden_size)
        self.dense_1 = _dense(config.hidden_size, num_labels, config)
        self.dropout = nn.Dropout(p=dropout_prob if is_training else 0.0)

    def construct(self, input_ids: Tensor, input_mask: Tensor, token_type_id: Tensor) -> Tensor:
        sequence_output, _, _ = self.bert(input_ids, token_type_id, input_mask)
        seq = ops.reshape(self.dropout(sequence_output), self.shape)
        return ops.log_softmax(ops.cast(self.dense_1(seq), self.dtype), -1)


# the names used by this project's issues, next to MindSpore's own
BertForPreTraining = BertPreTraining
BertPreTrainingLoss = BertPretrainingLoss
BertCLSModel = BertForSequenceClassification
BertNERModel = BertForTokenClassification
