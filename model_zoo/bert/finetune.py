"""BERT sequence classification fine-tuning with evaluation accuracy (MindSpore's run_classifier.py).

    python model_zoo/bert/finetune.py                       # tiny net from scratch on the built-in sentiment TSV
    python model_zoo/bert/finetune.py --load_pretrain_checkpoint_path PRETRAIN.ckpt   # a pretrain.py checkpoint
    python model_zoo/bert/finetune.py --hf_model_dir /path/to/hf_bert_dir --epoch_num 2 \\
        --AdamWeightDecay.learning_rate 5e-5 --tiny.seq_length 32
    python model_zoo/bert/finetune.py --train_data_file_path train.tsv --eval_data_file_path dev.tsv

Data: TSV files of sentence<TAB>label (an optional 'sentence<TAB>label' header); labels are
the sorted distinct labels of the training file unless ``--label_list '["neg","pos"]'``.
Network: BertCLS (BertForSequenceClassification + cross-entropy), AdamWeightDecay (or Lamb)
with BertLearningRate (10% warm-up, polynomial decay), decay_filter groups, the loss-scale
cell with gradient clipping, Model.train with the progress bar and a per-epoch checkpoint;
then accuracy on the evaluation TSV. Weights can start from a pre-training checkpoint of
pretrain.py (same network settings) or from a Hugging-Face BERT directory (its config.json
sets the network and its vocab.txt the vocabulary).
"""
from __future__ import annotations

import os
import sys
from typing import Any, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

import mindlite as ms  # noqa: E402
import mindlite.dataset as ds  # noqa: E402
from model_zoo.bert.src.bert_for_finetune import BertCLS, evaluate_accuracy  # noqa: E402
from model_zoo.bert.src.config import FINETUNE_CONFIG, Config, bert_net_config, load_config  # noqa: E402
from model_zoo.bert.src.dataset import (BUILTIN_DEV_TSV, BUILTIN_TRAIN_TSV, BUILTIN_VOCAB,  # noqa: E402
                                        create_classification_dataset, load_vocab)
from model_zoo.bert.src.import_hf import bert_config_from_hf, import_hf_weights  # noqa: E402
from model_zoo.bert.src.utils import (LossCallBack, TrainCellModel, apply_blas_threads, build_train_cell,  # noqa: E402
                                      get_optimizer, lr_settings, make_directory, output_dir,
                                      set_mode)


def network_config(cfg: Config) -> tuple[Any, str]:
    """(BertConfig, vocab file) from the configuration (or from cfg.hf_model_dir)."""
    section = cfg[cfg.bert_network]
    if cfg.hf_model_dir:
        vocab_file = cfg.vocab_file or os.path.join(cfg.hf_model_dir, "vocab.txt")
        return bert_config_from_hf(cfg.hf_model_dir, int(section.seq_length)), vocab_file
    vocab_file = cfg.vocab_file or BUILTIN_VOCAB
    return bert_net_config(cfg, len(load_vocab(vocab_file))), vocab_file


def run_finetune(cfg: Config, verbose: bool = True) -> dict:
    """Fine-tune and/or evaluate as configured; returns {'losses', 'accuracy', 'eval_examples',
    'labels', 'network', 'sequences_per_second', 'ckpt_dir'}."""
    set_mode(cfg.mode, cfg.device_target)
    apply_blas_threads(cfg.blas_threads, cfg.bert_network)
    ms.set_seed(int(cfg.seed))
    ds.config.set_seed(int(cfg.seed))
    net_cfg, vocab_file = network_config(cfg)
    train_file = cfg.train_data_file_path or BUILTIN_TRAIN_TSV
    eval_file = cfg.eval_data_file_path or BUILTIN_DEV_TSV
    lower = bool(cfg.do_lower_case)
    train_data, labels = create_classification_dataset(train_file, vocab_file, net_cfg.seq_length,
                                                       int(cfg.train_batch_size), cfg.label_list, True, True, lower)
    network = BertCLS(net_cfg, True, num_labels=len(labels), dropout_prob=float(cfg.dropout_prob))
    if cfg.hf_model_dir:
        report = import_hf_weights(network, cfg.hf_model_dir)
        if verbose:
            print(f"imported {len(report['loaded'])} tensors from {cfg.hf_model_dir}", flush=True)
    if cfg.load_pretrain_checkpoint_path:
        params = ms.load_checkpoint(cfg.load_pretrain_checkpoint_path)
        mine = {n for n, _ in network.parameters_and_names()}
        ms.load_param_into_net(network, {k: v for k, v in params.items() if k in mine})
        if verbose:
            print(f"loaded {sum(k in mine for k in params)} parameters from {cfg.load_pretrain_checkpoint_path}",
                  flush=True)
    if cfg.load_finetune_checkpoint_path:
        ms.load_param_into_net(network, ms.load_checkpoint(cfg.load_finetune_checkpoint_path))

    losses: dict = {}
    rate = None
    ckpt_dir = make_directory(os.path.join(output_dir(cfg, "mindlite_bert_finetune"), "ckpt"))
    if cfg.do_train:
        steps_per_epoch = train_data.get_dataset_size()
        total = int(cfg.epoch_num) * steps_per_epoch
        optimizer, _ = get_optimizer(cfg, network, total)
        model = TrainCellModel(build_train_cell(cfg, network, optimizer), optimizer)
        monitor = LossCallBack(int(cfg.train_batch_size), int(cfg.log_steps), lr_settings(cfg, total), verbose=verbose)
        callbacks: list = [monitor]
        if cfg.save_finetune_checkpoint:
            callbacks.insert(0, ms.ModelCheckpoint("classifier", ckpt_dir, ms.CheckpointConfig(
                save_checkpoint_steps=steps_per_epoch, keep_checkpoint_max=1, saved_network=network)))
        if verbose:
            n_params = sum(p.size for p in network.trainable_params())
            print(f"fine-tuning: {n_params:,} parameters, labels {labels}, {int(cfg.epoch_num)} epochs of "
                  f"{steps_per_epoch} steps (batch {cfg.train_batch_size}, seq {net_cfg.seq_length}), {cfg.optimizer}",
                  flush=True)
        model.train(int(cfg.epoch_num), train_data, callbacks=callbacks)
        losses, rate = monitor.losses, monitor.sequences_per_second
    accuracy = examples = None
    if cfg.do_eval:
        eval_data, _ = create_classification_dataset(eval_file, vocab_file, net_cfg.seq_length,
                                                     int(cfg.eval_batch_size), labels, False, False, lower)
        accuracy, examples = evaluate_accuracy(network.bert, eval_data)
        if verbose:
            print(f"eval accuracy: {accuracy:.4f} ({examples} examples of {eval_file})", flush=True)
    return {"losses": losses, "accuracy": accuracy, "eval_examples": examples, "labels": labels, "network": network,
            "sequences_per_second": rate, "ckpt_dir": ckpt_dir}


def main(argv: Sequence[str] | None = None) -> dict:
    cfg = load_config(FINETUNE_CONFIG, sys.argv[1:] if argv is None else argv)
    return run_finetune(cfg)


if __name__ == "__main__":
    main()
