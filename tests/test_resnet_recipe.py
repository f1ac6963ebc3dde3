"""The ResNet recipe (model_zoo/resnet): config files and overrides, learning-rate schedule,
data pipelines (generated task, CIFAR-10 binary, ImageNet folder), the recipe's training step
equal in both modes, training to > 90% on the generated task in GRAPH_MODE, train ->
checkpoint -> eval.py, resume on the same loss trajectory, and the command-line entry point.

The network itself is tested in tests/test_model_zoo_models.py: ResNet-50's 25,557,032
parameters and names (test_resnet50_parameter_count_and_names) and a ResNet-50 / ResNet-18
training step with equal losses and parameters in PYNATIVE and GRAPH_MODE
(test_resnet_training_step_equal_in_both_modes); not repeated here.
"""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import mindlite as ms  # noqa: E402
from model_zoo.resnet.src import dataset as rds  # noqa: E402
from model_zoo.resnet.src.config import load_config  # noqa: E402
from model_zoo.resnet.src.lr_generator import get_lr  # noqa: E402
from model_zoo.resnet.src.resnet import count_trainable_params  # noqa: E402
from model_zoo.resnet.src.util import build_network, init_group_params  # noqa: E402

RECIPE = os.path.join(ROOT, "model_zoo", "resnet")


