"""mindlite.dataset pipeline semantics: sources, samplers, every operation, iterators, introspection."""
import math

import numpy as np
import pytest

import mindlite.dataset as ds
from mindlite.dataset import config

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def _dataset_config():
    seed, prefetch, workers = config.get_seed(), config.get_prefetch_size(), config.get_num_parallel_workers()
    config.set_seed(1234)
    yield
    config.set_seed(seed)
    config.set_prefetch_size(prefetch)
    config.set_num_parallel_workers(workers)


def rows(dataset):
    it = dataset.create_tuple_iterator(output_numpy=True, num_epochs=1)
    return [tuple(np.asarray(v).tolist() for v in r) for r in it]


def col(dataset, i=0):
    return [r[i] for r in rows(dataset)]


def epochs(dataset, n):
    it = dataset.create_tuple_iterator(num_epochs=n, output_numpy=True)
    return [[int(r[0].flat[0]) for r in it] for _ in range(n)]


class Indexable:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, 10 * i]), float(i) / 2


# ---------------------------------------------------------------- sources
def test_generator_random_access_rows_are_tuples_of_arrays():
    data = ds.GeneratorDataset(Indexable(4), ["a", "b"], shuffle=False)
    out = list(data.create_tuple_iterator(output_numpy=True))
    assert len(out) == 4 and isinstance(out[0], list)
    assert out[2][0].tolist() == [2, 20] and out[2][1].shape == () and out[2][1].dtype == np.float64
    assert data.get_dataset_size() == 4 and data.get_col_names() == ["a", "b"]


def test_generator_function_and_iterable_sources():
    def gen():
        for i in range(5):
            yield (np.array(i),)

    class It:
        def __iter__(self):
            return iter(range(3))

    assert col(ds.GeneratorDataset(gen, "x")) == [0, 1, 2, 3, 4]
    assert col(ds.GeneratorDataset(It(), ["x"])) == [0, 1, 2]
    assert ds.GeneratorDataset(gen, ["x"]).get_dataset_size() == 5  # counted by iterating once
    assert col(ds.GeneratorDataset(gen, ["x"], num_samples=2)) == [0, 1]
    shuffled = col(ds.GeneratorDataset(gen, ["x"], shuffle=True))
    assert sorted(shuffled) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="random-access"):
        ds.GeneratorDataset(gen, ["x"], num_shards=2, shard_id=0)


def test_generator_column_checks_and_types():
    with pytest.raises(ValueError, match="2 column"):
        list(ds.GeneratorDataset(Indexable(3), ["only"], shuffle=False))
    with pytest.raises(ValueError, match="column_names"):
        ds.GeneratorDataset(Indexable(3))
    data = ds.GeneratorDataset(Indexable(3), ["a", "b"], column_types=[np.int32, np.float32], shuffle=False)
    assert data.output_types() == [np.int32, np.float32]
    with pytest.raises(RuntimeError, match="sampler and shuffle"):
        ds.GeneratorDataset(Indexable(3), ["a", "b"], shuffle=True, sampler=ds.SequentialSampler())


def test_numpy_slices_forms():
    d = ds.NumpySlicesDataset({"x": np.arange(3), "y": np.arange(3) * 2}, shuffle=False)
    assert d.get_col_names() == ["x", "y"] and rows(d) == [(0, 0), (1, 2), (2, 4)]
    d = ds.NumpySlicesDataset(([1, 2], [3, 4]), shuffle=False)
    assert d.get_col_names() == ["column_0", "column_1"] and rows(d) == [(1, 3), (2, 4)]
    d = ds.NumpySlicesDataset([[1, 2], [3, 4]], column_names=["v"], shuffle=False)
    assert rows(d) == [([1, 2],), ([3, 4],)]
    d = ds.NumpySlicesDataset(np.arange(12).reshape(3, 4), shuffle=False)
    assert d.output_shapes() == [[4]] and d.get_dataset_size() == 3
    with pytest.raises(ValueError, match="different lengths"):
        ds.NumpySlicesDataset((np.arange(3), np.arange(4)))


