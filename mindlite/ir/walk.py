"""Walking a DAG of any kind of node (tape entries, tensor expressions, kernel nodes)."""
from __future__ import annotations

from typing import Any, Callable, Iterable


def postorder(roots: Iterable[Any], children: Callable[[Any], Iterable[Any]]) -> list:
    """The distinct nodes reachable from `roots` through `children(node)`, each after all it
    reaches (operands before their users). Roots and children are visited in the order given.
    Iterative, so deep graphs never reach Python's recursion limit; nodes are told apart by
    identity."""
    order: list = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(r, False) for r in reversed(list(roots))]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(list(children(node))) if id(c) not in seen)
    return order
