"""`te.lang.cce`: the paper's spelling (AKG's module name) of `te.lang`."""
from . import *  # noqa: F401,F403
from . import __all__  # noqa: F401
