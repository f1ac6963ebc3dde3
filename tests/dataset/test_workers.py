"""mindlite.dataset execution: determinism across workers, error propagation, stopped/dead workers,
shutdown, bounded prefetch. No test depends on timing or order (CI also runs them shuffled)."""
import _thread
import contextlib
import gc
import logging
import os
import pickle
import signal
import threading
import time
from multiprocessing import resource_tracker

import numpy as np
import pytest

import mindlite.dataset as ds
from mindlite.dataset import config
from mindlite.dataset.engine import random_state
from mindlite.dataset.engine.shm import SHM_PREFIX

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def _dataset_config():
    seed, prefetch = config.get_seed(), config.get_prefetch_size()
    timeout = config.get_multiprocessing_timeout_interval()
    # shared memory starts multiprocessing's resource tracker (a child process) on first use;
    # start it now, so that every test's "children before" already holds it
    resource_tracker.ensure_running()
    config.set_seed(77)
    yield
    config.set_seed(seed)
    config.set_prefetch_size(prefetch)
    config.set_multiprocessing_timeout_interval(timeout)


def child_pids():
    me, out = str(os.getpid()), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me and fields[0] != "Z":
                out.append(int(entry))
    return sorted(out)


def our_segments():
    return sorted(n for n in os.listdir("/dev/shm") if n.startswith(SHM_PREFIX))


def wait_clean(children_before, polls=1500):
    """Poll until the children and segments are gone (garbage collection and process exit are
    asynchronous); the bound only turns a leak into a failure instead of a hang."""
    for _ in range(polls):
        if child_pids() == children_before and not our_segments():
            return
        time.sleep(0.02)
    assert child_pids() == children_before, "leftover worker processes"
    assert our_segments() == [], "leaked shared-memory segments"


# ---------------------------------------------------------------- determinism
def jitter(img):
    rng = random_state()
    if rng.random() < 0.5:
        img = img[:, ::-1]
    return (img + rng.integers(0, 50, size=img.shape)).astype(np.uint8)


def noisy_label(label):
    return label * 100 + random_state().integers(0, 100)


class Images:
    def __len__(self):
        return 24

    def __getitem__(self, i):
        img = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3) + i
        return img, np.int64(i)


def pipeline(workers, processes):
    data = ds.GeneratorDataset(Images(), ["image", "label"], num_parallel_workers=workers,
                               python_multiprocessing=processes)
    data = data.map([jitter], input_columns="image", num_parallel_workers=workers, python_multiprocessing=processes)
    data = data.map(noisy_label, input_columns="label", num_parallel_workers=workers,
                    python_multiprocessing=processes)
    data = data.batch(5, num_parallel_workers=workers, python_multiprocessing=processes)
    it = data.create_tuple_iterator(num_epochs=2, output_numpy=True)
    return [[(b[0].copy(), b[1].copy()) for b in it] for _ in range(2)]


