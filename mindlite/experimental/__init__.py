"""`mindlite.experimental`: MindSpore 2.x's experimental namespace (`experimental.optim`)."""
from . import optim  # noqa: F401
