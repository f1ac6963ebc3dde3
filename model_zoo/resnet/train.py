"""Train ResNet (v1.5) with mindlite: MindSpore's official/cv/ResNet/train.py, for mindlite.

    python model_zoo/resnet/train.py                      # built-in generated data, tiny config, GRAPH_MODE
    python model_zoo/resnet/train.py --mode pynative --steps 100
    python model_zoo/resnet/train.py --dataset cifar10 --data_path ~/data/cifar-10-batches-bin
    python model_zoo/resnet/train.py --dataset imagenet --data_path /data/imagenet/train \\
        --eval_data_path /data/imagenet/val [--batch_size 32 --lr_max 0.1]
    python model_zoo/resnet/train.py --resume latest          # newest checkpoint of the same output_dir
    python model_zoo/resnet/train.py --config imagenet --net_name resnet18 --device_target GPU

Options (every key of the config file can be overridden as --key value):
  --config NAME|PATH       config/tiny.json (default for --dataset synthetic), cifar10, imagenet
  --dataset NAME           synthetic (alias tiny) | cifar10 | imagenet
  --data_path DIR          CIFAR-10 binary folder, or the ImageNet train folder (ImageFolder layout)
  --eval_data_path DIR     evaluation folder (ImageNet val; CIFAR-10 defaults to --data_path)
  --mode graph|pynative    GRAPH_MODE (default) or PYNATIVE_MODE
  --device_target CPU|GPU  GPU needs cupy (pip install 'mindlite[gpu]')
  --epochs N / --steps N   epochs (= --epoch_size); or stop after N global steps (the lr schedule
                           then spans N steps)
  --amp_level O0|O1|O2|O3|auto   auto: O1 + fixed loss scale (--loss_scale) on GPU, O0 on CPU
  --resume CKPT|latest     continue a run from a ModelCheckpoint file (Model.resume)
  --output_dir DIR         checkpoints in DIR/ckpt_<rank>, results in DIR/result.json
                           (default <temp dir>/mindlite_resnet/<config name>)
  --dataset_sink_mode true run each epoch as one compiled program (GRAPH_MODE)
  --blas_threads N         limit BLAS threads (needs threadpoolctl; 1 helps on an oversubscribed CPU)
  --run_eval false         skip the final evaluation

Steps: dataset (src/dataset.py) -> ResNet + init_weight (src/resnet.py, src/util.py) -> per-step
lr (src/lr_generator.py) -> Momentum over parameter groups (no weight decay on BN/bias) ->
Model(net, CrossEntropySmooth, opt, metrics top-1/top-5, amp_level) -> Model.train with
LossTimeMonitor, TimeMonitor and ModelCheckpoint (progress bar on a terminal) -> throughput
(images/s) -> Model.eval on the evaluation split -> top-1 / top-5 accuracy.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

import numpy as np  # noqa: E402

import mindlite as ms  # noqa: E402
import mindlite.dataset as ds  # noqa: E402
from mindlite import nn  # noqa: E402
from model_zoo.resnet.src.callback import LossTimeMonitor, StopAtStep  # noqa: E402
from model_zoo.resnet.src.config import Config, load_config  # noqa: E402
from model_zoo.resnet.src.CrossEntropySmooth import CrossEntropySmooth  # noqa: E402
from model_zoo.resnet.src.dataset import create_dataset  # noqa: E402
from model_zoo.resnet.src.lr_generator import get_lr  # noqa: E402
from model_zoo.resnet.src.resnet import count_trainable_params  # noqa: E402
from model_zoo.resnet.src.util import build_network, init_group_params, load_pretrained  # noqa: E402

# keys the script reads that the config files need not define
DEFAULTS: dict = {"steps": 0, "resume": "", "blas_threads": 0, "loss_print_steps": 10, "ckpt_prefix": "",
                  "verbose": True, "train_samples": 0, "eval_samples": 0}


# ---- setup shared with eval.py ---------------------------------------------------------------------------
def blas_threads(n: int) -> Any:
    """A context limiting the BLAS thread pool to `n` threads (0: unchanged); needs threadpoolctl."""
    if not n:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("blas_threads: threadpoolctl is not installed; set OPENBLAS_NUM_THREADS instead", flush=True)
        return contextlib.nullcontext()
    return threadpool_limits(int(n), user_api="blas")


def set_context(cfg: Config) -> None:
    mode = str(cfg.mode).upper()
    if mode not in ("GRAPH", "PYNATIVE", "GRAPH_MODE", "PYNATIVE_MODE"):
        raise ValueError(f"--mode must be graph or pynative, got {cfg.mode!r}")
    ms.set_context(mode=ms.GRAPH_MODE if mode.startswith("GRAPH") else ms.PYNATIVE_MODE,
                   device_target=str(cfg.device_target).upper())


def amp_level(cfg: Config) -> str:
    """cfg.amp_level; "auto" = O1 (float16 convolutions and Dense, fixed loss scale) on GPU and
    O0 on CPU. MindSpore's recipe runs O3 on GPU/Ascend, but mindlite's float16 BatchNorm
    backward overflows and Cell.to_float(float32) inside a float16 parent has no effect, so O2
    and O3 produce inf/NaN gradients for ResNet (see README.md, "Known framework issues")."""
    level = str(cfg.get("amp_level", "auto"))
    if level == "auto":
        return "O1" if str(cfg.device_target).upper() == "GPU" else "O0"
    return level


def dataset_kwargs(cfg: Config, do_train: bool) -> dict:
    kwargs: dict = {"batch_size": int(cfg.batch_size if do_train else cfg.get("eval_batch_size") or cfg.batch_size),
                    "train_image_size": int(cfg.train_image_size), "eval_image_size": int(cfg.eval_image_size),
                    "num_parallel_workers": int(cfg.num_parallel_workers)}
    if do_train:
        kwargs["distribute"] = bool(cfg.get("run_distribute", False))
    samples = int(cfg.get("train_samples" if do_train else "eval_samples") or 0)
    if samples:
        kwargs["num_samples"] = samples
    if str(cfg.dataset).lower() in ("synthetic", "tiny"):
        kwargs["num_classes"] = int(cfg.class_num)
        kwargs["seed"] = int(cfg.get("data_seed", 0))
    return kwargs


def eval_dataset(cfg: Config) -> Any:
    """The evaluation split, or None when there is none (ImageNet without --eval_data_path)."""
    name = str(cfg.dataset).lower()
    path = cfg.get("eval_data_path") or None
    if name in ("imagenet", "imagenet2012") and not path:
        return None
    if name == "cifar10":
        path = path or cfg.data_path
    return create_dataset(name, path, False, **dataset_kwargs(cfg, False))


def eval_metrics() -> dict:
    return {"top_1_accuracy": nn.Top1CategoricalAccuracy(), "top_5_accuracy": nn.Top5CategoricalAccuracy()}


def loss_fn(cfg: Config) -> nn.Cell:
    if cfg.get("use_label_smooth", False) and float(cfg.get("label_smooth_factor", 0.0)) > 0:
        return CrossEntropySmooth(sparse=True, reduction="mean", smooth_factor=float(cfg.label_smooth_factor),
                                  num_classes=int(cfg.class_num))
    return nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")


def output_directory(cfg: Config) -> str:
    """cfg.output_dir, or <temp dir>/mindlite_resnet/<config name> when it is empty."""
    if cfg.get("output_dir"):
        return os.path.abspath(cfg.output_dir)
    name = os.path.splitext(os.path.basename(str(cfg.get("config") or "run")))[0]
    return os.path.join(tempfile.gettempdir(), "mindlite_resnet", name)


def _resume_file(cfg: Config, ckpt_dir: str, prefix: str) -> str | None:
    if not cfg.get("resume"):
        return None
    if cfg.resume == "latest":
        files = ms.ModelCheckpoint.sort_files(ckpt_dir, prefix) if os.path.isdir(ckpt_dir) else []
        if not files:
            print(f"--resume latest: no checkpoint in {ckpt_dir}; starting from scratch", flush=True)
        return files[-1] if files else None
    if not os.path.isfile(cfg.resume):
        raise FileNotFoundError(f"--resume: no checkpoint file {cfg.resume!r}")
    return cfg.resume


# ---- training ---------------------------------------------------------------------------------------------
def run_train(cfg: Config, extra_callbacks: Any = ()) -> dict:
    """Train as configured; returns the result dict (also written to output_dir/result.json)."""
    with blas_threads(int(cfg.get("blas_threads") or 0)):
        return _train(cfg, extra_callbacks)


def _train(cfg: Config, extra_callbacks: Any) -> dict:
    verbose = bool(cfg.get("verbose", True))
    set_context(cfg)
    seed = int(cfg.get("seed", 1))
    ms.set_seed(seed)
    ds.config.set_seed(seed)
    np.random.seed(seed)

    dataset = create_dataset(str(cfg.dataset), cfg.get("data_path") or None, True, **dataset_kwargs(cfg, True))
    step_size = dataset.get_dataset_size()
    if step_size <= 0:
        raise ValueError("the training dataset yields no batch: use a smaller --batch_size or more data")
    steps = int(cfg.get("steps") or 0)
    epochs = max(1, math.ceil(steps / step_size)) if steps > 0 else int(cfg.epoch_size)
    total_steps = steps if steps > 0 else epochs * step_size

    net = build_network(cfg)
    if cfg.get("pre_trained"):
        missing = load_pretrained(net, cfg.pre_trained, drop_head=bool(cfg.get("filter_weight", False)))
        if verbose:
            print(f"loaded {cfg.pre_trained}; not in the checkpoint: {missing}", flush=True)

    lr = get_lr(lr_init=float(cfg.lr_init), lr_end=float(cfg.lr_end), lr_max=float(cfg.lr_max),
                warmup_epochs=float(cfg.warmup_epochs), total_epochs=epochs, start_epoch=0,
                steps_per_epoch=step_size, lr_decay_mode=str(cfg.lr_decay_mode), total_steps=total_steps)
    level = amp_level(cfg)
    scaled = level in ("O1", "O2", "O3") and float(cfg.get("loss_scale", 1)) != 1
    loss_scale = float(cfg.loss_scale) if scaled else 1.0
    group_params = init_group_params(net, float(cfg.weight_decay), cfg.get("no_decay_filter", ["beta", "gamma", "bias"]))
    opt = nn.Momentum(group_params, ms.Tensor(lr), float(cfg.momentum), loss_scale=loss_scale)
    manager = ms.FixedLossScaleManager(loss_scale, drop_overflow_update=False) if scaled else None
    model = ms.Model(net, loss_fn=loss_fn(cfg), optimizer=opt, metrics=eval_metrics(), amp_level=level,
                     loss_scale_manager=manager)

    output_dir = output_directory(cfg)
    rank = int(os.environ.get("RANK_ID", "0"))
    ckpt_dir = os.path.join(output_dir, f"ckpt_{rank}")
    prefix = cfg.get("ckpt_prefix") or ("resnet_tiny" if cfg.net_name == "resnet" else str(cfg.net_name))
    initial_epoch = resumed_step = 0
    resume = _resume_file(cfg, ckpt_dir, prefix)
    if resume:
        try:
            initial_epoch = model.resume(resume)
        except ValueError as exc:
            if "learning_rate" not in str(exc):
                raise
            raise ValueError(f"--resume {resume}: the checkpoint's learning-rate schedule has another length than "
                             f"this run's ({total_steps} steps): resume with the options of the run that wrote it "
                             f"(same --epochs / --steps / --batch_size / data)") from exc
        # the global step the checkpoint was written at (Model.resume's recorded state)
        resumed_step = int((getattr(model, "_resume", None) or {}).get("global_step", initial_epoch * step_size))
        if verbose:
            print(f"resumed from {resume}: epoch {initial_epoch}", flush=True)

    monitor = LossTimeMonitor(int(cfg.batch_size), int(cfg.get("loss_print_steps") or 0), lr, verbose=verbose)
    callbacks: list = [monitor]
    if verbose and steps <= 0 and not resume:  # per-step time of whole epochs
        callbacks.append(ms.TimeMonitor(step_size))
    ckpt_cb = None
    if cfg.get("save_checkpoint", True) and rank == 0:
        every = int(cfg.get("save_checkpoint_steps") or 0) or int(cfg.save_checkpoint_epochs) * step_size
        ckpt_cb = ms.ModelCheckpoint(prefix, ckpt_dir, ms.CheckpointConfig(
            save_checkpoint_steps=every, keep_checkpoint_max=int(cfg.keep_checkpoint_max)))
        callbacks.append(ckpt_cb)
    if steps > 0:
        callbacks.append(StopAtStep(steps))
    callbacks += list(extra_callbacks)

    if verbose:
        print(f"ResNet recipe: {cfg.net_name} ({count_trainable_params(net):,} parameters, {cfg.class_num} classes), "
              f"dataset {cfg.dataset} ({step_size} steps/epoch x batch {cfg.batch_size}), {cfg.mode} mode on "
              f"{str(cfg.device_target).upper()}, amp {level}, {total_steps} steps, lr {cfg.lr_decay_mode} "
              f"max {cfg.lr_max}; config {cfg.config}", flush=True)
    start = time.perf_counter()
    already_done = bool(resume) and (initial_epoch >= epochs or (steps > 0 and resumed_step >= steps))
    if already_done and verbose:
        print(f"{resume} is already at the end of this run; evaluating only", flush=True)
    if not already_done:
        model.train(epochs, dataset, callbacks=callbacks, dataset_sink_mode=bool(cfg.get("dataset_sink_mode", False)),
                    initial_epoch=initial_epoch)
    train_seconds = time.perf_counter() - start
    result: dict = {"net_name": cfg.net_name, "dataset": cfg.dataset, "mode": cfg.mode,
                    "device_target": str(cfg.device_target).upper(), "amp_level": level,
                    "batch_size": int(cfg.batch_size), "steps_per_epoch": step_size, "total_steps": total_steps,
                    "parameters": count_trainable_params(net), "train_seconds": train_seconds,
                    "losses": monitor.losses, "checkpoint": ckpt_cb.latest_ckpt_file_name if ckpt_cb else None,
                    "resumed_from": resume, **monitor.throughput()}
    if verbose and result["images_per_second"]:
        first = "the first step (with GRAPH compilation)" if ms.get_context("mode") == ms.GRAPH_MODE else \
            "the first step"
        print(f"throughput: {result['images_per_second']:.1f} images/s (steps after the first; {first} took "
              f"{result['first_step_seconds']:.2f} s); "
              f"{result['images_per_second_overall']:.1f} images/s over all {result['steps']} steps", flush=True)

    if cfg.get("run_eval", True):
        data = eval_dataset(cfg)
        if data is None:
            if verbose:
                print("no evaluation split (pass --eval_data_path); skipping the final evaluation", flush=True)
        else:
            t = time.perf_counter()
            metrics = model.eval(data)
            result.update({k: float(v) for k, v in metrics.items()}, eval_seconds=time.perf_counter() - t)
            if verbose:
                print(f"final accuracy: top-1 {metrics['top_1_accuracy']:.4f}, top-5 {metrics['top_5_accuracy']:.4f} "
                      f"({data.get_dataset_size()} batches)", flush=True)
    os.makedirs(output_dir, exist_ok=True)
    if rank == 0:
        with open(os.path.join(output_dir, "result.json"), "w", encoding="utf-8") as f:
            json.dump({**result, "losses": {str(k): v for k, v in result["losses"].items()},
                       "config": dict(cfg)}, f, indent=1, default=str)
    return result


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else list(argv)
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return {}
    return run_train(load_config(argv, DEFAULTS))


if __name__ == "__main__":
    main()