def test_same_output_with_1_thread_4_threads_and_2_processes():
    base = pipeline(1, False)
    assert len(base[0]) == 5 and base[0][0][0].shape == (5, 4, 5, 3)
    labels = [np.concatenate([b[1] for b in e]) // 100 for e in base]
    assert sorted(labels[0]) == list(range(24)) and list(labels[0]) != list(labels[1])
    for workers, processes in ((4, False), (2, True)):
        other = pipeline(workers, processes)
        for e in range(2):
            for (img_a, lab_a), (img_b, lab_b) in zip(base[e], other[e]):
                np.testing.assert_array_equal(img_a, img_b)
                np.testing.assert_array_equal(lab_a, lab_b)


def test_random_state_differs_by_row_and_epoch_and_follows_seed():
    data = ds.NumpySlicesDataset(np.zeros(8), shuffle=False).map(lambda x: x + random_state().random())
    it = data.create_tuple_iterator(num_epochs=2, output_numpy=True)
    e0, e1 = ([float(r[0]) for r in it] for _ in range(2))
    assert len(set(e0)) == 8 and e0 != e1
    config.set_seed(78)
    assert [float(r[0]) for r in data.create_tuple_iterator(num_epochs=1, output_numpy=True)] != e0
    config.set_seed(5)
    a = random_state().random()
    config.set_seed(5)
    assert random_state().random() == a  # outside a pipeline: the global generator, re-seeded


# ---------------------------------------------------------------- errors
def fails_on_7(x):
    if int(x) == 7:
        raise ValueError("cannot handle seven")
    return x


@pytest.mark.parametrize("processes", [False, True])
def test_map_error_is_raised_with_row_index_at_that_row(processes):
    before = child_pids()
    # endless: the error must come at row 7 itself, not at some end of the data
    data = ds.NumpySlicesDataset(np.arange(40), column_names=["x"], shuffle=False).repeat()
    data = data.map(fails_on_7, num_parallel_workers=2, python_multiprocessing=processes)
    received = []
    with pytest.raises(ValueError, match="cannot handle seven") as info:
        for row in data.create_tuple_iterator(output_numpy=True):
            received.append(int(row[0]))
    assert received == list(range(7))  # rows come in order, up to the failing one
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "row 7" in notes and "fails_on_7" in notes
    if processes:
        assert "worker process" in notes and "raise ValueError" in notes  # the worker's traceback text
    del info
    wait_clean(before)


class BrokenSource:
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 3:
            raise OSError("corrupt file img_3.jpg")
        return np.array(i)


@pytest.mark.parametrize("workers,processes", [(1, False), (3, False), (2, True)])
def test_source_error_names_the_index(workers, processes):
    before = child_pids()
    data = ds.GeneratorDataset(BrokenSource(), ["x"], shuffle=False, num_parallel_workers=workers,
                               python_multiprocessing=processes)
    with pytest.raises(OSError, match="img_3.jpg") as info:
        list(data)
    assert "row 3" in "\n".join(info.value.__notes__)
    del info
    wait_clean(before)


def test_iterable_source_error():
    def gen():
        yield np.array(0)
        raise KeyError("bad record")

    with pytest.raises(KeyError) as info:
        list(ds.GeneratorDataset(gen, ["x"]))
    assert "row 1" in "\n".join(info.value.__notes__)


def test_unpicklable_worker_output_raises_instead_of_hanging():
    before = child_pids()
    data = ds.NumpySlicesDataset(np.arange(4), shuffle=False)
    data = data.map(lambda x: np.array([lambda: None], dtype=object), num_parallel_workers=2,
                    python_multiprocessing=True)
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)) as info:
        list(data)
    assert "row 0" in "\n".join(info.value.__notes__)
    del info
    wait_clean(before)


def test_killed_worker_is_reported():
    before = child_pids()

    def slow(x):
        time.sleep(0.05)
        return x

    data = ds.NumpySlicesDataset(np.arange(1000), shuffle=False).map(slow, num_parallel_workers=2,
                                                                      python_multiprocessing=True)
    it = data.create_tuple_iterator(output_numpy=True)
    next(it)
    victim = next(p for p in child_pids() if p not in before)
    os.kill(victim, signal.SIGKILL)
    with pytest.raises(RuntimeError, match=f"worker process {victim} .*exited unexpectedly .*row"):
        for _ in it:
            pass
    del it
    wait_clean(before)


def slow_rows(x):
    time.sleep(0.05)
    return x


