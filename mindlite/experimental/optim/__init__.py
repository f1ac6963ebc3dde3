"""`mindlite.experimental.optim`: MindSpore 2.x's torch-style optimizers and lr schedulers.

    >>> from mindlite.experimental import optim
    >>> optimizer = optim.Adam(net.trainable_params(), lr=1e-3)
    >>> scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    >>> grad_fn = ms.value_and_grad(forward, None, optimizer.parameters, has_aux=True)
    >>> (loss, _), grads = grad_fn(data, label); optimizer(grads); scheduler.step()

Each parameter group keeps its learning rate in a float32 Parameter (`param_groups[i]["lr"]`),
which the schedulers rewrite between steps; a compiled training step reads it as an input, so
a schedule never forces a recompilation.
"""
from .optimizer import Optimizer  # noqa: F401
from .adam import Adam  # noqa: F401
from .adamw import AdamW  # noqa: F401
from .sgd import SGD  # noqa: F401
from . import lr_scheduler  # noqa: F401

__all__ = ["Optimizer", "Adam", "AdamW", "SGD", "lr_scheduler"]
