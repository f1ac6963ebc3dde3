"""Graph autodiff lives with the rest of the differentiation machinery in the core
(`mindlite.core.ad_graph`); these names are re-exported for passes that transform vjp graphs."""
from ..core.ad_graph import inline, vjp_graph  # noqa: F401
