"""`mindlite.lite`: export, an optimising inference runtime and model compression."""