def _load(name):
    spec = importlib.util.spec_from_file_location(f"resnet_recipe_{name}", os.path.join(RECIPE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train = _load("train")
evaluate = _load("eval")


@pytest.fixture(autouse=True)
def _restore_context():
    yield
    ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")


# ---- config ----------------------------------------------------------------------------------------------
def test_configs_hold_the_official_hyper_parameters_and_accept_overrides():
    imagenet = load_config(["--config", "imagenet"])
    assert (imagenet.net_name, imagenet.class_num, imagenet.batch_size, imagenet.epoch_size) == ("resnet50", 1001,
                                                                                                256, 90)
    assert (imagenet.momentum, imagenet.weight_decay, imagenet.lr_decay_mode, imagenet.lr_max,
            imagenet.warmup_epochs) == (0.9, 1e-4, "linear", 0.8, 2)
    assert imagenet.use_label_smooth and imagenet.label_smooth_factor == 0.1
    assert imagenet.no_decay_filter == ["beta", "gamma", "bias"]
    assert load_config(["--dataset", "cifar10"]).lr_decay_mode == "poly"  # config chosen by --dataset
    tiny = load_config([])  # the default: the built-in data
    assert tiny.dataset == "synthetic" and tiny.net_name == "resnet"
    cfg = load_config(["--batch_size", "16", "--epochs=3", "--lr", "0.5", "--use_label_smooth", "false",
                       "--layer_nums", "2,2,1,1", "--out_channels", "[8, 16, 32, 64]", "--mode", "pynative",
                       "--run-eval", "no", "--new_key", "[1, 2]"])
    assert (cfg.batch_size, cfg.epoch_size, cfg.lr_max, cfg.use_label_smooth) == (16, 3, 0.5, False)
    assert cfg.layer_nums == [2, 2, 1, 1] and cfg.out_channels == [8, 16, 32, 64]
    assert cfg.mode == "pynative" and cfg.run_eval is False and cfg.new_key == [1, 2]
    with pytest.raises(ValueError, match="batch_size"):
        load_config(["--batch_size", "many"])
    with pytest.raises(FileNotFoundError, match="tiny"):
        load_config(["--config", "no_such_setup"])


def test_network_from_config_and_parameter_groups():
    net = build_network(load_config(["--config", "imagenet", "--class_num", "1000"]))
    assert count_trainable_params(net) == 25_557_032
    # the recipe's init_weight: XavierUniform convolutions, TruncatedNormal(0.01) classifier
    w = net.layer3[0].conv2.weight.asnumpy()
    assert np.abs(w).max() <= np.sqrt(6.0 / (w.shape[1] * 9 + w.shape[0] * 9))
    assert abs(net.end_point.weight.asnumpy().std() - 0.01) < 0.001
    decay, no_decay, order = init_group_params(net, 1e-4)
    assert all(not any(k in p.name for k in ("beta", "gamma", "bias")) for p in decay["params"])
    assert {p.name.rsplit(".", 1)[1] for p in no_decay["params"]} == {"gamma", "beta", "bias"}
    assert len(decay["params"]) == 54 and len(no_decay["params"]) == 2 * 53 + 1  # 53 convs + fc; 53 BNs + bias
    assert decay["weight_decay"] == 1e-4 and no_decay["weight_decay"] == 0.0
    assert len(order["order_params"]) == len(net.trainable_params())
    tiny = build_network(load_config([]))
    assert count_trainable_params(tiny) < 400_000 and tiny.layer2[0].conv1.stride == (1, 1)


def test_learning_rate_schedules():
    lr = get_lr(0.0, 0.0, 0.8, 2, 90, 0, 10, "linear")  # the ImageNet schedule, 10 steps per epoch
    assert lr.dtype == np.float32 and lr.shape == (900,)
    np.testing.assert_allclose(lr[[0, 10, 20, 21]], [0.0, 0.4, 0.8, 0.8 - 0.8 / 880], rtol=1e-6)
    assert lr[-1] == pytest.approx(0.8 / 880, rel=1e-5) and np.all(np.diff(lr[20:]) < 0)
    np.testing.assert_array_equal(get_lr(0.0, 0.0, 0.8, 2, 90, 5, 10, "linear"), lr[50:])  # start_epoch
    poly = get_lr(0.01, 1e-5, 0.1, 5, 90, 0, 10, "poly")
    assert poly[0] == pytest.approx(0.01) and poly[50] == pytest.approx(0.1) and poly[-1] < 1e-6
    cos = get_lr(0.0, 0.0, 0.1, 1, 10, 0, 10, "cosine")
    assert cos[9] == pytest.approx(0.1) and cos[-1] < 1e-3
    assert get_lr(0.0, 0.0, 0.1, 1, 10, 0, 10, "linear", total_steps=30).shape == (30,)
    with pytest.raises(ValueError, match="lr_decay_mode"):
        get_lr(0, 0, 0.1, 1, 2, 0, 10, "exponential")


# ---- data ------------------------------------------------------------------------------------------------
def test_generated_task_is_deterministic_balanced_and_batched():
    src = rds.SyntheticImages(40, 32, seed=3)
    img, label = src[13]
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8 and label == 3
    np.testing.assert_array_equal(img, rds.SyntheticImages(40, 32, seed=3)[13][0])  # depends on (seed, i) only
    assert not np.array_equal(img, rds.SyntheticImages(40, 32, seed=4)[13][0])
    assert np.bincount([src.label(i) for i in range(40)]).tolist() == [4] * 10
    data = rds.create_dataset_synthetic(do_train=True, batch_size=8, num_samples=40)
    assert data.get_dataset_size() == 5
    x, y = next(data.create_tuple_iterator(output_numpy=True))
    assert x.shape == (8, 3, 32, 32) and x.dtype == np.float32 and y.dtype == np.int32
    assert -1.0 <= x.min() and x.max() <= 1.0
    halves = [rds.create_dataset_synthetic(do_train=False, batch_size=4, num_samples=40, num_shards=2, shard_id=k)
              for k in range(2)]
    labels = [np.concatenate([b[1] for b in h.create_tuple_iterator(output_numpy=True)]) for h in halves]
    assert [len(v) for v in labels] == [20, 20]


def test_cifar10_binary_pipeline(tmp_path):
    rng = np.random.default_rng(0)
    for name, n in [(f"data_batch_{i}.bin", 4) for i in range(1, 6)] + [("test_batch.bin", 6)]:
        rows = np.concatenate([rng.integers(0, 10, (n, 1)), rng.integers(0, 256, (n, 3072))], 1).astype(np.uint8)
        rows.tofile(tmp_path / name)
    train_data = rds.create_dataset_cifar10(str(tmp_path), True, batch_size=8, num_parallel_workers=1)
    assert train_data.get_dataset_size() == 2  # 20 images, drop_remainder
    x, y = next(train_data.create_tuple_iterator(output_numpy=True))
    assert x.shape == (8, 3, 32, 32) and x.dtype == np.float32 and y.dtype == np.int32
    test_data = rds.create_dataset_cifar10(str(tmp_path), False, batch_size=4, num_parallel_workers=1)
    assert [b[0].shape[0] for b in test_data.create_tuple_iterator(output_numpy=True)] == [4, 2]
    raw = np.fromfile(tmp_path / "test_batch.bin", np.uint8).reshape(6, 3073)
    first = next(test_data.create_tuple_iterator(output_numpy=True))
    expect = (raw[0, 1:].reshape(3, 32, 32).astype(np.float32) - np.reshape(rds.CIFAR_MEAN, (3, 1, 1))) / \
        np.reshape(rds.CIFAR_STD, (3, 1, 1))
    np.testing.assert_allclose(first[0][0], expect, rtol=1e-5, atol=1e-5)
    assert first[1][0] == raw[0, 0]


def test_imagenet_folder_pipeline(tmp_path):
    from PIL import Image
    rng = np.random.default_rng(0)
    for c, cls in enumerate(["n01440764", "n01443537"]):
        os.makedirs(tmp_path / cls)
        for i in range(3):
            arr = rng.integers(0, 256, (60 + 10 * i, 80, 3), dtype=np.uint8)
            Image.fromarray(arr).save(tmp_path / cls / f"img_{c}_{i}.JPEG", format="JPEG")
    train_data = rds.create_dataset_imagenet(str(tmp_path), True, batch_size=2, num_parallel_workers=1)
    assert train_data.get_dataset_size() == 3
    x, y = next(train_data.create_tuple_iterator(output_numpy=True))
    assert x.shape == (2, 3, 224, 224) and x.dtype == np.float32 and y.dtype == np.int32
    val = rds.create_dataset_imagenet(str(tmp_path), False, batch_size=4, num_parallel_workers=1)
    batches = list(val.create_tuple_iterator(output_numpy=True))
    assert [b[0].shape for b in batches] == [(4, 3, 224, 224), (2, 3, 224, 224)]
    assert sorted(np.concatenate([b[1] for b in batches]).tolist()) == [0, 0, 0, 1, 1, 1]
    shard = rds.create_dataset_imagenet(str(tmp_path), True, batch_size=1, num_parallel_workers=1, num_shards=2,
                                        shard_id=1)
    assert shard.get_dataset_size() == 3


# ---- training ------------------------------------------------------------------------------------------
SMALL = ["--train_samples", "128", "--eval_samples", "64", "--batch_size", "16", "--verbose", "false"]


def test_recipe_training_step_equal_in_both_modes(tmp_path):
    """The recipe's own step (CrossEntropySmooth, parameter groups, per-step lr, init_weight)."""
    threads_before = _blas_threads()
    runs = {}
    for mode in ("pynative", "graph"):
        runs[mode] = train.main(SMALL + ["--mode", mode, "--steps", "3", "--run_eval", "false",
                                         "--save_checkpoint", "false", "--output_dir", str(tmp_path / mode)])
    assert sorted(runs["graph"]["losses"]) == [1, 2, 3]
    np.testing.assert_allclose([runs["graph"]["losses"][k] for k in (1, 2, 3)],
                               [runs["pynative"]["losses"][k] for k in (1, 2, 3)], rtol=1e-5)
    assert _blas_threads() == threads_before  # the tiny config's blas_threads=1 holds only during the run


def _blas_threads():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The default recipe (python model_zoo/resnet/train.py): tiny config, GRAPH_MODE, 320 steps."""
    out = tmp_path_factory.mktemp("resnet_tiny")
    try:
        result = train.main(["--output_dir", str(out), "--verbose", "false"])
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    return result, out


def test_small_resnet_learns_the_generated_task_in_graph_mode(trained):
    result, out = trained
    assert result["mode"] == "graph" and result["total_steps"] == 320 and result["steps"] == 320
    assert result["top_1_accuracy"] > 0.9, result["top_1_accuracy"]
    losses = result["losses"]
    assert np.mean([losses[k] for k in range(301, 321)]) < 0.5 * np.mean([losses[k] for k in range(1, 21)])
    assert result["images_per_second"] > 0 and os.path.isfile(out / "result.json")


def test_checkpoint_then_eval_reproduces_the_accuracy(trained):
    result, _ = trained
    ckpt = result["checkpoint"]
    assert ckpt.endswith("resnet_tiny-5_64.ckpt") and os.path.isfile(ckpt)
    got = evaluate.main(["--checkpoint_path", ckpt, "--verbose", "false"])
    assert got["top_1_accuracy"] == pytest.approx(result["top_1_accuracy"], abs=1e-9)
    assert got["top_5_accuracy"] == pytest.approx(result["top_5_accuracy"], abs=1e-9)
    with pytest.raises(ValueError, match="lacks"):
        evaluate.main(["--checkpoint_path", ckpt, "--verbose", "false", "--layer_nums", "[1, 1, 1, 2]"])


def test_resume_continues_the_loss_trajectory(tmp_path):
    """Train 14 steps (8 per epoch) saving every 2; a fresh run resumed from step 6 (mid-epoch 1)
    reproduces steps 7-14, across the epoch boundary (shuffle order, lr index, momenta)."""
    args = SMALL + ["--steps", "14", "--save_checkpoint_steps", "2", "--keep_checkpoint_max", "10",
                    "--run_eval", "false"]
    full = train.main(args + ["--output_dir", str(tmp_path / "full")])
    ckpt = tmp_path / "full" / "ckpt_0" / "resnet_tiny-1_6.ckpt"
    assert sorted(full["losses"]) == list(range(1, 15)) and ckpt.is_file()
    resumed = train.main(args + ["--output_dir", str(tmp_path / "resumed"), "--resume", str(ckpt)])
    assert resumed["resumed_from"] == str(ckpt)
    assert sorted(resumed["losses"]) == list(range(7, 15))
    np.testing.assert_allclose([resumed["losses"][k] for k in range(7, 15)],
                               [full["losses"][k] for k in range(7, 15)], rtol=1e-5, atol=1e-6)
    assert len({round(v, 4) for v in full["losses"].values()}) > 10  # the losses do change step to step
    # resuming a finished run trains no further step
    done = train.main(args + ["--output_dir", str(tmp_path / "done"), "--resume",
                              str(tmp_path / "full" / "ckpt_0" / "resnet_tiny-2_6.ckpt")])
    assert done["losses"] == {}


@pytest.mark.timeout(120)
def test_command_line_entry_points(tmp_path):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MINDLITE_PROGRESS": "0"}
    cmd = [sys.executable, os.path.join(RECIPE, "train.py"), "--steps", "3", "--train_samples", "96",
           "--eval_samples", "32", "--output_dir", str(tmp_path), "--loss_print_steps", "1"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=110, cwd=str(tmp_path), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "throughput:" in proc.stdout and "images/s" in proc.stdout and "final accuracy: top-1" in proc.stdout
    assert "(global 3): loss" in proc.stdout
    ckpt = os.path.join(tmp_path, "ckpt_0", "resnet_tiny-1_3.ckpt")
    proc = subprocess.run([sys.executable, os.path.join(RECIPE, "eval.py"), "--checkpoint_path", ckpt,
                           "--eval_samples", "32"], capture_output=True, text=True, timeout=110, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "top-1 accuracy" in proc.stdout and "top-5 accuracy" in proc.stdout
