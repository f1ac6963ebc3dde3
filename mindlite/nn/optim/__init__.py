"""`mindlite.nn.optim`: optimizers with MindSpore's update rules and state names."""
from .adagrad import Adagrad
from .adam import Adam, AdamWeightDecay
from .lamb import Lamb
from .momentum import Momentum
from .optimizer import Optimizer
from .rmsprop import RMSProp
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamWeightDecay", "Lamb", "Momentum", "Optimizer", "RMSProp"]
