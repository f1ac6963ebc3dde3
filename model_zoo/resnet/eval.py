"""Evaluate a ResNet checkpoint: top-1 / top-5 accuracy (MindSpore's official/cv/ResNet/eval.py).

    python model_zoo/resnet/eval.py --checkpoint_path /tmp/mindlite_resnet/tiny/ckpt_0/resnet_tiny-5_64.ckpt
    python model_zoo/resnet/eval.py --dataset cifar10 --data_path ~/data/cifar-10-batches-bin --checkpoint_path C
    python model_zoo/resnet/eval.py --config imagenet --eval_data_path /data/imagenet/val --checkpoint_path C

Options: --checkpoint_path FILE (a ModelCheckpoint file of train.py, or a network-only
checkpoint with MindSpore parameter names), plus the config of training (--config / --dataset
and any --key value: the network and the evaluation data must match the checkpoint);
--eval_data_path (ImageNet val folder; CIFAR-10: the binary folder, default --data_path);
--mode graph|pynative, --device_target CPU|GPU, --eval_batch_size N.
"""
from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

import mindlite as ms  # noqa: E402
from model_zoo.resnet.src.config import Config, load_config  # noqa: E402
from model_zoo.resnet.src.util import build_network  # noqa: E402
from model_zoo.resnet.train import DEFAULTS, blas_threads, eval_dataset, eval_metrics, loss_fn, set_context  # noqa: E402

__all__ = ["main", "run_eval"]


def run_eval(cfg: Config) -> dict:
    """Load cfg.checkpoint_path into the configured network and evaluate it; returns
    {"top_1_accuracy", "top_5_accuracy", "checkpoint", "batches", "eval_seconds"}."""
    path = cfg.get("checkpoint_path") or cfg.get("checkpoint_file_path")
    if not path:
        raise ValueError("eval.py needs --checkpoint_path FILE")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--checkpoint_path: no file {path!r}")
    set_context(cfg)
    with blas_threads(int(cfg.get("blas_threads") or 0)):
        return _evaluate(cfg, path)


def _evaluate(cfg: Config, path: str) -> dict:
    net = build_network(cfg)
    params = {k: v for k, v in ms.load_checkpoint(path).items() if not isinstance(v, str)}
    missing, _ = ms.load_param_into_net(net, params)
    if missing:
        raise ValueError(f"{path} lacks {len(missing)} parameters of the configured {cfg.net_name} "
                         f"({missing[:4]}{' ...' if len(missing) > 4 else ''}): pass the training config")
    data = eval_dataset(cfg)
    if data is None:
        raise ValueError("no evaluation data: pass --eval_data_path (ImageNet val folder in the ImageFolder layout)")
    net.set_train(False)
    model = ms.Model(net, loss_fn=loss_fn(cfg), metrics=eval_metrics())
    start = time.perf_counter()
    metrics = model.eval(data)
    seconds = time.perf_counter() - start
    result = {"top_1_accuracy": float(metrics["top_1_accuracy"]), "top_5_accuracy": float(metrics["top_5_accuracy"]),
              "checkpoint": os.path.abspath(path), "batches": data.get_dataset_size(), "eval_seconds": seconds}
    if cfg.get("verbose", True):
        print(f"checkpoint {path}: top-1 accuracy {result['top_1_accuracy']:.4f}, top-5 accuracy "
              f"{result['top_5_accuracy']:.4f} ({data.get_dataset_size()} batches, {seconds:.1f} s)", flush=True)
    return result


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else list(argv)
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return {}
    return run_eval(load_config(argv, {**DEFAULTS, "checkpoint_path": ""}))


if __name__ == "__main__":
    main()
