"""BERT pre-training (masked LM + next sentence prediction), MindSpore's run_pretrain.py for mindlite.

    python model_zoo/bert/pretrain.py                                  # built-in corpus, tiny net, GRAPH_MODE
    python model_zoo/bert/pretrain.py --mode PYNATIVE --train_steps 100
    python model_zoo/bert/pretrain.py --input_files '["my_text.txt"]' --vocab_file my_vocab.txt
    python model_zoo/bert/pretrain.py --resume latest                  # continue from the newest checkpoint
    python model_zoo/bert/pretrain.py --optimizer AdamWeightDecay --bert_network base --base.seq_length 128

Defaults: model_zoo/bert/config/pretrain_config.json (any field can be overridden, see
src/config.py); output_dir "" means <temp dir>/mindlite_bert_pretrain. Steps: raw text ->
pre-training examples (src/dataset.py; cached as a record file under output_dir/data) ->
MindDataset -> BertNetworkWithLoss -> Lamb/AdamWeightDecay with BertLearningRate and
decay_filter groups -> BertTrainOneStepWithLossScaleCell (dynamic loss scale, gradient
clipping) -> Model.train with the progress bar, LossCallBack (loss, loss scale, lr,
sequences/s) and ModelCheckpoint (output_dir/ckpt); ``--resume FILE|latest`` restores
parameters, optimizer and loss-scale state and the position in the data.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

import numpy as np  # noqa: E402

import mindlite as ms  # noqa: E402
import mindlite.dataset as ds  # noqa: E402
from model_zoo.bert.src.bert_model import BertNetworkWithLoss  # noqa: E402
from model_zoo.bert.src.config import PRETRAIN_CONFIG, Config, bert_net_config, load_config  # noqa: E402
from model_zoo.bert.src.dataset import BUILTIN_VOCAB, create_bert_dataset, load_vocab, prepare_pretraining_data  # noqa: E402
from model_zoo.bert.src.utils import (LossCallBack, StopAtStep, TrainCellModel, apply_blas_threads,  # noqa: E402
                                      build_train_cell, epochs_for, get_optimizer, lr_settings, make_directory,
                                      output_dir, set_mode)

CKPT_PREFIX = "checkpoint_bert"
OUTPUT_NAME = "mindlite_bert_pretrain"  # under the temp directory when output_dir is ""


def pretraining_data_file(cfg: Config, seq_length: int, vocab_file: str) -> str:
    """cfg.data_file, or the record file built from cfg.input_files (default: built-in corpus)."""
    if cfg.data_file:
        return cfg.data_file
    return prepare_pretraining_data(
        cfg.input_files or None, vocab_file, make_directory(os.path.join(output_dir(cfg, OUTPUT_NAME), "data")),
        seq_length=seq_length, max_predictions_per_seq=int(cfg.max_predictions_per_seq),
        masked_lm_prob=float(cfg.masked_lm_prob), short_seq_prob=float(cfg.short_seq_prob),
        dupe_factor=int(cfg.dupe_factor), random_next_prob=float(cfg.random_next_prob),
        do_lower_case=bool(cfg.do_lower_case), whole_word_mask=bool(cfg.whole_word_mask), seed=int(cfg.data_seed))


def _resume_file(cfg: Config, ckpt_dir: str) -> str | None:
    if not cfg.resume:
        return None
    if cfg.resume == "latest":
        files = ms.ModelCheckpoint.sort_files(ckpt_dir, CKPT_PREFIX) if os.path.isdir(ckpt_dir) else []
        return files[-1] if files else None
    return cfg.resume


def run_pretrain(cfg: Config, extra_callbacks: Sequence[Any] = (), verbose: bool = True) -> dict:
    """Pre-train as configured; returns {'losses': {step: loss}, 'sequences_per_second',
    'overflows', 'data_file', 'ckpt_dir', 'steps', 'network', 'train_cell'}."""
    set_mode(cfg.mode, cfg.device_target)
    apply_blas_threads(cfg.blas_threads, cfg.bert_network)
    ms.set_seed(int(cfg.seed))
    ds.config.set_seed(int(cfg.seed))
    vocab_file = cfg.vocab_file or BUILTIN_VOCAB
    net_cfg = bert_net_config(cfg, len(load_vocab(vocab_file)))
    data_file = pretraining_data_file(cfg, net_cfg.seq_length, vocab_file)
    dataset = create_bert_dataset(data_file, int(cfg.batch_size), bool(cfg.do_shuffle))
    epochs, total_steps = epochs_for(int(cfg.train_steps), dataset.get_dataset_size(), int(cfg.epoch_size))

    net_with_loss = BertNetworkWithLoss(net_cfg, True)
    if cfg.load_checkpoint_path:
        ms.load_param_into_net(net_with_loss, ms.load_checkpoint(cfg.load_checkpoint_path))
    optimizer, _ = get_optimizer(cfg, net_with_loss, total_steps)
    train_cell = build_train_cell(cfg, net_with_loss, optimizer)
    model = TrainCellModel(train_cell, optimizer)

    ckpt_dir = make_directory(os.path.join(output_dir(cfg, OUTPUT_NAME), "ckpt"))
    monitor = LossCallBack(int(cfg.batch_size), int(cfg.log_steps), lr_settings(cfg, total_steps), verbose=verbose)
    callbacks = [monitor, StopAtStep(total_steps), *extra_callbacks]
    if cfg.save_checkpoint_steps and int(cfg.save_checkpoint_steps) > 0:
        ckpt_cfg = ms.CheckpointConfig(save_checkpoint_steps=int(cfg.save_checkpoint_steps),
                                       keep_checkpoint_max=int(cfg.save_checkpoint_num))
        callbacks.insert(0, ms.ModelCheckpoint(CKPT_PREFIX, ckpt_dir, ckpt_cfg))
    initial_epoch = 0
    resume = _resume_file(cfg, ckpt_dir)
    if resume:
        initial_epoch = model.resume(resume)
        if verbose:
            print(f"resumed from {resume} (epoch {initial_epoch}, step "
                  f"{int(optimizer.global_step.asnumpy().reshape(-1)[0])} of the optimizer)", flush=True)
    if verbose:
        n_params = sum(p.size for p in net_with_loss.trainable_params())
        print(f"BERT pre-training: {cfg.bert_network} network ({n_params:,} parameters, seq {net_cfg.seq_length}, "
              f"vocab {net_cfg.vocab_size}), {cfg.optimizer}, "
              f"{'GRAPH' if ms.get_context('mode') == ms.GRAPH_MODE else 'PYNATIVE'} mode, "
              f"batch {cfg.batch_size}, {total_steps} steps "
              f"({dataset.get_dataset_size()} batches per epoch of {data_file})", flush=True)
    if initial_epoch < epochs:
        model.train(epochs, dataset, callbacks=callbacks, dataset_sink_mode=bool(cfg.enable_data_sink),
                    initial_epoch=initial_epoch)
    losses = monitor.losses
    if verbose and losses:
        steps = sorted(losses)
        k = max(1, min(25, len(steps) // 4))
        first = float(np.mean([losses[s] for s in steps[:k]]))
        last = float(np.mean([losses[s] for s in steps[-k:]]))
        print(f"loss: mean of steps {steps[0]}-{steps[k - 1]} {first:.4f} -> mean of steps {steps[-k]}-{steps[-1]} "
              f"{last:.4f}; {monitor.overflows} overflow-skipped steps; checkpoints in {ckpt_dir}", flush=True)
    return {"losses": losses, "sequences_per_second": monitor.sequences_per_second, "overflows": monitor.overflows,
            "data_file": data_file, "ckpt_dir": ckpt_dir, "steps": total_steps, "network": net_with_loss,
            "train_cell": train_cell}


def main(argv: Sequence[str] | None = None) -> dict:
    cfg = load_config(PRETRAIN_CONFIG, sys.argv[1:] if argv is None else argv)
    return run_pretrain(cfg)


if __name__ == "__main__":
    main()