# ---------------------------------------------------------------- samplers and shuffling
@pytest.mark.parametrize("seed", [0, 7, 2024])
def test_global_shuffle_is_a_new_permutation_each_epoch_and_reproducible(seed):
    config.set_seed(seed)
    first = epochs(ds.GeneratorDataset(Indexable(50), ["a", "b"]), 4)
    for order in first:
        assert sorted(order) == list(range(50))
    assert len({tuple(o) for o in first}) == 4
    config.set_seed(seed)
    assert epochs(ds.GeneratorDataset(Indexable(50), ["a", "b"]), 4) == first
    config.set_seed(seed + 1)
    assert epochs(ds.GeneratorDataset(Indexable(50), ["a", "b"]), 4) != first


def test_fresh_iterators_continue_with_new_epochs_and_reset_restarts():
    data = ds.NumpySlicesDataset(np.arange(20))
    a, b = col(data), col(data)
    assert sorted(a) == sorted(b) == list(range(20)) and a != b
    data.reset()
    assert col(data) == a


@pytest.mark.parametrize("n,shards", [(20, 4), (23, 4), (7, 3), (5, 8)])
def test_shards_are_disjoint_and_cover_every_epoch(n, shards):
    per_shard = math.ceil(n / shards)
    for seed in (1, 99):
        config.set_seed(seed)
        orders = [epochs(ds.NumpySlicesDataset(np.arange(n), num_shards=shards, shard_id=s), 3)
                  for s in range(shards)]
        for e in range(3):
            parts = [orders[s][e] for s in range(shards)]
            assert all(len(p) == per_shard for p in parts)
            flat = [i for p in parts for i in p]
            assert set(flat) == set(range(n))
            # only the wrap-around padding repeats rows: n distinct rows plus the padding
            assert len(flat) - len(set(flat)) == per_shard * shards - n
        assert orders[0][0] != orders[0][1]


def test_distributed_sampler_interleaves_one_permutation():
    n, shards = 10, 3
    perm = ds.RandomSampler().get_indices(n, epoch=2, seed=5)
    for s in range(shards):
        idx = ds.DistributedSampler(shards, s).get_indices(n, epoch=2, seed=5)
        assert idx.tolist() == [perm[(s + shards * k) % n] for k in range(4)]
    idx = ds.DistributedSampler(2, 1, shuffle=False).get_indices(5)
    assert idx.tolist() == [1, 3, 0]
    with pytest.raises(RuntimeError):
        ds.DistributedSampler(2, 2)


def test_samplers():
    assert ds.SequentialSampler(2, 3).get_indices(10).tolist() == [2, 3, 4]
    assert ds.SequentialSampler().get_num_samples(5) == 5
    r = ds.RandomSampler(num_samples=4).get_indices(10, 0, 1)
    assert len(set(r.tolist())) == 4
    assert len(ds.RandomSampler(replacement=True, num_samples=30).get_indices(5)) == 30
    sub = ds.SubsetRandomSampler([1, 5, 7])
    assert sorted(sub.get_indices(10, 0, 3).tolist()) == [1, 5, 7]
    assert ds.SubsetSampler([4, 2]).get_indices(10).tolist() == [4, 2]
    w = ds.WeightedRandomSampler([0, 1, 0], num_samples=5).get_indices(3)
    assert w.tolist() == [1] * 5
    parent = ds.SequentialSampler(num_samples=2)
    parent.add_child(ds.SubsetSampler([9, 8, 7]))
    assert parent.get_indices(10).tolist() == [9, 8]
    data = ds.GeneratorDataset(Indexable(10), ["a", "b"], sampler=[3, 1])
    assert col(data, 1) == [1.5, 0.5]

    class Evens(ds.Sampler):
        def __iter__(self):
            return iter(range(0, self.dataset_size, 2))
    assert col(ds.NumpySlicesDataset(np.arange(7), sampler=Evens())) == [0, 2, 4, 6]


