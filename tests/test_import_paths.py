"""MindSpore's module layout: every import path MindSpore code uses reaches the one mindlite
definition (the same object, never a copy), and a program written with the legacy P/F/C
spellings trains the same in PYNATIVE and GRAPH mode.
"""
import importlib

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops

# (module path, attribute, the canonical object it must be)
PATHS = [
    ("mindlite.common.tensor", "Tensor", ms.Tensor),
    ("mindlite.common.parameter", "Parameter", ms.Parameter),
    ("mindlite.common.parameter", "ParameterTuple", ms.ParameterTuple),
    ("mindlite.common.api", "jit", ms.jit),
    ("mindlite.common.api", "ms_function", ms.ms_function),
    ("mindlite.common.api", "jit_class", ms.jit_class),
    ("mindlite.common.dtype", "float32", ms.float32),
    ("mindlite.common.seed", "set_seed", ms.set_seed),
    ("mindlite.common", "set_seed", ms.set_seed),
    ("mindlite.common.initializer", "initializer", ms.common.initializer.initializer),
    ("mindlite.context", "set_context", ms.set_context),
    ("mindlite.context", "GRAPH_MODE", ms.GRAPH_MODE),
    ("mindlite.context", "ParallelMode", ms.ParallelMode),
    ("mindlite.ops.operations", "ReLU", ops.ReLU),
    ("mindlite.ops.operations.array_ops", "Reshape", ops.Reshape),
    ("mindlite.ops.operations.math_ops", "MatMul", ops.MatMul),
    ("mindlite.ops.operations.nn_ops", "Conv2D", ops.Conv2D),
    ("mindlite.ops.operations.random_ops", "UniformReal", ops.UniformReal),
    ("mindlite.ops.operations.other_ops", "Assign", ops.Assign),
    ("mindlite.ops.operations.debug_ops", "Print", ops.Print),
    ("mindlite.ops.functional", "relu", ops.relu),
    ("mindlite.ops.function", "relu", ops.relu),
    ("mindlite.ops.function.math_func", "add", ops.add),
    ("mindlite.ops.function.array_func", "unstack", ops.unstack),
    ("mindlite.ops.function.nn_func", "conv2d", ops.conv2d),
    ("mindlite.ops.function.random_func", "uniform", ops.uniform),
    ("mindlite.ops.function.parameter_func", "assign", ops.assign),
    ("mindlite.ops", "range", ops.function.range),
    ("mindlite.train.amp", "auto_mixed_precision",
     ms.amp.auto_mixed_precision),
    ("mindlite.ops.composite", "GradOperation", ops.GradOperation),
    ("mindlite.ops.primitive", "Primitive", ops.Primitive),
    ("mindlite.ops.primitive", "constexpr", ops.constexpr),
    ("mindlite.ops.primitive", "prim_attr_register", ops.prim_attr_register),
    ("mindlite.train.serialization", "save_checkpoint", ms.save_checkpoint),
    ("mindlite.train.serialization", "load_param_into_net", ms.load_param_into_net),
    ("mindlite.train.callback", "LossMonitor", ms.LossMonitor),
    ("mindlite.train.model", "Model", ms.Model),
    ("mindlite.train.model", "ParallelMode", ms.ParallelMode),
    ("mindlite.train", "ParallelMode", ms.ParallelMode),
    ("mindlite.train.metrics", "Accuracy", nn.Accuracy),
    ("mindlite.train.loss_scale_manager", "FixedLossScaleManager", ms.FixedLossScaleManager),
    ("mindlite.train.amp", "build_train_network", ms.amp.build_train_network),
    ("mindlite.nn.layer", "Dense", nn.Dense),
    ("mindlite.nn.layer.activation", "ReLU", nn.ReLU),
    ("mindlite.nn.layer.conv", "Conv2d", nn.Conv2d),
    ("mindlite.nn.layer.normalization", "BatchNorm2d", nn.BatchNorm2d),
    ("mindlite.nn.layer.pooling", "MaxPool2d", nn.MaxPool2d),
    ("mindlite.nn.layer.basic", "Dense", nn.Dense),
    ("mindlite.nn.layer.container", "SequentialCell", nn.SequentialCell),
    ("mindlite.nn.cell", "Cell", nn.Cell),
    ("mindlite.nn.loss", "SoftmaxCrossEntropyWithLogits", nn.SoftmaxCrossEntropyWithLogits),
    ("mindlite.nn.loss.loss", "LossBase", nn.LossBase),
    ("mindlite.nn.optim", "Momentum", nn.Momentum),
    ("mindlite.nn.optim.momentum", "Momentum", nn.Momentum),
    ("mindlite.nn.wrap", "TrainOneStepCell", nn.TrainOneStepCell),
    ("mindlite.nn.wrap.cell_wrapper", "WithLossCell", nn.WithLossCell),
    ("mindlite.nn.learning_rate_schedule", "CosineDecayLR", nn.CosineDecayLR),
    ("mindlite.nn.dynamic_lr", "cosine_decay_lr", nn.cosine_decay_lr),
]


