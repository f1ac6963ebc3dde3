"""Model: callbacks, early stopping, checkpoint rotation, kill-and-resume, sink mode, eval, fit."""
import os
import subprocess
import sys

import numpy as np
import pytest

import mindlite as ms
import mindlite.dataset as ds
from mindlite import nn
from mindlite.train import Callback

HERE = os.path.dirname(os.path.abspath(__file__))


def _data(n=48, batch=8, shuffle=False):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int32)
    return ds.NumpySlicesDataset({"x": x, "y": y}, shuffle=shuffle).batch(batch)


def _model(metrics=None, seed=0):
    ms.set_seed(seed)
    net = nn.SequentialCell(nn.Dense(4, 16, activation="relu"), nn.Dense(16, 2))
    return ms.Model(net, nn.CrossEntropyLoss(), nn.Momentum(net.trainable_params(), 0.1, 0.9), metrics=metrics), net


class Recorder(Callback):
    def __init__(self):
        self.events = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            events = object.__getattribute__(self, "events")
            return lambda rc: events.append((name, rc.original_args().cur_epoch_num, rc.original_args().cur_step_num))
        return object.__getattribute__(self, name)


def test_callback_order_and_counts():
    model, _ = _model()
    rec = Recorder()
    model.train(2, _data(), callbacks=rec)
    names = [e[0] for e in rec.events]
    assert names[0] == "on_train_begin" and names[-1] == "on_train_end"
    assert names.count("on_train_step_begin") == names.count("on_train_step_end") == 12
    assert names.count("on_train_epoch_begin") == names.count("on_train_epoch_end") == 2
    assert names[1:5] == ["on_train_epoch_begin", "on_train_step_begin", "on_train_step_end", "on_train_step_begin"]
    ends = [e for e in rec.events if e[0] == "on_train_epoch_end"]
    assert [(e[1], e[2]) for e in ends] == [(1, 6), (2, 12)]


def test_legacy_callback_names_still_called():
    class Old(Callback):
        steps = 0

        def step_end(self, run_context):
            Old.steps += 1
    model, _ = _model()
    model.train(1, _data(), callbacks=[Old()])
    assert Old.steps == 6


def test_early_stopping_and_request_stop():
    model, _ = _model()
    stopper = ms.train.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)  # never improves by 10
    hist = ms.train.History()
    model.train(10, _data(), callbacks=[stopper, hist])
    assert hist.epoch == [1, 2] and stopper.stopped_epoch == 2


def test_checkpoint_rotation_and_files(tmp_path):
    model, _ = _model()
    ckpt = ms.ModelCheckpoint("net", str(tmp_path), ms.CheckpointConfig(save_checkpoint_steps=2, keep_checkpoint_max=3))
    model.train(2, _data(), callbacks=ckpt)
    files = sorted(os.listdir(tmp_path))
    assert files == ["net-2_2.ckpt", "net-2_4.ckpt", "net-2_6.ckpt"]
    params = ms.load_checkpoint(str(tmp_path / "net-2_6.ckpt"))
    assert "moments.0.weight" in params and int(params["step_num"].asnumpy()) == 12
    assert int(params["epoch_num"].asnumpy()) == 2


