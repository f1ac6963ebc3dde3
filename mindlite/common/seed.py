"""`mindlite.common.seed` (MindSpore's home of `set_seed`, `get_seed`)."""
from ..core.rng import get_seed, set_seed  # noqa: F401

__all__ = ["get_seed", "set_seed"]