@pytest.mark.parametrize("module, name, expect", PATHS, ids=[f"{m}.{n}" for m, n, _ in PATHS])
def test_import_path_reaches_the_one_definition(module, name, expect):
    assert getattr(importlib.import_module(module), name) is expect


def test_from_import_spellings():
    from mindlite.common import dtype as mstype
    from mindlite.common.api import jit  # noqa: F401
    from mindlite.ops import composite as C
    from mindlite.ops import functional as F
    from mindlite.ops import operations as P
    assert mstype.float16 is ms.float16 and mstype.int32 is ms.int32
    assert P.Conv2D is ops.Conv2D and F.cast is ops.cast and C.GradOperation is ops.GradOperation
    assert P.ResizeNearestNeighbor is ops.ResizeNearestNeighbor  # classes of other op families reach P too


def test_dataset_engine_reaches_the_datasets():
    import mindlite.dataset as ds
    import mindlite.dataset.engine as de
    assert de.GeneratorDataset is ds.GeneratorDataset
    assert de.MnistDataset is ds.MnistDataset
    assert de.ImageFolderDatasetV2 is ds.ImageFolderDataset  # the 0.x name
    from mindlite.dataset.transforms import c_transforms as C2
    from mindlite.dataset.vision import c_transforms as CV
    assert C2.TypeCast is ds.transforms.TypeCast and CV.HWC2CHW is ds.vision.HWC2CHW


def test_top_level_helpers():
    t = ms.tensor([1.0, 2.0], ms.float32)
    assert isinstance(t, ms.Tensor) and t.dtype == ms.float32
    arr = np.arange(3.0)
    shared = ms.from_numpy(arr)
    arr[0] = 7.0
    assert shared.asnumpy()[0] == 7.0  # from_numpy shares memory
    assert ms.is_tensor(t) and not ms.is_tensor(arr)
    assert ms.mutable((t, 2)) == (t, 2)
    with pytest.raises(TypeError, match="mutable"):
        ms.mutable("text")

    @ms.jit_class
    class Config:
        scale = 3.0
    assert Config.scale == 3.0
    with pytest.raises(TypeError, match="jit_class"):
        ms.jit_class(3)


# ---- a LeNet-style program written with the legacy spellings ------------------------------------------
def _program():
    from mindlite.common import dtype as mstype
    from mindlite.common.initializer import Normal, initializer
    from mindlite.common.parameter import Parameter, ParameterTuple
    from mindlite.ops import composite as C
    from mindlite.ops import functional as F
    from mindlite.ops import operations as P

    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.conv = P.Conv2D(out_channel=4, kernel_size=3, pad_mode="same")
            self.weight = Parameter(initializer(Normal(0.3), (4, 1, 3, 3), mstype.float32), name="weight")
            self.bias_add = P.BiasAdd()
            self.bias = Parameter(initializer("zeros", (4,), mstype.float32), name="bias")
            self.pool = P.MaxPool(kernel_size=2, strides=2)
            self.relu = P.ReLU()
            self.flatten = P.Flatten()
            self.fc = Parameter(initializer(Normal(0.3), (16, 3), mstype.float32), name="fc")
            self.matmul = P.MatMul()

        def construct(self, x):
            x = self.pool(self.relu(self.bias_add(self.conv(x, self.weight), self.bias)))
            return self.matmul(self.flatten(x), self.fc)

    class Loss(nn.Cell):
        def __init__(self, net):
            super().__init__()
            self.net = net
            self.ce = P.SparseSoftmaxCrossEntropyWithLogits()

        def construct(self, x, y):
            return self.ce(self.net(x), y)

    class Step(nn.Cell):
        def __init__(self, loss):
            super().__init__()
            self.loss = loss
            self.weights = ParameterTuple(loss.trainable_params())
            self.grad = C.GradOperation(get_by_list=True)
            self.assign_sub = P.AssignSub()

        def construct(self, x, y):
            value = self.loss(x, y)
            grads = self.grad(self.loss, self.weights)(x, y)
            for w, g in zip(self.weights, grads):
                self.assign_sub(w, F.cast(g * 0.5, mstype.float32))
            return value

    return Net, Loss, Step


@pytest.mark.parametrize("mode", [ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def test_legacy_spelling_program_trains_the_same_in_both_modes(mode):
    rng = np.random.default_rng(0)
    x = ms.Tensor(rng.standard_normal((6, 1, 4, 4)).astype(np.float32))
    y = ms.Tensor(rng.integers(0, 3, 6).astype(np.int32))
    losses = {}
    for m in (ms.PYNATIVE_MODE, mode):
        ms.set_seed(5)
        Net, Loss, Step = _program()
        step = Step(Loss(Net()))
        ms.set_context(mode=m)
        try:
            losses[m] = [float(step(x, y).asnumpy()) for _ in range(4)]
        finally:
            ms.set_context(mode=ms.PYNATIVE_MODE)
    eager = losses[ms.PYNATIVE_MODE]
    assert eager[-1] < eager[0]  # it learns
    np.testing.assert_allclose(losses[mode], eager, rtol=1e-5)
