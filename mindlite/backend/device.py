"""The device seam lives in the core (`mindlite.core.device`); re-exported here."""
from ..core.device import Device, current_device, set_device, to_numpy  # noqa: F401