def _run_job(tmp, epochs, *extra):
    cmd = [sys.executable, os.path.join(HERE, "train_resume_job.py"), str(tmp), str(epochs), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    losses = {int(p[1]): float(p[2]) for p in (line.split() for line in proc.stdout.splitlines()) if p[0] == "loss"}
    return proc, losses


@pytest.mark.timeout(240)
@pytest.mark.parametrize("mode", ["pynative", "graph"])
def test_kill_and_resume_continues_the_trajectory(tmp_path, mode):
    full_dir, part_dir = tmp_path / "full", tmp_path / "part"
    _, full = _run_job(full_dir, 3, "--mode", mode)
    assert len(full) == 21  # 7 batches x 3 epochs
    proc, before = _run_job(part_dir, 3, "--mode", mode, "--kill-at", "10")  # killed mid-epoch 2
    assert proc.returncode != 0 and max(before) == 10
    latest = ms.ModelCheckpoint.sort_files(str(part_dir), "job")[-1]
    assert latest.endswith("job-2_3.ckpt")
    proc, after = _run_job(part_dir, 3, "--mode", mode, "--resume", latest)
    assert proc.returncode == 0, proc.stderr
    assert min(after) == 11 and max(after) == 21
    for step in range(1, 22):
        got = before.get(step, after.get(step))
        assert got == pytest.approx(full[step], rel=1e-6, abs=1e-7), f"step {step}"


def test_sink_mode_equals_plain_steps():
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        plain, net_a = _model()
        plain.train(2, _data())
        sunk, net_b = _model()
        sunk.train(2, _data(), dataset_sink_mode=True)
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    for (n, a), (_, b) in zip(net_a.parameters_and_names(), net_b.parameters_and_names()):
        np.testing.assert_allclose(b.asnumpy(), a.asnumpy(), rtol=1e-5, atol=1e-7, err_msg=n)
    assert len(sunk._sink_fns) == 1


def test_eval_metrics_on_a_known_dataset():
    x = np.eye(4, dtype=np.float32)
    y = np.array([0, 1, 1, 0], np.int32)

    class Fixed(nn.Cell):
        def construct(self, v):
            # predicts class 1 for rows 1 and 2 and 3 -> 3 of 4 right
            return ms.ops.stack([v[:, 0] * 2, v[:, 1] + v[:, 2] + v[:, 3]], 1)
    model = ms.Model(Fixed(), nn.CrossEntropyLoss(), metrics={"accuracy", "loss"})
    res = model.eval(ds.NumpySlicesDataset({"x": x, "y": y}, shuffle=False).batch(2))
    assert res["accuracy"] == pytest.approx(0.75)
    logits = np.stack([x[:, 0] * 2, x[:, 1] + x[:, 2] + x[:, 3]], 1)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    per_batch = [-(logp[i, y[i]] + logp[i + 1, y[i + 1]]) / 2 for i in (0, 2)]
    assert res["loss"] == pytest.approx(np.mean(per_batch), rel=1e-6)


def test_fit_alternates_train_and_eval(capsys):
    model, _ = _model(metrics={"accuracy"})
    hist = ms.train.History()
    model.fit(4, _data(), _data(), valid_frequency=2, callbacks=[hist])
    out = capsys.readouterr().out
    assert out.count("Eval result") == 2 and "epoch 2" in out and "epoch 4" in out
    assert len(hist.history["accuracy"]) == 2


def test_a_complete_training_cell_needs_no_optimizer_argument():
    model, net = _model()
    cell = nn.TrainOneStepCell(nn.WithLossCell(net, nn.CrossEntropyLoss()),
                               nn.Momentum(net.trainable_params(), 0.1, 0.9))
    hist = ms.train.History()
    ms.Model(cell).train(3, _data(), callbacks=[hist])
    assert hist.history["net_output"][-1] < hist.history["net_output"][0]


def test_predict_and_errors():
    model, net = _model()
    x = ms.Tensor(np.ones((3, 4), np.float32))
    np.testing.assert_allclose(model.predict(x).asnumpy(), net(x).asnumpy())
    with pytest.raises(ValueError, match="epoch"):
        model.train(0, _data())
    with pytest.raises(RuntimeError, match="optimizer"):
        ms.Model(net, nn.CrossEntropyLoss()).train(1, _data())
    with pytest.raises(ValueError, match="metrics"):
        model.eval(_data())


# ---- checkpoints that are never lost -------------------------------------------------------------------
def _fail_saves_after(monkeypatch, good: int) -> list:
    """Saves after the first `good` ones raise ENOSPC inside the writer (an injected full disk)."""
    import errno

    from mindlite.train import serialization as ser
    real, count = ser._write_entries, []

    def write(f, entries):
        count.append(1)
        if len(count) > good:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(f, entries)
    monkeypatch.setattr(ser, "_write_entries", write)
    return count


def _ckpt_files(directory):
    return sorted(f for f in os.listdir(directory) if f.endswith(".ckpt"))


def test_async_checkpoint_on_a_full_disk_keeps_good_files_and_raises(tmp_path, monkeypatch):
    model, _ = _model()
    _fail_saves_after(monkeypatch, good=3)
    cfg = ms.CheckpointConfig(save_checkpoint_steps=1, keep_checkpoint_max=2, async_save=True)
    ckpt = ms.ModelCheckpoint("net", str(tmp_path), cfg)
    with pytest.raises(OSError, match="No space left") as info:
        model.train(1, _data(), callbacks=ckpt)
    assert "net-1_4.ckpt" in str(info.value)  # the failed save, raised at the next save
    # before: rotation deleted the oldest file as each save started, leaving none at all
    assert _ckpt_files(tmp_path) == ["net-1_2.ckpt", "net-1_3.ckpt"]
    for name in _ckpt_files(tmp_path):
        ms.load_checkpoint(str(tmp_path / name), crc_check=True)
    assert ckpt.latest_ckpt_file_name.endswith("net-1_3.ckpt")


def test_last_failed_async_checkpoint_raises_at_the_end_of_train(tmp_path, monkeypatch):
    model, _ = _model()
    _fail_saves_after(monkeypatch, good=5)  # 6 steps: only the last save fails
    cfg = ms.CheckpointConfig(save_checkpoint_steps=1, keep_checkpoint_max=2, async_save=True)
    with pytest.raises(OSError, match="net-1_6.ckpt"):
        model.train(1, _data(), callbacks=ms.ModelCheckpoint("net", str(tmp_path), cfg))
    assert _ckpt_files(tmp_path) == ["net-1_4.ckpt", "net-1_5.ckpt"]


def test_train_end_raises_a_failed_async_save_of_any_callback(tmp_path, monkeypatch):
    class SaveAsync(Callback):
        def on_train_epoch_end(self, run_context):
            ms.save_checkpoint(run_context.original_args().train_network, str(tmp_path / "mine.ckpt"),
                               async_save=True)
    model, _ = _model()
    _fail_saves_after(monkeypatch, good=0)
    with pytest.raises(OSError, match="mine.ckpt"):
        model.train(1, _data(), callbacks=SaveAsync())
    ms.train.serialization.wait_async_save()  # raised once, by train


def test_sync_checkpoint_rotation_counts_only_written_files(tmp_path, monkeypatch):
    model, _ = _model()
    _fail_saves_after(monkeypatch, good=2)
    cfg = ms.CheckpointConfig(save_checkpoint_steps=1, keep_checkpoint_max=2)
    with pytest.raises(OSError, match="net-1_3.ckpt"):
        model.train(1, _data(), callbacks=ms.ModelCheckpoint("net", str(tmp_path), cfg))
    assert _ckpt_files(tmp_path) == ["net-1_1.ckpt", "net-1_2.ckpt"]


def _trained_checkpoint(tmp_path):
    model, net = _model()
    ckpt = ms.ModelCheckpoint("net", str(tmp_path), ms.CheckpointConfig(save_checkpoint_steps=3))
    model.train(1, _data(), callbacks=ckpt)
    return ckpt.latest_ckpt_file_name


def test_resume_refuses_a_damaged_file_and_changes_nothing(tmp_path):
    from mindlite.train.serialization import CheckpointError
    path = _trained_checkpoint(tmp_path)
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[len(data) // 2] ^= 0x10
    bad = str(tmp_path / "bad.ckpt")
    with open(bad, "wb") as f:
        f.write(bytes(data))
    model, net = _model(seed=1)
    before = {n: p.asnumpy().copy() for n, p in net.parameters_and_names()}
    with pytest.raises(CheckpointError, match="crc32"):
        model.resume(bad)
    params = {k: v for k, v in ms.load_checkpoint(path).items() if k != "mindlite_resume"}
    mindspore_style = str(tmp_path / "no_trailer.ckpt")  # no trailer: cannot be verified
    ms.save_checkpoint(params, mindspore_style)
    with open(mindspore_style, "rb") as f:
        raw = f.read()
    from mindlite.train import _ckpt_proto
    with open(mindspore_style, "wb") as f:
        f.write(raw[len(_ckpt_proto.MARK):-17])
    with pytest.raises(CheckpointError, match="no crc32 trailer"):
        model.resume(mindspore_style)
    for n, p in net.parameters_and_names():
        np.testing.assert_array_equal(p.asnumpy(), before[n], err_msg=n)


def test_resume_is_strict_and_never_loads_a_parameter_under_another_name(tmp_path):
    path = _trained_checkpoint(tmp_path)
    params = ms.load_checkpoint(path)
    params["0.weigxt"] = params.pop("0.weight")  # a damaged name; "moments.0.weight" still ends in it
    damaged = str(tmp_path / "damaged.ckpt")
    ms.save_checkpoint(params, damaged)  # a valid file: the crc cannot help here
    model, net = _model(seed=1)
    before = net[0].weight.asnumpy().copy()
    with pytest.raises(ValueError, match="'0.weight'"):
        model.resume(damaged)
    np.testing.assert_array_equal(net[0].weight.asnumpy(), before)
    # non-strict loading reports the parameter as not loaded instead of taking the momentum
    not_loaded, _ = ms.load_param_into_net(net, {k: v for k, v in params.items() if not isinstance(v, str)})
    assert not_loaded == ["0.weight"]
    np.testing.assert_array_equal(net[0].weight.asnumpy(), before)