def test_stopped_worker_raises_naming_the_worker_and_row_instead_of_hanging():
    config.set_multiprocessing_timeout_interval(1)
    before = child_pids()
    data = ds.NumpySlicesDataset(np.arange(10 ** 5), shuffle=False).map(slow_rows, num_parallel_workers=2,
                                                                        python_multiprocessing=True)
    it = data.create_tuple_iterator(output_numpy=True)
    next(it)
    victim = next(p for p in child_pids() if p not in before)
    os.kill(victim, signal.SIGSTOP)  # alive but frozen: used to hang the pipeline forever
    try:
        with pytest.raises(RuntimeError, match=f"worker process {victim} .*no sign of life") as info:
            for _ in it:  # endless for practical purposes: only the error ends this loop
                pass
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGCONT)
    msg = str(info.value)
    assert "waiting for row" in msg and "set_multiprocessing_timeout_interval" in msg
    del info, it
    wait_clean(before)


def sleeps_on_row_3(x):
    if int(x) == 3:
        time.sleep(2.5)  # releases the GIL: the heartbeat goes on
    return x


def test_busy_worker_is_not_taken_for_a_stopped_one_and_is_reported(caplog):
    config.set_multiprocessing_timeout_interval(1)
    data = ds.NumpySlicesDataset(np.arange(6), shuffle=False).map(sleeps_on_row_3, num_parallel_workers=2,
                                                                   python_multiprocessing=True)
    with caplog.at_level(logging.WARNING, logger="mindlite"):
        out = [int(r[0]) for r in data.create_tuple_iterator(output_numpy=True, num_epochs=1)]
    assert out == list(range(6))
    assert "for row 3 from worker processes that are alive" in caplog.text  # MindSpore's periodic warning


def test_multiprocessing_timeout_interval_setting():
    config.set_multiprocessing_timeout_interval(7)
    assert config.get_multiprocessing_timeout_interval() == 7 and ds.config.get_multiprocessing_timeout_interval() == 7
    for bad, error in (("5", TypeError), (2.5, TypeError), (True, TypeError), (0, ValueError), (-3, ValueError),
                       (2 ** 31, ValueError)):
        with pytest.raises(error, match="interval"):
            config.set_multiprocessing_timeout_interval(bad)
    assert config.get_multiprocessing_timeout_interval() == 7


