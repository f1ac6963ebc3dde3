"""``mindlite.dataset.config``: set_seed / get_seed, set_num_parallel_workers, set_prefetch_size, ..."""
from .engine.config import *  # noqa: F401,F403
from .engine.config import __all__, global_rng  # noqa: F401
