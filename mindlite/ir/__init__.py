"""The graph IR: typed SSA values (`Var`), literals (`Lit`), primitive applications (`Node`)
and graphs (`Graph`); control flow is nodes holding subgraphs in their params."""
from .graph import Graph, Lit, Node, Var, aval_of_atom  # noqa: F401
from .printer import format_graph  # noqa: F401
from .verify import verify  # noqa: F401
