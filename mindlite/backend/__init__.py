"""Backends: the array module (`xp`) of each device, and later the executor and kernels."""
from .device import Device, current_device, set_device

__all__ = ["Device", "current_device", "set_device"]