def test_num_samples_with_shuffle():
    data = ds.NumpySlicesDataset(np.arange(30), num_samples=5)
    out = col(data)
    assert len(out) == 5 and len(set(out)) == 5 and data.get_dataset_size() == 5


def test_shuffle_buffer():
    data = ds.NumpySlicesDataset(np.arange(100), shuffle=False).shuffle(4)
    it = data.create_tuple_iterator(num_epochs=2, output_numpy=True)
    e0, e1 = ([int(r[0]) for r in it] for _ in range(2))
    assert sorted(e0) == sorted(e1) == list(range(100)) and e0 != e1
    for pos, value in enumerate(e0):  # a buffer of 4 can only move rows so far ahead
        assert value <= pos + 4
    full = col(ds.NumpySlicesDataset(np.arange(10), shuffle=False).shuffle(100))
    assert sorted(full) == list(range(10)) and full != list(range(10))
    with pytest.raises(ValueError):
        ds.NumpySlicesDataset(np.arange(3)).shuffle(1)


# ---------------------------------------------------------------- map
def test_map_single_and_chained_operations():
    data = ds.NumpySlicesDataset({"x": np.arange(4), "y": np.arange(4) * 10}, shuffle=False)
    assert rows(data.map(lambda x: x + 1)) == [(1, 0), (2, 10), (3, 20), (4, 30)]
    assert col(data.map([lambda y: y + 1, lambda y: y * 2], input_columns="y"), 1) == [2, 22, 42, 62]
    two = data.map(lambda x, y: (x + y, x - y), input_columns=["x", "y"], output_columns=["s", "d"])
    assert two.get_col_names() == ["s", "d"] and rows(two)[1] == (11, -9)


def test_map_output_column_layout():
    data = ds.NumpySlicesDataset({"a": [1, 2], "b": [3, 4], "c": [5, 6]}, shuffle=False)
    same = data.map(lambda b: b * 2, input_columns="b", output_columns="B")
    assert same.get_col_names() == ["a", "B", "c"] and rows(same)[0] == (1, 6, 5)
    more = data.map(lambda b: (b, -b), input_columns="b", output_columns=["p", "q"])
    assert more.get_col_names() == ["p", "q", "a", "c"] and rows(more)[0] == (3, -3, 1, 5)
    fewer = data.map(lambda a, c: a + c, input_columns=["a", "c"], output_columns="s")
    assert fewer.get_col_names() == ["s", "b"] and rows(fewer)[1] == (8, 4)
    with pytest.warns(DeprecationWarning):
        ordered = data.map(lambda a: a, input_columns="a", column_order=["c", "a"])
    assert ordered.get_col_names() == ["c", "a"]
    with pytest.raises(ValueError, match="not found"):
        data.map(lambda z: z, input_columns="z")
    with pytest.raises(ValueError, match="returned 2"):
        list(data.map(lambda a: (a, a), input_columns="a"))


# ---------------------------------------------------------------- batch
def test_batch_stacks_and_drops():
    data = ds.NumpySlicesDataset({"x": np.arange(10).reshape(5, 2), "y": np.arange(5)}, shuffle=False)
    batches = list(data.batch(2).create_tuple_iterator(output_numpy=True))
    assert [b[0].shape for b in batches] == [(2, 2), (2, 2), (1, 2)] and batches[2][1].tolist() == [4]
    assert data.batch(2).get_dataset_size() == 3 and data.batch(2, True).get_dataset_size() == 2
    assert len(list(data.batch(2, drop_remainder=True))) == 2
    assert data.batch(3).get_batch_size() == 3 and data.get_batch_size() == 1


def test_batch_shape_mismatch_names_the_column():
    data = ds.GeneratorDataset([(np.zeros(2),), (np.zeros(3),)], ["seq"], shuffle=False)
    with pytest.raises(ValueError, match="'seq'"):
        list(data.batch(2))


