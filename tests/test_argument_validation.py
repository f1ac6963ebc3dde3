"""Argument validation with MindSpore's exception types: TypeError for a wrong type (a float
where an int is needed, a non-dtype dtype, a string for a float), ValueError for a wrong value;
the message names the owner and the argument. Also the shared validator module itself."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import _checkparam as validator
from mindlite import nn
from mindlite.common import initializer as I

P = [ms.Parameter(ms.Tensor(np.zeros(2, np.float32)), name="w")]
X4 = ms.Tensor(np.zeros(4))
X22 = ms.Tensor(np.zeros((2, 2)))

CASES = {
    "Dense(3.5,2)": (TypeError, lambda: nn.Dense(3.5, 2)),
    "Dense(0,2)": (ValueError, lambda: nn.Dense(0, 2)),
    "Dense(True,2)": (TypeError, lambda: nn.Dense(True, 2)),
    "Dense has_bias=1": (TypeError, lambda: nn.Dense(3, 2, has_bias=1)),
    "Dense activation=3": (TypeError, lambda: nn.Dense(3, 2, activation=3)),
    "Dense activation='nope'": (KeyError, lambda: nn.Dense(3, 2, activation="nope")),
    "Dense dtype='float32'": (TypeError, lambda: nn.Dense(3, 2, dtype="float32")),
    "Dense dtype=int32": (TypeError, lambda: nn.Dense(3, 2, dtype=ms.int32)),
    "Conv2d(3,4,3.0)": (TypeError, lambda: nn.Conv2d(3, 4, 3.0)),
    "Conv2d(3,4,0)": (ValueError, lambda: nn.Conv2d(3, 4, 0)),
    "Conv2d(3.0,4,3)": (TypeError, lambda: nn.Conv2d(3.0, 4, 3)),
    "Conv2d pad_mode=1": (TypeError, lambda: nn.Conv2d(3, 4, 3, pad_mode=1)),
    "Conv2d pad_mode=x": (ValueError, lambda: nn.Conv2d(3, 4, 3, pad_mode="x")),
    "Conv2d stride=(1,)": (ValueError, lambda: nn.Conv2d(3, 4, 3, stride=(1,))),
    "Conv2d padding=-1": (ValueError, lambda: nn.Conv2d(3, 4, 3, pad_mode="pad", padding=-1)),
    "Conv2d padding=1.5": (TypeError, lambda: nn.Conv2d(3, 4, 3, pad_mode="pad", padding=1.5)),
    "Conv2d has_bias='y'": (TypeError, lambda: nn.Conv2d(3, 4, 3, has_bias="y")),
    "Conv1d(3,4,2.0)": (TypeError, lambda: nn.Conv1d(3, 4, 2.0)),
    "BN(2.0)": (TypeError, lambda: nn.BatchNorm2d(2.0)),
    "BN(0)": (ValueError, lambda: nn.BatchNorm2d(0)),
    "BN momentum='a'": (TypeError, lambda: nn.BatchNorm2d(2, momentum="a")),
    "BN momentum=2": (ValueError, lambda: nn.BatchNorm2d(2, momentum=2.0)),
    "BN eps=0": (ValueError, lambda: nn.BatchNorm2d(2, eps=0.0)),
    "BN eps='a'": (TypeError, lambda: nn.BatchNorm2d(2, eps="a")),
    "BN affine=1": (TypeError, lambda: nn.BatchNorm2d(2, affine=1)),
    "LN shape=3": (TypeError, lambda: nn.LayerNorm(3)),
    "LN shape=(2.0,)": (TypeError, lambda: nn.LayerNorm((2.0,))),
    "LN eps=-1": (ValueError, lambda: nn.LayerNorm((2,), epsilon=-1.0)),
    "GN(2.0,4)": (TypeError, lambda: nn.GroupNorm(2.0, 4)),
    "GN(3,4)": (ValueError, lambda: nn.GroupNorm(3, 4)),
    "GN(0,4)": (ValueError, lambda: nn.GroupNorm(0, 4)),
    "Dropout('a')": (TypeError, lambda: nn.Dropout("a")),
    "Dropout(p=1.0)": (ValueError, lambda: nn.Dropout(p=1.0)),
    "Dropout(0)": (ValueError, lambda: nn.Dropout(0.0)),
    "Embedding(2.0,3)": (TypeError, lambda: nn.Embedding(2.0, 3)),
    "Embedding(0,3)": (ValueError, lambda: nn.Embedding(0, 3)),
    "Embedding padding_idx=5": (ValueError, lambda: nn.Embedding(3, 2, padding_idx=5)),
    "MaxPool2d(2.0)": (TypeError, lambda: nn.MaxPool2d(2.0)),
    "MaxPool2d(0)": (ValueError, lambda: nn.MaxPool2d(0)),
    "MaxPool2d pad_mode=x": (ValueError, lambda: nn.MaxPool2d(2, pad_mode="x")),
    "AvgPool2d(2, 1.5)": (TypeError, lambda: nn.AvgPool2d(2, 1.5)),
    "AdaptiveAvgPool2d(2.5)": (TypeError, lambda: nn.AdaptiveAvgPool2d(2.5)),
    "LeakyReLU('a')": (TypeError, lambda: nn.LeakyReLU("a")),
    "Softmax(1.0)": (TypeError, lambda: nn.Softmax(1.0)),
    "Flatten(1.0)": (TypeError, lambda: nn.Flatten(1.0)),
    "MHA(8.0,2)": (TypeError, lambda: nn.MultiheadAttention(8.0, 2)),
    "MHA(8,3)": (ValueError, lambda: nn.MultiheadAttention(8, 3)),
    "MSELoss(reduction=1)": (TypeError, lambda: nn.MSELoss(reduction=1)),
    "MSELoss(reduction='x')": (ValueError, lambda: nn.MSELoss(reduction="x")),
    "SmoothL1Loss(beta='a')": (TypeError, lambda: nn.SmoothL1Loss(beta="a")),
    "SmoothL1Loss(beta=0)": (ValueError, lambda: nn.SmoothL1Loss(beta=0.0)),
    "CE label_smoothing=2": (ValueError, lambda: nn.CrossEntropyLoss(label_smoothing=2.0)),
    "CE ignore_index=1.5": (TypeError, lambda: nn.CrossEntropyLoss(ignore_index=1.5)),
    "CE weight=list": (TypeError, lambda: nn.CrossEntropyLoss(weight=[1.0])),
    "SCE sparse=1": (TypeError, lambda: nn.SoftmaxCrossEntropyWithLogits(sparse=1)),
    "SGD lr='a'": (TypeError, lambda: nn.SGD(P, learning_rate="a")),
    "SGD momentum=-1": (ValueError, lambda: nn.SGD(P, momentum=-1.0)),
    "SGD nesterov=1": (TypeError, lambda: nn.SGD(P, nesterov=1)),
    "Momentum momentum='a'": (TypeError, lambda: nn.Momentum(P, 0.1, "a")),
    "Adam beta1=1.5": (ValueError, lambda: nn.Adam(P, beta1=1.5)),
    "Adam eps='a'": (TypeError, lambda: nn.Adam(P, eps="a")),
    "Normal(sigma='a')": (TypeError, lambda: I.Normal(sigma="a")),
    "Uniform(scale='a')": (TypeError, lambda: I.Uniform(scale="a")),
    "Constant('a')": (TypeError, lambda: I.Constant("a")),
    "HeUniform(mode=1)": (TypeError, lambda: I.HeUniform(mode=1)),
    "XavierUniform(gain='a')": (TypeError, lambda: I.XavierUniform(gain="a")),
    "initializer shape 2.5": (TypeError, lambda: I.initializer("ones", (2.5,))),
    "initializer shape -1": (ValueError, lambda: I.initializer("ones", (-1,))),
    "initializer dtype str": (TypeError, lambda: I.initializer("ones", (2,), "float32")),
    "Tensor dtype str": (TypeError, lambda: ms.Tensor([1.0], dtype="float32")),
    "ops.cast dtype str": (TypeError, lambda: ms.ops.cast(ms.Tensor([1.0]), "float32")),
    "ops.one_hot depth 2.5": (TypeError, lambda: ms.ops.one_hot(ms.Tensor([0, 1]), 2.5)),
    "ops.one_hot depth -1": (ValueError, lambda: ms.ops.one_hot(ms.Tensor([0, 1]), -1)),
    "ops.split size 1.5": (TypeError, lambda: ms.ops.split(X4, 1.5)),
    "ops.topk k 1.5": (TypeError, lambda: ms.ops.topk(X4, 1.5)),
    "ops.flatten start 1.5": (TypeError, lambda: ms.ops.flatten(X22, start_dim=1.5)),
    "ops.reshape 2.5": (TypeError, lambda: ms.ops.reshape(X4, (2.5, 2))),
    "ops.tile 1.5": (TypeError, lambda: ms.ops.tile(X4, (1.5,))),
    "ops.expand_dims 1.5": (TypeError, lambda: ms.ops.expand_dims(X4, 1.5)),
    "ops.sum axis 1.5": (TypeError, lambda: ms.ops.sum(X22, 1.5)),
    "ops.softmax axis 1.5": (TypeError, lambda: ms.ops.softmax(X22, 1.5)),
    "ops.dropout p 2": (ValueError, lambda: ms.ops.dropout(ms.Tensor(np.zeros((2, 2), np.float32)), 2.0)),
    "ops.zeros shape 2.5": (TypeError, lambda: ms.ops.zeros((2.5,))),
    "ops.ones dtype str": (TypeError, lambda: ms.ops.ones((2,), "float32")),
    "ops.arange step 0": (ValueError, lambda: ms.ops.arange(0, 5, 0)),
    "ops.transpose perm float": (TypeError, lambda: ms.ops.transpose(X22, (0.0, 1.0))),}


@pytest.mark.parametrize("name", list(CASES))
def test_wrong_argument_raises_mindspores_exception_type(name):
    exc, fn = CASES[name]
    with pytest.raises(exc):
        fn()


@pytest.mark.parametrize("fn, words", [
    (lambda: nn.Dense(3.5, 2), ["Dense", "in_channels", "int", "float 3.5"]),
    (lambda: nn.Conv2d(3, 4, 3, pad_mode="x"), ["Conv2d", "pad_mode", "'same'", "'x'"]),
    (lambda: nn.BatchNorm2d(2, momentum=2.0), ["BatchNorm2d", "momentum", "[0.0, 1.0]", "2.0"]),
    (lambda: nn.Dense(3, 2, dtype="float32"), ["Dense", "dtype", "mindlite.float32", "'float32'"]),
    (lambda: ms.ops.reshape(X4, (2.5, 2)), ["reshape", "shape", "ints", "2.5"]),
])
def test_messages_say_what_was_expected_and_given(fn, words):
    with pytest.raises((TypeError, ValueError)) as info:
        fn()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_validator_functions():
    assert validator.check_positive_int(3, "n", "Op") == 3
    assert validator.check_non_negative_float(2, "x") == 2.0
    assert validator.check_float_range(0.5, 0.0, 1.0, validator.INC_NEITHER, "p") == 0.5
    assert validator.check_int_or_pair(3, "kernel_size") == (3, 3)
    assert validator.check_string("same", ["same", "valid"], "pad_mode") == "same"
    assert validator.check_value_type("x", 1.5, [float, int]) == 1.5
    assert validator.Validator.check_positive_int(2) == 2
    with pytest.raises(TypeError, match="'n' must be an int, but got bool True"):
        validator.check_positive_int(True, "n", "Op")
    with pytest.raises(ValueError, match=r"For 'Op', 'p' must be in \(0.0, 1.0\), but got 1.0"):
        validator.check_float_range(1.0, 0.0, 1.0, validator.INC_NEITHER, "p", "Op")
    with pytest.raises(TypeError, match="of type float, int"):
        validator.check_value_type("x", True, [float, int])
    with pytest.raises(ValueError, match="must be >= 1"):
        validator.check_int(0, 1, validator.GE, "k", "TopK")
    with pytest.raises(TypeError, match="floating-point dtype"):
        validator.check_float_dtype(ms.int32, "dtype", "Dense")
    with pytest.raises(ValueError, match=r"kernel_size\[1\]"):
        validator.check_int_or_pair((2, 0), "kernel_size", "MaxPool2d")


def test_valid_arguments_still_build():
    nn.Dense(3, 2, activation="relu", dtype=ms.float16)
    nn.Conv2d(3, 4, (3, 1), stride=2, pad_mode="pad", padding=(1, 1, 0, 0), has_bias=True)
    nn.BatchNorm2d(4, eps=1e-3, momentum=0.99, use_batch_statistics=False)
    nn.LayerNorm([4, 5], epsilon=1e-5)
    nn.Dropout(p=0.0)
    nn.Embedding(10, 3, padding_idx=0)
    nn.MaxPool2d(kernel_size=(2, 3), stride=1, pad_mode="SAME")
    nn.AdaptiveAvgPool2d((None, 2))
    I.initializer(I.Normal(0.02), np.int64(3))
    assert ms.ops.one_hot(ms.Tensor([0, 2]), np.int64(3)).shape == (2, 3)
