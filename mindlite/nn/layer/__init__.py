"""Layer Cells."""
from .activation import (FastGelu, GELU, HSwish, LeakyReLU, LogSoftmax, ReLU, ReLU6, Sigmoid, SiLU,  # noqa: F401
                         Softmax, Softplus, Tanh, get_activation)
from .basic import ClipByNorm, Dense, Dropout, Flatten, Identity, OneHot, Pad  # noqa: F401
from .conv import Conv1d, Conv2d, Conv2dTranspose  # noqa: F401
from .conv3d import Conv1dTranspose, Conv3d, Conv3dTranspose  # noqa: F401
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell  # noqa: F401
from .activation_ext import ELU, HSigmoid, Hardtanh, LogSigmoid, PReLU, SeLU  # noqa: F401
from .channel_dropout import Dropout2d, Dropout3d  # noqa: F401
from .combined import Conv2dBnAct, DenseBnAct  # noqa: F401
from .embedding_lookup import EmbeddingLookup  # noqa: F401
from .image import PSNR, SSIM, CentralCrop, PixelShuffle, Unfold  # noqa: F401
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d  # noqa: F401
from .math import MatMul, Norm, Range  # noqa: F401
from .padding import (ConstantPad1d, ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d,  # noqa: F401
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .embedding import Embedding  # noqa: F401
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm  # noqa: F401
from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d  # noqa: F401
from .transformer import MultiheadAttention, TransformerEncoder, TransformerEncoderLayer  # noqa: F401