def test_per_batch_map_and_callable_batch_size():
    data = ds.NumpySlicesDataset({"x": np.arange(6), "y": np.ones(6)}, shuffle=False)
    seen = []

    def pbm(xs, info):
        seen.append((info.get_batch_num(), info.get_epoch_num()))
        return ([x * 10 for x in xs],)

    out = data.batch(3, per_batch_map=pbm, input_columns=["x"])
    assert rows(out) == [([0, 10, 20], [1.0] * 3), ([30, 40, 50], [1.0] * 3)]
    assert seen == [(0, 0), (1, 0)]
    grow = data.batch(lambda info: info.get_batch_num() + 1)
    assert [len(r[0]) for r in rows(grow)] == [1, 2, 3]
    # MindSpore's documented examples
    docs = ds.GeneratorDataset([i for i in range(3)], "column1", shuffle=False)
    assert rows(docs.batch(lambda info: info.get_batch_num() + 1)) == [([0],), ([1, 2],)]
    per_epoch = ds.GeneratorDataset(list(range(4)), "column1", shuffle=False)
    per_epoch = per_epoch.batch(lambda info: info.get_epoch_num() + 1)
    it = per_epoch.create_tuple_iterator(num_epochs=2, output_numpy=True)
    assert [len(r[0]) for _ in range(2) for r in it] == [1, 1, 1, 1, 2, 2]
    renamed = data.batch(2, per_batch_map=lambda x, y, info: (x, y, [a + b for a, b in zip(x, y)]),
                         input_columns=["x", "y"], output_columns=["x", "y", "s"])
    assert renamed.get_col_names() == ["x", "y", "s"] and rows(renamed)[0][2] == [1.0, 2.0]


def test_padded_batch():
    seqs = [(np.arange(n), np.full(n % 2 + 1, 7)) for n in (1, 3, 2)]
    data = ds.GeneratorDataset(seqs, ["ids", "other"], shuffle=False)
    out = rows(data.padded_batch(3, pad_info={"ids": (None, -1)}))
    assert out[0][0] == [[0, -1, -1], [0, 1, 2], [0, 1, -1]]
    assert out[0][1] == [[7, 7], [7, 7], [7, 0]]  # unlisted columns: padded with 0 to the longest
    fixed = rows(data.padded_batch(2, pad_info={"ids": ([4], 9)}))
    assert fixed[0][0] == [[0, 9, 9, 9], [0, 1, 2, 9]]
    with pytest.raises(ValueError, match="larger"):
        list(data.padded_batch(3, pad_info={"ids": ([2], 0)}))


# ---------------------------------------------------------------- structural ops
def test_repeat_take_skip():
    data = ds.NumpySlicesDataset(np.arange(4), shuffle=False)
    assert col(data.repeat(3)) == [0, 1, 2, 3] * 3 and data.repeat(3).get_dataset_size() == 12
    assert col(data.repeat().take(10)) == [0, 1, 2, 3] * 2 + [0, 1]
    assert data.repeat().get_dataset_size() == -1 and data.repeat(2).get_repeat_count() == 2
    assert col(data.take(2)) == [0, 1] and col(data.skip(3)) == [3] and col(data.skip(9)) == []
    assert data.take(2).get_dataset_size() == 2 and data.skip(1).get_dataset_size() == 3
    shuffled = col(ds.NumpySlicesDataset(np.arange(6)).repeat(2))
    assert sorted(shuffled[:6]) == sorted(shuffled[6:]) == list(range(6)) and shuffled[:6] != shuffled[6:]
    assert col(ds.GeneratorDataset(lambda: iter(()), ["x"]).repeat()) == []


