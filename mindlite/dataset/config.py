"""``mindlite.dataset.config``: set_seed / get_seed, set_num_parallel_workers, set_prefetch_size, ..."""
from .engine.config import *
from .engine.config import __all__, global_rng  # noqa: F401