# ---------------------------------------------------------------- shutdown
def process_pipeline(n=10_000):
    data = ds.GeneratorDataset(Images(), ["image", "label"], num_parallel_workers=2, python_multiprocessing=True)
    data = data.repeat(n // 24 + 1)
    return data.map(jitter, input_columns="image", num_parallel_workers=2, python_multiprocessing=True)


def test_early_break_stops_workers_and_frees_shared_memory():
    before = child_pids()
    for k, _ in enumerate(process_pipeline()):
        if k == 0:
            assert len(child_pids()) == len(before) + 4 and our_segments()
        if k == 20:
            break
    gc.collect()
    wait_clean(before)


def test_garbage_collected_iterator_stops_workers():
    before = child_pids()
    it = process_pipeline().create_dict_iterator(output_numpy=True)
    next(it)
    del it
    gc.collect()
    wait_clean(before)


def test_ctrl_c_while_waiting_stops_everything():
    before = child_pids()
    data = ds.NumpySlicesDataset(np.arange(10 ** 5)).map(slow_rows, num_parallel_workers=2,
                                                        python_multiprocessing=True)
    it = data.create_tuple_iterator(output_numpy=True)
    first_row = threading.Event()

    def interrupt():  # Ctrl-C once the loop is running, whatever the machine's load
        if first_row.wait(30):
            _thread.interrupt_main()

    gc.collect()
    gc.disable()  # a finalizer of an earlier test's garbage running in this thread would swallow the interrupt
    try:
        threading.Thread(target=interrupt, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            for _ in it:  # endless for practical purposes: only the interrupt ends this loop
                first_row.set()
    finally:
        gc.enable()
    assert it._closed
    wait_clean(before)


def test_thread_pipeline_close_stops_the_pipeline_thread():
    data = ds.NumpySlicesDataset(np.arange(10 ** 6)).map(lambda x: x, num_parallel_workers=4)
    it = data.create_tuple_iterator(output_numpy=True)
    next(it)
    it.close()
    it._thread.join(timeout=30)  # without close() it would run on through 10**6 rows
    assert not it._thread.is_alive()


# ---------------------------------------------------------------- memory and transport
def test_endless_repeat_runs_ahead_only_by_the_prefetch_size():
    config.set_prefetch_size(4)
    pulled = [0]

    def counting():
        for i in range(10 ** 9):
            pulled[0] += 1
            yield (np.array(i),)

    data = ds.GeneratorDataset(counting, ["x"]).repeat().map(lambda x: x, num_parallel_workers=3)
    it = data.create_tuple_iterator(output_numpy=True)
    for _ in range(10):
        next(it)
    time.sleep(0.3)
    window = max(4, 2 * 3)  # the thread pool's in-flight items
    assert pulled[0] <= 10 + 4 + window + 2
    it.close()


def test_large_rows_and_strings_cross_processes():
    before = child_pids()
    big = np.arange(3 * 2 ** 18, dtype=np.float64).reshape(3, -1)  # 2 MiB per row: the slots must grow
    data = ds.NumpySlicesDataset({"big": big, "name": np.array(["a", "bb", "ccc"])}, shuffle=False)
    data = data.map(lambda b, n: (b * 2, np.array(str(n) + "!")), input_columns=["big", "name"],
                    num_parallel_workers=2, python_multiprocessing=True)
    out = list(data.create_tuple_iterator(output_numpy=True, num_epochs=1))
    for i, (b, n) in enumerate(out):
        np.testing.assert_array_equal(b, big[i] * 2)
        assert str(n) == "abc"[i] * (i + 1) + "!"
    del out
    wait_clean(before)


def test_per_batch_map_in_processes():
    def pbm(xs, info):
        return ([x + 1000 * info.get_batch_num() for x in xs],)

    data = ds.NumpySlicesDataset(np.arange(9), column_names=["x"], shuffle=False)
    data = data.batch(3, per_batch_map=pbm, input_columns=["x"], num_parallel_workers=2,
                      python_multiprocessing=True)
    out = [b[0].tolist() for b in data.create_tuple_iterator(output_numpy=True, num_epochs=1)]
    assert out == [[0, 1, 2], [1003, 1004, 1005], [2006, 2007, 2008]]


def test_random_streams_do_not_change_when_operations_are_added_on_top():
    data = ds.NumpySlicesDataset(np.zeros(6), shuffle=False).map(lambda x: x + random_state().random())
    plain = [float(r[0]) for r in data.create_tuple_iterator(num_epochs=1, output_numpy=True)]
    batched = next(data.batch(6).create_tuple_iterator(num_epochs=1, output_numpy=True))[0]
    assert batched.tolist() == plain


def test_full_dev_shm_falls_back_to_pickling(monkeypatch):
    from mindlite.dataset.engine import shm
    monkeypatch.setattr(shm, "shm_free_bytes", lambda: 0)
    before = child_pids()
    big = np.ones((4, 100_000), np.float32)  # 400 kB rows: larger than the 64 KiB slots, which cannot grow
    data = ds.NumpySlicesDataset(big, shuffle=False).map(lambda x: x * 3, num_parallel_workers=2,
                                                         python_multiprocessing=True)
    out = [r[0] for r in data.create_tuple_iterator(output_numpy=True, num_epochs=1)]
    assert len(out) == 4 and all((o == 3).all() for o in out)
    del out
    wait_clean(before)


def test_legacy_np_random_differs_between_worker_processes():
    data = ds.NumpySlicesDataset(np.zeros(8), shuffle=False).map(lambda x: x + np.random.random(),
                                                                  num_parallel_workers=2, python_multiprocessing=True)
    first = [float(r[0]) for r in data.create_tuple_iterator(num_epochs=1, output_numpy=True)]
    assert len(set(first)) == 8
    data.reset()
    assert [float(r[0]) for r in data.create_tuple_iterator(num_epochs=1, output_numpy=True)] == first