def test_project_rename_zip_concat():
    a = ds.NumpySlicesDataset({"x": [1, 2, 3], "y": [4, 5, 6]}, shuffle=False)
    assert rows(a.project(["y", "x"])) == [(4, 1), (5, 2), (6, 3)]
    r = a.rename(["x"], ["z"])
    assert r.get_col_names() == ["z", "y"]
    b = ds.NumpySlicesDataset({"w": [7, 8]}, shuffle=False)
    z = ds.zip((a, b))
    assert z.get_col_names() == ["x", "y", "w"] and rows(z) == [(1, 4, 7), (2, 5, 8)]
    assert a.zip(b).get_dataset_size() == 2
    with pytest.raises(ValueError, match="duplicate"):
        a.zip(a)
    c = a + a.take(1)
    assert col(c) == [1, 2, 3, 1] and c.get_dataset_size() == 4
    assert col(a.concat([a, a])) == [1, 2, 3] * 3
    with pytest.raises(ValueError, match="differ"):
        a + b


def test_filter():
    data = ds.NumpySlicesDataset(np.arange(10), column_names=["x"], shuffle=False)
    assert col(data.filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    assert data.filter(lambda x: x > 6, num_parallel_workers=3).get_dataset_size() == 3


def test_split():
    data = ds.NumpySlicesDataset(np.arange(10), shuffle=False)
    a, b = data.split([0.7, 0.3], randomize=False)
    assert col(a) == list(range(7)) and col(b) == [7, 8, 9]
    x, y, z = ds.NumpySlicesDataset(np.arange(10)).split([5, 3, 2])
    parts = [col(x), col(y), col(z)]
    assert [len(p) for p in parts] == [5, 3, 2] and sorted(parts[0] + parts[1] + parts[2]) == list(range(10))
    assert parts[0] != list(range(5))
    assert sorted(col(x)) == sorted(parts[0])  # the same rows, reshuffled per epoch
    with pytest.raises(RuntimeError):
        data.split([4, 4])
    _, v = data.map(lambda x: x).split([0.5, 0.5], randomize=False)
    assert col(v) == [5, 6, 7, 8, 9]
    with pytest.raises(RuntimeError, match="random-access"):
        data.map(lambda x: x).split([5, 5])


# ---------------------------------------------------------------- iterators and introspection
def test_iterators_and_tensor_output():
    import mindlite as ms
    data = ds.NumpySlicesDataset({"x": np.arange(3, dtype=np.float32), "y": np.arange(3)}, shuffle=False)
    first = next(iter(data))
    assert isinstance(first, list) and isinstance(first[0], ms.Tensor) and first[0].asnumpy() == 0
    d = next(data.create_dict_iterator(num_epochs=1))
    assert set(d) == {"x", "y"} and isinstance(d["y"], ms.Tensor)
    only_y = next(data.create_tuple_iterator(columns=["y"], output_numpy=True))
    assert len(only_y) == 1 and isinstance(only_y[0], np.ndarray)
    strings = ds.NumpySlicesDataset(np.array(["a", "bc"]), shuffle=False)
    assert next(iter(strings))[0] == "a"  # strings stay numpy


def test_num_epochs_iterator_is_reusable_and_stops():
    data = ds.NumpySlicesDataset(np.arange(3), shuffle=False)
    it = data.create_tuple_iterator(num_epochs=2, output_numpy=True)
    assert [len(list(it)) for _ in range(3)] == [3, 3, 0]


def test_output_shapes_types_and_sizes():
    data = ds.NumpySlicesDataset({"img": np.zeros((5, 4, 4, 3), np.uint8), "label": np.arange(5)}, shuffle=False)
    data = data.map(lambda img: img.astype(np.float32).transpose(2, 0, 1), input_columns="img").batch(2)
    assert data.output_shapes() == [[2, 3, 4, 4], [2]]
    assert data.output_types() == [np.float32, np.int64]
    assert data.get_dataset_size() == 3


def test_config_values_and_validation():
    config.set_prefetch_size(3)
    config.set_num_parallel_workers(2)
    assert config.get_prefetch_size() == 3 and config.get_num_parallel_workers() == 2
    config.set_seed(42)
    assert config.get_seed() == 42
    with pytest.raises(ValueError):
        config.set_seed(-1)
    with pytest.raises(TypeError):
        config.set_prefetch_size(1.5)
